//! IPC commands: each forwards to `AppCore`. Every command that touches the store,
//! the network or the PDF engine is `async`: Tauri runs synchronous commands on the
//! window's thread, where a slow disk would freeze the window.

use std::sync::Arc;

use meeting_client::annotations::LocalAnnotation;
use meeting_client::app::{AppCore, CoverShape, OpenedDocument, Session, UiResult};
use meeting_client::drafts::AnnotationDraft;
use meeting_client::export::ExportReport;
use meeting_client::mark_search::MarkHit;
use meeting_client::search::SearchHit;
use meeting_client::store::{LocalMeeting, MeetingSummary};
use meeting_client::{SyncProgress, SyncReport};
use meeting_pdf::{PageText, Priority};
use tauri::State;
use tauri::ipc::{Channel, Response};

pub(crate) type Core<'a> = State<'a, Arc<AppCore>>;

#[tauri::command]
pub async fn session(core: Core<'_>) -> UiResult<Session> {
    core.session()
}

#[tauri::command]
pub async fn login(
    core: Core<'_>,
    server_url: String,
    username: String,
    password: String,
    old_password: Option<String>,
) -> UiResult<Session> {
    core.login(&server_url, &username, &password, old_password.as_deref()).await
}

#[tauri::command]
pub async fn unlock(core: Core<'_>, password: String) -> UiResult<Session> {
    core.unlock(&password).await
}

#[tauri::command]
pub async fn set_pin(core: Core<'_>, pin: String) -> UiResult<Session> {
    core.set_pin(&pin).await
}

#[tauri::command]
pub async fn unlock_pin(core: Core<'_>, pin: String) -> UiResult<Session> {
    core.unlock_pin(&pin).await
}

#[tauri::command]
pub async fn lock(core: Core<'_>) -> UiResult<()> {
    core.lock();
    Ok(())
}

#[tauri::command]
pub async fn logout(core: Core<'_>) -> UiResult<()> {
    core.logout().await
}

#[tauri::command]
pub async fn sync(core: Core<'_>, progress: Channel<SyncProgress>) -> UiResult<SyncReport> {
    core.sync(&|p| drop(progress.send(p.clone()))).await
}

#[tauri::command]
pub async fn meetings(core: Core<'_>) -> UiResult<Vec<MeetingSummary>> {
    core.meetings()
}

#[tauri::command]
pub async fn meeting(core: Core<'_>, id: String) -> UiResult<LocalMeeting> {
    core.meeting(&id)
}

#[tauri::command]
pub async fn meeting_opened(core: Core<'_>, id: String) -> UiResult<()> {
    core.meeting_opened(&id)
}

#[tauri::command]
pub async fn open_document(core: Core<'_>, document_id: String, password: Option<String>) -> UiResult<OpenedDocument> {
    core.open_document(&document_id, password.as_deref()).await
}

#[tauri::command]
pub async fn warm_document(core: Core<'_>, document_id: String) -> UiResult<Option<CoverShape>> {
    core.warm_document(&document_id).await
}

#[tauri::command]
pub async fn prepare_cover(core: Core<'_>, document_id: String, width: u32, rows: Option<(u32, u32)>) -> UiResult<()> {
    core.prepare_cover(&document_id, width, rows).await
}

#[tauri::command]
pub fn close_document(core: Core<'_>, handle: u64) {
    core.close_document(handle);
}

/// Raw `[RGBA…][u32 width][u32 height]` bytes: arrives in JS as an ArrayBuffer, no
/// encoding. With `rows` (top, count), only those pixel rows of the page.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn render_page(
    core: Core<'_>,
    handle: u64,
    page: u32,
    width: u32,
    priority: Priority,
    view: u64,
    generation: u64,
    rows: Option<(u32, u32)>,
) -> UiResult<Response> {
    core.render_page_rows(handle, page, width, rows, priority, view, generation)
        .await
        .map(|b| Response::new(b.into_frame()))
}

/// The origins of the app's own page (Linux and macOS; Windows; the development server
/// in debug builds): the only ones the pixel socket accepts.
pub(crate) fn app_origins() -> Vec<String> {
    let mut origins = vec!["tauri://localhost".to_owned(), "http://tauri.localhost".to_owned()];
    if cfg!(debug_assertions) {
        origins.push("http://localhost:5173".to_owned());
    }
    origins
}

/// The app's pixel socket, if it could listen.
pub(crate) struct Pixels(pub Option<meeting_client::pixel_socket::PixelSocket>);

/// Where the viewer fetches page pixels (`ws://127.0.0.1:PORT/TOKEN`); none: use `render_page`.
#[tauri::command]
pub async fn pixel_socket(pixels: State<'_, Pixels>) -> UiResult<Option<String>> {
    Ok(pixels.0.as_ref().map(|p| p.url().to_owned()))
}

#[tauri::command]
pub async fn page_text(core: Core<'_>, handle: u64, page: u32) -> UiResult<PageText> {
    core.page_text(handle, page).await
}

#[tauri::command]
pub async fn page_links(core: Core<'_>, handle: u64, page: u32) -> UiResult<Vec<meeting_pdf::PageLink>> {
    core.page_links(handle, page).await
}

#[tauri::command]
pub async fn find_in_document(core: Core<'_>, handle: u64, query: String) -> UiResult<Vec<meeting_pdf::SearchHit>> {
    core.find_in_document(handle, &query).await
}

#[tauri::command]
pub async fn search(core: Core<'_>, query: String, meeting_id: Option<String>) -> UiResult<Vec<SearchHit>> {
    core.search(&query, meeting_id.as_deref())
}

#[tauri::command]
pub async fn search_marks(core: Core<'_>, query: String, meeting_id: Option<String>) -> UiResult<Vec<MarkHit>> {
    core.search_marks(&query, meeting_id.as_deref())
}

#[tauri::command]
pub async fn preference(core: Core<'_>, key: String) -> UiResult<Option<String>> {
    core.preference(&key)
}

#[tauri::command]
pub async fn set_preference(core: Core<'_>, key: String, value: String) -> UiResult<()> {
    core.set_preference(&key, &value)
}

#[tauri::command]
pub async fn document_annotations(core: Core<'_>, document_id: String) -> UiResult<Vec<LocalAnnotation>> {
    core.document_annotations(&document_id)
}

#[tauri::command]
pub async fn meeting_annotations(core: Core<'_>, meeting_id: String) -> UiResult<Vec<LocalAnnotation>> {
    core.meeting_annotations(&meeting_id)
}

#[tauri::command]
pub async fn save_annotation(core: Core<'_>, draft: AnnotationDraft) -> UiResult<LocalAnnotation> {
    core.save_annotation(draft)
}

#[tauri::command]
pub async fn mark_text(
    core: Core<'_>,
    draft: AnnotationDraft,
    handle: u64,
    start: usize,
    end: usize,
) -> UiResult<LocalAnnotation> {
    core.mark_text(draft, handle, start, end).await
}

#[tauri::command]
pub async fn export_document(core: Core<'_>, document_id: String, flatten: bool) -> UiResult<ExportReport> {
    core.export_document(&document_id, flatten).await
}

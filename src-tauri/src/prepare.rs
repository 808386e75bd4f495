//! IPC commands of the Prepare workspace: each forwards to `AppCore::prepare_*` (and
//! `AppCore::hot_folder_*`).

use meeting_client::app::{DeletionChoice, HotFolderStatus, PrepareView, UiResult};
use meeting_client::prepare::Uploaded;
use meeting_protocol::{
    AgendaItem, AgendaItemInput, AuditEntry, Conversion, CopyMeetingRequest, Document, DocumentPatch, DocumentVersion,
    Meeting, MeetingInput, Opinion, OpinionState, ParticipantDevices, ParticipantRole, User,
};
use tauri::ipc::Channel;

use crate::commands::Core;

#[tauri::command]
pub async fn prepare_meetings(core: Core<'_>) -> UiResult<Vec<Meeting>> {
    core.prepare_meetings().await
}

#[tauri::command]
pub async fn prepare_view(core: Core<'_>, meeting: String) -> UiResult<PrepareView> {
    core.prepare_view(&meeting).await
}

#[tauri::command]
pub async fn prepare_create(core: Core<'_>, input: MeetingInput) -> UiResult<Meeting> {
    core.prepare_create(input).await
}

#[tauri::command]
pub async fn prepare_update(core: Core<'_>, meeting: String, input: MeetingInput) -> UiResult<Meeting> {
    core.prepare_update(&meeting, input).await
}

#[tauri::command]
pub async fn prepare_status(
    core: Core<'_>,
    meeting: String,
    action: String,
    reason: Option<String>,
) -> UiResult<Meeting> {
    core.prepare_status(&meeting, &action, reason).await
}

#[tauri::command]
pub async fn prepare_copy(core: Core<'_>, meeting: String, request: CopyMeetingRequest) -> UiResult<Meeting> {
    core.prepare_copy(&meeting, request).await
}

#[tauri::command]
pub async fn prepare_add_item(core: Core<'_>, meeting: String, input: AgendaItemInput) -> UiResult<AgendaItem> {
    core.prepare_add_item(&meeting, input).await
}

#[tauri::command]
pub async fn prepare_update_item(core: Core<'_>, item: String, input: AgendaItemInput) -> UiResult<AgendaItem> {
    core.prepare_update_item(&item, input).await
}

#[tauri::command]
pub async fn prepare_delete_item(core: Core<'_>, item: String) -> UiResult<()> {
    core.prepare_delete_item(&item).await
}

#[tauri::command]
pub async fn prepare_reorder(core: Core<'_>, meeting: String, items: Vec<String>) -> UiResult<Vec<AgendaItem>> {
    core.prepare_reorder(&meeting, items).await
}

#[tauri::command]
pub async fn prepare_directory(core: Core<'_>, query: String) -> UiResult<Vec<User>> {
    core.prepare_directory(&query).await
}

#[tauri::command]
pub async fn prepare_participant(
    core: Core<'_>,
    meeting: String,
    user: String,
    role: Option<ParticipantRole>,
) -> UiResult<()> {
    core.prepare_participant(&meeting, &user, role).await
}

#[tauri::command]
pub async fn prepare_upload(
    core: Core<'_>,
    meeting: String,
    path: String,
    item: Option<String>,
    replace: Option<String>,
    progress: Channel<Conversion>,
) -> UiResult<Uploaded> {
    core.prepare_upload(&meeting, &path, item, replace, &|c| drop(progress.send(c.clone()))).await
}

#[tauri::command]
pub async fn prepare_audit(core: Core<'_>, meeting: String) -> UiResult<Vec<AuditEntry>> {
    core.prepare_audit(&meeting).await
}

#[tauri::command]
pub async fn prepare_devices(core: Core<'_>, meeting: String) -> UiResult<Vec<ParticipantDevices>> {
    core.prepare_devices(&meeting).await
}

#[tauri::command]
pub async fn opinions(core: Core<'_>, meeting: String) -> UiResult<Vec<Opinion>> {
    core.opinions(&meeting)
}

#[tauri::command]
pub async fn set_opinion_handled(core: Core<'_>, annotation: String, handled: bool) -> UiResult<OpinionState> {
    core.set_opinion_handled(&annotation, handled).await
}

/// A picked file's bytes as the raw request body; meeting, item, the document it replaces
/// and the file name (percent-encoded) in headers.
#[tauri::command]
pub async fn prepare_upload_bytes(core: Core<'_>, request: tauri::ipc::Request<'_>) -> UiResult<Uploaded> {
    let header = |k: &str| request.headers().get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(meeting_client::ClientError::Invalid("send the file's bytes as the body".into()).into());
    };
    let item = Some(header("x-item")).filter(|i| !i.is_empty());
    let replace = Some(header("x-replace")).filter(|i| !i.is_empty());
    let name = meeting_client::app::percent_decode(&header("x-filename"));
    core.prepare_upload_bytes(&header("x-meeting"), item, replace, &name, bytes).await
}

#[tauri::command]
pub async fn hot_folder_status(core: Core<'_>, meeting: String) -> UiResult<HotFolderStatus> {
    core.hot_folder_status(&meeting)
}

#[tauri::command]
pub async fn hot_folder_link(core: Core<'_>, meeting: String, dir: String, poll: bool) -> UiResult<HotFolderStatus> {
    core.hot_folder_link(&meeting, &dir, poll)
}

#[tauri::command]
pub async fn hot_folder_stop(core: Core<'_>, meeting: String) -> UiResult<HotFolderStatus> {
    core.hot_folder_stop(&meeting)
}

#[tauri::command]
pub async fn hot_folder_settle(
    core: Core<'_>,
    meeting: String,
    paths: Option<Vec<String>>,
    choice: DeletionChoice,
) -> UiResult<HotFolderStatus> {
    core.hot_folder_settle(&meeting, paths, choice).await
}

#[tauri::command]
pub async fn prepare_versions(core: Core<'_>, document: String) -> UiResult<Vec<DocumentVersion>> {
    core.prepare_versions(&document).await
}

#[tauri::command]
pub async fn prepare_save_original(core: Core<'_>, document: String, version: i64) -> UiResult<String> {
    core.prepare_save_original(&document, version).await
}

#[tauri::command]
pub async fn prepare_update_document(core: Core<'_>, document: String, patch: DocumentPatch) -> UiResult<Document> {
    core.prepare_update_document(&document, patch).await
}

#[tauri::command]
pub async fn prepare_delete_document(core: Core<'_>, document: String) -> UiResult<()> {
    core.prepare_delete_document(&document).await
}

#[tauri::command]
pub async fn prepare_reorder_documents(
    core: Core<'_>,
    meeting: String,
    item: Option<String>,
    documents: Vec<String>,
) -> UiResult<Vec<Document>> {
    core.prepare_reorder_documents(&meeting, item, documents).await
}

//! What the desktop app does, without the window: the session, background sync,
//! meetings, opening documents from the verified cache, page renders for the viewer,
//! find-in-document and search; for secretaries the Prepare workspace and hot folders. The Tauri shell forwards each command here in a line
//! or three, so all of it is testable without a webview.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use meeting_pdf::{DocHandle, DocInfo, PageText, PdfError, PdfService, Priority, SearchHit as PdfHit, Ticket};
use serde::{Deserialize, Serialize};

mod annotate;
mod codes;
mod hotfolder;
mod prepare;
mod room;
mod tasks;
mod warm;

pub use hotfolder::{DeletionChoice, HotFolderEvent, HotFolderStatus};
pub use prepare::{PrepareView, PublishWarning, percent_decode};
pub use room::RoomView;
pub use tasks::{NoteSent, TaskRow, TasksView};
pub use warm::CoverShape;

pub use codes::UiCode;

use crate::search::SearchHit;
use crate::store::{LocalMeeting, MeetingSummary};
use crate::{ClientError, Profile, SyncOptions, SyncProgress, SyncReport};

/// An error as the UI sees it: a stable code to branch on and a sentence to show.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UiError {
    /// Stable code from one typed list (e.g. `server_unreachable`, `damaged_file`).
    pub code: UiCode,
    /// Human-readable message.
    pub message: String,
}

impl From<ClientError> for UiError {
    fn from(e: ClientError) -> Self {
        // A server's refusal keeps its own code: "damaged", "too large" and "conversion
        // failed" are different things to tell the user.
        let code = match &e {
            ClientError::Server { code, status, .. } if *status >= 500 && code == "internal" => UiCode::ServerError,
            ClientError::Server { code, .. } => UiCode::parse(code),
            other => UiCode::parse(other.code()),
        };
        Self { code, message: e.to_string() }
    }
}

impl From<PdfError> for UiError {
    fn from(e: PdfError) -> Self {
        Self { code: UiCode::parse(e.code()), message: e.to_string() }
    }
}

/// Result of app operations.
pub type UiResult<T> = Result<T, UiError>;

/// What the desktop app sets in its environment for WebKit's processes besides
/// glibc's allocator settings (`src-tauri/src/environment.rs` says why): no JavaScript
/// JIT, and no GL in GTK (left out when `PHONGHOP_GPU=1` asks for the GPU).
pub const WEB_ENGINE_SETTINGS: [(&str, &str); 2] = [("JSC_useJIT", "0"), ("GDK_GL", "disable")];

/// The PDF engine's settings for the app: no render cache. The viewer keeps pixels
/// where they are shown (the canvases of the pages on screen and within a screen of it,
/// which is also where prefetched pages land), so a cache in this process would only
/// hold a second copy of them (up to 160 MB by default, see `bench-memory`), and every
/// cached page would have to be copied again into its IPC answer; uncached, a render
/// becomes its answer without a copy (`bench-render`).
pub fn pdf_options() -> meeting_pdf::ServiceOptions {
    meeting_pdf::ServiceOptions { cache_bytes: 0, ..Default::default() }
}

/// Who is logged in on this device.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Session {
    /// Logged in (a token is stored).
    pub logged_in: bool,
    /// Server address.
    pub server_url: Option<String>,
    /// Login name.
    pub username: Option<String>,
    /// Name to greet.
    pub display_name: Option<String>,
    /// Office role (`leader`, `secretary`, `admin`): secretaries and admins get the
    /// Prepare workspace.
    pub role: Option<String>,
    /// The device's documents are locked (the app was started again, or locked): the
    /// UI asks for the password before anything else.
    pub locked: bool,
    /// A PIN can re-open the lock (set since the app started, fewer than five wrong).
    #[serde(default)]
    pub pin: bool,
    /// Whether the OS keystore holds the device's key (else the password is asked at
    /// each start, and the UI says why once, after the login).
    #[serde(default)]
    pub keystore: crate::keystore::KeystoreState,
}

/// An open document, as the viewer needs it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenedDocument {
    /// Engine handle for render/text/find calls.
    pub handle: u64,
    /// Page sizes, outline, title.
    pub info: DocInfo,
    /// The version on screen (annotations drawn on another one are listed, not drawn).
    pub sha256: String,
}

/// The app's state; one per window process.
pub struct AppCore {
    profile: Profile,
    pdf: PdfService,
    views: Mutex<HashMap<u64, (u64, Ticket)>>,
    open: Mutex<HashMap<String, DocHandle>>,
    /// The document opened ahead of the reader's click (see [`AppCore::warm_document`]).
    warm: Mutex<Option<warm::Warm>>,
    /// The cover of the document last taken from `warm`, drawn ahead for its viewer.
    cover: Mutex<Option<warm::Cover>>,
    /// Counts locks and logouts: a document opened ahead across one is closed, not kept.
    closings: std::sync::atomic::AtomicU64,
    hot: hotfolder::Watchers,
    /// Ends [`AppCore::room_live`].
    live_stop: tokio::sync::Notify,
}

impl AppCore {
    /// The app on a profile directory, with a PDF engine.
    pub fn new(profile: Profile, pdf: PdfService) -> Arc<Self> {
        Arc::new(Self {
            profile,
            pdf,
            views: Mutex::new(HashMap::new()),
            open: Mutex::new(HashMap::new()),
            warm: Mutex::new(None),
            cover: Mutex::new(None),
            closings: std::sync::atomic::AtomicU64::new(0),
            hot: hotfolder::Watchers::default(),
            live_stop: tokio::sync::Notify::new(),
        })
    }

    /// The stored session. While locked the database cannot be read: the lock screen
    /// shows who is logged in from the keys file (see [`crate::vault`]).
    pub fn session(&self) -> UiResult<Session> {
        // A profile without keys (made by an older version) logs in again: the server
        // checks the password that then protects the keys.
        if !self.profile.has_keys() {
            return Ok(Session::default());
        }
        // At start, the OS keystore's copy of the key opens the app without the password
        // (a logged-out profile has none: logout takes it back).
        if !self.profile.is_unlocked() {
            self.profile.unlock_from_keystore();
        }
        let keystore = self.profile.keystore_state();
        if !self.profile.is_unlocked() {
            let account = self.profile.account();
            return Ok(Session {
                logged_in: account.is_some(),
                locked: account.is_some(),
                pin: self.profile.has_pin(),
                server_url: account.as_ref().map(|a| a.server_url.clone()),
                username: account.as_ref().map(|a| a.username.clone()),
                display_name: account.as_ref().map(|a| a.display_name.clone()),
                role: account.map(|a| a.role),
                keystore,
            });
        }
        let store = self.profile.store()?;
        Ok(Session {
            logged_in: store.meta("token")?.is_some(),
            locked: false,
            pin: self.profile.has_pin(),
            server_url: store.meta("server_url")?,
            username: store.meta("username")?,
            display_name: store.meta("display_name")?,
            role: store.meta("role")?,
            keystore,
        })
    }

    /// Logs in and returns the session.
    /// `old_password`: this device's previous password, asked when the password was
    /// changed on the server while changes made here wait (`old_password_needed`).
    pub async fn login(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
        old_password: Option<&str>,
    ) -> UiResult<Session> {
        self.profile.login_keeping(server_url, username, password, old_password).await?;
        // The folders this user left watched on this device are watched again.
        self.hot_folders_resume()?;
        self.session()
    }

    /// Runs a key operation with a secret (Argon2id: slow on purpose) off the async
    /// threads; the secret's copy is wiped afterwards.
    async fn with_secret(&self, secret: &str, op: fn(&Profile, &str) -> crate::Result<()>) -> UiResult<()> {
        let (profile, secret) = (self.profile.clone(), zeroize::Zeroizing::new(secret.to_owned()));
        tokio::task::spawn_blocking(move || op(&profile, &secret))
            .await
            .map_err(|e| ClientError::Protocol(format!("opening the device's keys: {e}")))??;
        Ok(())
    }

    /// Unlocks the device's documents with the password (after a restart or a lock).
    pub async fn unlock(&self, password: &str) -> UiResult<Session> {
        self.with_secret(password, Profile::unlock).await?;
        self.hot_folders_resume()?;
        self.session()
    }

    /// Lets `pin` re-open the app after a lock, until a restart, a logout or five wrong
    /// PINs (it wraps the key held in memory; nothing is written).
    pub async fn set_pin(&self, pin: &str) -> UiResult<Session> {
        self.with_secret(pin, Profile::set_pin).await?;
        self.session()
    }

    /// Re-opens a locked app with its PIN.
    pub async fn unlock_pin(&self, pin: &str) -> UiResult<Session> {
        self.with_secret(pin, Profile::unlock_with_pin).await?;
        self.hot_folders_resume()?;
        self.session()
    }

    /// Locks: closes every open document and drops the keys from memory (a PIN set
    /// earlier can re-open it; after a restart only the password can).
    pub fn lock(&self) {
        let mut handles: Vec<DocHandle> =
            self.open.lock().map(|mut o| o.drain().map(|(_, h)| h).collect()).unwrap_or_default();
        self.closings.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        handles.extend(self.take_warm(None).map(|w| w.handle));
        self.forget_cover(None);
        for h in handles {
            self.pdf.close(h);
        }
        self.profile.lock_for_pin();
    }

    /// Logs out (the offline copy stays until someone else logs in).
    pub async fn logout(&self) -> UiResult<()> {
        self.hot.stop_all();
        // Nothing opened ahead stays open for the next person.
        self.closings.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Some(w) = self.take_warm(None) {
            self.pdf.close(w.handle);
        }
        self.forget_cover(None);
        Ok(self.profile.logout().await?)
    }

    /// Synchronises, reporting progress; new documents are indexed for search.
    pub async fn sync(&self, progress: &(dyn Fn(&SyncProgress) + Sync)) -> UiResult<SyncReport> {
        let opts = SyncOptions { pdf: Some(self.pdf.clone()), ..SyncOptions::default() };
        match crate::sync(&self.profile, &opts, progress).await {
            // The profile was erased: nothing of it may stay open or watched.
            Err(ClientError::DeviceRevoked) => {
                self.hot.stop_all();
                self.lock();
                Err(ClientError::DeviceRevoked.into())
            }
            other => Ok(other?),
        }
    }

    /// Meetings on this device.
    pub fn meetings(&self) -> UiResult<Vec<MeetingSummary>> {
        // A lease that ran out while the app was open is honoured before anything shows.
        self.profile.enforce_leases()?;
        Ok(self.profile.store()?.meetings()?)
    }

    /// One meeting with agenda and documents.
    pub fn meeting(&self, id: &str) -> UiResult<LocalMeeting> {
        self.profile.enforce_leases()?;
        let store = self.profile.store()?;
        store.meeting(id)?.ok_or_else(|| ClientError::NotFound(format!("meeting {id} is not on this device")).into())
    }

    /// Remembers that the user opened the meeting: documents added or replaced after
    /// this show as new (see [`crate::seen`]).
    pub fn meeting_opened(&self, id: &str) -> UiResult<()> {
        Ok(self.profile.store()?.mark_meeting_seen(id)?)
    }

    /// Opens a document from the verified cache (offline), optionally with a password;
    /// one with no offline copy streams from the server into memory (see
    /// [`crate::online`]).
    pub async fn open_document(&self, document_id: &str, password: Option<&str>) -> UiResult<OpenedDocument> {
        let store = self.profile.store()?;
        let (handle, info, sha) = match self.take_warm(Some(document_id)) {
            // Unless a sync brought a new version since it was warmed.
            Some(w) if store.document_blob(document_id)?.as_deref() == Some(w.sha256.as_str()) => {
                // Its cover drawn ahead, if any, for this viewer; one left unused by the
                // viewer before goes.
                if let Ok(mut c) = self.cover.lock() {
                    *c = w.cover;
                }
                (w.handle, w.info, w.sha256)
            }
            stale => {
                self.forget_cover(None);
                if let Some(w) = stale {
                    self.pdf.close(w.handle);
                }
                self.load(document_id, password).await?
            }
        };
        // The audit of opens: recorded here, sent with the next sync.
        store.record_open(document_id, &sha)?;
        if let Ok(mut open) = self.open.lock()
            && let Some(old) = open.insert(document_id.to_owned(), handle)
        {
            self.pdf.close(old);
        }
        Ok(OpenedDocument { handle: handle.0, info, sha256: sha })
    }

    /// Opens a document in the PDF worker: the offline copy, else streamed from the
    /// server.
    async fn load(&self, document_id: &str, password: Option<&str>) -> UiResult<(DocHandle, DocInfo, String)> {
        let store = self.profile.store()?;
        let blobs = self.profile.blobs()?;
        let (sha, source) = match store.document_blob(document_id)? {
            Some(sha) => {
                let source = blobs.source(&sha)?;
                (sha, source)
            }
            None => match store.document(document_id)? {
                Some(doc) if !doc.offline_copy => {
                    let api = self.profile.api(&store)?;
                    let bytes = crate::online::stream(&api, &doc).await?;
                    (doc.sha256.clone(), meeting_pdf::Source::memory(&doc.title, bytes))
                }
                _ => {
                    return Err(ClientError::NotFound(
                        "this document is not available offline yet: sync when the network is back".into(),
                    )
                    .into());
                }
            },
        };
        let watermark = store.watermark_for(document_id)?;
        let (handle, info) = match self.pdf.open_watermarked(source, password, watermark).await {
            Ok(opened) => opened,
            Err(PdfError::DamagedCopy(why)) => {
                // Truncated, altered or swapped on the disk: drop it so the next sync
                // fetches it again, and say so.
                tracing::warn!(%sha, %why, "a cached document does not decrypt; dropped");
                blobs.remove(&sha)?;
                store.forget_blob(&sha)?;
                return Err(ClientError::DamagedCopy(sha).into());
            }
            Err(e) => return Err(e.into()),
        };
        Ok((handle, info, sha))
    }

    /// Closes a document opened with [`AppCore::open_document`].
    pub fn close_document(&self, handle: u64) {
        if let Ok(mut open) = self.open.lock() {
            open.retain(|_, h| h.0 != handle);
        }
        self.forget_cover(Some(handle));
        self.pdf.close(DocHandle(handle));
    }

    /// The ticket of a view's generation: a higher generation cancels the view's queued
    /// renders of lower ones; a lower one than already seen is stale on arrival.
    fn ticket(&self, view: u64, generation: u64) -> Result<Ticket, PdfError> {
        let mut views = self.views.lock().map_err(|_| PdfError::Engine("view table poisoned".into()))?;
        match views.get(&view) {
            Some((g, t)) if *g == generation => Ok(*t),
            Some((g, _)) if *g > generation => Err(PdfError::Cancelled),
            _ => {
                let t = self.pdf.advance(view);
                views.insert(view, (generation, t));
                Ok(t)
            }
        }
    }

    /// Renders a page for the viewer: `[RGBA…][u32 LE width][u32 LE height]`, the
    /// bytes the webview turns into an ImageData without decoding anything (see
    /// [`meeting_pdf::Bitmap::into_frame`]).
    pub async fn render_page(
        &self,
        handle: u64,
        page: u32,
        width: u32,
        priority: Priority,
        view: u64,
        generation: u64,
    ) -> UiResult<Vec<u8>> {
        Ok(self.render_page_rows(handle, page, width, None, priority, view, generation).await?.into_frame())
    }

    /// [`render_page`](Self::render_page) as the page's bitmap, or only its pixel rows
    /// `(top, count)`: the viewer paints the part of a document's first page on screen
    /// before the whole. The pixels stay where the PDF worker drew them; the pixel
    /// socket sends them from there, IPC takes [`meeting_pdf::Bitmap::into_frame`].
    #[allow(clippy::too_many_arguments)]
    pub async fn render_page_rows(
        &self,
        handle: u64,
        page: u32,
        width: u32,
        rows: Option<(u32, u32)>,
        priority: Priority,
        view: u64,
        generation: u64,
    ) -> UiResult<std::sync::Arc<meeting_pdf::Bitmap>> {
        if let Some(ready) = self.drawn_ahead(handle, page, width, rows) {
            return Ok(std::sync::Arc::new(ready));
        }
        let ticket = self.ticket(view, generation)?;
        let rendered = self.pdf.render_rows(DocHandle(handle), page, width, rows, priority, Some(ticket)).await;
        Ok(self.damaged(handle, rendered)?)
    }

    /// The text layer of a page (selection, copy).
    pub async fn page_text(&self, handle: u64, page: u32) -> UiResult<PageText> {
        let text = self.pdf.text(DocHandle(handle), page).await;
        Ok(self.damaged(handle, text)?)
    }

    /// A page of an open document whose encrypted copy turns out damaged (pdfium reads
    /// a file's chunks as it needs them): the copy is dropped so the next sync fetches
    /// it again.
    fn damaged<T>(&self, handle: u64, r: Result<T, PdfError>) -> Result<T, PdfError> {
        if let Err(PdfError::DamagedCopy(why)) = &r {
            let id = self.open.lock().ok().and_then(|o| o.iter().find(|(_, h)| h.0 == handle).map(|(d, _)| d.clone()));
            if let Some(id) = id
                && let Ok(store) = self.profile.store()
                && let Ok(Some(sha)) = store.document_blob(&id)
                && let Ok(blobs) = self.profile.blobs()
            {
                tracing::warn!(%sha, %why, "a cached document does not decrypt; dropped");
                let _ = blobs.remove(&sha);
                let _ = store.forget_blob(&sha);
            }
        }
        r
    }

    /// The links of a page (internal targets, external addresses).
    pub async fn page_links(&self, handle: u64, page: u32) -> UiResult<Vec<meeting_pdf::PageLink>> {
        Ok(self.pdf.links(DocHandle(handle), page).await?)
    }

    /// Finds text in one document; the query is folded like the search index, so
    /// "cai cach" highlights "cải cách".
    pub async fn find_in_document(&self, handle: u64, query: &str) -> UiResult<Vec<PdfHit>> {
        Ok(crate::find::find(&self.pdf, DocHandle(handle), query).await?)
    }

    /// Searches every document on the device, or one meeting's.
    pub fn search(&self, query: &str, meeting_id: Option<&str>) -> UiResult<Vec<SearchHit>> {
        Ok(self.profile.store()?.search(query, meeting_id, 200)?)
    }

    /// Searches the words of the marks on the device (notes, and the words highlights
    /// cover), or one meeting's.
    pub fn search_marks(&self, query: &str, meeting_id: Option<&str>) -> UiResult<Vec<crate::mark_search::MarkHit>> {
        Ok(self.profile.store()?.search_marks(query, meeting_id, 200)?)
    }

    /// A UI preference kept in the profile (language, ...).
    pub fn preference(&self, key: &str) -> UiResult<Option<String>> {
        Ok(self.profile.store()?.meta(&format!("pref:{key}"))?)
    }

    /// Stores a UI preference.
    pub fn set_preference(&self, key: &str, value: &str) -> UiResult<()> {
        Ok(self.profile.store()?.set_meta(&format!("pref:{key}"), Some(value))?)
    }
}

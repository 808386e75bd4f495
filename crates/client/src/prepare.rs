//! The secretary workspace as the client engine speaks it: meetings (drafts, publish,
//! cancel, copy), agenda items, participants from the office directory, uploads of PDF
//! and office files (streamed from disk; an office file is converted on the server and
//! waited for), new versions and the audit trail. The CLI's `meeting prepare …` and the
//! app both call these; they talk to the server directly (preparing needs it online).

use std::path::Path;
use std::time::{Duration, Instant};

use meeting_protocol::{
    AgendaItem, AgendaItemInput, AuditEntry, CancelRequest, Conversion, ConversionState, CopyMeetingRequest, Document,
    DocumentVersion, Meeting, MeetingDetail, MeetingInput, ParticipantInput, ParticipantRole, User,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::api::Api;
use crate::error::{ClientError, Result};
use crate::{Profile, fold};

/// The longest [`Prepare::upload`] waits for a conversion (the server stops its own
/// converter well before: this only guards against a server that never answers).
pub const CONVERSION_WAIT: Duration = Duration::from_secs(15 * 60);

/// What an upload became.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Uploaded {
    /// The document (or its new version).
    pub document: Document,
    /// The conversion it went through, for an office file.
    pub conversion: Option<Conversion>,
}

/// The secretary's calls, on one profile's session.
#[derive(Debug, Clone)]
pub struct Prepare {
    api: Api,
}

impl Prepare {
    /// The calls on `profile`'s session.
    pub fn new(profile: &Profile) -> Result<Self> {
        let store = profile.store()?;
        Ok(Self { api: profile.api(&store)? })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T> {
        self.api.call_json(method, path, body).await
    }

    fn json<T: serde::Serialize>(v: &T) -> Option<serde_json::Value> {
        serde_json::to_value(v).ok()
    }

    /// Meetings the caller may see on the server, drafts included.
    pub async fn meetings(&self) -> Result<Vec<Meeting>> {
        self.call(Method::GET, "/meetings", None).await
    }

    /// A meeting's id from its id or a unique prefix of it, looked up on the server.
    pub async fn resolve_meeting(&self, id_or_prefix: &str) -> Result<Uuid> {
        let wanted = id_or_prefix.trim().to_ascii_lowercase();
        let found: Vec<Uuid> =
            self.meetings().await?.into_iter().map(|m| m.id).filter(|id| id.to_string().starts_with(&wanted)).collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(ClientError::NotFound(format!("no meeting {id_or_prefix} on the server"))),
            _ => Err(ClientError::NotFound(format!("{id_or_prefix} names several meetings: give more of the id"))),
        }
    }

    /// A meeting with everything in it.
    pub async fn detail(&self, meeting: Uuid) -> Result<MeetingDetail> {
        self.call(Method::GET, &format!("/meetings/{meeting}"), None).await
    }

    /// Creates a draft meeting.
    pub async fn create_meeting(&self, input: &MeetingInput) -> Result<Meeting> {
        self.call(Method::POST, "/meetings", Self::json(input)).await
    }

    /// Changes a meeting's fields.
    pub async fn update_meeting(&self, meeting: Uuid, input: &MeetingInput) -> Result<Meeting> {
        self.call(Method::PATCH, &format!("/meetings/{meeting}"), Self::json(input)).await
    }

    /// Publishes a draft.
    pub async fn publish(&self, meeting: Uuid) -> Result<Meeting> {
        self.call(Method::POST, &format!("/meetings/{meeting}/publish"), None).await
    }

    /// Takes a meeting back to draft.
    pub async fn unpublish(&self, meeting: Uuid) -> Result<Meeting> {
        self.call(Method::POST, &format!("/meetings/{meeting}/unpublish"), None).await
    }

    /// Cancels a published meeting.
    pub async fn cancel(&self, meeting: Uuid, reason: &str) -> Result<Meeting> {
        let body = CancelRequest { reason: reason.to_owned() };
        self.call(Method::POST, &format!("/meetings/{meeting}/cancel"), Self::json(&body)).await
    }

    /// A new draft from a past meeting.
    pub async fn copy(&self, meeting: Uuid, req: &CopyMeetingRequest) -> Result<Meeting> {
        self.call(Method::POST, &format!("/meetings/{meeting}/copy"), Self::json(req)).await
    }

    /// The meeting's audit trail.
    pub async fn audit(&self, meeting: Uuid) -> Result<Vec<AuditEntry>> {
        self.call(Method::GET, &format!("/meetings/{meeting}/audit"), None).await
    }

    /// The office directory.
    pub async fn users(&self) -> Result<Vec<User>> {
        self.call(Method::GET, "/users", None).await
    }

    /// Directory entries whose name or login matches `query` typed with or without
    /// diacritics ("tran thi binh" finds "Trần Thị Bình").
    pub async fn find_users(&self, query: &str) -> Result<Vec<User>> {
        let q = fold::fold(query);
        let words: Vec<&str> = q.split_whitespace().collect();
        Ok(self
            .users()
            .await?
            .into_iter()
            .filter(|u| {
                let hay = fold::fold(&format!("{} {}", u.display_name, u.username));
                words.iter().all(|w| hay.contains(w))
            })
            .collect())
    }

    /// A user's id by login name.
    pub async fn user_id(&self, username: &str) -> Result<Uuid> {
        self.users()
            .await?
            .into_iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
            .map(|u| u.id)
            .ok_or_else(|| ClientError::NotFound(format!("no user {username} in the office directory")))
    }

    /// Adds a participant or changes their role.
    pub async fn set_participant(&self, meeting: Uuid, user: Uuid, role: ParticipantRole) -> Result<()> {
        let body = ParticipantInput { role };
        self.call::<()>(Method::PUT, &format!("/meetings/{meeting}/participants/{user}"), Self::json(&body)).await
    }

    /// Removes a participant.
    pub async fn remove_participant(&self, meeting: Uuid, user: Uuid) -> Result<()> {
        self.call::<()>(Method::DELETE, &format!("/meetings/{meeting}/participants/{user}"), None).await
    }

    /// Appends an agenda item.
    pub async fn add_item(&self, meeting: Uuid, input: &AgendaItemInput) -> Result<AgendaItem> {
        self.call(Method::POST, &format!("/meetings/{meeting}/agenda"), Self::json(input)).await
    }

    /// Changes an agenda item.
    pub async fn update_item(&self, item: Uuid, input: &AgendaItemInput) -> Result<AgendaItem> {
        self.call(Method::PATCH, &format!("/agenda/{item}"), Self::json(input)).await
    }

    /// Deletes an agenda item (its documents stay in the meeting).
    pub async fn delete_item(&self, item: Uuid) -> Result<()> {
        self.call::<()>(Method::DELETE, &format!("/agenda/{item}"), None).await
    }

    /// The meeting's conversions, newest first.
    pub async fn conversions(&self, meeting: Uuid) -> Result<Vec<Conversion>> {
        self.call(Method::GET, &format!("/meetings/{meeting}/conversions"), None).await
    }

    /// Puts the agenda in this order (every item exactly once).
    pub async fn reorder(&self, meeting: Uuid, item_ids: Vec<Uuid>) -> Result<Vec<AgendaItem>> {
        let body = meeting_protocol::AgendaOrder { item_ids };
        self.call(Method::PUT, &format!("/meetings/{meeting}/agenda/order"), Self::json(&body)).await
    }

    /// Changes a document's title, item or confidential flag.
    pub async fn update_document(&self, document: Uuid, patch: &meeting_protocol::DocumentPatch) -> Result<Document> {
        self.call(Method::PATCH, &format!("/documents/{document}"), Self::json(patch)).await
    }

    /// Puts the documents of one agenda item (or, with `None`, those outside the agenda)
    /// in this order.
    pub async fn reorder_documents(
        &self,
        meeting: Uuid,
        item: Option<Uuid>,
        document_ids: Vec<Uuid>,
    ) -> Result<Vec<Document>> {
        let body = meeting_protocol::DocumentOrder { agenda_item_id: item, document_ids };
        self.call(Method::PUT, &format!("/meetings/{meeting}/documents/order"), Self::json(&body)).await
    }

    /// Removes a document from its meeting.
    pub async fn delete_document(&self, document: Uuid) -> Result<()> {
        self.call::<()>(Method::DELETE, &format!("/documents/{document}"), None).await
    }

    /// An agenda item of the meeting by its position (1, 2, …), id or unique id prefix.
    pub async fn resolve_item(&self, meeting: Uuid, item: &str) -> Result<Uuid> {
        let agenda = self.detail(meeting).await?.agenda;
        if let Ok(pos) = item.parse::<i64>()
            && let Some(i) = agenda.iter().find(|i| i.position == pos)
        {
            return Ok(i.id);
        }
        let found: Vec<Uuid> = agenda.iter().map(|i| i.id).filter(|id| id.to_string().starts_with(item)).collect();
        match found.as_slice() {
            [one] => Ok(*one),
            _ => Err(ClientError::NotFound(format!("no agenda item {item} in this meeting (give its number or id)"))),
        }
    }

    /// Uploads a file (PDF or office) as a new document and, for an office file, waits
    /// for its conversion; a failed conversion is an error with the server's code.
    pub async fn upload(
        &self,
        meeting: Uuid,
        file: &Path,
        item: Option<Uuid>,
        title: Option<&str>,
        confidential: bool,
        on_state: &(dyn Fn(&Conversion) + Sync),
    ) -> Result<Uploaded> {
        let mut query = vec![("filename", file_name(file)?)];
        if let Some(i) = item {
            query.push(("agenda_item_id", i.to_string()));
        }
        if let Some(t) = title {
            query.push(("title", t.to_owned()));
        }
        if confidential {
            query.push(("confidential", "true".into()));
        }
        self.send_file(Method::POST, &format!("/meetings/{meeting}/documents"), &query, file, on_state).await
    }

    /// Uploads a new version of a document (PDF or office file), waiting as [`Self::upload`].
    pub async fn replace(
        &self,
        document: Uuid,
        file: &Path,
        on_state: &(dyn Fn(&Conversion) + Sync),
    ) -> Result<Uploaded> {
        let query = vec![("filename", file_name(file)?)];
        self.send_file(Method::PUT, &format!("/documents/{document}/content"), &query, file, on_state).await
    }

    async fn send_file(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        file: &Path,
        on_state: &(dyn Fn(&Conversion) + Sync),
    ) -> Result<Uploaded> {
        let open = tokio::fs::File::open(file).await.map_err(ClientError::io(format!("opening {}", file.display())))?;
        let len = open.metadata().await.map_err(ClientError::io(format!("reading {}", file.display())))?.len();
        let is_pdf = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
        let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(open));
        let req = self
            .api
            .http
            .request(method, self.api.url(path))
            .query(query)
            .header(reqwest::header::CONTENT_TYPE, if is_pdf { "application/pdf" } else { "application/octet-stream" })
            .header(reqwest::header::CONTENT_LENGTH, len)
            .body(body);
        let resp = self.api.authed(req)?.send().await.map_err(|e| self.api.net_error(&e))?;
        let resp = self.api.check(resp).await?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| self.api.net_error(&e))?;
        let bad = |e: serde_json::Error| ClientError::Protocol(format!("upload answer: {e}"));
        if status != reqwest::StatusCode::ACCEPTED {
            return Ok(Uploaded { document: serde_json::from_slice(&bytes).map_err(bad)?, conversion: None });
        }
        let conversion: Conversion = serde_json::from_slice(&bytes).map_err(bad)?;
        let done = self.wait_conversion(conversion, on_state).await?;
        let doc_id =
            done.document_id.ok_or_else(|| ClientError::Protocol("a ready conversion names no document".into()))?;
        let document = self.call(Method::GET, &format!("/documents/{doc_id}"), None).await?;
        Ok(Uploaded { document, conversion: Some(done) })
    }

    /// Polls a conversion until it is ready (Ok) or failed (the error, with its code).
    pub async fn wait_conversion(
        &self,
        mut c: Conversion,
        on_state: &(dyn Fn(&Conversion) + Sync),
    ) -> Result<Conversion> {
        let start = Instant::now();
        let mut delay = Duration::from_millis(200);
        on_state(&c);
        loop {
            match c.state {
                ConversionState::Ready => return Ok(c),
                ConversionState::Failed => {
                    let e = c.error.unwrap_or(meeting_protocol::ApiError {
                        code: meeting_protocol::ErrorCode::ConversionFailed,
                        message: "the conversion failed".into(),
                    });
                    return Err(ClientError::Server {
                        status: 422,
                        code: e.code.as_str().to_owned(),
                        message: e.message,
                        retry_after: None,
                    });
                }
                _ if start.elapsed() > CONVERSION_WAIT => {
                    return Err(ClientError::Protocol(format!(
                        "the server has not finished converting {} after {} minutes",
                        c.filename,
                        CONVERSION_WAIT.as_secs() / 60
                    )));
                }
                _ => {}
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 3 / 2).min(Duration::from_secs(2));
            let next: Conversion = self.call(Method::GET, &format!("/conversions/{}", c.id), None).await?;
            if next.state != c.state {
                on_state(&next);
            }
            c = next;
        }
    }

    /// The meeting's opinions as the server has them.
    pub async fn opinions(&self, meeting: Uuid) -> Result<Vec<meeting_protocol::Opinion>> {
        self.call(Method::GET, &format!("/meetings/{meeting}/opinions"), None).await
    }

    /// Marks an opinion handled (or open again); the other secretaries' devices get it
    /// at their next sync.
    pub async fn set_handled(&self, annotation: Uuid, handled: bool) -> Result<meeting_protocol::OpinionState> {
        let body = meeting_protocol::OpinionStateInput { handled };
        self.call(Method::PUT, &format!("/opinions/{annotation}"), Self::json(&body)).await
    }

    /// Each participant's devices and whether they have the whole meeting.
    pub async fn devices(&self, meeting: Uuid) -> Result<Vec<meeting_protocol::ParticipantDevices>> {
        self.call(Method::GET, &format!("/meetings/{meeting}/devices"), None).await
    }

    /// Who opened the meeting's documents (the audit of opens), newest first.
    pub async fn opens(&self, meeting: Uuid) -> Result<Vec<meeting_protocol::OpenRecord>> {
        self.call(Method::GET, &format!("/meetings/{meeting}/opens"), None).await
    }

    /// A document's version history.
    pub async fn versions(&self, document: Uuid) -> Result<Vec<DocumentVersion>> {
        self.call(Method::GET, &format!("/documents/{document}/versions"), None).await
    }

    /// Writes the office file a version was converted from to `dest` (streamed through a
    /// `.part` file, so `dest` is whole or absent).
    pub async fn save_original(&self, document: Uuid, version: i64, dest: &Path) -> Result<u64> {
        use tokio::io::AsyncWriteExt as _;
        let path = format!("/documents/{document}/versions/{version}/original");
        let req = self.api.http.request(Method::GET, self.api.url(&path));
        let resp = self.api.authed(req)?.send().await.map_err(|e| self.api.net_error(&e))?;
        let mut resp = self.api.check(resp).await?;
        let part = dest.with_extension("part");
        let io = |what: &str| ClientError::io(format!("{what} {}", dest.display()));
        let mut out = tokio::fs::File::create(&part).await.map_err(io("creating"))?;
        let mut written = 0u64;
        let copied: Result<()> = async {
            while let Some(chunk) = resp.chunk().await.map_err(|e| self.api.net_error(&e))? {
                out.write_all(&chunk).await.map_err(io("writing"))?;
                written += chunk.len() as u64;
            }
            out.flush().await.map_err(io("writing"))?;
            Ok(())
        }
        .await;
        if let Err(e) = copied {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e);
        }
        tokio::fs::rename(&part, dest).await.map_err(io("saving"))?;
        Ok(written)
    }
}

fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| ClientError::NotFound(format!("{} is not a file name", path.display())))
}

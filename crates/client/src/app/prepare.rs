//! The Prepare workspace ("Chuẩn bị họp") for secretaries and admins: the app's side of
//! [`crate::prepare`]. Everything goes to the server (preparing needs it online); the
//! answers are what the UI shows, plus a publish check that lists what looks wrong.

use meeting_protocol::{
    AgendaItem, AgendaItemInput, AuditEntry, Conversion, ConversionState, CopyMeetingRequest, Document, DocumentPatch,
    DocumentVersion, Meeting, MeetingDetail, MeetingInput, Opinion, OpinionState, ParticipantDevices, ParticipantRole,
    User,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AppCore, UiResult};
use crate::ClientError;
use crate::prepare::{Prepare, Uploaded};

/// Something the publish step points out before sending a meeting out.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PublishWarning {
    /// Only the organizer takes part.
    NoParticipants,
    /// The agenda is empty.
    NoAgenda,
    /// An agenda item has no document.
    ItemWithoutDocuments {
        /// Its title.
        title: String,
    },
    /// A conversion has not finished.
    ConversionPending {
        /// The file.
        filename: String,
    },
    /// A conversion failed and its document is missing.
    ConversionFailed {
        /// The file.
        filename: String,
    },
}

/// One meeting as the Prepare workspace shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrepareView {
    /// The meeting with its agenda, participants and documents.
    pub detail: MeetingDetail,
    /// Office files on their way to PDF (and failed ones), newest first.
    pub conversions: Vec<Conversion>,
    /// What the publish step would point out.
    pub warnings: Vec<PublishWarning>,
}

fn id(s: &str) -> UiResult<Uuid> {
    Uuid::parse_str(s.trim()).map_err(|_| ClientError::Invalid(format!("{s} is not an id")).into())
}

impl AppCore {
    fn prepare(&self) -> UiResult<Prepare> {
        Ok(Prepare::new(&self.profile)?)
    }

    /// Meetings on the server the user may prepare or see, drafts included.
    pub async fn prepare_meetings(&self) -> UiResult<Vec<Meeting>> {
        Ok(self.prepare()?.meetings().await?)
    }

    /// One meeting for the workspace, with its publish check.
    pub async fn prepare_view(&self, meeting: &str) -> UiResult<PrepareView> {
        let p = self.prepare()?;
        let mid = id(meeting)?;
        let (detail, conversions) = (p.detail(mid).await?, p.conversions(mid).await?);
        let warnings = warnings(&detail, &conversions);
        Ok(PrepareView { detail, conversions, warnings })
    }

    /// Creates a draft.
    pub async fn prepare_create(&self, input: MeetingInput) -> UiResult<Meeting> {
        Ok(self.prepare()?.create_meeting(&input).await?)
    }

    /// Changes a meeting's fields.
    pub async fn prepare_update(&self, meeting: &str, input: MeetingInput) -> UiResult<Meeting> {
        Ok(self.prepare()?.update_meeting(id(meeting)?, &input).await?)
    }

    /// Publishes, unpublishes or cancels (`reason` given).
    pub async fn prepare_status(&self, meeting: &str, action: &str, reason: Option<String>) -> UiResult<Meeting> {
        let (p, mid) = (self.prepare()?, id(meeting)?);
        Ok(match action {
            "publish" => p.publish(mid).await?,
            "unpublish" => p.unpublish(mid).await?,
            "cancel" => p.cancel(mid, reason.as_deref().unwrap_or("")).await?,
            other => return Err(ClientError::Invalid(format!("unknown action {other}")).into()),
        })
    }

    /// A new draft from a past meeting.
    pub async fn prepare_copy(&self, meeting: &str, req: CopyMeetingRequest) -> UiResult<Meeting> {
        Ok(self.prepare()?.copy(id(meeting)?, &req).await?)
    }

    /// Appends an agenda item.
    pub async fn prepare_add_item(&self, meeting: &str, input: AgendaItemInput) -> UiResult<AgendaItem> {
        Ok(self.prepare()?.add_item(id(meeting)?, &input).await?)
    }

    /// Changes an agenda item.
    pub async fn prepare_update_item(&self, item: &str, input: AgendaItemInput) -> UiResult<AgendaItem> {
        Ok(self.prepare()?.update_item(id(item)?, &input).await?)
    }

    /// Deletes an agenda item.
    pub async fn prepare_delete_item(&self, item: &str) -> UiResult<()> {
        Ok(self.prepare()?.delete_item(id(item)?).await?)
    }

    /// Puts the agenda in this order.
    pub async fn prepare_reorder(&self, meeting: &str, items: Vec<String>) -> UiResult<Vec<AgendaItem>> {
        let ids = items.iter().map(|s| id(s)).collect::<UiResult<Vec<_>>>()?;
        Ok(self.prepare()?.reorder(id(meeting)?, ids).await?)
    }

    /// The office directory, filtered by a name typed with or without diacritics.
    pub async fn prepare_directory(&self, query: &str) -> UiResult<Vec<User>> {
        Ok(self.prepare()?.find_users(query).await?)
    }

    /// Adds or changes a participant; `role` None removes them.
    pub async fn prepare_participant(&self, meeting: &str, user: &str, role: Option<ParticipantRole>) -> UiResult<()> {
        let (p, mid, uid) = (self.prepare()?, id(meeting)?, id(user)?);
        match role {
            Some(r) => p.set_participant(mid, uid, r).await?,
            None => p.remove_participant(mid, uid).await?,
        }
        Ok(())
    }

    /// Uploads a file as a new document of the meeting (or a new version of
    /// `replace`), reporting the conversion's states; waits until it is a document.
    pub async fn prepare_upload(
        &self,
        meeting: &str,
        path: &str,
        item: Option<String>,
        replace: Option<String>,
        on_state: &(dyn Fn(&Conversion) + Sync),
    ) -> UiResult<Uploaded> {
        let p = self.prepare()?;
        let file = std::path::Path::new(path);
        Ok(match replace {
            Some(doc) => p.replace(id(&doc)?, file, on_state).await?,
            None => {
                let item = item.as_deref().map(id).transpose()?;
                p.upload(id(meeting)?, file, item, None, false, on_state).await?
            }
        })
    }

    /// The meeting's audit trail.
    pub async fn prepare_audit(&self, meeting: &str) -> UiResult<Vec<AuditEntry>> {
        Ok(self.prepare()?.audit(id(meeting)?).await?)
    }

    /// Each participant's devices.
    pub async fn prepare_devices(&self, meeting: &str) -> UiResult<Vec<ParticipantDevices>> {
        Ok(self.prepare()?.devices(id(meeting)?).await?)
    }

    /// A document's version history (who, when, size, pages, the original file).
    pub async fn prepare_versions(&self, document: &str) -> UiResult<Vec<DocumentVersion>> {
        Ok(self.prepare()?.versions(id(document)?).await?)
    }

    /// Saves the office file a version was converted from into the export folder (see
    /// [`super::annotate::export_dir`]), under its own name; the path written.
    pub async fn prepare_save_original(&self, document: &str, version: i64) -> UiResult<String> {
        let (p, doc) = (self.prepare()?, id(document)?);
        let name = p
            .versions(doc)
            .await?
            .into_iter()
            .find(|v| v.version == version)
            .and_then(|v| v.original_filename)
            .ok_or_else(|| ClientError::NotFound(format!("version {version} was not converted from an office file")))?;
        let dir = super::annotate::export_dir();
        std::fs::create_dir_all(&dir).map_err(ClientError::io(format!("creating {}", dir.display())))?;
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name.as_str(), ""));
        let stem = super::annotate::file_stem(stem);
        let named = |n: u32| {
            let tail = if n == 1 { String::new() } else { format!(" ({n})") };
            dir.join(if ext.is_empty() { format!("{stem}{tail}") } else { format!("{stem}{tail}.{ext}") })
        };
        // Never overwrite what the secretary saved before.
        let dest = (1..1000).map(named).find(|d| !d.exists()).unwrap_or_else(|| named(1000));
        p.save_original(doc, version, &dest).await?;
        Ok(dest.to_string_lossy().into_owned())
    }

    /// Changes a document's title, item or confidential flag.
    pub async fn prepare_update_document(&self, document: &str, patch: DocumentPatch) -> UiResult<Document> {
        Ok(self.prepare()?.update_document(id(document)?, &patch).await?)
    }

    /// Puts the documents of an agenda item (none: those outside the agenda) in this order.
    pub async fn prepare_reorder_documents(
        &self,
        meeting: &str,
        item: Option<String>,
        documents: Vec<String>,
    ) -> UiResult<Vec<Document>> {
        let ids = documents.iter().map(|s| id(s)).collect::<UiResult<Vec<_>>>()?;
        let item = item.as_deref().map(id).transpose()?;
        Ok(self.prepare()?.reorder_documents(id(meeting)?, item, ids).await?)
    }

    /// Removes a document from its meeting (leaders' devices drop it at their next sync).
    pub async fn prepare_delete_document(&self, document: &str) -> UiResult<()> {
        Ok(self.prepare()?.delete_document(id(document)?).await?)
    }

    /// The meeting's opinions as this device has them (works offline).
    pub fn opinions(&self, meeting: &str) -> UiResult<Vec<Opinion>> {
        Ok(crate::opinions::local(&*self.profile.store()?, meeting)?)
    }

    /// Marks an opinion handled or open; the device's copy follows at the next sync.
    pub async fn set_opinion_handled(&self, annotation: &str, handled: bool) -> UiResult<OpinionState> {
        Ok(self.prepare()?.set_handled(id(annotation)?, handled).await?)
    }
}

/// What looks wrong before publishing.
pub fn warnings(d: &MeetingDetail, conversions: &[Conversion]) -> Vec<PublishWarning> {
    let mut out = Vec::new();
    if d.participants.iter().all(|p| p.role == ParticipantRole::Organizer) {
        out.push(PublishWarning::NoParticipants);
    }
    if d.agenda.is_empty() {
        out.push(PublishWarning::NoAgenda);
    }
    for item in &d.agenda {
        if !d.documents.iter().any(|doc| doc.agenda_item_id == Some(item.id)) {
            out.push(PublishWarning::ItemWithoutDocuments { title: item.title.clone() });
        }
    }
    for c in conversions {
        match c.state {
            ConversionState::Queued | ConversionState::Converting => {
                out.push(PublishWarning::ConversionPending { filename: c.filename.clone() });
            }
            // A failed file that a later upload replaced is no longer a problem.
            ConversionState::Failed
                if !conversions.iter().any(|o| o.filename == c.filename && o.state == ConversionState::Ready) =>
            {
                out.push(PublishWarning::ConversionFailed { filename: c.filename.clone() });
            }
            _ => {}
        }
    }
    out
}

/// Decodes `%XX` escapes (a file name sent in an IPC header, which must be ASCII).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl AppCore {
    /// Uploads a picked file's bytes (a file picker in the web view gives no path) as a
    /// new document or a new version of `replace`: kept under the profile for the upload,
    /// under its own name, then removed.
    pub async fn prepare_upload_bytes(
        &self,
        meeting: &str,
        item: Option<String>,
        replace: Option<String>,
        filename: &str,
        bytes: &[u8],
    ) -> UiResult<Uploaded> {
        let name = std::path::Path::new(filename)
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ClientError::Invalid(format!("{filename:?} is not a file name")))?
            .to_owned();
        let dir = self.profile.dir().join("upload-tmp").join(Uuid::now_v7().to_string());
        std::fs::create_dir_all(&dir).map_err(ClientError::io("preparing the upload"))?;
        let path = dir.join(&name);
        let written = std::fs::write(&path, bytes).map_err(ClientError::io("preparing the upload"));
        let result = match written {
            Ok(()) => self.prepare_upload(meeting, &path.to_string_lossy(), item, replace, &|_| {}).await,
            Err(e) => Err(e.into()),
        };
        let _ = std::fs::remove_dir_all(&dir);
        result
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_survive_the_header() {
        assert_eq!(super::percent_decode("B%C3%A1o%20c%C3%A1o.docx"), "Báo cáo.docx");
        assert_eq!(super::percent_decode("a%2"), "a%2");
    }
}

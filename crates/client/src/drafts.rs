//! How the app makes and changes annotations: it sends a *draft* (what the leader drew or
//! typed); this device fills in what only it knows — a new UUIDv7, the meeting, the
//! document version on screen, the author, the times — and saves it with its outbox entry
//! (see [`crate::annotations`]).

use meeting_protocol::{Annotation, Shape, TextAnchor, Visibility};
use rusqlite::OptionalExtension as _;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::annotations::{LocalAnnotation, SyncState};
use crate::store::{Store, parse};
use crate::{ClientError, Result};

/// An annotation as the app draws or edits it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnnotationDraft {
    /// The annotation being changed; `None` for a new one.
    pub id: Option<Uuid>,
    /// The document marked (`None` for a note on an agenda item).
    pub document_id: Option<Uuid>,
    /// The agenda item of an item note.
    pub agenda_item_id: Option<Uuid>,
    /// The meeting of an item note (a page mark takes its document's).
    pub meeting_id: Option<Uuid>,
    /// Page index (0-based) of a page mark.
    pub page: Option<u32>,
    /// What it is and where.
    pub shape: Shape,
    /// `#rrggbb`.
    pub color: String,
    /// 0 to 1.
    pub opacity: f32,
    /// The words of a note or comment.
    pub text: String,
    /// The marked words, for text marks.
    pub anchor: Option<TextAnchor>,
    /// Who else may see it.
    pub visibility: Visibility,
    /// Delete it.
    pub deleted: bool,
}

impl Store {
    fn annotation(&self, id: Uuid) -> Result<Option<Annotation>> {
        Ok(self
            .conn
            .query_row("SELECT data FROM annotations WHERE id = ?1", [id.to_string()], |r| {
                parse::<Annotation>(&r.get::<_, String>(0)?)
            })
            .optional()?)
    }

    /// Saves a draft (new annotation or change of one of this user's), returning the
    /// annotation as saved.
    pub fn save_draft(&mut self, d: AnnotationDraft) -> Result<LocalAnnotation> {
        if !(0.0..=1.0).contains(&d.opacity) {
            return Err(ClientError::Invalid(format!("opacity {} is outside 0 to 1", d.opacity)));
        }
        let me = self.meta("user_id")?.and_then(|u| Uuid::parse_str(&u).ok()).ok_or(ClientError::NotLoggedIn)?;
        let now = OffsetDateTime::now_utc();
        // What the device owns (id, meeting, version drawn on, author, creation) comes
        // from the stored annotation, or is decided now for a new one; what was drawn
        // or typed comes from the draft.
        let base = match d.id.map(|id| self.annotation(id)).transpose()?.flatten() {
            Some(old) if old.author_id != me => {
                return Err(ClientError::Invalid("only its author can change an annotation".into()));
            }
            Some(old) => old,
            None => self.new_annotation(&d, me, now)?,
        };
        let a = Annotation {
            page: d.page,
            shape: d.shape,
            color: d.color,
            opacity: d.opacity,
            text: d.text,
            anchor: d.anchor,
            visibility: d.visibility,
            deleted: d.deleted,
            updated_at: now,
            ..base
        };
        self.save_annotation(&a)?;
        Ok(LocalAnnotation {
            annotation: a,
            sync: SyncState::Saved,
            conflict_of: None,
            error: None,
            mine: true,
            author_name: None,
        })
    }

    /// The device-owned part of a new annotation, checked against what is on this device.
    fn new_annotation(&self, d: &AnnotationDraft, me: Uuid, now: OffsetDateTime) -> Result<Annotation> {
        let (meeting_id, sha) = match d.document_id {
            Some(doc) => {
                let (meeting, sha, pages) = self
                    .document_target(&doc.to_string())?
                    .ok_or_else(|| ClientError::NotFound(format!("document {doc} is not on this device")))?;
                let page = d.page.ok_or_else(|| ClientError::Invalid("a mark on a document needs a page".into()))?;
                if i64::from(page) >= pages {
                    return Err(ClientError::Invalid(format!("page {} is not in the document", page + 1)));
                }
                (meeting, Some(sha))
            }
            None => {
                let meeting = d
                    .meeting_id
                    .ok_or_else(|| ClientError::Invalid("a note needs its document or its meeting".into()))?;
                if matches!(d.shape, Shape::ItemNote) && d.agenda_item_id.is_none() {
                    return Err(ClientError::Invalid("an item note needs its agenda item".into()));
                }
                (meeting, None)
            }
        };
        Ok(Annotation {
            id: d.id.unwrap_or_else(Uuid::now_v7),
            meeting_id,
            document_id: d.document_id,
            agenda_item_id: d.agenda_item_id,
            document_sha256: sha,
            page: d.page,
            shape: Shape::ItemNote,
            color: String::new(),
            opacity: 1.0,
            text: String::new(),
            anchor: None,
            author_id: me,
            visibility: d.visibility,
            created_at: now,
            updated_at: now,
            version: 0,
            deleted: false,
            needs_review: false,
        })
    }

    /// A document's number of pages as the server counted them (0 when unknown).
    pub fn document_pages(&self, document_id: &str) -> Result<u32> {
        let doc: Option<meeting_protocol::Document> = self
            .conn
            .query_row("SELECT data FROM documents WHERE id = ?1", [document_id], |r| parse(&r.get::<_, String>(0)?))
            .optional()?;
        Ok(doc.map(|d| u32::try_from(d.page_count).unwrap_or(0)).unwrap_or(0))
    }

    /// A document's title, when it is on this device.
    pub fn document_title(&self, document_id: &str) -> Result<Option<String>> {
        let doc: Option<meeting_protocol::Document> = self
            .conn
            .query_row("SELECT data FROM documents WHERE id = ?1", [document_id], |r| parse(&r.get::<_, String>(0)?))
            .optional()?;
        Ok(doc.map(|d| d.title))
    }

    /// A document's annotations on this device (every version: ones still waiting to be
    /// moved or to be reviewed are listed too), deleted ones left out.
    pub fn document_annotations(&self, document_id: &str) -> Result<Vec<LocalAnnotation>> {
        let meeting = self.document_target(document_id)?.map(|(m, ..)| m.to_string());
        let Some(meeting) = meeting else { return Ok(Vec::new()) };
        let mut all = self.annotations(Some(&meeting))?;
        all.retain(|a| a.annotation.document_id.is_some_and(|d| d.to_string() == document_id));
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(document_id: Option<Uuid>) -> AnnotationDraft {
        AnnotationDraft {
            id: None,
            document_id,
            agenda_item_id: None,
            meeting_id: None,
            page: Some(0),
            shape: Shape::Note { at: meeting_protocol::Point { x: 10.0, y: 10.0 } },
            color: "#ffd400".into(),
            opacity: 1.0,
            text: "Ghi chú".into(),
            anchor: None,
            visibility: Visibility::Private,
            deleted: false,
        }
    }

    #[test]
    fn drafts_are_refused_with_a_reason_when_they_cannot_be_saved() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store =
            Store::open(&dir.path().join("local.db"), &meeting_seal::Key32::from_bytes([3; 32])).expect("store");
        let err = store.save_draft(draft(None)).unwrap_err();
        assert_eq!(err.code(), "not_logged_in");
        store.set_meta("user_id", Some(&Uuid::now_v7().to_string())).expect("meta");
        assert_eq!(store.save_draft(draft(None)).unwrap_err().code(), "invalid", "no document, no meeting");
        let err = store.save_draft(draft(Some(Uuid::now_v7()))).unwrap_err();
        assert_eq!(err.code(), "not_found");
        let mut bad = draft(None);
        bad.opacity = 2.0;
        assert_eq!(store.save_draft(bad).unwrap_err().code(), "invalid");
        assert_eq!(store.unsynced_changes().expect("count"), 0, "nothing half-saved");
    }
}

//! The local SQLite store of a profile: the user's meetings as last synced, the sync
//! cursor, the session, and which blobs are verified on disk.

use std::collections::HashSet;
use std::path::Path;

use meeting_protocol::{AgendaItem, ChangeOp, ChangesPage, Document, Meeting, Participant};
use meeting_sqlite::Migration;
use rusqlite::{Connection, OptionalExtension as _, params};
use serde::Serialize;

use crate::error::{ClientError, Result};

const MIGRATIONS: &[Migration] = &[
    Migration { name: "20261123_0001_init", sql: include_str!("../migrations/20261123_0001_init.sql") },
    Migration { name: "20261123_0002_search", sql: include_str!("../migrations/20261123_0002_search.sql") },
    Migration { name: "20261123_0003_annotations", sql: include_str!("../migrations/20261123_0003_annotations.sql") },
    Migration { name: "20261202_0004_opinions", sql: include_str!("../migrations/20261202_0004_opinions.sql") },
    Migration { name: "20261202_0005_hot_folders", sql: include_str!("../migrations/20261202_0005_hot_folders.sql") },
    Migration {
        name: "20261202_0006_hot_folder_watching",
        sql: include_str!("../migrations/20261202_0006_hot_folder_watching.sql"),
    },
    Migration { name: "20261202_0007_seen", sql: include_str!("../migrations/20261202_0007_seen.sql") },
    Migration { name: "20261203_0008_open_outbox", sql: include_str!("../migrations/20261203_0008_open_outbox.sql") },
    Migration { name: "20261203_0009_leases", sql: include_str!("../migrations/20261203_0009_leases.sql") },
    Migration { name: "20261204_0010_live_room", sql: include_str!("../migrations/20261204_0010_live_room.sql") },
    Migration { name: "20261208_0011_entities", sql: include_str!("../migrations/20261208_0011_entities.sql") },
    Migration { name: "20261208_0012_task_outbox", sql: include_str!("../migrations/20261208_0012_task_outbox.sql") },
];

/// The one way to open a profile's database: encrypted with the device's database key
/// (SQLCipher, raw key), migrated.
pub fn open_database(path: &Path, key: &meeting_seal::Key32) -> Result<Connection> {
    let conn = meeting_sqlite::open_keyed(path, key.as_bytes(), MIGRATIONS)?;
    // Deleted rows are overwritten, not left in free pages: a shredded lease secret or a
    // purged meeting must not survive in the file (encrypted or not).
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(conn)
}

/// What a page of changes did to the store.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Applied {
    /// Changes applied.
    pub changes: usize,
    /// Meetings removed because access was lost or they were deleted.
    pub purged_meetings: usize,
}

/// A document as the client knows it, with its offline state.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct LocalDocument {
    /// The server's metadata.
    #[serde(flatten)]
    pub document: Document,
    /// The content is on disk and verified: opens with the network unplugged.
    pub available_offline: bool,
    /// New, or a new version, since the user last opened the meeting.
    pub change: Option<crate::seen::DocChange>,
    /// Its copy was destroyed when the offline lease of its level ran out: it comes
    /// back at the next sync (the meeting says it needs a connection).
    pub lease_expired: bool,
}

/// An agenda item with its documents.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct LocalAgendaItem {
    /// The item.
    #[serde(flatten)]
    pub item: AgendaItem,
    /// Its documents.
    pub documents: Vec<LocalDocument>,
}

/// A meeting with its offline state, for the meetings list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct MeetingSummary {
    /// The meeting.
    #[serde(flatten)]
    pub meeting: Meeting,
    /// Number of documents.
    pub documents: usize,
    /// Number of documents available offline.
    pub documents_offline: usize,
    /// Every document is available offline.
    pub ready_offline: bool,
    /// The user has never opened it on this device.
    pub never_opened: bool,
    /// Documents new or with a new version since the user last opened it.
    pub changed_documents: usize,
}

/// A meeting with everything in it, for the meeting view.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct LocalMeeting {
    /// The meeting.
    #[serde(flatten)]
    pub meeting: Meeting,
    /// Agenda in order, each item with its documents.
    pub agenda: Vec<LocalAgendaItem>,
    /// Documents not attached to an agenda item.
    pub other_documents: Vec<LocalDocument>,
    /// Participants.
    pub participants: Vec<Participant>,
    /// Every document is available offline.
    pub ready_offline: bool,
}

/// The profile's database.
pub struct Store {
    pub(crate) conn: Connection,
}

pub(crate) fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| ClientError::Protocol(e.to_string()))
}

pub(crate) fn parse<T: serde::de::DeserializeOwned>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

const DOC_SELECT: &str = "SELECT d.data, b.sha256 IS NOT NULL,
       b.sha256 IS NULL AND EXISTS (SELECT 1 FROM meta WHERE key = 'lease_shredded_'
         || (CASE WHEN json_extract(d.data, '$.confidential') THEN 1 ELSE 0 END))
     FROM documents d LEFT JOIN blobs b ON b.sha256 = d.sha256";

/// The condition on a `documents` row that the device may keep its content: the office
/// did not mark it "no offline copy" (`Document::offline_copy`; rows from before the
/// flag existed have none, and may).
pub(crate) const KEPT: &str = "COALESCE(json_extract(data, '$.offline_copy'), 1) = 1";

impl Store {
    /// Opens the store at `path` with its key (see [`crate::Profile::store`]).
    pub fn open(path: &Path, key: &meeting_seal::Key32) -> Result<Self> {
        Ok(Self { conn: open_database(path, key)? })
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// A value from the meta table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// Sets (or with `None` removes) a meta value.
    pub fn set_meta(&self, key: &str, value: Option<&str>) -> Result<()> {
        set_meta(&self.conn, key, value)
    }

    /// The feed cursor: every change up to it is applied.
    pub fn cursor(&self) -> Result<i64> {
        Ok(self.meta("cursor")?.and_then(|c| c.parse().ok()).unwrap_or(0))
    }

    /// Applies a page of changes and moves the cursor, atomically: after a crash the
    /// store holds either the whole page and the new cursor, or neither.
    pub fn apply_page(&mut self, page: &ChangesPage) -> Result<Applied> {
        let tx = self.conn.transaction()?;
        let mut applied = Applied::default();
        for change in &page.changes {
            match &change.op {
                ChangeOp::Upsert { entity } => crate::kinds::upsert(&tx, entity)?,
                ChangeOp::Delete { kind, id } => crate::kinds::delete(&tx, *kind, id)?,
                ChangeOp::Purge { meeting_id } => {
                    crate::kinds::purge(&tx, &meeting_id.to_string())?;
                    applied.purged_meetings += 1;
                }
            }
            applied.changes += 1;
        }
        set_meta(&tx, "cursor", Some(&page.next_since.to_string()))?;
        set_meta(&tx, "server_id", Some(&page.server_id.to_string()))?;
        tx.commit()?;
        Ok(applied)
    }

    /// Forgets every synced row and the cursor, keeping the session and verified
    /// blobs (content-addressed, still valid), so the next pull starts from 0.
    pub fn reset_for_resync(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        crate::kinds::reset(&tx)?;
        tx.execute("DELETE FROM meta WHERE key IN ('cursor', 'server_id')", [])?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets everything, session included (logout, or login as someone else).
    pub fn reset_all(&mut self) -> Result<()> {
        self.reset_for_resync()?;
        // Callers check `unsynced_changes` first: local edits go only with consent.
        self.conn.execute_batch(
            "DELETE FROM annotations; DELETE FROM annotation_outbox; DELETE FROM opinion_states; DELETE FROM meta;
             DELETE FROM meeting_seen; DELETE FROM document_seen;",
        )?;
        Ok(())
    }

    /// The verified content of a document, if it is available offline.
    pub fn document_blob(&self, document_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT d.sha256 FROM documents d JOIN blobs b ON b.sha256 = d.sha256 WHERE d.id = ?1",
                [document_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Blobs a document may keep on the device (see [`KEPT`]) not yet verified on disk:
    /// (sha256, size).
    pub fn missing_blobs(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT sha256, MAX(size) FROM documents WHERE {KEPT} AND sha256 NOT IN (SELECT sha256 FROM blobs)
             GROUP BY sha256 ORDER BY MIN(meeting_id), sha256"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every blob some document references and may keep on the device: a copy of one
    /// that became "no offline copy" is removed like an unreferenced one.
    pub fn referenced_blobs(&self) -> Result<HashSet<String>> {
        let mut stmt = self.conn.prepare(&format!("SELECT DISTINCT sha256 FROM documents WHERE {KEPT}"))?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Verified blobs: (sha256, size).
    pub fn verified_blobs(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn.prepare("SELECT sha256, size FROM blobs ORDER BY sha256")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records that a blob's file is complete and its hash matched.
    pub fn mark_verified(&self, sha256: &str, size: u64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO blobs (sha256, size, verified_at) VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ','now'))
             ON CONFLICT (sha256) DO UPDATE SET size = excluded.size, verified_at = excluded.verified_at",
            params![sha256, size as i64],
        )?;
        Ok(())
    }

    /// Records that a blob is no longer on disk (removed, or found corrupt).
    pub fn forget_blob(&self, sha256: &str) -> Result<()> {
        self.conn.execute("DELETE FROM blobs WHERE sha256 = ?1", [sha256])?;
        Ok(())
    }

    /// The meetings, soonest first, with their offline state.
    pub fn meetings(&self) -> Result<Vec<MeetingSummary>> {
        // Ready offline: no document the device may keep lacks its copy (those with no
        // offline copy never have one, and open only while connected).
        let mut stmt = self.conn.prepare(&format!(
            "SELECT m.data,
                    (SELECT count(*) FROM documents d WHERE d.meeting_id = m.id),
                    (SELECT count(*) FROM documents d JOIN blobs b ON b.sha256 = d.sha256 WHERE d.meeting_id = m.id),
                    NOT EXISTS (SELECT 1 FROM meeting_seen s WHERE s.meeting_id = m.id),
                    (SELECT count(*) FROM documents d LEFT JOIN document_seen s ON s.document_id = d.id
                      WHERE d.meeting_id = m.id
                        AND (s.version IS NULL OR s.version < json_extract(d.data, '$.version'))),
                    (SELECT count(*) FROM documents d WHERE d.meeting_id = m.id AND {KEPT}
                        AND d.sha256 NOT IN (SELECT sha256 FROM blobs))
               FROM meetings m ORDER BY m.starts_at, m.id",
        ))?;
        let rows = stmt.query_map([], |r| {
            let (total, offline, kept_missing): (i64, i64, i64) = (r.get(1)?, r.get(2)?, r.get(5)?);
            let never_opened: bool = r.get(3)?;
            Ok(MeetingSummary {
                meeting: parse(&r.get::<_, String>(0)?)?,
                documents: total as usize,
                documents_offline: offline as usize,
                ready_offline: kept_missing == 0,
                never_opened,
                // Before the first opening everything is new: the meeting says so once.
                changed_documents: if never_opened { 0 } else { r.get::<_, i64>(4)? as usize },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Resolves a full meeting id or a unique prefix of one.
    pub fn resolve_meeting_id(&self, id_or_prefix: &str) -> Result<String> {
        let prefix = id_or_prefix.trim().to_lowercase();
        let mut stmt = self.conn.prepare("SELECT id FROM meetings WHERE id LIKE ?1 || '%' ESCAPE '\\' LIMIT 2")?;
        let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let ids: Vec<String> = stmt.query_map([escaped], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        match ids.as_slice() {
            [one] if !prefix.is_empty() => Ok(one.clone()),
            [] | [_] => Err(ClientError::NotFound(format!("no meeting with id {id_or_prefix:?} on this device"))),
            _ => Err(ClientError::NotFound(format!("{id_or_prefix:?} matches several meetings; give more of the id"))),
        }
    }

    /// A meeting with its agenda, documents and participants.
    pub fn meeting(&self, id: &str) -> Result<Option<LocalMeeting>> {
        let Some(data) = self
            .conn
            .query_row("SELECT data FROM meetings WHERE id = ?1", [id], |r| r.get::<_, String>(0))
            .optional()?
        else {
            return Ok(None);
        };
        let meeting: Meeting = parse(&data)?;
        let mut docs: Vec<LocalDocument> = {
            let mut stmt = self.conn.prepare(&format!("{DOC_SELECT} WHERE d.meeting_id = ?1"))?;
            let rows = stmt.query_map([id], |r| {
                Ok(LocalDocument {
                    document: parse(&r.get::<_, String>(0)?)?,
                    available_offline: r.get(1)?,
                    change: None,
                    lease_expired: r.get(2)?,
                })
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        crate::seen::mark_changes(&self.conn, id, &mut docs)?;
        // The secretary's order within each item (documents from before there was one: by title).
        docs.sort_by(|a, b| (a.document.position, &a.document.title).cmp(&(b.document.position, &b.document.title)));
        let items: Vec<AgendaItem> = {
            let mut stmt =
                self.conn.prepare("SELECT data FROM agenda_items WHERE meeting_id = ?1 ORDER BY position, id")?;
            stmt.query_map([id], |r| parse(&r.get::<_, String>(0)?))?.collect::<rusqlite::Result<_>>()?
        };
        let participants: Vec<Participant> = {
            let mut stmt = self.conn.prepare("SELECT data FROM participants WHERE meeting_id = ?1 ORDER BY user_id")?;
            stmt.query_map([id], |r| parse(&r.get::<_, String>(0)?))?.collect::<rusqlite::Result<_>>()?
        };
        let ready_offline = docs.iter().all(|d| d.available_offline);
        let agenda: Vec<LocalAgendaItem> = items
            .into_iter()
            .map(|item| {
                let documents = docs.iter().filter(|d| d.document.agenda_item_id == Some(item.id)).cloned().collect();
                LocalAgendaItem { item, documents }
            })
            .collect();
        let other_documents =
            docs.into_iter().filter(|d| !agenda.iter().any(|a| Some(a.item.id) == d.document.agenda_item_id)).collect();
        Ok(Some(LocalMeeting { meeting, agenda, other_documents, participants, ready_offline }))
    }
}

fn set_meta(conn: &Connection, key: &str, value: Option<&str>) -> Result<()> {
    match value {
        Some(v) => conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, v],
        )?,
        None => conn.execute("DELETE FROM meta WHERE key = ?1", [key])?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use meeting_protocol::{Change, ChangeOp, ChangesPage, Document, Entity, Meeting};
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::*;

    fn meeting(id: Uuid) -> Meeting {
        Meeting {
            id,
            title: "Họp".into(),
            location: String::new(),
            description: String::new(),
            starts_at: OffsetDateTime::UNIX_EPOCH,
            ends_at: None,
            status: meeting_protocol::MeetingStatus::Published,
            cancel_reason: String::new(),
            watermark: true,
        }
    }

    fn document(meeting_id: Uuid, sha256: &str) -> Document {
        Document {
            id: Uuid::now_v7(),
            meeting_id,
            agenda_item_id: None,
            title: "Tài liệu".into(),
            filename: "t.pdf".into(),
            size: 10,
            sha256: sha256.into(),
            page_count: 1,
            version: 1,
            confidential: false,
            uploaded_at: OffsetDateTime::UNIX_EPOCH,
            original_filename: None,
            position: 1,
            watermark: true,
            offline_copy: true,
        }
    }

    fn page(changes: Vec<ChangeOp>, next_since: i64) -> ChangesPage {
        ChangesPage {
            server_id: Uuid::nil(),
            changes: changes.into_iter().enumerate().map(|(i, op)| Change { seq: i as i64 + 1, op }).collect(),
            next_since,
            head: next_since,
            has_more: false,
        }
    }

    #[test]
    fn a_page_and_its_cursor_apply_together_or_not_at_all() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("c.db"), &meeting_seal::Key32::from_bytes([3; 32])).expect("open");
        let mid = Uuid::now_v7();
        let good = ChangeOp::Upsert { entity: Entity::Meeting(meeting(mid)) };
        // The second change is invalid: the whole page, the meeting included, must be refused.
        let bad = ChangeOp::Upsert { entity: Entity::Document(document(mid, "../../etc/passwd")) };
        assert!(store.apply_page(&page(vec![good.clone(), bad], 5)).is_err());
        assert_eq!(store.cursor().expect("cursor"), 0, "the cursor must not move past a page that was not applied");
        assert!(store.meetings().expect("meetings").is_empty(), "no half page");

        store.apply_page(&page(vec![good], 5)).expect("apply");
        assert_eq!(store.cursor().expect("cursor"), 5);
        assert_eq!(store.meetings().expect("meetings").len(), 1);
    }

    #[test]
    fn documents_added_or_replaced_after_the_last_opening_are_marked() {
        use crate::seen::DocChange;
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("c.db"), &meeting_seal::Key32::from_bytes([3; 32])).expect("open");
        let mid = Uuid::now_v7();
        let first = document(mid, &"a".repeat(64));
        let up = |e| ChangeOp::Upsert { entity: e };
        store
            .apply_page(&page(vec![up(Entity::Meeting(meeting(mid))), up(Entity::Document(first.clone()))], 2))
            .unwrap();
        let summary = |s: &Store| s.meetings().expect("meetings").remove(0);
        let changes = |s: &Store| -> Vec<Option<DocChange>> {
            let m = s.meeting(&mid.to_string()).expect("meeting").expect("there");
            let mut d = m.other_documents;
            d.sort_by_key(|d| d.document.uploaded_at);
            d.into_iter().map(|d| d.change).collect()
        };
        // Never opened: the meeting is new as a whole, no document is marked.
        assert!(summary(&store).never_opened);
        assert_eq!(changes(&store), [None]);
        store.mark_meeting_seen(&mid.to_string()).unwrap();
        assert!(!summary(&store).never_opened);
        assert_eq!(summary(&store).changed_documents, 0);

        // The secretary replaces the first document and adds a second.
        let replaced = Document { version: 2, sha256: "b".repeat(64), ..first.clone() };
        let added = Document { uploaded_at: OffsetDateTime::now_utc(), ..document(mid, &"c".repeat(64)) };
        store.apply_page(&page(vec![up(Entity::Document(replaced)), up(Entity::Document(added))], 4)).unwrap();
        assert_eq!(summary(&store).changed_documents, 2);
        assert_eq!(changes(&store), [Some(DocChange::NewVersion), Some(DocChange::New)]);
        // Opened again: nothing is new any more.
        store.mark_meeting_seen(&mid.to_string()).unwrap();
        assert_eq!(changes(&store), [None, None]);
        assert_eq!(summary(&store).changed_documents, 0);
    }

    #[test]
    fn purge_removes_everything_of_the_meeting_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("c.db"), &meeting_seal::Key32::from_bytes([3; 32])).expect("open");
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let sha_a = "a".repeat(64);
        let sha_b = "b".repeat(64);
        let ops = vec![
            ChangeOp::Upsert { entity: Entity::Meeting(meeting(a)) },
            ChangeOp::Upsert { entity: Entity::Meeting(meeting(b)) },
            ChangeOp::Upsert { entity: Entity::Document(document(a, &sha_a)) },
            ChangeOp::Upsert { entity: Entity::Document(document(b, &sha_b)) },
        ];
        store.apply_page(&page(ops, 4)).expect("apply");
        store.apply_page(&page(vec![ChangeOp::Purge { meeting_id: a }], 5)).expect("purge");
        assert!(store.meeting(&a.to_string()).expect("read").is_none());
        assert!(store.meeting(&b.to_string()).expect("read").is_some());
        let referenced = store.referenced_blobs().expect("blobs");
        assert!(!referenced.contains(&sha_a) && referenced.contains(&sha_b));
    }
}

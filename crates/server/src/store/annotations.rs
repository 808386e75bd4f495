//! Annotations' rows: the marks (`annotations`, each a JSON document with the columns
//! access depends on beside it) and the ops already applied (`annotation_ops`, so a push
//! repeated after a lost answer changes nothing). The rules are in
//! [`crate::core::annotations`].

use super::StoreResult;
use super::sql::{Tx, params};

/// A mark's stored row: (its JSON, author id, visibility).
pub fn row(tx: &Tx<'_>, id: &str) -> StoreResult<Option<(String, String, String)>> {
    tx.query_opt("SELECT data, author_id, visibility FROM annotations WHERE id = ?1", [id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
}

/// The ids of a meeting's marks that are not deleted.
pub fn live_ids(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<String>> {
    tx.query_map("SELECT id FROM annotations WHERE meeting_id = ?1 AND deleted = 0", [meeting_id], |r| r.get(0))
}

/// The version an op produced, if it was applied already.
pub fn applied_op(tx: &Tx<'_>, op_id: &str) -> StoreResult<Option<i64>> {
    tx.query_opt("SELECT version FROM annotation_ops WHERE op_id = ?1", [op_id], |r| r.get(0))
}

/// A mark as it is to be stored.
pub struct Write<'a> {
    /// Id.
    pub id: &'a str,
    /// Its meeting.
    pub meeting_id: &'a str,
    /// Its document (none for a note on an agenda item).
    pub document_id: Option<&'a str>,
    /// Its author.
    pub author_id: &'a str,
    /// Who else may see it.
    pub visibility: &'a str,
    /// Its version after this write.
    pub version: i64,
    /// Deleted (kept as a tombstone).
    pub deleted: bool,
    /// The whole mark, JSON.
    pub data: &'a str,
}

/// Stores a mark (new or changed) and remembers the op that did it.
pub fn save(tx: &Tx<'_>, w: &Write<'_>, op_id: &str, status: u16, applied_at: i64) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO annotations (id, meeting_id, document_id, author_id, visibility, version, deleted, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET visibility = excluded.visibility, version = excluded.version,
            deleted = excluded.deleted, data = excluded.data",
        params![w.id, w.meeting_id, w.document_id, w.author_id, w.visibility, w.version, w.deleted, w.data],
    )?;
    tx.execute(
        "INSERT INTO annotation_ops (op_id, annotation_id, user_id, status, version, applied_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![op_id, w.id, w.author_id, status, w.version, applied_at],
    )?;
    Ok(())
}

//! Minutes' rows (`minutes`): one per version of a meeting's minutes, the minutes as
//! JSON. The database refuses to change an approved version. The rules are in
//! [`crate::core::minutes`].

use meeting_protocol::{Minutes, MinutesState};
use time::OffsetDateTime;

use super::sql::{Tx, params};
use super::{Error, StoreResult};

fn decode(data: &str) -> StoreResult<Minutes> {
    serde_json::from_str(data).map_err(|e| Error::Decode { column: 0, message: format!("minutes: {e}") })
}

/// Every version of a meeting's minutes, oldest first.
pub fn versions(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<Minutes>> {
    let rows: Vec<String> =
        tx.query_map("SELECT data FROM minutes WHERE meeting_id = ?1 ORDER BY version", [meeting_id], |r| r.get(0))?;
    rows.iter().map(|d| decode(d)).collect()
}

/// The latest version, if any.
pub fn latest(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Option<Minutes>> {
    let row: Option<String> = tx.query_opt(
        "SELECT data FROM minutes WHERE meeting_id = ?1 ORDER BY version DESC LIMIT 1",
        [meeting_id],
        |r| r.get(0),
    )?;
    row.map(|d| decode(&d)).transpose()
}

/// Writes a version (a new one, or the draft again).
pub fn put(tx: &Tx<'_>, m: &Minutes, at: OffsetDateTime) -> StoreResult<()> {
    let data = serde_json::to_string(m).map_err(|e| Error::Schema(format!("minutes do not serialise: {e}")))?;
    tx.execute(
        "INSERT INTO minutes (meeting_id, version, state, data, content_hash, approved_by, approved_at, document_id, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (meeting_id, version) DO UPDATE SET state = excluded.state, data = excluded.data,
             content_hash = excluded.content_hash, approved_by = excluded.approved_by,
             approved_at = excluded.approved_at, document_id = excluded.document_id, updated_at = excluded.updated_at",
        params![
            m.meeting_id,
            i64::from(m.version),
            m.state.as_str(),
            data,
            m.content_hash,
            m.approved_by,
            m.approved_at,
            m.document_id,
            at
        ],
    )?;
    Ok(())
}

/// Whether a version is approved (locked).
pub fn is_approved(tx: &Tx<'_>, meeting_id: &str, version: u32) -> StoreResult<bool> {
    let state: Option<String> = tx.query_opt(
        "SELECT state FROM minutes WHERE meeting_id = ?1 AND version = ?2",
        params![meeting_id, i64::from(version)],
        |r| r.get(0),
    )?;
    Ok(state.as_deref().and_then(MinutesState::parse) == Some(MinutesState::Approved))
}

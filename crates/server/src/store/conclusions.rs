//! Conclusion notices' rows (`conclusions`): one per meeting, the notice as JSON. The
//! rules are in [`crate::core::conclusions`].

use meeting_protocol::{Conclusion, ConclusionState};
use time::OffsetDateTime;

use super::sql::{Tx, params};
use super::{Error, StoreResult};

fn decode(data: &str) -> StoreResult<Conclusion> {
    serde_json::from_str(data).map_err(|e| Error::Decode { column: 0, message: format!("conclusion notice: {e}") })
}

/// The meeting's notice, if one was drafted.
pub fn get(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Option<Conclusion>> {
    let row: Option<String> =
        tx.query_opt("SELECT data FROM conclusions WHERE meeting_id = ?1", [meeting_id], |r| r.get(0))?;
    row.map(|d| decode(&d)).transpose()
}

/// Writes the notice.
pub fn put(tx: &Tx<'_>, c: &Conclusion, at: OffsetDateTime) -> StoreResult<()> {
    let data = serde_json::to_string(c).map_err(|e| Error::Schema(format!("a notice does not serialise: {e}")))?;
    let state = match c.state {
        ConclusionState::Draft => "draft",
        ConclusionState::Issued => "issued",
    };
    tx.execute(
        "INSERT INTO conclusions (meeting_id, state, number, data, deadline, issued_on, document_id, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (meeting_id) DO UPDATE SET state = excluded.state, number = excluded.number, data = excluded.data,
             deadline = excluded.deadline, issued_on = excluded.issued_on, document_id = excluded.document_id,
             updated_at = excluded.updated_at",
        params![c.meeting_id, state, c.number, data, c.deadline, c.issued_on, c.document_id, at],
    )?;
    Ok(())
}

/// Every notice (the late list reads them with the meetings that have none).
pub fn all(tx: &Tx<'_>) -> StoreResult<Vec<Conclusion>> {
    let rows: Vec<String> = tx.query_map("SELECT data FROM conclusions", (), |r| r.get(0))?;
    rows.iter().map(|d| decode(d)).collect()
}

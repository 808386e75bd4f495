//! Opinions' rows: which marks are shared beyond their author (in `annotations`) and
//! each one's follow-up state (`opinion_states`: handled or not, by whom, when). The
//! rules are in [`crate::core::opinions`].

use meeting_protocol::OpinionState;
use time::OffsetDateTime;

use super::StoreResult;
use super::sql::{Tx, params};

/// The ids of the meeting's marks that are alive and shared beyond their author.
pub fn shared_ids(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<String>> {
    tx.query_map(
        "SELECT id FROM annotations WHERE meeting_id = ?1 AND deleted = 0 AND visibility <> 'private'",
        [meeting_id],
        |r| r.get(0),
    )
}

/// The follow-up state of one mark, if someone set it.
pub fn state(tx: &Tx<'_>, annotation_id: &str) -> StoreResult<Option<OpinionState>> {
    tx.query_opt(
        "SELECT s.annotation_id, s.meeting_id, s.handled, s.by_user, COALESCE(u.display_name, ''), s.at
           FROM opinion_states s LEFT JOIN users u ON u.id = s.by_user WHERE s.annotation_id = ?1",
        [annotation_id],
        |r| {
            Ok(OpinionState {
                annotation_id: r.get(0)?,
                meeting_id: r.get(1)?,
                handled: r.get(2)?,
                by: r.get(3)?,
                by_name: r.get(4)?,
                at: r.get(5)?,
            })
        },
    )
}

/// Sets a mark's follow-up state.
pub fn set_state(
    tx: &Tx<'_>,
    annotation_id: &str,
    meeting_id: &str,
    handled: bool,
    by: &str,
    at: OffsetDateTime,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO opinion_states (annotation_id, meeting_id, handled, by_user, at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (annotation_id) DO UPDATE SET handled = excluded.handled, by_user = excluded.by_user, at = excluded.at",
        params![annotation_id, meeting_id, handled, by, at],
    )?;
    Ok(())
}

/// The marks of the meeting that have a follow-up state.
pub fn with_state(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<String>> {
    tx.query_map("SELECT annotation_id FROM opinion_states WHERE meeting_id = ?1", [meeting_id], |r| r.get(0))
}

//! Requests to speak (`speakers`): who asked, on which item, their place in the queue
//! (`position`, taken inside the writers' turn, so requests at the same instant still get
//! distinct, increasing places), state and times. The rules are in
//! [`crate::core::speakers`].

use meeting_protocol::{Speaker, SpeakerState};
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use super::sql::{Row, Tx, params};

const SELECT: &str =
    "SELECT s.id, s.meeting_id, s.agenda_item_id, s.user_id, COALESCE(u.display_name, ''), s.point_of_order,
            s.position, s.state, s.requested_at, s.started_at, s.ended_at
       FROM speakers s LEFT JOIN users u ON u.id = s.user_id";

fn speaker(r: &Row<'_>) -> StoreResult<Speaker> {
    Ok(Speaker {
        id: r.get(0)?,
        meeting_id: r.get(1)?,
        agenda_item_id: r.get(2)?,
        user_id: r.get(3)?,
        display_name: r.get(4)?,
        point_of_order: r.get(5)?,
        position: r.get(6)?,
        state: r.get_parsed(7, "a speaker's state", SpeakerState::parse)?,
        requested_at: r.get(8)?,
        started_at: r.get(9)?,
        ended_at: r.get(10)?,
    })
}

/// One request.
pub fn get(tx: &Tx<'_>, id: &Uuid) -> StoreResult<Option<Speaker>> {
    tx.query_opt(&format!("{SELECT} WHERE s.id = ?1"), [id], speaker)
}

/// A meeting's requests, in no particular order.
pub fn of_meeting(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<Speaker>> {
    tx.query_map(&format!("{SELECT} WHERE s.meeting_id = ?1"), [meeting_id], speaker)
}

/// Whether the user has the floor in the meeting now.
pub fn has_floor(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> StoreResult<bool> {
    tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM speakers WHERE meeting_id = ?1 AND user_id = ?2 AND state = 'speaking')",
        [meeting_id, user_id],
        |r| r.get(0),
    )
}

/// The user's request that is waiting or speaking in the meeting, if any.
pub fn live_request(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> StoreResult<Option<Uuid>> {
    tx.query_opt(
        "SELECT id FROM speakers WHERE meeting_id = ?1 AND user_id = ?2 AND state IN ('waiting', 'speaking')",
        [meeting_id, user_id],
        |r| r.get(0),
    )
}

/// The request that has the floor in the meeting, if any.
pub fn speaking(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Option<Uuid>> {
    tx.query_opt("SELECT id FROM speakers WHERE meeting_id = ?1 AND state = 'speaking'", [meeting_id], |r| r.get(0))
}

/// Marks a waiting request a point of order (which goes to the front).
pub fn raise_point_of_order(tx: &Tx<'_>, id: &Uuid) -> StoreResult<()> {
    tx.execute("UPDATE speakers SET point_of_order = 1 WHERE id = ?1 AND state = 'waiting'", [id])?;
    Ok(())
}

/// A new request, waiting at the end of the meeting's queue.
pub struct NewRequest<'a> {
    /// Its id.
    pub id: Uuid,
    /// The meeting.
    pub meeting_id: &'a str,
    /// The item being discussed when it was made.
    pub agenda_item_id: Option<Uuid>,
    /// Who asks.
    pub user_id: &'a str,
    /// A point of order.
    pub point_of_order: bool,
    /// When.
    pub requested_at: OffsetDateTime,
}

/// Adds a request after every other of its meeting.
pub fn insert(tx: &Tx<'_>, r: &NewRequest<'_>) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO speakers (id, meeting_id, agenda_item_id, user_id, point_of_order, position, state, requested_at)
         VALUES (?1, ?2, ?3, ?4, ?5, (SELECT COALESCE(MAX(position), 0) + 1 FROM speakers WHERE meeting_id = ?2),
                 'waiting', ?6)",
        params![r.id, r.meeting_id, r.agenda_item_id, r.user_id, r.point_of_order, r.requested_at],
    )?;
    Ok(())
}

/// Moves a request to `state` at `at`: speaking starts its floor; any other state ends
/// the floor if it had one.
pub fn set_state(tx: &Tx<'_>, id: &Uuid, state: SpeakerState, at: OffsetDateTime) -> StoreResult<()> {
    match state {
        SpeakerState::Speaking => tx.execute(
            "UPDATE speakers SET state = 'speaking', started_at = ?2, ended_at = NULL WHERE id = ?1",
            params![id, at],
        )?,
        other => tx.execute(
            "UPDATE speakers SET state = ?2, ended_at = CASE WHEN started_at IS NULL THEN NULL ELSE ?3 END WHERE id = ?1",
            params![id, other.as_str(), at],
        )?,
    };
    Ok(())
}

//! Meetings, their agenda and their participants (`meetings`, `agenda_items`,
//! `participants`), and the one rule of who sees a meeting, as SQL
//! ([`visible_meetings_sql`]) every read path asks. The rules that use them are in
//! [`crate::model`] and [`crate::core::meetings`].

use meeting_protocol::{AgendaItem, Meeting, MeetingStatus, Participant, ParticipantRole};

use uuid::Uuid;

use super::StoreResult;
use super::sql::{Row, Tx, Value, params};

/// The meeting's secretariat, as an SQL condition over `participants p JOIN users u`:
/// its organizers and the secretaries and admins taking part. One definition for who
/// sees drafts, who sees marks shared with the secretariat, and who is told of them.
macro_rules! secretariat_cond {
    () => {
        "(p.role = 'organizer' OR u.role IN ('secretary', 'admin'))"
    };
}
pub(crate) use secretariat_cond;

/// SQL: the ids of the meetings the user bound to parameter `$uid` may see — those they
/// take part in, unless it is a draft and they are not of its secretariat. Every read
/// path (meeting endpoints, feed, blobs, annotations) asks this one question.
macro_rules! visible_meetings_sql {
    ($uid:literal) => {
        concat!(
            "SELECT p.meeting_id FROM participants p JOIN users u ON u.id = p.user_id ",
            "JOIN meetings m ON m.id = p.meeting_id WHERE p.user_id = ",
            $uid,
            " AND (m.status <> 'draft' OR ",
            crate::store::meetings::secretariat_cond!(),
            ")"
        )
    };
}
pub(crate) use visible_meetings_sql;

const MEETING_COLS: &str = "id, title, location, description, starts_at, ends_at, status, cancel_reason, watermark";
fn meeting_row(r: &Row<'_>) -> StoreResult<Meeting> {
    Ok(Meeting {
        id: r.get(0)?,
        title: r.get(1)?,
        location: r.get(2)?,
        description: r.get(3)?,
        starts_at: r.get(4)?,
        ends_at: r.get(5)?,
        status: r.get_parsed(6, "a meeting's state", MeetingStatus::parse)?,
        cancel_reason: r.get(7)?,
        watermark: r.get(8)?,
    })
}

const AGENDA_COLS: &str = "id, meeting_id, position, title, presenter, planned_time, duration_minutes";
fn agenda_row(r: &Row<'_>) -> StoreResult<AgendaItem> {
    Ok(AgendaItem {
        id: r.get(0)?,
        meeting_id: r.get(1)?,
        position: r.get(2)?,
        title: r.get(3)?,
        presenter: r.get(4)?,
        planned_time: r.get(5)?,
        duration_minutes: r.get(6)?,
    })
}

const PARTICIPANT_SELECT: &str = "SELECT p.meeting_id, p.user_id, u.username, u.display_name, p.role
    FROM participants p JOIN users u ON u.id = p.user_id";
fn participant_row(r: &Row<'_>) -> StoreResult<Participant> {
    Ok(Participant {
        meeting_id: r.get(0)?,
        user_id: r.get(1)?,
        username: r.get(2)?,
        display_name: r.get(3)?,
        role: r.get_parsed(4, "a participant's role", ParticipantRole::parse)?,
    })
}

/// One meeting by id.
pub fn meeting(tx: &Tx<'_>, id: &str) -> StoreResult<Option<Meeting>> {
    tx.query_opt(&format!("SELECT {MEETING_COLS} FROM meetings WHERE id = ?1"), [id], meeting_row)
}

/// Meetings the user may see, soonest first.
pub fn meetings_of(tx: &Tx<'_>, user_id: &str) -> StoreResult<Vec<Meeting>> {
    tx.query_map(
        &format!(
            "SELECT {MEETING_COLS} FROM meetings WHERE id IN ({}) ORDER BY starts_at, id",
            visible_meetings_sql!("?1")
        ),
        [user_id],
        meeting_row,
    )
}

/// One agenda item by id.
pub fn agenda_item(tx: &Tx<'_>, id: &str) -> StoreResult<Option<AgendaItem>> {
    tx.query_opt(&format!("SELECT {AGENDA_COLS} FROM agenda_items WHERE id = ?1"), [id], agenda_row)
}

/// A meeting's agenda in order.
pub fn agenda_of(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<AgendaItem>> {
    tx.query_map(
        &format!("SELECT {AGENDA_COLS} FROM agenda_items WHERE meeting_id = ?1 ORDER BY position, id"),
        [meeting_id],
        agenda_row,
    )
}

/// One participant.
pub fn participant(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> StoreResult<Option<Participant>> {
    tx.query_opt(
        &format!("{PARTICIPANT_SELECT} WHERE p.meeting_id = ?1 AND p.user_id = ?2"),
        [meeting_id, user_id],
        participant_row,
    )
}

/// A meeting's participants.
pub fn participants_of(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<Participant>> {
    tx.query_map(
        &format!("{PARTICIPANT_SELECT} WHERE p.meeting_id = ?1 ORDER BY p.role, u.username"),
        [meeting_id],
        participant_row,
    )
}

/// True when the user takes part in the meeting.
pub fn is_participant(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> StoreResult<bool> {
    Ok(tx
        .query_opt("SELECT 1 FROM participants WHERE meeting_id = ?1 AND user_id = ?2", [meeting_id, user_id], |_| {
            Ok(())
        })?
        .is_some())
}

/// True when the user may see the meeting now: a participant, and of its secretariat
/// while it is a draft.
pub fn may_see_meeting(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> StoreResult<bool> {
    Ok(tx
        .query_opt(
            concat!("SELECT 1 FROM (", visible_meetings_sql!("?2"), ") AS visible WHERE meeting_id = ?1"),
            [meeting_id, user_id],
            |_| Ok(()),
        )?
        .is_some())
}

/// True when the user is of the meeting's secretariat (see [`secretariat_cond`]).
pub fn is_secretariat(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> StoreResult<bool> {
    Ok(tx
        .query_opt(
            concat!(
                "SELECT 1 FROM participants p JOIN users u ON u.id = p.user_id WHERE p.meeting_id = ?1 AND p.user_id = ?2 AND ",
                secretariat_cond!()
            ),
            [meeting_id, user_id],
            |_| Ok(()),
        )?
        .is_some())
}

/// The users of the meeting's secretariat (see [`secretariat_cond`]), in one query.
pub fn secretariat_of(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<String>> {
    tx.query_map(
        concat!(
            "SELECT p.user_id FROM participants p JOIN users u ON u.id = p.user_id WHERE p.meeting_id = ?1 AND ",
            secretariat_cond!()
        ),
        [meeting_id],
        |r| r.get(0),
    )
}

/// The users who run the room of the meeting: its chair and its secretariat, in one
/// query (a ballot tells each of them; asking participant by participant cost two
/// queries per member under the write lock).
pub fn presiding_of(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<String>> {
    tx.query_map(
        concat!(
            "SELECT p.user_id FROM participants p JOIN users u ON u.id = p.user_id \
             WHERE p.meeting_id = ?1 AND (p.role = 'chair' OR ",
            secretariat_cond!(),
            ")"
        ),
        [meeting_id],
        |r| r.get(0),
    )
}

/// The user's role in the meeting, if they take part.
pub fn role_of(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> StoreResult<Option<ParticipantRole>> {
    tx.query_opt("SELECT role FROM participants WHERE meeting_id = ?1 AND user_id = ?2", [meeting_id, user_id], |r| {
        r.get_parsed(0, "a participant's role", ParticipantRole::parse)
    })
}

/// The ids of the meetings the user takes part in, drafts included.
pub fn ids_of(tx: &Tx<'_>, user_id: &str) -> StoreResult<Vec<String>> {
    tx.query_map("SELECT meeting_id FROM participants WHERE user_id = ?1", [user_id], |r| r.get(0))
}

/// Meeting id of an agenda item, if it exists.
pub fn agenda_meeting(tx: &Tx<'_>, item_id: &str) -> StoreResult<Option<String>> {
    tx.query_opt("SELECT meeting_id FROM agenda_items WHERE id = ?1", [item_id], |r| r.get(0))
}

/// Those of `users` who may see meeting `mid`: the one visibility rule
/// (`crate::store::meetings::visible_meetings_sql`), asked for several users at once.
pub fn users_seeing(tx: &Tx<'_>, mid: &str, users: &[String]) -> StoreResult<Vec<String>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let marks = super::sql::placeholders(2, users.len());
    let mut values = vec![Value::Text(mid.to_owned())];
    values.extend(users.iter().map(|u| Value::Text(u.clone())));
    tx.query_map(
        &format!(
            concat!(
                "SELECT v.user_id FROM participants v WHERE v.meeting_id = ?1 AND v.user_id IN ({}) \
                 AND ?1 IN (",
                visible_meetings_sql!("v.user_id"),
                ")"
            ),
            marks
        ),
        values,
        |r| r.get(0),
    )
}

/// Writes a meeting's row, new or changed.
pub fn save(tx: &Tx<'_>, m: &Meeting) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO meetings (id, title, location, description, starts_at, ends_at, status, cancel_reason, watermark)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, location = excluded.location,
            description = excluded.description, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
            status = excluded.status, cancel_reason = excluded.cancel_reason, watermark = excluded.watermark",
        params![
            m.id,
            m.title,
            m.location,
            m.description,
            m.starts_at,
            m.ends_at,
            m.status.as_str(),
            m.cancel_reason,
            m.watermark
        ],
    )?;
    Ok(())
}

/// Deletes a meeting; everything in it goes with it (the schema's cascades).
pub fn delete(tx: &Tx<'_>, id: &str) -> StoreResult<()> {
    tx.execute("DELETE FROM meetings WHERE id = ?1", [id])?;
    Ok(())
}

/// Adds a participant, or changes their role.
pub fn set_participant(tx: &Tx<'_>, meeting_id: &str, user_id: &str, role: ParticipantRole) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO participants (meeting_id, user_id, role) VALUES (?1, ?2, ?3)
         ON CONFLICT (meeting_id, user_id) DO UPDATE SET role = excluded.role",
        params![meeting_id, user_id, role.as_str()],
    )?;
    Ok(())
}

/// Removes a participant.
pub fn remove_participant(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> StoreResult<()> {
    tx.execute("DELETE FROM participants WHERE meeting_id = ?1 AND user_id = ?2", [meeting_id, user_id])?;
    Ok(())
}

/// How many organizers the meeting has.
pub fn organizers(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<i64> {
    tx.query_row("SELECT count(*) FROM participants WHERE meeting_id = ?1 AND role = 'organizer'", [meeting_id], |r| {
        r.get(0)
    })
}

/// The position after the meeting's last agenda item.
pub fn next_position(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<i64> {
    tx.query_row("SELECT COALESCE(MAX(position), 0) + 1 FROM agenda_items WHERE meeting_id = ?1", [meeting_id], |r| {
        r.get(0)
    })
}

/// Adds an agenda item.
pub fn insert_item(tx: &Tx<'_>, item: &AgendaItem) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO agenda_items (id, meeting_id, position, title, presenter, planned_time, duration_minutes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            item.id,
            item.meeting_id,
            item.position,
            item.title,
            item.presenter,
            item.planned_time,
            item.duration_minutes
        ],
    )?;
    Ok(())
}

/// Writes an agenda item's fields (not its place).
pub fn update_item(tx: &Tx<'_>, item: &AgendaItem) -> StoreResult<()> {
    tx.execute(
        "UPDATE agenda_items SET title = ?2, presenter = ?3, planned_time = ?4, duration_minutes = ?5 WHERE id = ?1",
        params![item.id, item.title, item.presenter, item.planned_time, item.duration_minutes],
    )?;
    Ok(())
}

/// Moves an agenda item to `position`.
pub fn move_item(tx: &Tx<'_>, id: &Uuid, position: i64) -> StoreResult<()> {
    tx.execute("UPDATE agenda_items SET position = ?2 WHERE id = ?1", params![id, position])?;
    Ok(())
}

/// Deletes an agenda item; its documents stay, detached (the schema sets their item to
/// NULL). Returns those documents' ids.
pub fn delete_item(tx: &Tx<'_>, id: &Uuid) -> StoreResult<Vec<String>> {
    let documents = tx.query_map("SELECT id FROM documents WHERE agenda_item_id = ?1", [id], |r| r.get(0))?;
    tx.execute("DELETE FROM agenda_items WHERE id = ?1", [id])?;
    Ok(documents)
}

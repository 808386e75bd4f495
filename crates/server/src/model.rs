//! Reading entities from the database and deciding who may see or change them.

use crate::store::sql::params;
use crate::store::{Row, Tx, Value};
use meeting_protocol::{
    AgendaItem, Document, Meeting, MeetingDetail, MeetingStatus, Participant, ParticipantRole, Role,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};

/// Formats a timestamp the way the database stores it.
pub fn fmt_ts(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default()
}

/// Parses a timestamp as the database stores it (the epoch for anything else).
pub fn parse_ts(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn uuid(r: &Row<'_>, i: usize) -> crate::store::StoreResult<Uuid> {
    r.get(i)
}

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
            crate::model::secretariat_cond!(),
            ")"
        )
    };
}
pub(crate) use visible_meetings_sql;

const MEETING_COLS: &str = "id, title, location, description, starts_at, ends_at, status, cancel_reason, watermark";
fn meeting_row(r: &Row<'_>) -> crate::store::StoreResult<Meeting> {
    let ends: Option<String> = r.get(5)?;
    let status: String = r.get(6)?;
    Ok(Meeting {
        id: uuid(r, 0)?,
        title: r.get(1)?,
        location: r.get(2)?,
        description: r.get(3)?,
        starts_at: parse_ts(&r.get::<_, String>(4)?),
        ends_at: ends.as_deref().map(parse_ts),
        status: MeetingStatus::parse(&status).unwrap_or(MeetingStatus::Draft),
        cancel_reason: r.get(7)?,
        watermark: r.get(8)?,
    })
}

const AGENDA_COLS: &str = "id, meeting_id, position, title, presenter, planned_time, duration_minutes";
fn agenda_row(r: &Row<'_>) -> crate::store::StoreResult<AgendaItem> {
    Ok(AgendaItem {
        id: uuid(r, 0)?,
        meeting_id: uuid(r, 1)?,
        position: r.get(2)?,
        title: r.get(3)?,
        presenter: r.get(4)?,
        planned_time: r.get(5)?,
        duration_minutes: r.get(6)?,
    })
}

const PARTICIPANT_SELECT: &str = "SELECT p.meeting_id, p.user_id, u.username, u.display_name, p.role
    FROM participants p JOIN users u ON u.id = p.user_id";
fn participant_row(r: &Row<'_>) -> crate::store::StoreResult<Participant> {
    let role: String = r.get(4)?;
    Ok(Participant {
        meeting_id: uuid(r, 0)?,
        user_id: uuid(r, 1)?,
        username: r.get(2)?,
        display_name: r.get(3)?,
        role: ParticipantRole::parse(&role).unwrap_or(ParticipantRole::Member),
    })
}

const DOCUMENT_SELECT: &str = "SELECT d.id, d.meeting_id, d.agenda_item_id, d.title, v.filename, v.size, v.sha256,
           v.page_count, v.version, d.confidential, v.uploaded_at, v.original_filename, d.position, d.watermark,
           d.offline_copy
    FROM documents d JOIN document_versions v ON v.document_id = d.id AND v.version = d.current_version";
fn document_row(r: &Row<'_>) -> crate::store::StoreResult<Document> {
    let agenda: Option<String> = r.get(2)?;
    Ok(Document {
        id: uuid(r, 0)?,
        meeting_id: uuid(r, 1)?,
        agenda_item_id: agenda.and_then(|s| Uuid::parse_str(&s).ok()),
        title: r.get(3)?,
        filename: r.get(4)?,
        size: r.get(5)?,
        sha256: r.get(6)?,
        page_count: r.get(7)?,
        version: r.get(8)?,
        confidential: r.get(9)?,
        uploaded_at: parse_ts(&r.get::<_, String>(10)?),
        original_filename: r.get(11)?,
        position: r.get(12)?,
        watermark: r.get(13)?,
        offline_copy: r.get(14)?,
    })
}

/// One meeting by id.
pub fn meeting(tx: &Tx<'_>, id: &str) -> AppResult<Option<Meeting>> {
    Ok(tx.query_opt(&format!("SELECT {MEETING_COLS} FROM meetings WHERE id = ?1"), [id], meeting_row)?)
}

/// Meetings the user may see, soonest first.
pub fn meetings_of(tx: &Tx<'_>, user_id: &str) -> AppResult<Vec<Meeting>> {
    Ok(tx.query_map(
        &format!(
            "SELECT {MEETING_COLS} FROM meetings WHERE id IN ({}) ORDER BY starts_at, id",
            visible_meetings_sql!("?1")
        ),
        [user_id],
        meeting_row,
    )?)
}

/// One agenda item by id.
pub fn agenda_item(tx: &Tx<'_>, id: &str) -> AppResult<Option<AgendaItem>> {
    Ok(tx.query_opt(&format!("SELECT {AGENDA_COLS} FROM agenda_items WHERE id = ?1"), [id], agenda_row)?)
}

/// A meeting's agenda in order.
pub fn agenda_of(tx: &Tx<'_>, meeting_id: &str) -> AppResult<Vec<AgendaItem>> {
    Ok(tx.query_map(
        &format!("SELECT {AGENDA_COLS} FROM agenda_items WHERE meeting_id = ?1 ORDER BY position, id"),
        [meeting_id],
        agenda_row,
    )?)
}

/// One participant.
pub fn participant(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> AppResult<Option<Participant>> {
    Ok(tx.query_opt(
        &format!("{PARTICIPANT_SELECT} WHERE p.meeting_id = ?1 AND p.user_id = ?2"),
        [meeting_id, user_id],
        participant_row,
    )?)
}

/// A meeting's participants.
pub fn participants_of(tx: &Tx<'_>, meeting_id: &str) -> AppResult<Vec<Participant>> {
    Ok(tx.query_map(
        &format!("{PARTICIPANT_SELECT} WHERE p.meeting_id = ?1 ORDER BY p.role, u.username"),
        [meeting_id],
        participant_row,
    )?)
}

/// One document (current version).
pub fn document(tx: &Tx<'_>, id: &str) -> AppResult<Option<Document>> {
    Ok(tx.query_opt(&format!("{DOCUMENT_SELECT} WHERE d.id = ?1"), [id], document_row)?)
}

/// A meeting's documents (current versions).
pub fn documents_of(tx: &Tx<'_>, meeting_id: &str) -> AppResult<Vec<Document>> {
    Ok(tx.query_map(
        &format!("{DOCUMENT_SELECT} WHERE d.meeting_id = ?1 ORDER BY d.position, d.title, d.id"),
        [meeting_id],
        document_row,
    )?)
}

/// Everything in a meeting.
pub fn meeting_detail(tx: &Tx<'_>, meeting: Meeting) -> AppResult<MeetingDetail> {
    let id = meeting.id.to_string();
    Ok(MeetingDetail {
        agenda: agenda_of(tx, &id)?,
        participants: participants_of(tx, &id)?,
        documents: documents_of(tx, &id)?,
        meeting,
    })
}

/// True when the user takes part in the meeting.
pub fn is_participant(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> AppResult<bool> {
    Ok(tx
        .query_opt("SELECT 1 FROM participants WHERE meeting_id = ?1 AND user_id = ?2", [meeting_id, user_id], |_| {
            Ok(())
        })?
        .is_some())
}

/// True when the user may see the meeting now: a participant, and of its secretariat
/// while it is a draft.
pub fn may_see_meeting(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> AppResult<bool> {
    Ok(tx
        .query_opt(
            concat!("SELECT 1 FROM (", visible_meetings_sql!("?2"), ") AS visible WHERE meeting_id = ?1"),
            [meeting_id, user_id],
            |_| Ok(()),
        )?
        .is_some())
}

/// True when the user is of the meeting's secretariat (see [`secretariat_cond`]).
pub fn is_secretariat(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> AppResult<bool> {
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

/// The meeting, if the caller may see it. Unknown and invisible meetings answer alike
/// (404), so a non-participant learns nothing, not even that the meeting exists.
pub fn visible_meeting(tx: &Tx<'_>, caller: &AuthUser, meeting_id: &str) -> AppResult<Meeting> {
    if !may_see_meeting(tx, meeting_id, &caller.id())? {
        return Err(AppError::not_found("meeting"));
    }
    meeting(tx, meeting_id)?.ok_or_else(|| AppError::not_found("meeting"))
}

/// The meeting, if the caller may change it: a secretary (or admin) taking part in it.
/// Non-participants get 404 (they may not know it exists); participating leaders 403.
pub fn editable_meeting(tx: &Tx<'_>, caller: &AuthUser, meeting_id: &str) -> AppResult<Meeting> {
    let m = visible_meeting(tx, caller, meeting_id)?;
    caller.require_role(&[Role::Secretary, Role::Admin])?;
    Ok(m)
}

/// Meeting id of an agenda item, if it exists.
pub fn agenda_meeting(tx: &Tx<'_>, item_id: &str) -> AppResult<Option<String>> {
    Ok(tx.query_opt("SELECT meeting_id FROM agenda_items WHERE id = ?1", [item_id], |r| r.get(0))?)
}

/// Meeting id of a document, if it exists.
pub fn document_meeting(tx: &Tx<'_>, doc_id: &str) -> AppResult<Option<String>> {
    Ok(tx.query_opt("SELECT meeting_id FROM documents WHERE id = ?1", [doc_id], |r| r.get(0))?)
}

/// Those of `users` who may see meeting `mid`: the one visibility rule
/// (`model::visible_meetings_sql`), asked for several users at once.
pub fn users_seeing(tx: &Tx<'_>, mid: &str, users: &[String]) -> AppResult<Vec<String>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let marks = (0..users.len()).map(|k| format!("?{}", k + 2)).collect::<Vec<_>>().join(", ");
    let mut values = vec![Value::Text(mid.to_owned())];
    values.extend(users.iter().map(|u| Value::Text(u.clone())));
    Ok(tx.query_map(
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
    )?)
}

/// The blob's size when the caller may read it: it is a version of a document of a
/// meeting they may see (a draft's documents only its secretariat); `None` otherwise.
pub fn readable_blob_size(tx: &Tx<'_>, user_id: &str, sha256: &str) -> AppResult<Option<u64>> {
    Ok(tx.query_opt(
        concat!(
            "SELECT v.size FROM document_versions v JOIN documents d ON d.id = v.document_id
              WHERE v.sha256 = ?1 AND d.meeting_id IN (",
            visible_meetings_sql!("?2"),
            ") LIMIT 1"
        ),
        params![sha256, user_id],
        |r| r.get(0),
    )?)
}

//! The speakers' list: participants ask to speak on the current item, the chair gives
//! and ends the floor, a point of order goes to the front.
//!
//! The order of asking is the `position` taken inside the write transaction: writers are
//! serialised, so requests arriving at the same moment still get distinct, increasing
//! positions, and every device sorts the queue the same way ([`queue_order`]).

use crate::store::sql::params;
use crate::store::{Row, Tx};
use meeting_protocol::{FloorInput, SpeakRequest, Speaker, SpeakerState, sort_speakers};
use uuid::Uuid;

use super::audit::{self, snapshot};
use super::room::{live_meeting, live_state, now, require_presiding, role_in, subject, uuid_of};
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::{feed, model};

const SPEAKER_SELECT: &str =
    "SELECT s.id, s.meeting_id, s.agenda_item_id, s.user_id, COALESCE(u.display_name, ''), s.point_of_order,
            s.position, s.state, s.requested_at, s.started_at, s.ended_at
       FROM speakers s LEFT JOIN users u ON u.id = s.user_id";

fn speaker_row(r: &Row<'_>) -> crate::store::StoreResult<Speaker> {
    let ts = |i: usize| -> crate::store::StoreResult<Option<time::OffsetDateTime>> {
        Ok(r.get::<_, Option<String>>(i)?.as_deref().map(model::parse_ts))
    };
    Ok(Speaker {
        id: uuid_of(&r.get::<_, String>(0)?),
        meeting_id: uuid_of(&r.get::<_, String>(1)?),
        agenda_item_id: r.get::<_, Option<String>>(2)?.as_deref().map(uuid_of),
        user_id: uuid_of(&r.get::<_, String>(3)?),
        display_name: r.get(4)?,
        point_of_order: r.get(5)?,
        position: r.get(6)?,
        state: SpeakerState::parse(&r.get::<_, String>(7)?).unwrap_or(SpeakerState::Done),
        requested_at: model::parse_ts(&r.get::<_, String>(8)?),
        started_at: ts(9)?,
        ended_at: ts(10)?,
    })
}

/// One request to speak.
pub fn speaker(tx: &Tx<'_>, id: &str) -> AppResult<Option<Speaker>> {
    Ok(tx.query_opt(&format!("{SPEAKER_SELECT} WHERE s.id = ?1"), [id], speaker_row)?)
}

/// The meeting's requests: the speaker, then the queue in order, then the rest (latest
/// first).
pub fn speakers_of(tx: &Tx<'_>, mid: &str) -> AppResult<Vec<Speaker>> {
    let mut all: Vec<Speaker> =
        tx.query_map(&format!("{SPEAKER_SELECT} WHERE s.meeting_id = ?1"), [mid], speaker_row)?;
    sort_speakers(&mut all);
    Ok(all)
}

/// Whether the user has the floor now (and so may present).
pub fn has_floor(tx: &Tx<'_>, mid: &str, uid: &str) -> AppResult<bool> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM speakers WHERE meeting_id = ?1 AND user_id = ?2 AND state = 'speaking')",
        [mid, uid],
        |r| r.get(0),
    )?)
}

fn write_state(tx: &Tx<'_>, s: &Speaker, state: SpeakerState) -> AppResult<Speaker> {
    let (id, at) = (s.id.to_string(), now());
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
    let mid = s.meeting_id.to_string();
    feed::record(tx, &mid, "speaker", &id, None)?;
    speaker(tx, &id)?.ok_or_else(|| AppError::Stored(format!("speaker {id} vanished")))
}

/// Asks to speak on the current item. A participant has one live request at a time:
/// asking again answers the request already there (a double click changes nothing),
/// except that a point of order is raised to the front.
pub fn ask(tx: &Tx<'_>, actor: &AuthUser, mid: &str, req: &SpeakRequest) -> AppResult<Speaker> {
    live_meeting(tx, actor, mid)?;
    let uid = actor.id();
    if role_in(tx, mid, &uid)?.is_none() {
        return Err(AppError::not_found("meeting"));
    }
    let existing: Option<String> = tx.query_opt(
        "SELECT id FROM speakers WHERE meeting_id = ?1 AND user_id = ?2 AND state IN ('waiting', 'speaking')",
        [mid, &uid],
        |r| r.get(0),
    )?;
    if let Some(id) = existing {
        if req.point_of_order {
            tx.execute("UPDATE speakers SET point_of_order = 1 WHERE id = ?1 AND state = 'waiting'", [&id])?;
            feed::record(tx, mid, "speaker", &id, None)?;
        }
        return speaker(tx, &id)?.ok_or_else(|| AppError::Stored(format!("speaker {id} vanished")));
    }
    let id = Uuid::now_v7().to_string();
    let item = live_state(tx, mid)?.current_item_id.map(|i| i.to_string());
    tx.execute(
        "INSERT INTO speakers (id, meeting_id, agenda_item_id, user_id, point_of_order, position, state, requested_at)
         VALUES (?1, ?2, ?3, ?4, ?5, (SELECT COALESCE(MAX(position), 0) + 1 FROM speakers WHERE meeting_id = ?2),
                 'waiting', ?6)",
        params![id, mid, item, uid, req.point_of_order, now()],
    )?;
    feed::record(tx, mid, "speaker", &id, None)?;
    let s = speaker(tx, &id)?.ok_or_else(|| AppError::Stored(format!("speaker {id} vanished")))?;
    audit::record(tx, actor, "speaker.asked", &subject(mid, "speaker", &id), None, snapshot(&s))?;
    Ok(s)
}

/// Withdraws a request (its author), or takes it off the list (whoever presides).
pub fn withdraw(tx: &Tx<'_>, actor: &AuthUser, speaker_id: Uuid) -> AppResult<Speaker> {
    let id = speaker_id.to_string();
    let s = speaker(tx, &id)?.ok_or_else(|| AppError::not_found("request to speak"))?;
    let mid = s.meeting_id.to_string();
    live_meeting(tx, actor, &mid).map_err(|e| e.renamed_not_found("request to speak"))?;
    let own = s.user_id.to_string() == actor.id();
    if !own {
        require_presiding(tx, actor, &mid)?;
    }
    match s.state {
        SpeakerState::Waiting => {}
        SpeakerState::Speaking if !own => {
            return Err(AppError::conflict("this speaker has the floor: end the floor instead"));
        }
        SpeakerState::Speaking => {}
        SpeakerState::Done | SpeakerState::Withdrawn => return Ok(s),
    }
    let next = if s.state == SpeakerState::Speaking { SpeakerState::Done } else { SpeakerState::Withdrawn };
    let after = write_state(tx, &s, next)?;
    audit::record(tx, actor, "speaker.withdrawn", &subject(&mid, "speaker", &id), snapshot(&s), snapshot(&after))?;
    Ok(after)
}

/// Ends the floor of whoever speaks; returns them.
fn end_current(tx: &Tx<'_>, actor: &AuthUser, mid: &str) -> AppResult<Option<Speaker>> {
    let current: Option<String> =
        tx.query_opt("SELECT id FROM speakers WHERE meeting_id = ?1 AND state = 'speaking'", [mid], |r| r.get(0))?;
    let Some(id) = current else { return Ok(None) };
    let s = speaker(tx, &id)?.ok_or_else(|| AppError::Stored(format!("speaker {id} vanished")))?;
    let after = write_state(tx, &s, SpeakerState::Done)?;
    audit::record(tx, actor, "speaker.ended", &subject(mid, "speaker", &id), snapshot(&s), snapshot(&after))?;
    Ok(Some(after))
}

/// Gives the floor to a waiting request (the first of the queue when none is named),
/// ending the current speaker's.
pub fn give_floor(tx: &Tx<'_>, actor: &AuthUser, mid: &str, input: &FloorInput) -> AppResult<Speaker> {
    require_presiding(tx, actor, mid)?;
    let target = match input.speaker_id {
        Some(id) => {
            let s = speaker(tx, &id.to_string())?
                .filter(|s| s.meeting_id.to_string() == mid)
                .ok_or_else(|| AppError::not_found("request to speak"))?;
            if s.state != SpeakerState::Waiting {
                return Err(AppError::conflict("this request is not waiting in the queue"));
            }
            s
        }
        None => speakers_of(tx, mid)?
            .into_iter()
            .find(|s| s.state == SpeakerState::Waiting)
            .ok_or_else(|| AppError::conflict("nobody is waiting to speak"))?,
    };
    end_current(tx, actor, mid)?;
    let after = write_state(tx, &target, SpeakerState::Speaking)?;
    let id = after.id.to_string();
    audit::record(tx, actor, "speaker.floor", &subject(mid, "speaker", &id), snapshot(&target), snapshot(&after))?;
    Ok(after)
}

/// Ends the floor (whoever presides, or the speaker themself).
pub fn end_floor(tx: &Tx<'_>, actor: &AuthUser, mid: &str) -> AppResult<Option<Speaker>> {
    live_meeting(tx, actor, mid)?;
    if !has_floor(tx, mid, &actor.id())? {
        require_presiding(tx, actor, mid)?;
    }
    end_current(tx, actor, mid)
}

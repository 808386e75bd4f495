//! The speakers' list: participants ask to speak on the current item, the chair gives
//! and ends the floor, a point of order goes to the front.
//!
//! The order of asking is the `position` taken inside the write transaction: writers are
//! serialised, so requests arriving at the same moment still get distinct, increasing
//! positions, and every device sorts the queue the same way (`sort_speakers`). Their
//! rows are [`crate::store::speakers`].

use meeting_protocol::{Entity, EntityKind, FloorInput, SpeakRequest, Speaker, SpeakerState, sort_speakers};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, snapshot};
use super::room::{live_meeting, live_state, require_presiding, role_in, subject};
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::feed;
use crate::store::{self, Tx};

/// The feed's requests to speak.
pub const FEED: feed::kinds::Kind = feed::kinds::Kind {
    load: |tx, _, _, id| feed::kinds::some(speaker(tx, id)?, Entity::Speaker),
    whole: Some(|tx, mid, _| Ok(speakers_of(tx, mid)?.into_iter().map(Entity::Speaker).collect())),
    grant: |tx, mid, _| Ok(speakers_of(tx, mid)?.iter().map(|s| s.id.to_string()).collect()),
};

/// One request to speak.
pub fn speaker(tx: &Tx<'_>, id: &str) -> AppResult<Option<Speaker>> {
    let Ok(id) = Uuid::parse_str(id) else { return Ok(None) };
    Ok(store::speakers::get(tx, &id)?)
}

/// The meeting's requests: the speaker, then the queue in order, then the rest (latest
/// first).
pub fn speakers_of(tx: &Tx<'_>, mid: &str) -> AppResult<Vec<Speaker>> {
    let mut all = store::speakers::of_meeting(tx, mid)?;
    sort_speakers(&mut all);
    Ok(all)
}

/// Whether the user has the floor now (and so may present).
pub fn has_floor(tx: &Tx<'_>, mid: &str, uid: &str) -> AppResult<bool> {
    Ok(store::speakers::has_floor(tx, mid, uid)?)
}

fn reread(tx: &Tx<'_>, id: &Uuid) -> AppResult<Speaker> {
    store::speakers::get(tx, id)?.ok_or_else(|| AppError::Stored(format!("speaker {id} vanished")))
}

fn write_state(tx: &Tx<'_>, s: &Speaker, state: SpeakerState) -> AppResult<Speaker> {
    store::speakers::set_state(tx, &s.id, state, OffsetDateTime::now_utc())?;
    feed::record(tx, &s.meeting_id.to_string(), EntityKind::Speaker, &s.id.to_string(), None)?;
    reread(tx, &s.id)
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
    if let Some(id) = store::speakers::live_request(tx, mid, &uid)? {
        if req.point_of_order {
            store::speakers::raise_point_of_order(tx, &id)?;
            feed::record(tx, mid, EntityKind::Speaker, &id.to_string(), None)?;
        }
        return reread(tx, &id);
    }
    let id = Uuid::now_v7();
    let new = store::speakers::NewRequest {
        id,
        meeting_id: mid,
        agenda_item_id: live_state(tx, mid)?.current_item_id,
        user_id: &uid,
        point_of_order: req.point_of_order,
        requested_at: OffsetDateTime::now_utc(),
    };
    store::speakers::insert(tx, &new)?;
    let id = id.to_string();
    feed::record(tx, mid, EntityKind::Speaker, &id, None)?;
    let s = reread(tx, &new.id)?;
    audit::record(tx, actor, "speaker.asked", &subject(mid, "speaker", &id), None, snapshot(&s))?;
    Ok(s)
}

/// Withdraws a request (its author), or takes it off the list (whoever presides).
pub fn withdraw(tx: &Tx<'_>, actor: &AuthUser, speaker_id: Uuid) -> AppResult<Speaker> {
    let id = speaker_id.to_string();
    let s = store::speakers::get(tx, &speaker_id)?.ok_or_else(|| AppError::not_found("request to speak"))?;
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
    let Some(id) = store::speakers::speaking(tx, mid)? else { return Ok(None) };
    let s = reread(tx, &id)?;
    let after = write_state(tx, &s, SpeakerState::Done)?;
    let id = id.to_string();
    audit::record(tx, actor, "speaker.ended", &subject(mid, "speaker", &id), snapshot(&s), snapshot(&after))?;
    Ok(Some(after))
}

/// Gives the floor to a waiting request (the first of the queue when none is named),
/// ending the current speaker's.
pub fn give_floor(tx: &Tx<'_>, actor: &AuthUser, mid: &str, input: &FloorInput) -> AppResult<Speaker> {
    require_presiding(tx, actor, mid)?;
    let target = match input.speaker_id {
        Some(id) => {
            let s = store::speakers::get(tx, &id)?
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

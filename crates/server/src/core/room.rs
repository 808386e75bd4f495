//! The meeting room in session: the current item, the quorum setting, the presenter's
//! page and attendance. Speakers are in [`super::speakers`], votes in [`super::votes`].
//!
//! Who runs the room ("presiding"): the meeting's chair and its secretariat. Everything
//! here goes into the feed for every participant (audience NULL), so every device shows
//! the same room and one that was away catches up from the feed. Their rows are
//! [`crate::store::room`].

use crate::store::room::LiveChange;
use crate::store::{self, Tx};
use meeting_protocol::{
    Attendance, AttendanceInput, Entity, EntityKind, LiveState, MeetingStatus, ParticipantRole, Room, participant_key,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, Subject, snapshot};
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::{feed, model};

/// The feed's live state (key: the meeting), with its defaults before the room opens.
pub const LIVE_STATE_FEED: feed::kinds::Kind = feed::kinds::Kind {
    load: |tx, _, _, mid| match store::meetings::meeting(tx, mid)? {
        Some(_) => Ok(Some(Entity::LiveState(live_state(tx, mid)?))),
        None => Ok(None),
    },
    whole: None,
    grant: |tx, mid, _| {
        Ok(if store::room::has_live_state(tx, mid)? { feed::kinds::the_meeting(mid) } else { Vec::new() })
    },
};

/// The feed's attendance (key `meeting:user`).
pub const ATTENDANCE_FEED: feed::kinds::Kind = feed::kinds::Kind {
    load: |tx, _, _, key| feed::kinds::some(attendance(tx, key)?, Entity::Attendance),
    whole: Some(|tx, mid, _| Ok(attendance_of(tx, mid)?.into_iter().map(Entity::Attendance).collect())),
    grant: |tx, mid, _| Ok(attendance_of(tx, mid)?.iter().map(|a| participant_key(a.meeting_id, a.user_id)).collect()),
};

/// The caller's role in the meeting, if they take part.
pub(crate) fn role_in(tx: &Tx<'_>, mid: &str, uid: &str) -> AppResult<Option<ParticipantRole>> {
    Ok(crate::store::meetings::role_of(tx, mid, uid)?)
}

/// Whether the user runs the room: the chair, or of the secretariat.
pub fn presiding(tx: &Tx<'_>, mid: &str, uid: &str) -> AppResult<bool> {
    Ok(role_in(tx, mid, uid)? == Some(ParticipantRole::Chair) || crate::store::meetings::is_secretariat(tx, mid, uid)?)
}

/// The meeting, if the caller may see it and it can be run live (published, not a draft
/// nor cancelled). Unknown and invisible meetings answer 404 as everywhere.
pub(crate) fn live_meeting(tx: &Tx<'_>, actor: &AuthUser, mid: &str) -> AppResult<()> {
    let m = model::visible_meeting(tx, actor, mid)?;
    match m.status {
        MeetingStatus::Published => Ok(()),
        MeetingStatus::Draft => Err(AppError::conflict("the meeting is still a draft: publish it first")),
        MeetingStatus::Cancelled => Err(AppError::conflict("the meeting was cancelled")),
    }
}

/// [`live_meeting`], and the caller presides.
pub(crate) fn require_presiding(tx: &Tx<'_>, actor: &AuthUser, mid: &str) -> AppResult<()> {
    live_meeting(tx, actor, mid)?;
    if presiding(tx, mid, &actor.id())? {
        Ok(())
    } else {
        Err(AppError::forbidden("only the chair or the secretariat runs the meeting room"))
    }
}

pub(crate) fn subject<'a>(mid: &'a str, kind: &'a str, id: &'a str) -> Subject<'a> {
    Subject { meeting_id: mid, kind, id }
}

/// The meeting's live state (the defaults when nobody has run it yet).
pub fn live_state(tx: &Tx<'_>, mid: &str) -> AppResult<LiveState> {
    if let Some(state) = store::room::live_state(tx, mid)? {
        return Ok(state);
    }
    Ok(LiveState {
        meeting_id: Uuid::parse_str(mid).map_err(|_| AppError::not_found("meeting"))?,
        current_item_id: None,
        quorum_percent: 50,
        presentation: None,
        updated_at: OffsetDateTime::UNIX_EPOCH,
    })
}

/// Applies `change` to the meeting's live state and tells every participant.
fn update_live(tx: &Tx<'_>, mid: &str, change: &LiveChange<'_>) -> AppResult<LiveState> {
    store::room::change_live(tx, mid, change, OffsetDateTime::now_utc())?;
    feed::record(tx, mid, EntityKind::LiveState, mid, None)?;
    live_state(tx, mid)
}

/// Sets the agenda item under discussion (or none).
pub fn set_current_item(tx: &Tx<'_>, actor: &AuthUser, mid: &str, item: Option<Uuid>) -> AppResult<LiveState> {
    require_presiding(tx, actor, mid)?;
    if let Some(i) = &item
        && crate::store::meetings::agenda_meeting(tx, &i.to_string())?.as_deref() != Some(mid)
    {
        return Err(AppError::not_found("agenda item"));
    }
    let before = live_state(tx, mid)?;
    let after = update_live(tx, mid, &LiveChange::CurrentItem(item))?;
    let action = "room.current_item";
    audit::record(tx, actor, action, &subject(mid, "live_state", mid), snapshot(&before), snapshot(&after))?;
    Ok(after)
}

/// Sets the share of voting members that makes a quorum.
pub fn set_quorum(tx: &Tx<'_>, actor: &AuthUser, mid: &str, percent: u32) -> AppResult<LiveState> {
    require_presiding(tx, actor, mid)?;
    if !(1..=100).contains(&percent) {
        return Err(AppError::bad_request("the quorum is a percentage between 1 and 100"));
    }
    let before = live_state(tx, mid)?;
    let after = update_live(tx, mid, &LiveChange::Quorum(percent))?;
    audit::record(tx, actor, "room.quorum", &subject(mid, "live_state", mid), snapshot(&before), snapshot(&after))?;
    Ok(after)
}

/// Shares the caller's document and page with every follower. The chair, the
/// secretariat and whoever has the floor may present.
pub fn present(tx: &Tx<'_>, actor: &AuthUser, document_id: Uuid, page_index: u32) -> AppResult<LiveState> {
    let did = document_id.to_string();
    let mid = crate::store::documents::document_meeting(tx, &did)?.ok_or_else(|| AppError::not_found("document"))?;
    live_meeting(tx, actor, &mid).map_err(|e| e.renamed_not_found("document"))?;
    let uid = actor.id();
    if !presiding(tx, &mid, &uid)? && !super::speakers::has_floor(tx, &mid, &uid)? {
        return Err(AppError::forbidden("only the chair, the secretariat or the speaker presents"));
    }
    let doc = crate::store::documents::document(tx, &did)?.ok_or_else(|| AppError::not_found("document"))?;
    if doc.page_count > 0 && i64::from(page_index) >= doc.page_count {
        return Err(AppError::bad_request(format!("the document has {} pages", doc.page_count)));
    }
    // Page turns are not audited: a presentation is dozens of them and none changes
    // what the meeting decided.
    update_live(tx, &mid, &LiveChange::Present { presenter: &uid, document: &document_id, page_index })
}

/// Stops the presentation (its presenter or whoever presides).
pub fn stop_presenting(tx: &Tx<'_>, actor: &AuthUser, mid: &str) -> AppResult<LiveState> {
    live_meeting(tx, actor, mid)?;
    let current = live_state(tx, mid)?;
    let uid = actor.id();
    let own = current.presentation.as_ref().is_some_and(|p| p.presenter_id.to_string() == uid);
    if !own && !presiding(tx, mid, &uid)? {
        return Err(AppError::forbidden("only the presenter or the chair stops a presentation"));
    }
    update_live(tx, mid, &LiveChange::StopPresenting)
}

/// One participant's attendance, if recorded (feed key `meeting:user`).
pub fn attendance(tx: &Tx<'_>, key: &str) -> AppResult<Option<Attendance>> {
    let (mid, uid) = key.split_once(':').unwrap_or((key, ""));
    Ok(store::room::attendance(tx, mid, uid)?)
}

/// The meeting's attendance in order of arrival.
pub fn attendance_of(tx: &Tx<'_>, mid: &str) -> AppResult<Vec<Attendance>> {
    Ok(store::room::attendance_of(tx, mid)?)
}

/// Records attendance: a participant checking themself in (or out), or the secretariat
/// and the chair marking several participants at once. Returns the rows written.
pub fn set_attendance(tx: &Tx<'_>, actor: &AuthUser, mid: &str, input: &AttendanceInput) -> AppResult<Vec<Attendance>> {
    live_meeting(tx, actor, mid)?;
    let uid = actor.id();
    let reason = super::meetings::text("reason", &input.reason, 500, false)?;
    let mut whom: Vec<String> = input.user_ids.iter().map(Uuid::to_string).collect();
    whom.sort();
    whom.dedup();
    let own = whom.is_empty() || whom == [uid.clone()];
    if whom.is_empty() {
        whom.push(uid.clone());
    }
    if !own && !presiding(tx, mid, &uid)? {
        return Err(AppError::forbidden("only the chair or the secretariat records others' attendance"));
    }
    if whom.len() > 2000 {
        return Err(AppError::bad_request("at most 2000 participants at once"));
    }
    let mut out = Vec::with_capacity(whom.len());
    for who in &whom {
        if role_in(tx, mid, who)?.is_none() {
            return Err(AppError::not_found("participant"));
        }
        let key = format!("{mid}:{who}");
        let before = store::room::attendance(tx, mid, who)?;
        store::room::set_attendance(tx, mid, who, input.status, &reason, &uid, OffsetDateTime::now_utc())?;
        feed::record(tx, mid, EntityKind::Attendance, &key, None)?;
        let after = store::room::attendance(tx, mid, who)?
            .ok_or_else(|| AppError::Stored(format!("attendance {key} vanished")))?;
        let action = if own { "attendance.checkin" } else { "attendance.marked" };
        audit::record(
            tx,
            actor,
            action,
            &subject(mid, "attendance", &key),
            before.as_ref().and_then(snapshot),
            snapshot(&after),
        )?;
        out.push(after);
    }
    Ok(out)
}

/// Voting members (chair and members) and, of them, those present or online.
pub fn quorum_counts(tx: &Tx<'_>, mid: &str) -> AppResult<(u32, u32)> {
    Ok(store::room::quorum_counts(tx, mid)?)
}

/// The whole room at once, for a device joining and for the CLI.
pub fn room(tx: &Tx<'_>, actor: &AuthUser, mid: &str) -> AppResult<Room> {
    model::visible_meeting(tx, actor, mid)?;
    let state = live_state(tx, mid)?;
    let (members, present) = quorum_counts(tx, mid)?;
    Ok(Room {
        quorum: meeting_protocol::has_quorum(members, present, state.quorum_percent),
        state,
        attendance: attendance_of(tx, mid)?,
        speakers: super::speakers::speakers_of(tx, mid)?,
        votes: super::votes::votes_of(tx, mid)?,
        members,
        present,
    })
}

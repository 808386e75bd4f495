//! Meetings, their agenda and participants: every change, with its checks, its feed
//! records and its audit entry, in the caller's transaction. The HTTP handlers, the
//! demo seeding and (later) the live room all call these; none writes SQL of its own.

use crate::store::{Tx, meetings};
use meeting_protocol::{
    AgendaItem, AgendaItemInput, AgendaOrder, CopyMeetingRequest, Entity, EntityKind, Meeting, MeetingInput,
    MeetingStatus, ParticipantRole, Role, participant_key,
};
use uuid::Uuid;

use super::audit::{self, Subject, snapshot};
use super::visibility;
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::{feed, model};

/// The feed's meetings: every participant of a meeting they may see.
pub const MEETING_FEED: feed::kinds::Kind = feed::kinds::Kind {
    load: |tx, _, _, id| feed::kinds::some(meetings::meeting(tx, id)?, Entity::Meeting),
    whole: None,
    grant: |_, mid, _| Ok(feed::kinds::the_meeting(mid)),
};

/// The feed's agenda items.
pub const AGENDA_ITEM_FEED: feed::kinds::Kind = feed::kinds::Kind {
    load: |tx, _, _, id| feed::kinds::some(meetings::agenda_item(tx, id)?, Entity::AgendaItem),
    whole: Some(|tx, mid, _| Ok(meetings::agenda_of(tx, mid)?.into_iter().map(Entity::AgendaItem).collect())),
    grant: |tx, mid, _| Ok(meetings::agenda_of(tx, mid)?.iter().map(|a| a.id.to_string()).collect()),
};

/// The feed's participants (key `meeting:user`).
pub const PARTICIPANT_FEED: feed::kinds::Kind = feed::kinds::Kind {
    load: |tx, _, mid, key| {
        let (m, u) = key.split_once(':').unwrap_or((mid, ""));
        feed::kinds::some(meetings::participant(tx, m, u)?, Entity::Participant)
    },
    whole: Some(|tx, mid, _| Ok(meetings::participants_of(tx, mid)?.into_iter().map(Entity::Participant).collect())),
    grant: |tx, mid, _| {
        Ok(meetings::participants_of(tx, mid)?.iter().map(|p| participant_key(p.meeting_id, p.user_id)).collect())
    },
};

/// Trims a text field and checks its length; `required` also rejects empty text.
pub fn text(field: &str, value: &str, max: usize, required: bool) -> AppResult<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(AppError::bad_request(format!("{field} must not be empty")));
    }
    if v.chars().count() > max {
        return Err(AppError::bad_request(format!("{field} is longer than {max} characters")));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::bad_request(format!("{field} contains control characters")));
    }
    Ok(v.to_owned())
}

fn planned_time(value: &str) -> AppResult<String> {
    let ok = match value.split_once(':') {
        Some((h, m)) => {
            h.len() == 2
                && m.len() == 2
                && h.parse::<u8>().is_ok_and(|h| h < 24)
                && m.parse::<u8>().is_ok_and(|m| m < 60)
        }
        None => value.is_empty(),
    };
    if ok { Ok(value.to_owned()) } else { Err(AppError::bad_request("planned_time must be HH:MM, e.g. 08:30")) }
}

fn duration(value: i64) -> AppResult<i64> {
    if (0..=24 * 60).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::bad_request("duration_minutes must be between 0 and 1440"))
    }
}

fn subject<'a>(meeting_id: &'a str, kind: &'a str, id: &'a str) -> Subject<'a> {
    Subject { meeting_id, kind, id }
}

/// Creates a draft meeting; the creating secretary becomes its organizer.
pub fn create(tx: &Tx<'_>, actor: &AuthUser, input: &MeetingInput) -> AppResult<Meeting> {
    actor.require_role(&[Role::Secretary, Role::Admin])?;
    let starts_at = input.starts_at.ok_or_else(|| AppError::bad_request("starts_at is required"))?;
    let meeting = Meeting {
        id: Uuid::now_v7(),
        title: text("title", input.title.as_deref().unwrap_or(""), 300, true)?,
        location: text("location", input.location.as_deref().unwrap_or(""), 300, false)?,
        description: text("description", input.description.as_deref().unwrap_or(""), 5000, false)?,
        starts_at,
        ends_at: input.ends_at,
        status: MeetingStatus::Draft,
        cancel_reason: String::new(),
        watermark: input.watermark.unwrap_or(true),
    };
    insert(tx, &meeting, &actor.id())?;
    let id = meeting.id.to_string();
    audit::record(tx, actor, "meeting.create", &subject(&id, "meeting", &id), None, snapshot(&meeting))?;
    Ok(meeting)
}

/// Inserts a meeting (in its given status) with `organizer` as its first participant,
/// recording the changes. No audit entry: callers write the one that fits.
pub fn insert(tx: &Tx<'_>, m: &Meeting, organizer: &str) -> AppResult<()> {
    save(tx, m)?;
    set_participant_unaudited(tx, &m.id.to_string(), organizer, ParticipantRole::Organizer)
}

/// Writes a meeting's row (new or changed) and records the change.
fn save(tx: &Tx<'_>, m: &Meeting) -> AppResult<()> {
    meetings::save(tx, m)?;
    let id = m.id.to_string();
    feed::record(tx, &id, EntityKind::Meeting, &id, None)?;
    Ok(())
}

/// Changes a meeting's fields; absent fields stay as they are.
pub fn update(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid, input: &MeetingInput) -> AppResult<Meeting> {
    let id = meeting_id.to_string();
    let before = model::editable_meeting(tx, actor, &id)?;
    let mut m = before.clone();
    if let Some(t) = &input.title {
        m.title = text("title", t, 300, true)?;
    }
    if let Some(l) = &input.location {
        m.location = text("location", l, 300, false)?;
    }
    if let Some(d) = &input.description {
        m.description = text("description", d, 5000, false)?;
    }
    m.starts_at = input.starts_at.unwrap_or(m.starts_at);
    m.ends_at = input.ends_at.or(m.ends_at);
    m.watermark = input.watermark.unwrap_or(m.watermark);
    save(tx, &m)?;
    audit::record(tx, actor, "meeting.update", &subject(&id, "meeting", &id), snapshot(&before), snapshot(&m))?;
    Ok(m)
}

/// Moves a meeting to `status`, announcing it to (or purging it from) whoever gains or
/// loses sight of it.
fn set_status(
    tx: &Tx<'_>,
    actor: &AuthUser,
    meeting_id: Uuid,
    to: MeetingStatus,
    reason: &str,
    action: &str,
) -> AppResult<Meeting> {
    let id = meeting_id.to_string();
    let before = model::editable_meeting(tx, actor, &id)?;
    match (before.status, to) {
        (MeetingStatus::Draft, MeetingStatus::Cancelled) => {
            return Err(AppError::conflict("a draft was never announced: delete it instead of cancelling it"));
        }
        (MeetingStatus::Draft, MeetingStatus::Draft) => {
            return Err(AppError::conflict("the meeting is not published"));
        }
        (from, to) if from == to && to != MeetingStatus::Cancelled => {
            return Err(AppError::conflict(format!("the meeting is already {}", to.as_str())));
        }
        _ => {}
    }
    let sight = visibility::sight(tx, &id)?;
    let mut m = before.clone();
    m.status = to;
    m.cancel_reason = reason.to_owned();
    save(tx, &m)?;
    visibility::announce_changes(tx, &id, &sight)?;
    audit::record(tx, actor, action, &subject(&id, "meeting", &id), snapshot(&before), snapshot(&m))?;
    Ok(m)
}

/// Publishes a draft (or re-publishes a cancelled meeting): every participant's devices
/// receive the whole meeting at their next sync.
pub fn publish(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Meeting> {
    set_status(tx, actor, meeting_id, MeetingStatus::Published, "", "meeting.publish")
}

/// Takes a meeting back to draft: participants outside its secretariat lose it,
/// documents included, at their next sync.
pub fn unpublish(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Meeting> {
    set_status(tx, actor, meeting_id, MeetingStatus::Draft, "", "meeting.unpublish")
}

/// Cancels a published meeting; participants keep seeing it, marked cancelled.
pub fn cancel(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid, reason: &str) -> AppResult<Meeting> {
    let reason = text("reason", reason, 1000, true)?;
    set_status(tx, actor, meeting_id, MeetingStatus::Cancelled, &reason, "meeting.cancel")
}

/// Deletes a meeting and everything in it; every participant's device purges it.
pub fn delete(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<()> {
    let id = meeting_id.to_string();
    let before = model::editable_meeting(tx, actor, &id)?;
    for p in meetings::participants_of(tx, &id)? {
        feed::record_purge(tx, &id, &p.user_id.to_string())?;
    }
    meetings::delete(tx, &id)?;
    audit::record(tx, actor, "meeting.delete", &subject(&id, "meeting", &id), snapshot(&before), None)?;
    Ok(())
}

/// A new draft from a past meeting: its agenda, and if asked its documents (the same
/// blobs: nothing is uploaded again) and participants.
pub fn copy(tx: &Tx<'_>, actor: &AuthUser, from: Uuid, req: &CopyMeetingRequest) -> AppResult<Meeting> {
    let src_id = from.to_string();
    let src = model::editable_meeting(tx, actor, &src_id)?;
    let input = MeetingInput {
        title: Some(req.title.clone()),
        location: Some(src.location.clone()),
        description: Some(src.description.clone()),
        starts_at: Some(req.starts_at),
        ends_at: None,
        watermark: Some(src.watermark),
    };
    let meeting = create(tx, actor, &input)?;
    let mid = meeting.id.to_string();
    let mut items = std::collections::HashMap::new();
    for item in meetings::agenda_of(tx, &src_id)? {
        let copy = insert_agenda_item(tx, meeting.id, &item_input(&item))?;
        audit::record(
            tx,
            actor,
            "agenda_item.create",
            &subject(&mid, "agenda_item", &copy.id.to_string()),
            None,
            snapshot(&copy),
        )?;
        items.insert(item.id, copy.id);
    }
    if req.with_documents {
        for doc in crate::store::documents::documents_of(tx, &src_id)? {
            let agenda = doc.agenda_item_id.and_then(|a| items.get(&a).copied());
            let copied = super::documents::copy_into(tx, actor, &doc, &mid, agenda)?;
            audit::record(
                tx,
                actor,
                "document.copy",
                &subject(&mid, "document", &copied.id.to_string()),
                None,
                snapshot(&copied),
            )?;
        }
    }
    if req.with_participants {
        for p in meetings::participants_of(tx, &src_id)? {
            if p.user_id != actor.user.id {
                set_participant(tx, actor, meeting.id, p.user_id, p.role)?;
            }
        }
    }
    let from_note = serde_json::json!({ "copied_from": src_id, "with_documents": req.with_documents });
    audit::record(tx, actor, "meeting.copy", &subject(&mid, "meeting", &mid), Some(from_note), snapshot(&meeting))?;
    Ok(meeting)
}

fn item_input(item: &AgendaItem) -> AgendaItemInput {
    AgendaItemInput {
        title: Some(item.title.clone()),
        presenter: Some(item.presenter.clone()),
        planned_time: Some(item.planned_time.clone()),
        duration_minutes: Some(item.duration_minutes),
    }
}

/// Adds or changes a participant, telling whoever gains or loses sight of the meeting.
pub fn set_participant(
    tx: &Tx<'_>,
    actor: &AuthUser,
    meeting_id: Uuid,
    user_id: Uuid,
    role: ParticipantRole,
) -> AppResult<()> {
    let (mid, uid) = (meeting_id.to_string(), user_id.to_string());
    model::editable_meeting(tx, actor, &mid)?;
    crate::auth::user_by_id(tx, &uid)?.ok_or_else(|| AppError::not_found("user"))?;
    let before = meetings::participant(tx, &mid, &uid)?;
    if before.as_ref().is_some_and(|p| p.role == ParticipantRole::Organizer) && role != ParticipantRole::Organizer {
        last_organizer_guard(tx, &mid)?;
    }
    set_participant_unaudited(tx, &mid, &uid, role)?;
    let after = meetings::participant(tx, &mid, &uid)?;
    let key = participant_key(meeting_id, user_id);
    let action = if before.is_some() { "participant.update" } else { "participant.add" };
    audit::record(
        tx,
        actor,
        action,
        &subject(&mid, "participant", &key),
        before.as_ref().and_then(snapshot),
        after.as_ref().and_then(snapshot),
    )
}

/// Adds or changes a participant, recording the feed changes (no audit entry).
pub fn set_participant_unaudited(tx: &Tx<'_>, mid: &str, uid: &str, role: ParticipantRole) -> AppResult<()> {
    let sight = visibility::sight(tx, mid)?;
    meetings::set_participant(tx, mid, uid, role)?;
    feed::record(tx, mid, EntityKind::Participant, &format!("{mid}:{uid}"), None)?;
    visibility::announce_changes(tx, mid, &sight)
}

fn last_organizer_guard(tx: &Tx<'_>, mid: &str) -> AppResult<()> {
    if meetings::organizers(tx, mid)? <= 1 {
        return Err(AppError::conflict("the last organizer cannot be removed; add another organizer first"));
    }
    Ok(())
}

/// Removes a user from the meeting; their devices purge it at their next sync.
pub fn remove_participant(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid, user_id: Uuid) -> AppResult<()> {
    let (mid, uid) = (meeting_id.to_string(), user_id.to_string());
    model::editable_meeting(tx, actor, &mid)?;
    let p = meetings::participant(tx, &mid, &uid)?.ok_or_else(|| AppError::not_found("participant"))?;
    if p.role == ParticipantRole::Organizer {
        last_organizer_guard(tx, &mid)?;
    }
    meetings::remove_participant(tx, &mid, &uid)?;
    let key = participant_key(meeting_id, user_id);
    feed::record(tx, &mid, EntityKind::Participant, &key, None)?;
    feed::record_purge(tx, &mid, &uid)?;
    audit::record(tx, actor, "participant.remove", &subject(&mid, "participant", &key), snapshot(&p), None)
}

/// Appends an item to the agenda.
pub fn create_item(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid, input: &AgendaItemInput) -> AppResult<AgendaItem> {
    let mid = meeting_id.to_string();
    model::editable_meeting(tx, actor, &mid)?;
    let item = insert_agenda_item(tx, meeting_id, input)?;
    audit::record(
        tx,
        actor,
        "agenda_item.create",
        &subject(&mid, "agenda_item", &item.id.to_string()),
        None,
        snapshot(&item),
    )?;
    Ok(item)
}

/// Appends an agenda item at the end, recording the change (no audit entry).
pub fn insert_agenda_item(tx: &Tx<'_>, meeting_id: Uuid, input: &AgendaItemInput) -> AppResult<AgendaItem> {
    let mid = meeting_id.to_string();
    let position = meetings::next_position(tx, &mid)?;
    let item = AgendaItem {
        id: Uuid::now_v7(),
        meeting_id,
        position,
        title: text("title", input.title.as_deref().unwrap_or(""), 500, true)?,
        presenter: text("presenter", input.presenter.as_deref().unwrap_or(""), 200, false)?,
        planned_time: planned_time(input.planned_time.as_deref().unwrap_or(""))?,
        duration_minutes: duration(input.duration_minutes.unwrap_or(0))?,
    };
    let id = item.id.to_string();
    meetings::insert_item(tx, &item)?;
    feed::record(tx, &mid, EntityKind::AgendaItem, &id, None)?;
    Ok(item)
}

/// Puts the agenda in a new order; `order` must list every item exactly once.
pub fn reorder(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid, order: &AgendaOrder) -> AppResult<Vec<AgendaItem>> {
    let mid = meeting_id.to_string();
    model::editable_meeting(tx, actor, &mid)?;
    let current = meetings::agenda_of(tx, &mid)?;
    let mut wanted = order.item_ids.clone();
    wanted.sort();
    wanted.dedup();
    let mut have: Vec<Uuid> = current.iter().map(|i| i.id).collect();
    have.sort();
    if wanted.len() != order.item_ids.len() || wanted != have {
        return Err(AppError::bad_request("item_ids must list every agenda item of the meeting exactly once"));
    }
    for (i, id) in order.item_ids.iter().enumerate() {
        let pos = i as i64 + 1;
        if current.iter().any(|c| c.id == *id && c.position != pos) {
            meetings::move_item(tx, id, pos)?;
            feed::record(tx, &mid, EntityKind::AgendaItem, &id.to_string(), None)?;
        }
    }
    let before: Vec<Uuid> = current.iter().map(|i| i.id).collect();
    if before != order.item_ids {
        audit::record(
            tx,
            actor,
            "agenda.reorder",
            &subject(&mid, "meeting", &mid),
            snapshot(&before),
            snapshot(&order.item_ids),
        )?;
    }
    Ok(meetings::agenda_of(tx, &mid)?)
}

/// The item, its meeting id, if the caller may change it; 404 names the item.
pub fn editable_item(tx: &Tx<'_>, actor: &AuthUser, item_id: Uuid) -> AppResult<(String, AgendaItem)> {
    let id = item_id.to_string();
    let mid = meetings::agenda_meeting(tx, &id)?.ok_or_else(|| AppError::not_found("agenda item"))?;
    model::editable_meeting(tx, actor, &mid).map_err(|e| e.renamed_not_found("agenda item"))?;
    let item = meetings::agenda_item(tx, &id)?.ok_or_else(|| AppError::not_found("agenda item"))?;
    Ok((mid, item))
}

/// Changes an agenda item's fields.
pub fn update_item(tx: &Tx<'_>, actor: &AuthUser, item_id: Uuid, input: &AgendaItemInput) -> AppResult<AgendaItem> {
    let (mid, before) = editable_item(tx, actor, item_id)?;
    let mut item = before.clone();
    if let Some(t) = &input.title {
        item.title = text("title", t, 500, true)?;
    }
    if let Some(p) = &input.presenter {
        item.presenter = text("presenter", p, 200, false)?;
    }
    if let Some(p) = &input.planned_time {
        item.planned_time = planned_time(p)?;
    }
    if let Some(d) = input.duration_minutes {
        item.duration_minutes = duration(d)?;
    }
    let id = item.id.to_string();
    meetings::update_item(tx, &item)?;
    feed::record(tx, &mid, EntityKind::AgendaItem, &id, None)?;
    audit::record(
        tx,
        actor,
        "agenda_item.update",
        &subject(&mid, "agenda_item", &id),
        snapshot(&before),
        snapshot(&item),
    )?;
    Ok(item)
}

/// Deletes an agenda item; its documents stay in the meeting, detached from any item,
/// and the items after it move up.
pub fn delete_item(tx: &Tx<'_>, actor: &AuthUser, item_id: Uuid) -> AppResult<()> {
    let (mid, item) = editable_item(tx, actor, item_id)?;
    let id = item.id.to_string();
    let docs = meetings::delete_item(tx, &item.id)?;
    feed::record(tx, &mid, EntityKind::AgendaItem, &id, None)?;
    for d in docs {
        feed::record(tx, &mid, EntityKind::Document, &d, None)?;
    }
    for later in meetings::agenda_of(tx, &mid)?.into_iter().filter(|i| i.position > item.position) {
        meetings::move_item(tx, &later.id, later.position - 1)?;
        feed::record(tx, &mid, EntityKind::AgendaItem, &later.id.to_string(), None)?;
    }
    audit::record(tx, actor, "agenda_item.delete", &subject(&mid, "agenda_item", &id), snapshot(&item), None)
}

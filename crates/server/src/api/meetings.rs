//! Meetings, their agenda and participants. Reads for participants; writes for
//! secretaries taking part in the meeting. Every write records its changes in the feed
//! inside the same transaction.

use axum::extract::State;
use axum::http::StatusCode;
use meeting_protocol::{
    AgendaItem, AgendaItemInput, AgendaOrder, ApiError, Meeting, MeetingDetail, MeetingInput, ParticipantInput,
    ParticipantRole, Role, participant_key,
};
use rusqlite::{Transaction, params};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{AppError, AppResult, Json, Path};
use crate::{AppState, feed, model};

/// Trims a text field and checks its length; `required` also rejects empty text.
pub(crate) fn text(field: &str, value: &str, max: usize, required: bool) -> AppResult<String> {
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

/// Meetings the caller takes part in.
#[utoipa::path(get, path = "/meetings", tag = "meetings", security(("bearer" = [])),
    responses((status = 200, body = [Meeting]), (status = 401, body = ApiError)))]
pub async fn list_meetings(State(state): State<AppState>, caller: AuthUser) -> AppResult<Json<Vec<Meeting>>> {
    let uid = caller.id();
    Ok(Json(state.db.read(move |tx| model::meetings_of(tx, &uid)).await?))
}

/// Creates a meeting; the creating secretary becomes its organizer.
#[utoipa::path(post, path = "/meetings", tag = "meetings", security(("bearer" = [])), request_body = MeetingInput,
    responses((status = 201, body = Meeting), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn create_meeting(
    State(state): State<AppState>,
    caller: AuthUser,
    Json(input): Json<MeetingInput>,
) -> AppResult<(StatusCode, Json<Meeting>)> {
    caller.require_role(&[Role::Secretary, Role::Admin])?;
    let title = text("title", input.title.as_deref().unwrap_or(""), 300, true)?;
    let starts_at = input.starts_at.ok_or_else(|| AppError::bad_request("starts_at is required"))?;
    let meeting = Meeting {
        id: Uuid::now_v7(),
        title,
        location: text("location", input.location.as_deref().unwrap_or(""), 300, false)?,
        description: text("description", input.description.as_deref().unwrap_or(""), 5000, false)?,
        starts_at,
        ends_at: input.ends_at,
    };
    let uid = caller.id();
    let m = meeting.clone();
    state.db.write(move |tx| insert_meeting(tx, &m, &uid)).await?;
    Ok((StatusCode::CREATED, Json(meeting)))
}

/// Inserts a meeting with `organizer` as its first participant, recording the changes.
pub(crate) fn insert_meeting(tx: &Transaction<'_>, m: &Meeting, organizer: &str) -> AppResult<()> {
    let id = m.id.to_string();
    tx.execute(
        "INSERT INTO meetings (id, title, location, description, starts_at, ends_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, m.title, m.location, m.description, model::fmt_ts(m.starts_at), m.ends_at.map(model::fmt_ts)],
    )?;
    feed::record(tx, &id, "meeting", &id, None)?;
    set_participant(tx, &id, organizer, ParticipantRole::Organizer)
}

/// Adds or changes a participant, recording the grant for a newcomer.
pub(crate) fn set_participant(
    tx: &Transaction<'_>,
    meeting_id: &str,
    user_id: &str,
    role: ParticipantRole,
) -> AppResult<()> {
    let is_new = !model::is_participant(tx, meeting_id, user_id)?;
    tx.execute(
        "INSERT INTO participants (meeting_id, user_id, role) VALUES (?1, ?2, ?3)
         ON CONFLICT (meeting_id, user_id) DO UPDATE SET role = excluded.role",
        params![meeting_id, user_id, role.as_str()],
    )?;
    feed::record(tx, meeting_id, "participant", &format!("{meeting_id}:{user_id}"), None)?;
    if is_new {
        feed::record_grant(tx, meeting_id, user_id)?;
    }
    Ok(())
}

/// A meeting with its agenda, participants and documents.
#[utoipa::path(get, path = "/meetings/{meeting_id}", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = MeetingDetail), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_meeting(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<Json<MeetingDetail>> {
    let detail = state
        .db
        .read(move |tx| {
            let m = model::visible_meeting(tx, &caller, &meeting_id.to_string())?;
            model::meeting_detail(tx, m)
        })
        .await?;
    Ok(Json(detail))
}

/// Changes a meeting's fields; absent fields stay as they are.
#[utoipa::path(patch, path = "/meetings/{meeting_id}", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = MeetingInput,
    responses((status = 200, body = Meeting), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn update_meeting(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(input): Json<MeetingInput>,
) -> AppResult<Json<Meeting>> {
    let updated = state
        .db
        .write(move |tx| {
            let id = meeting_id.to_string();
            let mut m = model::editable_meeting(tx, &caller, &id)?;
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
            tx.execute(
                "UPDATE meetings SET title = ?2, location = ?3, description = ?4, starts_at = ?5, ends_at = ?6 WHERE id = ?1",
                params![id, m.title, m.location, m.description, model::fmt_ts(m.starts_at), m.ends_at.map(model::fmt_ts)],
            )?;
            feed::record(tx, &id, "meeting", &id, None)?;
            Ok(m)
        })
        .await?;
    Ok(Json(updated))
}

/// Deletes a meeting and everything in it; every participant's device purges it.
#[utoipa::path(delete, path = "/meetings/{meeting_id}", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete_meeting(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<StatusCode> {
    state
        .db
        .write(move |tx| {
            let id = meeting_id.to_string();
            model::editable_meeting(tx, &caller, &id)?;
            for p in model::participants_of(tx, &id)? {
                feed::record_purge(tx, &id, &p.user_id.to_string())?;
            }
            tx.execute("DELETE FROM meetings WHERE id = ?1", [&id])?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Appends an item to the agenda.
#[utoipa::path(post, path = "/meetings/{meeting_id}/agenda", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = AgendaItemInput,
    responses((status = 201, body = AgendaItem), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn create_agenda_item(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(input): Json<AgendaItemInput>,
) -> AppResult<(StatusCode, Json<AgendaItem>)> {
    let item = state
        .db
        .write(move |tx| {
            model::editable_meeting(tx, &caller, &meeting_id.to_string())?;
            insert_agenda_item(tx, meeting_id, &input)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// Appends an agenda item at the end, recording the change.
pub(crate) fn insert_agenda_item(
    tx: &Transaction<'_>,
    meeting_id: Uuid,
    input: &AgendaItemInput,
) -> AppResult<AgendaItem> {
    let mid = meeting_id.to_string();
    let position: i64 =
        tx.query_row("SELECT COALESCE(MAX(position), 0) + 1 FROM agenda_items WHERE meeting_id = ?1", [&mid], |r| {
            r.get(0)
        })?;
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
    tx.execute(
        "INSERT INTO agenda_items (id, meeting_id, position, title, presenter, planned_time, duration_minutes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, mid, item.position, item.title, item.presenter, item.planned_time, item.duration_minutes],
    )?;
    feed::record(tx, &mid, "agenda_item", &id, None)?;
    Ok(item)
}

/// Puts the agenda in a new order; the body must list every item exactly once.
#[utoipa::path(put, path = "/meetings/{meeting_id}/agenda/order", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = AgendaOrder,
    responses((status = 200, body = [AgendaItem]), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn reorder_agenda(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(order): Json<AgendaOrder>,
) -> AppResult<Json<Vec<AgendaItem>>> {
    let items = state
        .db
        .write(move |tx| {
            let mid = meeting_id.to_string();
            model::editable_meeting(tx, &caller, &mid)?;
            let current = model::agenda_of(tx, &mid)?;
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
                    tx.execute("UPDATE agenda_items SET position = ?2 WHERE id = ?1", params![id.to_string(), pos])?;
                    feed::record(tx, &mid, "agenda_item", &id.to_string(), None)?;
                }
            }
            model::agenda_of(tx, &mid)
        })
        .await?;
    Ok(Json(items))
}

fn editable_item(tx: &Transaction<'_>, caller: &AuthUser, item_id: Uuid) -> AppResult<(String, AgendaItem)> {
    let id = item_id.to_string();
    let mid = model::agenda_meeting(tx, &id)?.ok_or_else(|| AppError::not_found("agenda item"))?;
    model::editable_meeting(tx, caller, &mid).map_err(|e| match e.status() {
        StatusCode::NOT_FOUND => AppError::not_found("agenda item"),
        _ => e,
    })?;
    let item = model::agenda_item(tx, &id)?.ok_or_else(|| AppError::not_found("agenda item"))?;
    Ok((mid, item))
}

/// Changes an agenda item's fields.
#[utoipa::path(patch, path = "/agenda/{item_id}", tag = "meetings", security(("bearer" = [])),
    params(("item_id" = Uuid, Path)), request_body = AgendaItemInput,
    responses((status = 200, body = AgendaItem), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn update_agenda_item(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(item_id): Path<Uuid>,
    Json(input): Json<AgendaItemInput>,
) -> AppResult<Json<AgendaItem>> {
    let item = state
        .db
        .write(move |tx| {
            let (mid, mut item) = editable_item(tx, &caller, item_id)?;
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
            tx.execute(
                "UPDATE agenda_items SET title = ?2, presenter = ?3, planned_time = ?4, duration_minutes = ?5 WHERE id = ?1",
                params![item.id.to_string(), item.title, item.presenter, item.planned_time, item.duration_minutes],
            )?;
            feed::record(tx, &mid, "agenda_item", &item.id.to_string(), None)?;
            Ok(item)
        })
        .await?;
    Ok(Json(item))
}

/// Deletes an agenda item; its documents stay in the meeting, detached from any item,
/// and the items after it move up.
#[utoipa::path(delete, path = "/agenda/{item_id}", tag = "meetings", security(("bearer" = [])),
    params(("item_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete_agenda_item(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(item_id): Path<Uuid>,
) -> AppResult<StatusCode> {
    state
        .db
        .write(move |tx| {
            let (mid, item) = editable_item(tx, &caller, item_id)?;
            let id = item.id.to_string();
            let docs: Vec<String> = {
                let mut stmt = tx.prepare("SELECT id FROM documents WHERE agenda_item_id = ?1")?;
                stmt.query_map([&id], |r| r.get(0))?.collect::<Result<_, _>>()?
            };
            tx.execute("DELETE FROM agenda_items WHERE id = ?1", [&id])?;
            feed::record(tx, &mid, "agenda_item", &id, None)?;
            for d in docs {
                feed::record(tx, &mid, "document", &d, None)?;
            }
            for later in model::agenda_of(tx, &mid)?.into_iter().filter(|i| i.position > item.position) {
                tx.execute("UPDATE agenda_items SET position = position - 1 WHERE id = ?1", [later.id.to_string()])?;
                feed::record(tx, &mid, "agenda_item", &later.id.to_string(), None)?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a user to the meeting or changes their role. A newly added participant's
/// devices receive the whole meeting at their next sync.
#[utoipa::path(put, path = "/meetings/{meeting_id}/participants/{user_id}", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path), ("user_id" = Uuid, Path)), request_body = ParticipantInput,
    responses((status = 204), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn put_participant(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((meeting_id, user_id)): Path<(Uuid, Uuid)>,
    Json(input): Json<ParticipantInput>,
) -> AppResult<StatusCode> {
    state
        .db
        .write(move |tx| {
            let mid = meeting_id.to_string();
            model::editable_meeting(tx, &caller, &mid)?;
            crate::auth::user_by_id(tx, &user_id.to_string())?.ok_or_else(|| AppError::not_found("user"))?;
            set_participant(tx, &mid, &user_id.to_string(), input.role)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a user from the meeting; their devices purge it, documents included, at
/// their next sync.
#[utoipa::path(delete, path = "/meetings/{meeting_id}/participants/{user_id}", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn delete_participant(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((meeting_id, user_id)): Path<(Uuid, Uuid)>,
) -> AppResult<StatusCode> {
    state
        .db
        .write(move |tx| {
            let (mid, uid) = (meeting_id.to_string(), user_id.to_string());
            model::editable_meeting(tx, &caller, &mid)?;
            let p = model::participant(tx, &mid, &uid)?.ok_or_else(|| AppError::not_found("participant"))?;
            if p.role == ParticipantRole::Organizer {
                let organizers: i64 = tx.query_row(
                    "SELECT count(*) FROM participants WHERE meeting_id = ?1 AND role = 'organizer'",
                    [&mid],
                    |r| r.get(0),
                )?;
                if organizers <= 1 {
                    return Err(AppError::conflict(
                        "the last organizer cannot be removed; add another organizer first",
                    ));
                }
            }
            tx.execute("DELETE FROM participants WHERE meeting_id = ?1 AND user_id = ?2", [&mid, &uid])?;
            feed::record(tx, &mid, "participant", &participant_key(meeting_id, user_id), None)?;
            feed::record_purge(tx, &mid, &uid)?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

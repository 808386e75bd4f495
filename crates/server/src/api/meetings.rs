//! Meetings, their agenda and participants over HTTP: reads for those who may see the
//! meeting, writes for its secretariat. Each handler is one call into
//! [`crate::core::meetings`], which checks, writes, tells the feed and the audit trail.

use axum::extract::State;
use axum::http::StatusCode;
use meeting_protocol::{
    AgendaItem, AgendaItemInput, AgendaOrder, ApiError, AuditEntry, CancelRequest, CopyMeetingRequest, Meeting,
    MeetingDetail, MeetingInput, Opinion, OpinionState, OpinionStateInput, ParticipantDevices, ParticipantInput,
};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::core::{audit, meetings as core};
use crate::error::{AppResult, Json, Path};
use crate::{AppState, model};

/// Meetings the caller may see (drafts only for their secretariat).
#[utoipa::path(get, path = "/meetings", tag = "meetings", security(("bearer" = [])),
    responses((status = 200, body = [Meeting]), (status = 401, body = ApiError)))]
pub async fn list_meetings(State(state): State<AppState>, caller: AuthUser) -> AppResult<Json<Vec<Meeting>>> {
    let uid = caller.id();
    Ok(Json(state.db.read(move |tx| Ok(crate::store::meetings::meetings_of(tx, &uid)?)).await?))
}

/// Creates a draft meeting; the creating secretary becomes its organizer. Nobody else
/// sees it until it is published.
#[utoipa::path(post, path = "/meetings", tag = "meetings", security(("bearer" = [])), request_body = MeetingInput,
    responses((status = 201, body = Meeting), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub async fn create_meeting(
    State(state): State<AppState>,
    caller: AuthUser,
    Json(input): Json<MeetingInput>,
) -> AppResult<(StatusCode, Json<Meeting>)> {
    let m = state.db.write(move |tx| core::create(tx, &caller, &input)).await?;
    Ok((StatusCode::CREATED, Json(m)))
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
    responses((status = 200, body = Meeting), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub async fn update_meeting(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(input): Json<MeetingInput>,
) -> AppResult<Json<Meeting>> {
    Ok(Json(state.db.write(move |tx| core::update(tx, &caller, meeting_id, &input)).await?))
}

/// Deletes a meeting and everything in it; every participant's device purges it.
#[utoipa::path(delete, path = "/meetings/{meeting_id}", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete_meeting(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<StatusCode> {
    state.db.write(move |tx| core::delete(tx, &caller, meeting_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Publishes a draft (or a cancelled meeting again): every participant's devices
/// receive the whole meeting at their next sync.
#[utoipa::path(post, path = "/meetings/{meeting_id}/publish", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = Meeting), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn publish_meeting(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<Json<Meeting>> {
    Ok(Json(state.db.write(move |tx| core::publish(tx, &caller, meeting_id)).await?))
}

/// Takes a meeting back to draft: participants outside its secretariat lose it,
/// documents included, at their next sync.
#[utoipa::path(post, path = "/meetings/{meeting_id}/unpublish", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = Meeting), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn unpublish_meeting(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<Json<Meeting>> {
    Ok(Json(state.db.write(move |tx| core::unpublish(tx, &caller, meeting_id)).await?))
}

/// Cancels a published meeting; participants keep it, marked cancelled with the reason.
#[utoipa::path(post, path = "/meetings/{meeting_id}/cancel", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = CancelRequest,
    responses((status = 200, body = Meeting), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub async fn cancel_meeting(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(req): Json<CancelRequest>,
) -> AppResult<Json<Meeting>> {
    Ok(Json(state.db.write(move |tx| core::cancel(tx, &caller, meeting_id, &req.reason)).await?))
}

/// A new draft starting from this meeting: its agenda, and if asked its documents (the
/// same content, nothing uploaded again) and participants.
#[utoipa::path(post, path = "/meetings/{meeting_id}/copy", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = CopyMeetingRequest,
    responses((status = 201, body = Meeting), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub async fn copy_meeting(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(req): Json<CopyMeetingRequest>,
) -> AppResult<(StatusCode, Json<Meeting>)> {
    let m = state.db.write(move |tx| core::copy(tx, &caller, meeting_id, &req)).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// The meeting's audit trail, oldest first: every change its secretariat made, with
/// the values before and after.
#[utoipa::path(get, path = "/meetings/{meeting_id}/audit", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = [AuditEntry]), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn meeting_audit(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    let entries = state
        .db
        .read(move |tx| {
            let mid = meeting_id.to_string();
            model::editable_meeting(tx, &caller, &mid)?;
            audit::history(tx, &mid)
        })
        .await?;
    Ok(Json(entries))
}

/// Appends an item to the agenda.
#[utoipa::path(post, path = "/meetings/{meeting_id}/agenda", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = AgendaItemInput,
    responses((status = 201, body = AgendaItem), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub async fn create_agenda_item(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(input): Json<AgendaItemInput>,
) -> AppResult<(StatusCode, Json<AgendaItem>)> {
    let item = state.db.write(move |tx| core::create_item(tx, &caller, meeting_id, &input)).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// Puts the agenda in a new order; the body must list every item exactly once.
#[utoipa::path(put, path = "/meetings/{meeting_id}/agenda/order", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = AgendaOrder,
    responses((status = 200, body = [AgendaItem]), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub async fn reorder_agenda(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(order): Json<AgendaOrder>,
) -> AppResult<Json<Vec<AgendaItem>>> {
    Ok(Json(state.db.write(move |tx| core::reorder(tx, &caller, meeting_id, &order)).await?))
}

/// Changes an agenda item's fields.
#[utoipa::path(patch, path = "/agenda/{item_id}", tag = "meetings", security(("bearer" = [])),
    params(("item_id" = Uuid, Path)), request_body = AgendaItemInput,
    responses((status = 200, body = AgendaItem), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub async fn update_agenda_item(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(item_id): Path<Uuid>,
    Json(input): Json<AgendaItemInput>,
) -> AppResult<Json<AgendaItem>> {
    Ok(Json(state.db.write(move |tx| core::update_item(tx, &caller, item_id, &input)).await?))
}

/// Deletes an agenda item; its documents stay in the meeting, detached from any item,
/// and the items after it move up.
#[utoipa::path(delete, path = "/agenda/{item_id}", tag = "meetings", security(("bearer" = [])),
    params(("item_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete_agenda_item(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(item_id): Path<Uuid>,
) -> AppResult<StatusCode> {
    state.db.write(move |tx| core::delete_item(tx, &caller, item_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a user to the meeting or changes their role. A newly added participant's
/// devices receive the meeting at their next sync — once it is published.
#[utoipa::path(put, path = "/meetings/{meeting_id}/participants/{user_id}", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path), ("user_id" = Uuid, Path)), request_body = ParticipantInput,
    responses((status = 204), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub async fn put_participant(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((meeting_id, user_id)): Path<(Uuid, Uuid)>,
    Json(input): Json<ParticipantInput>,
) -> AppResult<StatusCode> {
    state.db.write(move |tx| core::set_participant(tx, &caller, meeting_id, user_id, input.role)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a user from the meeting; their devices purge it, documents included, at
/// their next sync.
#[utoipa::path(delete, path = "/meetings/{meeting_id}/participants/{user_id}", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn delete_participant(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((meeting_id, user_id)): Path<(Uuid, Uuid)>,
) -> AppResult<StatusCode> {
    state.db.write(move |tx| core::remove_participant(tx, &caller, meeting_id, user_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The meeting's opinions: marks its participants shared, in agenda order, with the
/// words quoted, the page, the author and whether the secretariat handled them.
#[utoipa::path(get, path = "/meetings/{meeting_id}/opinions", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = [Opinion]), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn meeting_opinions(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<Json<Vec<Opinion>>> {
    Ok(Json(state.db.read(move |tx| crate::core::opinions::list(tx, &caller, meeting_id)).await?))
}

/// Marks an opinion handled, or open again; every secretary's device receives it.
#[utoipa::path(put, path = "/opinions/{annotation_id}", tag = "meetings", security(("bearer" = [])),
    params(("annotation_id" = Uuid, Path)), request_body = OpinionStateInput,
    responses((status = 200, body = OpinionState), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub async fn set_opinion_state(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(annotation_id): Path<Uuid>,
    Json(input): Json<OpinionStateInput>,
) -> AppResult<Json<OpinionState>> {
    let s =
        state.db.write(move |tx| crate::core::opinions::set_handled(tx, &caller, annotation_id, input.handled)).await?;
    Ok(Json(s))
}

/// Each participant's devices: when each last synced, and whether it has every change
/// of the meeting.
#[utoipa::path(get, path = "/meetings/{meeting_id}/devices", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = [ParticipantDevices]), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn meeting_devices(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<Json<Vec<ParticipantDevices>>> {
    Ok(Json(state.db.read(move |tx| crate::core::devices::of_meeting(tx, &caller, meeting_id)).await?))
}

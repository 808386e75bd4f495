//! The meeting room in session over HTTP: the room at once, current item, quorum,
//! presenter, attendance, speakers and votes. Each handler is one call into
//! [`crate::core::room`], [`crate::core::speakers`] or [`crate::core::ballot_box`]; the
//! devices learn of every change through the feed, woken by the live channel.

use axum::extract::State;
use axum::http::StatusCode;
use meeting_protocol::{
    ApiError, Attendance, AttendanceInput, BallotInput, CurrentItemInput, FloorInput, LiveState, PresentInput,
    QuorumInput, Room, SpeakRequest, Speaker, Vote, VoteInput,
};
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::core::{ballot_box, room, speakers, votes};
use crate::error::{AppError, AppResult, Json, Path};

/// The room: live state, attendance, speakers, votes and the quorum.
#[utoipa::path(get, path = "/meetings/{meeting_id}/room", tag = "room", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = Room), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_room(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<Json<Room>> {
    Ok(Json(state.db.read(move |tx| room::room(tx, &caller, &meeting_id.to_string())).await?))
}

/// Sets the agenda item under discussion (the chair or the secretariat).
#[utoipa::path(put, path = "/meetings/{meeting_id}/current-item", tag = "room", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = CurrentItemInput,
    responses((status = 200, body = LiveState), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn set_current_item(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(input): Json<CurrentItemInput>,
) -> AppResult<Json<LiveState>> {
    let mid = meeting_id.to_string();
    Ok(Json(state.db.write(move |tx| room::set_current_item(tx, &caller, &mid, input.item_id)).await?))
}

/// Sets the share of voting members that makes a quorum.
#[utoipa::path(put, path = "/meetings/{meeting_id}/quorum", tag = "room", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = QuorumInput,
    responses((status = 200, body = LiveState), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn set_quorum(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(input): Json<QuorumInput>,
) -> AppResult<Json<LiveState>> {
    let mid = meeting_id.to_string();
    Ok(Json(state.db.write(move |tx| room::set_quorum(tx, &caller, &mid, input.percent)).await?))
}

/// Shares a document and page with the followers (the chair, the secretariat, the speaker).
#[utoipa::path(put, path = "/meetings/{meeting_id}/presentation", tag = "room", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = PresentInput,
    responses((status = 200, body = LiveState), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn present(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(input): Json<PresentInput>,
) -> AppResult<Json<LiveState>> {
    let live = state
        .db
        .write(move |tx| {
            let did = input.document_id.to_string();
            if crate::store::documents::document_meeting(tx, &did)?.as_deref() != Some(meeting_id.to_string().as_str())
            {
                return Err(AppError::not_found("document"));
            }
            room::present(tx, &caller, input.document_id, input.page_index)
        })
        .await?;
    Ok(Json(live))
}

/// Ends the presentation.
#[utoipa::path(delete, path = "/meetings/{meeting_id}/presentation", tag = "room", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = LiveState), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn stop_presenting(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<Json<LiveState>> {
    let mid = meeting_id.to_string();
    Ok(Json(state.db.write(move |tx| room::stop_presenting(tx, &caller, &mid)).await?))
}

/// Checks the caller in (no `user_ids`), or marks several participants (the secretariat).
#[utoipa::path(put, path = "/meetings/{meeting_id}/attendance", tag = "room", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = AttendanceInput,
    responses((status = 200, body = [Attendance]), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn set_attendance(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(input): Json<AttendanceInput>,
) -> AppResult<Json<Vec<Attendance>>> {
    let mid = meeting_id.to_string();
    Ok(Json(state.db.write(move |tx| room::set_attendance(tx, &caller, &mid, &input)).await?))
}

/// Asks to speak on the current item (asking twice returns the request already waiting).
#[utoipa::path(post, path = "/meetings/{meeting_id}/speakers", tag = "room", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = SpeakRequest,
    responses((status = 201, body = Speaker), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn ask_to_speak(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(input): Json<SpeakRequest>,
) -> AppResult<(StatusCode, Json<Speaker>)> {
    let mid = meeting_id.to_string();
    let s = state.db.write(move |tx| speakers::ask(tx, &caller, &mid, &input)).await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// Withdraws a request to speak (its author; the chair takes it off the list).
#[utoipa::path(delete, path = "/speakers/{speaker_id}", tag = "room", security(("bearer" = [])),
    params(("speaker_id" = Uuid, Path)),
    responses((status = 200, body = Speaker), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(speaker_id): Path<Uuid>,
) -> AppResult<Json<Speaker>> {
    Ok(Json(state.db.write(move |tx| speakers::withdraw(tx, &caller, speaker_id)).await?))
}

/// Gives the floor (to the first of the queue unless a request is named).
#[utoipa::path(put, path = "/meetings/{meeting_id}/floor", tag = "room", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = FloorInput,
    responses((status = 200, body = Speaker), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn give_floor(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(input): Json<FloorInput>,
) -> AppResult<Json<Speaker>> {
    let mid = meeting_id.to_string();
    Ok(Json(state.db.write(move |tx| speakers::give_floor(tx, &caller, &mid, &input)).await?))
}

/// Ends the floor (the chair, or the speaker).
#[utoipa::path(delete, path = "/meetings/{meeting_id}/floor", tag = "room", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn end_floor(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<StatusCode> {
    let mid = meeting_id.to_string();
    state.db.write(move |tx| speakers::end_floor(tx, &caller, &mid)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Opens a vote on an agenda item (the chair or the secretariat).
#[utoipa::path(post, path = "/agenda/{item_id}/votes", tag = "room", security(("bearer" = [])),
    params(("item_id" = Uuid, Path)), request_body = VoteInput,
    responses((status = 201, body = Vote), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn open_vote(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(item_id): Path<Uuid>,
    Json(input): Json<VoteInput>,
) -> AppResult<(StatusCode, Json<Vote>)> {
    let v = ballot_box::open(&state, caller, item_id, input).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// A vote: who may vote, who has, and the result once closed.
#[utoipa::path(get, path = "/votes/{vote_id}", tag = "room", security(("bearer" = [])),
    params(("vote_id" = Uuid, Path)),
    responses((status = 200, body = Vote), (status = 404, body = ApiError)))]
pub async fn get_vote(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(vote_id): Path<Uuid>,
) -> AppResult<Json<Vote>> {
    Ok(Json(state.db.read(move |tx| votes::visible_vote(tx, &caller, vote_id)).await?))
}

/// Casts the caller's ballot: once, final. Never queued by a client: it needs the server now.
#[utoipa::path(post, path = "/votes/{vote_id}/ballots", tag = "room", security(("bearer" = [])),
    params(("vote_id" = Uuid, Path)), request_body = BallotInput,
    responses((status = 200, body = Vote), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn cast_ballot(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(vote_id): Path<Uuid>,
    Json(input): Json<BallotInput>,
) -> AppResult<Json<Vote>> {
    Ok(Json(ballot_box::cast(&state, caller, vote_id, input.choice).await?))
}

/// Closes a vote and counts it (the chair or the secretariat).
#[utoipa::path(post, path = "/votes/{vote_id}/close", tag = "room", security(("bearer" = [])),
    params(("vote_id" = Uuid, Path)),
    responses((status = 200, body = Vote), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn close_vote(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(vote_id): Path<Uuid>,
) -> AppResult<Json<Vote>> {
    Ok(Json(ballot_box::close(&state, Some(caller), vote_id).await?))
}

//! Conclusion notices over HTTP. The rules are in [`crate::core::conclusions`].

use axum::extract::State;
use meeting_protocol::{ApiError, Conclusion, ConclusionEdit, ConclusionIssue, LateConclusion};
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::core::conclusions;
use crate::error::{AppResult, Json, Path};

/// Makes (or refreshes) the draft from the minutes' conclusions (the secretariat).
#[utoipa::path(post, path = "/meetings/{meeting_id}/conclusion/draft", tag = "minutes", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = Conclusion), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn draft_conclusion(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> AppResult<Json<Conclusion>> {
    Ok(Json(state.db.write(move |tx| conclusions::draft(tx, &caller, id)).await?))
}

/// The notice (a draft: the secretariat; issued: every participant).
#[utoipa::path(get, path = "/meetings/{meeting_id}/conclusion", tag = "minutes", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = Conclusion), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_conclusion(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> AppResult<Json<Conclusion>> {
    Ok(Json(state.db.read(move |tx| conclusions::show(tx, &caller, id)).await?))
}

/// Changes the draft's points, signer or recipients.
#[utoipa::path(patch, path = "/meetings/{meeting_id}/conclusion", tag = "minutes", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = ConclusionEdit,
    responses((status = 200, body = Conclusion), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn edit_conclusion(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Json(edit): Json<ConclusionEdit>,
) -> AppResult<Json<Conclusion>> {
    Ok(Json(state.db.write(move |tx| conclusions::edit(tx, &caller, id, &edit)).await?))
}

/// Issues the notice with its number: a PDF document of the meeting; its tasks get the
/// number.
#[utoipa::path(post, path = "/meetings/{meeting_id}/conclusion/issue", tag = "minutes", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = ConclusionIssue,
    responses((status = 200, body = Conclusion), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn issue_conclusion(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Json(input): Json<ConclusionIssue>,
) -> AppResult<Json<Conclusion>> {
    Ok(Json(conclusions::issue(&state, &caller, id, &input.number).await?))
}

/// The caller's meetings whose notice is late (not issued by the 5th working day after
/// the meeting, or issued after it).
#[utoipa::path(get, path = "/conclusions/late", tag = "minutes", security(("bearer" = [])),
    responses((status = 200, body = [LateConclusion]), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn late_conclusions(State(state): State<AppState>, caller: AuthUser) -> AppResult<Json<Vec<LateConclusion>>> {
    Ok(Json(state.db.read(move |tx| conclusions::late(tx, &caller)).await?))
}

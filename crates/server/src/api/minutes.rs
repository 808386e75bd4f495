//! Minutes over HTTP. The rules are in [`crate::core::minutes`].

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use meeting_protocol::{ApiError, Minutes, MinutesEdit};
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::core::minutes;
use crate::error::{AppResult, Json, Path};

/// Makes (or refreshes) the draft from what the room recorded, keeping the text written
/// so far; after an approval, starts the next version (a correction). The secretariat.
#[utoipa::path(post, path = "/meetings/{meeting_id}/minutes/draft", tag = "minutes", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = Minutes), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn draft_minutes(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> AppResult<Json<Minutes>> {
    Ok(Json(state.db.write(move |tx| minutes::draft(tx, &caller, id)).await?))
}

/// The minutes as the caller may read them (drafts: the secretariat and the chair).
#[utoipa::path(get, path = "/meetings/{meeting_id}/minutes", tag = "minutes", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = Minutes), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_minutes(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> AppResult<Json<Minutes>> {
    Ok(Json(state.db.read(move |tx| minutes::show(tx, &caller, id)).await?))
}

/// Changes the secretary's text of the draft (per agenda item, or the general fields).
#[utoipa::path(patch, path = "/meetings/{meeting_id}/minutes", tag = "minutes", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = MinutesEdit,
    responses((status = 200, body = Minutes), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn edit_minutes(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Json(edit): Json<MinutesEdit>,
) -> AppResult<Json<Minutes>> {
    Ok(Json(state.db.write(move |tx| minutes::edit(tx, &caller, id, &edit)).await?))
}

/// Every version of the minutes (the history of corrections).
#[utoipa::path(get, path = "/meetings/{meeting_id}/minutes/versions", tag = "minutes", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = [Minutes]), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn minutes_versions(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> AppResult<Json<Vec<Minutes>>> {
    Ok(Json(state.db.read(move |tx| minutes::versions(tx, &caller, id)).await?))
}

/// The chair approves the draft: locked by its content hash, and its PDF becomes a
/// document of the meeting (every participant's device gets it with the next sync).
#[utoipa::path(post, path = "/meetings/{meeting_id}/minutes/approve", tag = "minutes", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = Minutes), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn approve_minutes(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> AppResult<Json<Minutes>> {
    Ok(Json(minutes::approve(&state, &caller, id).await?))
}

/// The minutes as a PDF in the layout of Nghị định 30/2020/NĐ-CP.
#[utoipa::path(get, path = "/meetings/{meeting_id}/minutes/pdf", tag = "minutes", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn minutes_pdf(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> AppResult<impl IntoResponse> {
    let m = state.db.read(move |tx| minutes::show(tx, &caller, id)).await?;
    let (pdf, _) = tokio::task::spawn_blocking(move || crate::official::minutes_pdf(&m)).await??;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf))
}

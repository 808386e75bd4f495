//! The audit of opens over HTTP: devices push what they recorded; the secretariat reads
//! a meeting's opens.

use axum::extract::State;
use meeting_protocol::{ApiError, MAX_OPENS_PUSH, OpenRecord, OpensPush, OpensPushResponse};
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult, Json, Path};

/// Records opens of documents a device made (offline too); resending an open records
/// it once.
#[utoipa::path(post, path = "/opens", tag = "sync", security(("bearer" = [])), request_body = OpensPush,
    responses((status = 200, body = OpensPushResponse), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn push_opens(
    State(state): State<AppState>,
    caller: AuthUser,
    Json(push): Json<OpensPush>,
) -> AppResult<Json<OpensPushResponse>> {
    if push.opens.len() > MAX_OPENS_PUSH {
        return Err(AppError::bad_request(format!("at most {MAX_OPENS_PUSH} opens per push")));
    }
    Ok(Json(state.db.write(move |tx| crate::core::opens::record(tx, &caller, &push.opens)).await?))
}

/// Who opened the meeting's documents, when, on which device (its secretariat only).
#[utoipa::path(get, path = "/meetings/{meeting_id}/opens", tag = "meetings", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = [OpenRecord]), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn meeting_opens(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<Json<Vec<OpenRecord>>> {
    Ok(Json(state.db.read(move |tx| crate::core::opens::of_meeting(tx, &caller, meeting_id)).await?))
}

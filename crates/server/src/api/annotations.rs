//! Annotations over HTTP: the push (the rules are in [`crate::core::annotations`]).

use axum::body::Body;
use axum::extract::State;
use meeting_protocol::{ApiError, MAX_PUSH_OPS, PushRequest, PushResponse};

use crate::AppState;
use crate::auth::AuthUser;
use crate::core::annotations::apply;
use crate::error::{AppError, AppResult, Json};

/// Largest push body: [`MAX_PUSH_OPS`] annotations of ~16 KiB each.
pub const PUSH_BODY_LIMIT: usize = 16 << 20;

/// Applies a device's annotation changes.
#[utoipa::path(post, path = "/annotations/push", tag = "annotations", security(("bearer" = [])),
    request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn push(State(state): State<AppState>, caller: AuthUser, body: Body) -> AppResult<Json<PushResponse>> {
    // Read here rather than through `Json`: a full push (ink strokes included) is far
    // above the small body limit every other JSON endpoint has.
    let bytes =
        axum::body::to_bytes(body, PUSH_BODY_LIMIT).await.map_err(|_| AppError::too_large(PUSH_BODY_LIMIT as u64))?;
    let req: PushRequest =
        serde_json::from_slice(&bytes).map_err(|e| AppError::bad_request(format!("invalid push body: {e}")))?;
    if req.ops.len() > MAX_PUSH_OPS {
        return Err(AppError::bad_request(format!(
            "a push carries at most {MAX_PUSH_OPS} changes, this one {}: send them in several pushes",
            req.ops.len()
        )));
    }
    let results = state
        .db
        .write(move |tx| req.ops.into_iter().map(|op| apply(tx, &caller, op)).collect::<AppResult<Vec<_>>>())
        .await?;
    Ok(Json(PushResponse { results }))
}

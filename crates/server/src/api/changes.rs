//! `GET /changes`: the caller's view of the ordered change feed.

use axum::extract::State;
use meeting_protocol::{ApiError, ChangesPage, MAX_CHANGES_PAGE};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::{AppError, AppResult, Json, Query};
use crate::{AppState, feed};

/// Feed position and page size.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChangesParams {
    /// Return changes after this sequence number (0 for everything).
    #[serde(default)]
    #[param(minimum = 0)]
    pub since: i64,
    /// Page size, 1 to 1000 (default 500).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// Changes the caller may see, after `since`, in commit order.
#[utoipa::path(get, path = "/changes", tag = "sync", security(("bearer" = [])), params(ChangesParams),
    responses((status = 200, body = ChangesPage), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn get_changes(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(q): Query<ChangesParams>,
) -> AppResult<Json<ChangesPage>> {
    if q.since < 0 {
        return Err(AppError::bad_request("since must be 0 or a sequence number from an earlier page"));
    }
    let limit = q.limit.unwrap_or(500);
    if !(1..=MAX_CHANGES_PAGE).contains(&limit) {
        return Err(AppError::bad_request(format!("limit must be between 1 and {MAX_CHANGES_PAGE}")));
    }
    let (uid, server_id) = (caller.id(), state.server_id);
    // Asking from `since` says the device has applied everything up to it.
    let (token, u, since) = (caller.token_id, uid.clone(), q.since);
    state.db.write(move |tx| crate::core::devices::record(tx, token, &u, since)).await?;
    let page = state.db.read(move |tx| feed::page(tx, server_id, &uid, q.since, limit)).await?;
    Ok(Json(page))
}

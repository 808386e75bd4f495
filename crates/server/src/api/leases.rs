//! Offline leases over HTTP: a device asks for its leases at every sync.

use axum::extract::State;
use meeting_protocol::{ApiError, LeasesResponse};

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{AppResult, Json};

/// The calling device's lease per confidentiality level, with the key material the
/// device mixes into that level's key.
#[utoipa::path(get, path = "/leases", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = LeasesResponse), (status = 401, body = ApiError)))]
pub async fn leases(State(state): State<AppState>, caller: AuthUser) -> AppResult<Json<LeasesResponse>> {
    let config = state.config.clone();
    Ok(Json(state.db.write(move |tx| crate::core::leases::of_caller(tx, &caller, &config)).await?))
}

//! Admins' view of every device: list any user's device sessions, revoke one (a lost
//! laptop). A revoked device erases its keys and copies at its next contact (the
//! `device_revoked` answer, see `auth`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use meeting_protocol::{ApiError, DeviceSession, Role};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult, Json, Path};

/// Filter of the device list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeviceQuery {
    /// Only this user's devices (login name).
    pub user: Option<String>,
}

/// Every valid device session, or one user's (admins only).
#[utoipa::path(get, path = "/admin/devices", tag = "admin", security(("bearer" = [])), params(DeviceQuery),
    responses((status = 200, body = [DeviceSession]), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn list_devices(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(q): Query<DeviceQuery>,
) -> AppResult<Json<Vec<DeviceSession>>> {
    caller.require_role(&[Role::Admin])?;
    let devices = state
        .db
        .read(move |tx| Ok(crate::store::sessions::all(tx, q.user.as_deref(), OffsetDateTime::now_utc())?))
        .await?;
    Ok(Json(devices))
}

/// Revokes any user's device session (admins only): the device erases its keys and
/// copies at its next contact.
#[utoipa::path(delete, path = "/admin/devices/{token_id}", tag = "admin", security(("bearer" = [])),
    params(("token_id" = Uuid, Path, description = "token id")),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn revoke_device(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(token_id): Path<Uuid>,
) -> AppResult<StatusCode> {
    caller.require_role(&[Role::Admin])?;
    let revoked = state
        .db
        .write(move |tx| Ok(crate::store::sessions::revoke(tx, token_id, None, true, OffsetDateTime::now_utc())?))
        .await?;
    if !revoked {
        return Err(AppError::not_found("device session"));
    }
    tracing::warn!(admin = %caller.user.username, %token_id, "device revoked; it will erase itself at its next contact");
    Ok(StatusCode::NO_CONTENT)
}

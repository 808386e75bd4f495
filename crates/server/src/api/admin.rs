//! Admins' view of every device: list any user's device sessions, revoke one (a lost
//! laptop). A revoked device erases its keys and copies at its next contact (the
//! `device_revoked` answer, see `auth`).

use crate::store::sql::params;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use meeting_protocol::{ApiError, DeviceSession, Role, User};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuthUser, now_unix};
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
        .read(move |tx| {
            let ts = |s: i64| OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let rows = tx.query_map(
                "SELECT t.id, u.id, u.username, u.display_name, u.role, t.device_name, t.created_at, t.expires_at,
                        (SELECT d.at FROM device_sync d WHERE d.token_id = t.id)
                   FROM tokens t JOIN users u ON u.id = t.user_id
                  WHERE t.revoked_at IS NULL AND t.expires_at > ?1 AND (CAST(?2 AS TEXT) IS NULL OR u.username = ?2)
                  ORDER BY u.username, t.created_at",
                params![now_unix(), q.user],
                |r| {
                    let role: String = r.get(4)?;
                    Ok(DeviceSession {
                        id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                        user: User {
                            id: Uuid::parse_str(&r.get::<_, String>(1)?).unwrap_or_default(),
                            username: r.get(2)?,
                            display_name: r.get(3)?,
                            role: Role::parse(&role).unwrap_or(Role::Leader),
                        },
                        device_name: r.get(5)?,
                        created_at: ts(r.get(6)?),
                        expires_at: ts(r.get(7)?),
                        last_sync_at: r.get(8)?,
                    })
                },
            )?;
            Ok(rows)
        })
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
    let id = token_id.to_string();
    let revoked = state
        .db
        .write(move |tx| {
            Ok(tx.execute(
                "UPDATE tokens SET revoked_at = ?1, wipe = 1 WHERE id = ?2 AND revoked_at IS NULL",
                params![now_unix(), id],
            )? > 0)
        })
        .await?;
    if !revoked {
        return Err(AppError::not_found("device session"));
    }
    tracing::warn!(admin = %caller.user.username, %token_id, "device revoked; it will erase itself at its next contact");
    Ok(StatusCode::NO_CONTENT)
}

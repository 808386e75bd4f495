//! Login, logout, device sessions, the user directory, health.

use std::net::SocketAddr;

use crate::store::sql::params;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use meeting_protocol::{ApiError, LoginRequest, LoginResponse, Role, ServerInfo, TokenInfo, User};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{self, AuthUser, now_unix};
use crate::error::{AppError, AppResult, Json, Path};

/// Liveness and identity of the server; needs no login.
#[utoipa::path(get, path = "/health", tag = "account", responses((status = 200, body = ServerInfo)))]
pub async fn health(State(state): State<AppState>) -> Json<ServerInfo> {
    Json(ServerInfo {
        status: "ok".into(),
        api_version: meeting_protocol::API_VERSION.into(),
        server_version: env!("CARGO_PKG_VERSION").into(),
        server_id: state.server_id,
    })
}

/// Exchanges username and password for a device token. Wrong password and unknown user
/// answer the same; repeated failures are answered more slowly, then lock this user out
/// from this address (and the user everywhere after many more) for a while; other users
/// behind the same address are never refused.
#[utoipa::path(post, path = "/auth/login", tag = "account", request_body = LoginRequest, responses(
    (status = 200, body = LoginResponse),
    (status = 401, body = ApiError, description = "wrong username or password"),
    (status = 429, body = ApiError, description = "too many failed logins; see Retry-After"),
))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(req): Json<LoginRequest>,
) -> AppResult<Json<LoginResponse>> {
    let username = req.username.trim().to_owned();
    if username.is_empty() || username.len() > 100 || req.password.len() > 1024 {
        return Err(AppError::invalid_credentials());
    }
    let attempt = state.limiter.admit(&username, addr.ip()).await?;

    let lookup = username.clone();
    let row: Option<(User, String, bool)> = state
        .db
        .read(move |tx| {
            Ok(tx.query_opt(
                "SELECT id, username, display_name, role, password_hash, disabled FROM users WHERE username = ?1",
                [lookup],
                |r| Ok((auth::user_from_row(r)?, r.get::<_, String>(4)?, r.get::<_, bool>(5)?)),
            )?)
        })
        .await?;
    let password = req.password;
    let (user, ok) = tokio::task::spawn_blocking(move || match row {
        Some((user, hash, disabled)) => {
            let ok = auth::verify_password(&password, &hash) && !disabled;
            (Some(user), ok)
        }
        None => {
            // Same work as a real check, so timing does not reveal which usernames exist.
            let _ = auth::verify_password(&password, auth::dummy_hash());
            (None, false)
        }
    })
    .await?;
    let Some(user) = user.filter(|_| ok) else {
        // A slowed answer keeps the address's check slot while it waits (see login_guard).
        tokio::time::sleep(state.limiter.fail(&attempt).await).await;
        return Err(AppError::invalid_credentials());
    };
    state.limiter.succeed(attempt).await;

    let (token, hash) = auth::new_token();
    let token_id = Uuid::now_v7();
    let now = now_unix();
    let expires = now + state.config.token_ttl.as_secs() as i64;
    let uid = user.id.to_string();
    let device = req.device_name.map(|d| d.chars().take(100).collect::<String>());
    state
        .db
        .write(move |tx| {
            tx.execute(
                "INSERT INTO tokens (id, user_id, token_hash, device_name, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![token_id.to_string(), uid, hash, device, now, expires],
            )?;
            Ok(())
        })
        .await?;
    tracing::info!(username = %user.username, "login");
    Ok(Json(LoginResponse {
        token,
        token_id,
        expires_at: OffsetDateTime::from_unix_timestamp(expires).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        user,
        server_id: state.server_id,
    }))
}

/// Ends the session of the token making the request.
#[utoipa::path(post, path = "/auth/logout", tag = "account", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ApiError)))]
pub async fn logout(State(state): State<AppState>, caller: AuthUser) -> AppResult<StatusCode> {
    revoke(&state, caller.id(), caller.token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke(state: &AppState, user_id: String, token_id: Uuid) -> AppResult<bool> {
    revoke_with(state, user_id, token_id, false).await
}

async fn revoke_with(state: &AppState, user_id: String, token_id: Uuid, wipe: bool) -> AppResult<bool> {
    state
        .db
        .write(move |tx| {
            let n = tx.execute(
                "UPDATE tokens SET revoked_at = ?1, wipe = ?4 WHERE id = ?2 AND user_id = ?3 AND revoked_at IS NULL",
                params![now_unix(), token_id.to_string(), user_id, wipe],
            )?;
            Ok(n > 0)
        })
        .await
}

/// The calling user.
#[utoipa::path(get, path = "/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = ApiError)))]
pub async fn me(caller: AuthUser) -> Json<User> {
    Json(caller.user)
}

/// The calling user's device sessions that are still valid.
#[utoipa::path(get, path = "/auth/tokens", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = [TokenInfo]), (status = 401, body = ApiError)))]
pub async fn list_tokens(State(state): State<AppState>, caller: AuthUser) -> AppResult<Json<Vec<TokenInfo>>> {
    let (uid, current) = (caller.id(), caller.token_id);
    let tokens = state
        .db
        .read(move |tx| {
            let ts = |s: i64| OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let rows = tx.query_map(
                "SELECT id, device_name, created_at, expires_at FROM tokens
                  WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2 ORDER BY created_at",
                params![uid, now_unix()],
                |r| {
                    let id = Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default();
                    Ok(TokenInfo {
                        id,
                        device_name: r.get(1)?,
                        created_at: ts(r.get(2)?),
                        expires_at: ts(r.get(3)?),
                        current: id == current,
                    })
                },
            )?;
            Ok(rows)
        })
        .await?;
    Ok(Json(tokens))
}

/// Revokes one of the calling user's sessions (e.g. a lost laptop): that device erases
/// its keys and copies at its next contact.
#[utoipa::path(delete, path = "/auth/tokens/{token_id}", tag = "account", security(("bearer" = [])),
    params(("token_id" = Uuid, Path, description = "token id")),
    responses((status = 204), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(token_id): Path<Uuid>,
) -> AppResult<StatusCode> {
    // Another device of the user: it must erase itself. This one: a plain logout.
    let wipe = token_id != caller.token_id;
    if revoke_with(&state, caller.id(), token_id, wipe).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::not_found("session"))
    }
}

/// The user directory, for secretaries choosing participants.
#[utoipa::path(get, path = "/users", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = [User]), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn list_users(State(state): State<AppState>, caller: AuthUser) -> AppResult<Json<Vec<User>>> {
    caller.require_role(&[Role::Secretary, Role::Admin])?;
    let users = state
        .db
        .read(|tx| {
            Ok(tx.query_map(
                "SELECT id, username, display_name, role FROM users WHERE disabled = 0 ORDER BY username",
                (),
                auth::user_from_row,
            )?)
        })
        .await?;
    Ok(Json(users))
}

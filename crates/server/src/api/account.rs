//! Login, logout, device sessions, the user directory, health.

use std::net::SocketAddr;

use crate::store::sessions::NewSession;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use meeting_protocol::{ApiError, LoginRequest, LoginResponse, Role, ServerInfo, TokenInfo, User};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{self, AuthUser};
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
    let row: Option<(User, String, bool)> =
        state.db.read(move |tx| Ok(crate::store::users::for_login(tx, &lookup)?)).await?;
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
    // Whole seconds: what the session's row keeps, so the answer says what is stored.
    let now = auth::now_whole_seconds();
    let expires_at = now + state.config.token_ttl;
    let user_id = user.id;
    let device = req.device_name.map(|d| d.chars().take(100).collect::<String>());
    state
        .db
        .write(move |tx| {
            let session = NewSession {
                id: token_id,
                user_id,
                token_hash: &hash,
                device_name: device.as_deref(),
                created_at: now,
                expires_at,
            };
            Ok(crate::store::sessions::insert(tx, &session)?)
        })
        .await?;
    tracing::info!(username = %user.username, "login");
    Ok(Json(LoginResponse { token, token_id, expires_at, user, server_id: state.server_id }))
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
            Ok(crate::store::sessions::revoke(tx, token_id, Some(&user_id), wipe, OffsetDateTime::now_utc())?)
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
        .read(move |tx| Ok(crate::store::sessions::of_user(tx, &uid, current, OffsetDateTime::now_utc())?))
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
    let users = state.db.read(|tx| Ok(crate::store::users::enabled(tx)?)).await?;
    Ok(Json(users))
}

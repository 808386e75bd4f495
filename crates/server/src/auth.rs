//! Passwords, device tokens and the `AuthUser` extractor (failed logins: [`crate::login_guard`]).

use crate::store::Tx;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine as _;
use meeting_protocol::{Role, User};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, AppResult};

/// Hashes a password with Argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::bad_request(format!("password cannot be hashed: {e}")))
}

/// Checks a password against a stored hash. A malformed stored hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A valid Argon2id hash of a random password, verified against when the username is
/// unknown so that unknown users take as long to reject as wrong passwords.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut pw = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut pw);
        hash_password(&hex::encode(pw)).unwrap_or_default()
    })
}

/// A fresh random token (256 bits, URL-safe base64) and the hash we store for it.
pub fn new_token() -> (String, String) {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let hash = token_hash(&token);
    (token, hash)
}

/// What the database stores for a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Unix seconds now.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Now, to the whole second (what the columns in Unix seconds keep).
pub fn now_whole_seconds() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// Reads a user by id.
pub fn user_by_id(tx: &Tx<'_>, id: &str) -> AppResult<Option<User>> {
    Ok(crate::store::users::by_id(tx, id)?)
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// Who.
    pub user: User,
    /// Which device token they used.
    pub token_id: Uuid,
}

impl AuthUser {
    /// The user id as stored in the database.
    pub fn id(&self) -> String {
        self.user.id.to_string()
    }

    /// Fails with 403 unless the caller's office role is one of `roles`.
    pub fn require_role(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!("a {} may not do this", self.user.role.as_str())))
        }
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(AppError::unauthorized)?;
        let hash = token_hash(token);
        let probe = hash.clone();
        let found = state
            .db
            .read(move |tx| Ok(crate::store::sessions::valid_by_hash(tx, &hash, OffsetDateTime::now_utc())?))
            .await?;
        let Some((token_id, user)) = found else {
            // Only the holder of the token learns that it must erase itself.
            let wipe = state.db.read(move |tx| Ok(crate::store::sessions::revoked_wipe(tx, &probe)?)).await?;
            return Err(if wipe == Some(true) { AppError::device_revoked() } else { AppError::unauthorized() });
        };
        Ok(AuthUser { user, token_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("mật khẩu").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("mật khẩu", &h));
        assert!(!verify_password("mat khau", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}

//! Device sessions (`tokens`): one per login of a device, found by the hash of its bearer
//! token, revoked at logout or by the user or an admin (then with `wipe`: the device
//! erases its copies at its next contact). Times are Unix seconds in these columns: the
//! expiry is compared on every request. The rules are in [`crate::auth`].

use meeting_protocol::{DeviceSession, TokenInfo, User};
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use super::sql::{Tx, params};
use super::users::user_at;

/// A new session's row.
pub struct NewSession<'a> {
    /// The token's id (what the user and admins see and revoke).
    pub id: Uuid,
    /// Whose.
    pub user_id: Uuid,
    /// SHA-256 of the bearer token (the token itself is never stored).
    pub token_hash: &'a str,
    /// The device label given at login.
    pub device_name: Option<&'a str>,
    /// When issued.
    pub created_at: OffsetDateTime,
    /// When it stops being accepted.
    pub expires_at: OffsetDateTime,
}

/// Stores a new session.
pub fn insert(tx: &Tx<'_>, s: &NewSession<'_>) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO tokens (id, user_id, token_hash, device_name, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            s.id,
            s.user_id,
            s.token_hash,
            s.device_name,
            s.created_at.unix_timestamp(),
            s.expires_at.unix_timestamp()
        ],
    )?;
    Ok(())
}

/// The session of a token hash and its user, if the session is valid at `now` (not
/// revoked, not expired, the user not disabled).
pub fn valid_by_hash(tx: &Tx<'_>, token_hash: &str, now: OffsetDateTime) -> StoreResult<Option<(Uuid, User)>> {
    tx.query_opt(
        "SELECT t.id, u.id, u.username, u.display_name, u.role
           FROM tokens t JOIN users u ON u.id = t.user_id
          WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND t.expires_at > ?2 AND u.disabled = 0",
        params![token_hash, now.unix_timestamp()],
        |r| Ok((r.get(0)?, user_at(r, 1)?)),
    )
}

/// Whether the session `token_id` is still valid at `now` (the live channel asks at
/// each wake-up, so a revoked device stops hearing at once).
pub fn is_valid(tx: &Tx<'_>, token_id: &str, now: OffsetDateTime) -> StoreResult<bool> {
    tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM tokens t JOIN users u ON u.id = t.user_id
          WHERE t.id = ?1 AND t.revoked_at IS NULL AND t.expires_at > ?2 AND u.disabled = 0)",
        params![token_id, now.unix_timestamp()],
        |r| r.get(0),
    )
}

/// For a revoked session's token hash: whether its device was told to erase itself
/// (`None` when no revoked session has that hash).
pub fn revoked_wipe(tx: &Tx<'_>, token_hash: &str) -> StoreResult<Option<bool>> {
    tx.query_opt("SELECT wipe FROM tokens WHERE token_hash = ?1 AND revoked_at IS NOT NULL", [token_hash], |r| r.get(0))
}

/// Revokes a session still valid (of `user_id` when given, any user's otherwise: an
/// admin); `wipe` tells its device to erase its copies. Whether one was revoked.
pub fn revoke(
    tx: &Tx<'_>,
    token_id: Uuid,
    user_id: Option<&str>,
    wipe: bool,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let n = tx.execute(
        "UPDATE tokens SET revoked_at = ?1, wipe = ?2
          WHERE id = ?3 AND (CAST(?4 AS TEXT) IS NULL OR user_id = ?4) AND revoked_at IS NULL",
        params![now.unix_timestamp(), wipe, token_id, user_id],
    )?;
    Ok(n > 0)
}

/// A user's valid sessions, oldest first; `current` marks `current`.
pub fn of_user(tx: &Tx<'_>, user_id: &str, current: Uuid, now: OffsetDateTime) -> StoreResult<Vec<TokenInfo>> {
    tx.query_map(
        "SELECT id, device_name, created_at, expires_at FROM tokens
          WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2 ORDER BY created_at",
        params![user_id, now.unix_timestamp()],
        |r| {
            let id: Uuid = r.get(0)?;
            Ok(TokenInfo {
                id,
                device_name: r.get(1)?,
                created_at: r.get_unix_time(2)?,
                expires_at: r.get_unix_time(3)?,
                current: id == current,
            })
        },
    )
}

/// Every valid session (or one user's, by username) with its last sync, for admins.
pub fn all(tx: &Tx<'_>, username: Option<&str>, now: OffsetDateTime) -> StoreResult<Vec<DeviceSession>> {
    tx.query_map(
        "SELECT t.id, u.id, u.username, u.display_name, u.role, t.device_name, t.created_at, t.expires_at,
                (SELECT d.at FROM device_sync d WHERE d.token_id = t.id)
           FROM tokens t JOIN users u ON u.id = t.user_id
          WHERE t.revoked_at IS NULL AND t.expires_at > ?1 AND (CAST(?2 AS TEXT) IS NULL OR u.username = ?2)
          ORDER BY u.username, t.created_at",
        params![now.unix_timestamp(), username],
        |r| {
            Ok(DeviceSession {
                id: r.get(0)?,
                user: user_at(r, 1)?,
                device_name: r.get(5)?,
                created_at: r.get_unix_time(6)?,
                expires_at: r.get_unix_time(7)?,
                last_sync_at: r.get(8)?,
            })
        },
    )
}

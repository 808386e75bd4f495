//! The office's user accounts (`users`): who may log in, with which office role. The
//! rules (password hashing, who may list whom) are in [`crate::auth`] and the handlers.

use meeting_protocol::{Role, User};
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use super::sql::{Row, Tx, params};

/// Maps four columns `id, username, display_name, role` starting at `at` (0, or further
/// in the queries that join users).
pub(in crate::store) fn user_at(r: &Row<'_>, at: usize) -> StoreResult<User> {
    Ok(User {
        id: r.get(at)?,
        username: r.get(at + 1)?,
        display_name: r.get(at + 2)?,
        role: r.get_parsed(at + 3, "an office role", Role::parse)?,
    })
}

fn user_from_row(r: &Row<'_>) -> StoreResult<User> {
    user_at(r, 0)
}

/// A user by id, disabled or not.
pub fn by_id(tx: &Tx<'_>, id: &str) -> StoreResult<Option<User>> {
    tx.query_opt("SELECT id, username, display_name, role FROM users WHERE id = ?1", [id], user_from_row)
}

/// What a login checks: the user of `username`, their password hash and whether the
/// account is disabled.
pub fn for_login(tx: &Tx<'_>, username: &str) -> StoreResult<Option<(User, String, bool)>> {
    tx.query_opt(
        "SELECT id, username, display_name, role, password_hash, disabled FROM users WHERE username = ?1",
        [username],
        |r| Ok((user_from_row(r)?, r.get(4)?, r.get(5)?)),
    )
}

/// Every enabled user, by username (the directory secretaries choose participants from).
pub fn enabled(tx: &Tx<'_>) -> StoreResult<Vec<User>> {
    tx.query_map(
        "SELECT id, username, display_name, role FROM users WHERE disabled = 0 ORDER BY username",
        (),
        user_from_row,
    )
}

/// The id of the user called `username`, if any.
pub fn id_of(tx: &Tx<'_>, username: &str) -> StoreResult<Option<Uuid>> {
    tx.query_opt("SELECT id FROM users WHERE username = ?1", [username], |r| r.get(0))
}

/// Adds a user (acting for `unit`, if any) unless the username is taken; whether it was added.
pub fn insert(
    tx: &Tx<'_>,
    u: &User,
    password_hash: &str,
    unit: Option<&Uuid>,
    at: OffsetDateTime,
) -> StoreResult<bool> {
    let n = tx.execute(
        "INSERT INTO users (id, username, display_name, role, password_hash, created_at, unit_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (username) DO NOTHING",
        params![u.id, u.username, u.display_name, u.role.as_str(), password_hash, at.unix_timestamp(), unit],
    )?;
    Ok(n > 0)
}

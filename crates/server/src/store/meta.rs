//! Facts about the office's database itself (`server_meta`): the server's identity,
//! which devices keep to tell a restored or replaced server from another office's, and
//! whether the demo office was seeded.

use super::StoreResult;
use super::sql::Tx;

/// The key of the server's id, made once at the first start.
pub const SERVER_ID: &str = "server_id";
/// The key present once the demo office is seeded.
pub const DEMO_SEEDED: &str = "demo_seeded";

/// The value under `key`, if set.
pub fn get(tx: &Tx<'_>, key: &str) -> StoreResult<Option<String>> {
    tx.query_opt("SELECT value FROM server_meta WHERE key = ?1", [key], |r| r.get(0))
}

/// Sets `key` once; a value already there is kept. Whether this call set it.
pub fn set_once(tx: &Tx<'_>, key: &str, value: &str) -> StoreResult<bool> {
    let n =
        tx.execute("INSERT INTO server_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING", [key, value])?;
    Ok(n > 0)
}

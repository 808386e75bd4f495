//! What the server knows of each device: how far into the feed it has applied
//! (`device_sync`) and each user's offline lease secrets (`lease_secrets`). The rules
//! are in [`crate::core::devices`] and [`crate::core::leases`].

use meeting_protocol::DeviceStatus;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use super::sql::{Tx, params};

/// Remembers that the device behind `token_id` has applied the feed up to `seq`.
pub fn record_position(tx: &Tx<'_>, token_id: &Uuid, user_id: &str, seq: i64, at: OffsetDateTime) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO device_sync (token_id, user_id, seq, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (token_id) DO UPDATE SET seq = excluded.seq, at = excluded.at",
        params![token_id, user_id, seq, at],
    )?;
    Ok(())
}

/// A user's devices still logged in, latest sync first: (status, how far each is).
/// `up_to_date` is left false for the caller to judge.
pub fn positions_of(tx: &Tx<'_>, user_id: &str) -> StoreResult<Vec<(DeviceStatus, i64)>> {
    tx.query_map(
        "SELECT COALESCE(t.device_name, ''), d.seq, d.at FROM device_sync d JOIN tokens t ON t.id = d.token_id
          WHERE d.user_id = ?1 AND t.revoked_at IS NULL ORDER BY d.at DESC",
        [user_id],
        |r| Ok((DeviceStatus { device_name: r.get(0)?, last_sync_at: r.get(2)?, up_to_date: false }, r.get(1)?)),
    )
}

/// The user's lease secret of a confidentiality level, if made.
pub fn lease_secret(tx: &Tx<'_>, user_id: &str, level: u8) -> StoreResult<Option<Vec<u8>>> {
    tx.query_opt("SELECT secret FROM lease_secrets WHERE user_id = ?1 AND level = ?2", params![user_id, level], |r| {
        r.get(0)
    })
}

/// Stores the user's new lease secret of a level.
pub fn add_lease_secret(tx: &Tx<'_>, user_id: &str, level: u8, secret: &[u8], at: OffsetDateTime) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO lease_secrets (user_id, level, secret, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user_id, level, secret, at.unix_timestamp()],
    )?;
    Ok(())
}

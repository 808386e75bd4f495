//! Offline leases (see `meeting_protocol::leases`): each user has one secret per
//! confidentiality level, made on first ask; every sync hands the device both with the
//! office's lease lengths.

use crate::store::Tx;
use crate::store::sql::params;
use meeting_protocol::{LEVEL_CONFIDENTIAL, LEVEL_NORMAL, Lease, LeasesResponse};
use rand::RngCore as _;
use time::OffsetDateTime;

use crate::Config;
use crate::auth::AuthUser;
use crate::error::AppResult;

/// The caller's leases, making the user's secrets the first time.
pub fn of_caller(tx: &Tx<'_>, caller: &AuthUser, config: &Config) -> AppResult<LeasesResponse> {
    let uid = caller.id();
    let mut leases = Vec::new();
    for (level, length) in [(LEVEL_NORMAL, config.lease_normal), (LEVEL_CONFIDENTIAL, config.lease_confidential)] {
        let existing: Option<Vec<u8>> = tx.query_opt(
            "SELECT secret FROM lease_secrets WHERE user_id = ?1 AND level = ?2",
            params![uid, level],
            |r| r.get(0),
        )?;
        let secret = match existing {
            Some(s) => s,
            None => {
                let mut s = vec![0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut s);
                tx.execute(
                    "INSERT INTO lease_secrets (user_id, level, secret, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![uid, level, s, OffsetDateTime::now_utc().unix_timestamp()],
                )?;
                s
            }
        };
        leases.push(Lease { level, secret: hex::encode(secret), valid_for_secs: length.as_secs() });
    }
    Ok(LeasesResponse { leases })
}

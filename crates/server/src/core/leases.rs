//! Offline leases (see `meeting_protocol::leases`): each user has one secret per
//! confidentiality level, made on first ask; every sync hands the device both with the
//! office's lease lengths.

use crate::store::{self, Tx};
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
        let secret = match store::devices::lease_secret(tx, &uid, level)? {
            Some(s) => s,
            None => {
                let mut s = vec![0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut s);
                store::devices::add_lease_secret(tx, &uid, level, &s, OffsetDateTime::now_utc())?;
                s
            }
        };
        leases.push(Lease { level, secret: hex::encode(secret), valid_for_secs: length.as_secs() });
    }
    Ok(LeasesResponse { leases })
}

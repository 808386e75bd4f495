//! Offline leases: how long a device may keep documents of each confidentiality level
//! without contacting the server, and the key material that goes with the lease.
//!
//! The device's key for a level's cached documents derives from its own master key
//! *and* the level's lease secret, which only the server hands out. When a lease runs
//! out without contact the device destroys its copy of the secret (crypto-shredding:
//! those files are noise from then on, whatever the disk keeps) and deletes them; the
//! next sync brings the secret and the documents back.

use serde::{Deserialize, Serialize};

/// Confidentiality level of documents without the confidential flag.
pub const LEVEL_NORMAL: u8 = 0;
/// Confidentiality level of documents marked confidential.
pub const LEVEL_CONFIDENTIAL: u8 = 1;

/// One level's lease, renewed at every sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Lease {
    /// [`LEVEL_NORMAL`] or [`LEVEL_CONFIDENTIAL`].
    pub level: u8,
    /// The level's secret for this user, 32 bytes in hex; stable across syncs (so
    /// renewing does not make cached copies unreadable), mixed into the device's key.
    pub secret: String,
    /// Seconds from now the device may keep the level's documents without contact
    /// (relative, so that a device whose clock is off still gets the office's length).
    pub valid_for_secs: u64,
}

/// The leases of the calling device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeasesResponse {
    /// One per level.
    pub leases: Vec<Lease>,
}

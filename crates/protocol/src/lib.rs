//! Wire types of the Paperless Meeting Room HTTP API (`/api/v1`).
//!
//! This crate owns the JSON shapes that cross the network between the office server
//! (`meeting-server`) and the clients (CLI, desktop app). Both sides compile against
//! the same definitions, so a change here is a protocol change: bump [`API_VERSION`]
//! when an old client could no longer understand a new server.
//!
//! Timestamps are RFC 3339 strings in UTC. Identifiers are UUIDv7 (time-ordered).
//! Errors are always [`ApiError`] bodies: a stable machine-readable `code` that
//! clients branch on, and a human `message` that may change wording at any time.

mod annotations;
mod calendar;
mod changes;
mod conclusions;
mod entities;
mod errors;
mod leases;
mod live;
mod minutes;
mod opens;
mod opinions;
mod prepare;
mod room;
mod tasks;
mod votes;

pub use annotations::*;
pub use calendar::*;
pub use changes::*;
pub use conclusions::*;
pub use entities::*;
pub use errors::*;
pub use leases::*;
pub use live::*;
pub use minutes::*;

/// `true`, for `#[serde(default = …)]` of flags that are on unless said otherwise.
pub(crate) fn yes() -> bool {
    true
}

pub use opens::*;
pub use opinions::*;
pub use prepare::*;
pub use room::*;
pub use tasks::*;
pub use votes::*;

/// Path segment of the current API version; every route lives under `/api/{API_VERSION}`.
pub const API_VERSION: &str = "v1";

/// Largest page of the change feed a server hands out, whatever `limit` asks for.
pub const MAX_CHANGES_PAGE: u32 = 1000;

/// A lowercase hex SHA-256 digest is exactly this long.
pub const SHA256_HEX_LEN: usize = 64;

/// True when `s` looks like a lowercase hex SHA-256 digest (the only blob name we accept).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == SHA256_HEX_LEN && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_names_are_strict() {
        let good = "a".repeat(64);
        assert!(is_sha256_hex(&good));
        assert!(!is_sha256_hex(&"A".repeat(64)), "uppercase must be rejected: blob names are canonical");
        assert!(!is_sha256_hex(&"a".repeat(63)));
        assert!(!is_sha256_hex("../../etc/passwd"));
    }
}

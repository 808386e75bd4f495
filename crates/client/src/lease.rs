//! Offline leases on the device (see `meeting_protocol::leases`).
//!
//! Each confidentiality level's documents are sealed under a key derived from the
//! device's master key and that level's lease secret. The store keeps the secret with
//! its expiry, renewed at every sync. Once a lease has run out without contact the
//! level is *shredded*: the secret's row is deleted (the store runs with
//! `secure_delete`), so the level's key can no longer be made, then the level's files
//! are deleted and the store forgets them; the meeting shows those documents as needing
//! a connection, and the next sync brings secret and documents back.
//!
//! A clock set back must not stretch a lease: the store remembers the latest time it
//! has seen, and expiry is judged against whichever is later, that or the clock.

use std::time::{SystemTime, UNIX_EPOCH};

use meeting_protocol::Lease;
use meeting_seal::Key32;
use rusqlite::{OptionalExtension as _, params};
use serde::Serialize;

use crate::store::Store;
use crate::{ClientError, Profile, Result};

/// How far back the clock may step (a time-zone fix, NTP) before it counts as set back.
const CLOCK_SLACK_SECS: i64 = 300;

/// What [`Profile::enforce_leases`] found.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LeaseCheck {
    /// Levels whose lease ran out now: their documents were destroyed.
    pub shredded: Vec<u8>,
    /// The clock is behind the latest time this device has seen.
    pub clock_back: bool,
}

fn system_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Store {
    /// The time leases are judged by: the clock, or the latest time seen if the clock
    /// is behind it; and whether it was set back.
    pub fn trusted_now(&self) -> Result<(i64, bool)> {
        let now = system_now();
        let latest: i64 = self.meta("latest_seen_time")?.and_then(|v| v.parse().ok()).unwrap_or(0);
        // Written at most every half minute: the meetings list asks on every refresh.
        if now > latest + 30 {
            self.set_meta("latest_seen_time", Some(&now.to_string()))?;
        }
        Ok((now.max(latest), now + CLOCK_SLACK_SECS < latest))
    }

    /// Stores the leases the server just gave.
    pub fn save_leases(&self, leases: &[Lease]) -> Result<()> {
        let (now, _) = self.trusted_now()?;
        for l in leases {
            let secret = hex::decode(&l.secret)
                .ok()
                .filter(|s| s.len() == 32)
                .ok_or_else(|| ClientError::Protocol(format!("lease of level {}: bad secret", l.level)))?;
            let until = now.saturating_add(i64::try_from(l.valid_for_secs).unwrap_or(i64::MAX));
            self.conn().execute(
                "INSERT INTO leases (level, secret, expires_at, renewed_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (level) DO UPDATE SET secret = excluded.secret, expires_at = excluded.expires_at,
                   renewed_at = excluded.renewed_at",
                params![l.level, secret, until, now],
            )?;
            self.set_meta(&format!("lease_shredded_{}", l.level), None)?;
        }
        Ok(())
    }

    /// A level's secret while its lease holds.
    fn lease_secret(&self, level: u8, now: i64) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>> {
        let row: Option<(Vec<u8>, i64)> = self
            .conn()
            .query_row("SELECT secret, expires_at FROM leases WHERE level = ?1", [level], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        Ok(row.filter(|(_, until)| *until > now).map(|(s, _)| zeroize::Zeroizing::new(s)))
    }

    /// Levels whose lease has run out.
    fn expired_levels(&self, now: i64) -> Result<Vec<u8>> {
        let mut stmt = self.conn().prepare("SELECT level FROM leases WHERE expires_at <= ?1 ORDER BY level")?;
        let rows = stmt.query_map([now], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The confidentiality level a blob is sealed at: confidential if any document
    /// with this content is.
    pub fn blob_level(&self, sha256: &str) -> Result<u8> {
        let confidential: bool = self.conn().query_row(
            "SELECT COALESCE(MAX(json_extract(data, '$.confidential')), 0) FROM documents WHERE sha256 = ?1",
            [sha256],
            |r| r.get(0),
        )?;
        Ok(if confidential { meeting_protocol::LEVEL_CONFIDENTIAL } else { meeting_protocol::LEVEL_NORMAL })
    }
}

impl Profile {
    /// The key of a level's cached documents while its lease holds; a lease found run
    /// out shreds the level first and answers [`ClientError::LeaseExpired`].
    pub fn document_key(&self, level: u8) -> Result<Key32> {
        let keys = self.keys()?;
        let store = self.store()?;
        let (now, _) = store.trusted_now()?;
        if let Some(secret) = store.lease_secret(level, now)? {
            return Ok(keys.documents(level, &secret));
        }
        drop(store);
        self.enforce_leases()?;
        Err(ClientError::LeaseExpired)
    }

    /// Shreds every level whose lease has run out (see the module's doc).
    pub fn enforce_leases(&self) -> Result<LeaseCheck> {
        let store = self.store()?;
        let (now, clock_back) = store.trusted_now()?;
        let shredded = store.expired_levels(now)?;
        for &level in &shredded {
            // The secret first: from here on the level's files are noise.
            store.conn().execute("DELETE FROM leases WHERE level = ?1", [level])?;
            store.set_meta(&format!("lease_shredded_{level}"), Some(&now.to_string()))?;
            let gone = self.blobs()?.remove_level(level)?;
            for sha in &gone {
                store.forget_blob(sha)?;
            }
            tracing::warn!(level, documents = gone.len(), "offline lease ran out: documents destroyed");
        }
        if clock_back {
            tracing::warn!("the clock is behind the latest time seen: leases run by the latest time");
        }
        Ok(LeaseCheck { shredded, clock_back })
    }
}

#[cfg(test)]
mod tests {
    use meeting_protocol::{LEVEL_CONFIDENTIAL, LEVEL_NORMAL, Lease};

    use crate::store::Store;

    fn lease(level: u8, secs: u64) -> Lease {
        Lease { level, secret: "ab".repeat(32), valid_for_secs: secs }
    }

    #[test]
    fn a_clock_set_back_does_not_stretch_a_lease() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("c.db"), &meeting_seal::Key32::from_bytes([5; 32])).expect("store");
        store.save_leases(&[lease(LEVEL_NORMAL, 30 * 86_400), lease(LEVEL_CONFIDENTIAL, 3600)]).expect("save");
        let (now, back) = store.trusted_now().expect("now");
        assert!(!back);
        assert!(store.lease_secret(LEVEL_CONFIDENTIAL, now).expect("read").is_some());
        // The device once saw a time two hours ahead of its clock now: the clock was
        // set back. Leases run by the latest time seen, so the one-hour lease is over.
        store.set_meta("latest_seen_time", Some(&(now + 7200).to_string())).expect("meta");
        let (judged, back) = store.trusted_now().expect("now");
        assert!(back, "the clock set back is noticed");
        assert_eq!(judged, now + 7200);
        assert_eq!(store.expired_levels(judged).expect("expired"), vec![LEVEL_CONFIDENTIAL]);
        assert!(store.lease_secret(LEVEL_NORMAL, judged).expect("read").is_some(), "the 30-day one holds");
    }

    #[test]
    fn a_malformed_secret_from_the_server_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("c.db"), &meeting_seal::Key32::from_bytes([5; 32])).expect("store");
        let bad = Lease { level: 1, secret: "zz".into(), valid_for_secs: 5 };
        assert!(matches!(store.save_leases(&[bad]), Err(crate::ClientError::Protocol(_))));
    }
}

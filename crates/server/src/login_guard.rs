//! The failed-login guard: keeps password guessing expensive without letting one
//! misbehaving device lock a whole meeting room out.
//!
//! All laptops of an office reach the server from one address behind the office's NAT,
//! so the address alone must never be a reason to refuse a correct password (the old
//! limiter did: a fuzzer's bad logins from one address kept leader2 out for 750 s).
//! Failures are counted, in a sliding window, per **user and address** and per **user**:
//!
//! - the pair (this user from this address) is locked after `pair_max` failures: the
//!   device that guesses stops, the others behind the same address log in as before;
//! - the user is locked everywhere after `user_max` failures from all addresses (a
//!   guesser spread over many addresses), which is what protects the password itself;
//! - every failure beyond the first two of a pair is answered more slowly (doubling up
//!   to `max_delay`), and an address that has failed `addr_slow_after` times in the
//!   window gets its *failed* answers slowed too, whatever the usernames it tries;
//! - at most [`CONCURRENT_PER_ADDRESS`] password checks run at once for an address, and
//!   a slowed answer holds its slot while it waits: a guesser cannot buy speed with
//!   parallel requests, and Argon2's CPU cost is bounded per address. A correct password
//!   waits at most for one slowed answer ahead of it — slowed, never refused.
//!
//! A refusal is answered before the password is checked (no Argon2 work for a locked
//! pair) with 429 and `Retry-After`. The failures are kept in the database
//! ([`crate::store::logins`]): every instance of the office counts the same ones, and a
//! restart forgets nothing. The check slots are per instance: they bound this process's
//! CPU, which is what they are for.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AppError, AppResult};
use crate::store::{Db, logins};

/// Password checks that may run at once for one client address.
pub const CONCURRENT_PER_ADDRESS: usize = 4;

/// Addresses whose check slots are kept before idle ones are dropped.
const SWEEP_AT: usize = 10_000;

/// The guard's thresholds.
#[derive(Debug, Clone)]
pub struct LoginPolicy {
    /// Failures of one user from one address before that pair is locked.
    pub pair_max: usize,
    /// Failures of one user from all addresses before the user is locked everywhere.
    pub user_max: usize,
    /// Failures from one address, any users, after which its failed answers are slowed.
    pub addr_slow_after: usize,
    /// Window of every count, and length of a lock.
    pub window: Duration,
    /// Longest delay added to a failed answer.
    pub max_delay: Duration,
}

impl LoginPolicy {
    /// `pair_max` failures per user and address, four times as many per user.
    pub fn new(pair_max: usize, window: Duration) -> Self {
        Self {
            pair_max,
            user_max: pair_max * 4,
            addr_slow_after: pair_max * 4,
            window,
            max_delay: Duration::from_secs(4),
        }
    }
}

/// The failed-login guard of one server instance.
pub struct LoginGuard {
    policy: LoginPolicy,
    db: Db,
    /// Check slots per address.
    slots: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
}

impl std::fmt::Debug for LoginGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginGuard").field("policy", &self.policy).finish_non_exhaustive()
    }
}

/// A login attempt admitted by [`LoginGuard::admit`]: holds the address's check slot
/// until the answer is sent.
#[derive(Debug)]
pub struct Attempt {
    /// `u:USER`, `p:USER@ADDR`, `a:ADDR`.
    keys: [String; 3],
    /// Whether the pair had failures when admitted (a success then clears them).
    pair_failed: bool,
    _slot: OwnedSemaphorePermit,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl LoginGuard {
    /// A guard with these thresholds, counting in `db`.
    pub fn new(policy: LoginPolicy, db: Db) -> Self {
        Self { policy, db, slots: Mutex::new(HashMap::new()) }
    }

    fn keys(username: &str, addr: IpAddr) -> [String; 3] {
        let user = username.to_lowercase();
        [format!("u:{user}"), format!("p:{user}@{addr}"), format!("a:{addr}")]
    }

    /// Admits an attempt, or refuses it with 429 when the pair or the user is locked;
    /// waits for a free check slot of the address first.
    pub async fn admit(&self, username: &str, addr: IpAddr) -> AppResult<Attempt> {
        let keys = Self::keys(username, addr);
        self.refusal(&keys).await?;
        let slots = {
            let mut slots = self.slots.lock().map_err(|_| AppError::Stored("login guard poisoned".into()))?;
            if slots.len() >= SWEEP_AT {
                slots.retain(|_, s| s.available_permits() < CONCURRENT_PER_ADDRESS);
            }
            slots.entry(addr).or_insert_with(|| Arc::new(Semaphore::new(CONCURRENT_PER_ADDRESS))).clone()
        };
        let slot = slots.acquire_owned().await.map_err(|_| AppError::Stored("login slots closed".into()))?;
        // Locked while waiting for the slot (the slowed failures ahead of it counted).
        let pair_failed = self.refusal(&keys).await?;
        Ok(Attempt { keys, pair_failed, _slot: slot })
    }

    /// A 429 when the user or the pair is locked; else whether the pair has failures.
    async fn refusal(&self, keys: &[String; 3]) -> AppResult<bool> {
        let (window, now) = (millis(self.policy.window), now_ms());
        let checks = [(keys[0].clone(), self.policy.user_max), (keys[1].clone(), self.policy.pair_max)];
        let recent = self
            .db
            .read(move |tx| {
                checks
                    .iter()
                    .map(|(key, max)| Ok((logins::recent(tx, key, now - window, *max)?, *max)))
                    .collect::<AppResult<Vec<_>>>()
            })
            .await?;
        for (times, max) in &recent {
            // Unlocked when the oldest of the last `max` failures leaves the window.
            if times.len() >= *max
                && let Some(release) = times.get(max.saturating_sub(1))
            {
                let wait = u64::try_from(release + window - now).unwrap_or(0) / 1000;
                return Err(AppError::too_many(wait.max(1)));
            }
        }
        Ok(recent.get(1).is_some_and(|(times, _)| !times.is_empty()))
    }

    /// Records a failed attempt; the caller answers after the returned delay, still
    /// holding the attempt (and so the address's slot).
    pub async fn fail(&self, attempt: &Attempt) -> Duration {
        let (window, now) = (millis(self.policy.window), now_ms());
        let keys = attempt.keys.to_vec();
        let counts = self.db.write(move |tx| Ok(logins::record(tx, &keys, now, now - window)?)).await;
        let Ok(counts) = counts else {
            // Not recorded (the database is unreachable): answer as slowly as a guesser would be.
            return self.policy.max_delay;
        };
        let (pair, addr) = (counts.get(1).copied().unwrap_or(0), counts.get(2).copied().unwrap_or(0));
        let mut delay = match pair {
            0..=2 => Duration::ZERO,
            n => Duration::from_millis(250u64 << (n - 3).min(8)),
        };
        if addr > self.policy.addr_slow_after {
            delay = delay.max(Duration::from_secs(1));
        }
        delay.min(self.policy.max_delay)
    }

    /// A correct password: the pair's failures are forgotten. The user's are not — a
    /// guesser elsewhere must not be able to reset its count by waiting for the real
    /// user to log in.
    pub async fn succeed(&self, attempt: Attempt) {
        if attempt.pair_failed {
            let key = attempt.keys[1].clone();
            if let Err(e) = self.db.write(move |tx| Ok(logins::forget(tx, &key)?)).await {
                tracing::warn!(error = %e, "could not clear a login's earlier failures");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    /// A guard over a fresh database (kept alive by the returned directory).
    fn guard_with(policy: LoginPolicy) -> (LoginGuard, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(&crate::store::Location::Sqlite(dir.path().join("server.db"))).expect("db");
        (LoginGuard::new(policy, db), dir)
    }

    fn guard() -> (LoginGuard, tempfile::TempDir) {
        guard_with(LoginPolicy::new(3, Duration::from_secs(60)))
    }

    async fn fail(g: &LoginGuard, user: &str, addr: IpAddr) -> Duration {
        let a = g.admit(user, addr).await.expect("admitted");
        g.fail(&a).await
    }

    #[tokio::test]
    async fn a_pair_locks_without_locking_the_address_or_the_user_elsewhere() {
        let (g, _d) = guard();
        for _ in 0..3 {
            fail(&g, "leader2", ip(1)).await;
        }
        assert!(g.admit("leader2", ip(1)).await.is_err(), "the guessing device is locked");
        assert!(g.admit("Leader2", ip(1)).await.is_err(), "case does not escape the lock");
        g.admit("leader1", ip(1)).await.expect("another user behind the same address");
        g.admit("leader2", ip(2)).await.expect("the same user from another address");
    }

    #[tokio::test]
    async fn the_user_locks_everywhere_after_failures_from_many_addresses() {
        let (g, _d) = guard();
        for addr in 1..=4 {
            for _ in 0..3 {
                fail(&g, "leader2", ip(addr)).await;
            }
        }
        assert!(g.admit("leader2", ip(9)).await.is_err(), "12 failures lock the user");
        g.admit("leader1", ip(9)).await.expect("others unaffected");
    }

    #[tokio::test]
    async fn failures_are_slowed_more_and_more_and_success_clears_the_pair() {
        let (g, _d) = guard();
        assert_eq!(fail(&g, "a", ip(1)).await, Duration::ZERO);
        assert_eq!(fail(&g, "a", ip(1)).await, Duration::ZERO);
        assert_eq!(fail(&g, "a", ip(1)).await, Duration::from_millis(250));
        let (g, _d) = guard();
        fail(&g, "a", ip(1)).await;
        fail(&g, "a", ip(1)).await;
        let ok = g.admit("a", ip(1)).await.expect("two failures");
        g.succeed(ok).await;
        assert_eq!(fail(&g, "a", ip(1)).await, Duration::ZERO, "the pair's count starts again");
    }

    #[tokio::test]
    async fn an_address_spraying_usernames_is_slowed_not_locked() {
        let (g, _d) = guard();
        for n in 0..12 {
            fail(&g, &format!("user{n}"), ip(1)).await;
        }
        assert_eq!(fail(&g, "user99", ip(1)).await, Duration::from_secs(1));
        g.admit("leader1", ip(1)).await.expect("never locked by address alone");
    }

    #[tokio::test]
    async fn a_lock_ends_with_the_window() {
        let (g, _d) = guard_with(LoginPolicy::new(1, Duration::from_millis(200)));
        fail(&g, "a", ip(1)).await;
        assert!(g.admit("a", ip(1)).await.is_err());
        tokio::time::sleep(Duration::from_millis(250)).await;
        g.admit("a", ip(1)).await.expect("window over");
    }
}

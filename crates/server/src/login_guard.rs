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
//! pair) with 429 and `Retry-After`. The counts live in memory: a restart forgets them,
//! which costs an attacker a restart of the office server they do not control.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AppError, AppResult};

/// Password checks that may run at once for one client address.
pub const CONCURRENT_PER_ADDRESS: usize = 4;

/// Entries kept before stale ones are swept (a guesser spraying usernames must not grow
/// the table without bound).
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

#[derive(Debug, Default)]
struct Counts {
    /// Failure times per key (`u:NAME`, `p:NAME@ADDR`, `a:ADDR`), oldest first.
    failures: HashMap<String, Vec<Instant>>,
    /// Check slots per address.
    slots: HashMap<IpAddr, Arc<Semaphore>>,
}

/// The failed-login guard of one server.
#[derive(Debug)]
pub struct LoginGuard {
    policy: LoginPolicy,
    counts: Mutex<Counts>,
}

/// A login attempt admitted by [`LoginGuard::admit`]: holds the address's check slot
/// until the answer is sent.
#[derive(Debug)]
pub struct Attempt {
    keys: [String; 3],
    _slot: OwnedSemaphorePermit,
}

impl LoginGuard {
    /// A guard with these thresholds.
    pub fn new(policy: LoginPolicy) -> Self {
        Self { policy, counts: Mutex::new(Counts::default()) }
    }

    fn keys(username: &str, addr: IpAddr) -> [String; 3] {
        let user = username.to_lowercase();
        [format!("u:{user}"), format!("p:{user}@{addr}"), format!("a:{addr}")]
    }

    /// Admits an attempt, or refuses it with 429 when the pair or the user is locked;
    /// waits for a free check slot of the address first.
    pub async fn admit(&self, username: &str, addr: IpAddr) -> AppResult<Attempt> {
        let keys = Self::keys(username, addr);
        let slots = {
            let mut counts = self.counts.lock().map_err(|_| AppError::Stored("login guard poisoned".into()))?;
            self.refusal(&mut counts, &keys)?;
            counts.slots.entry(addr).or_insert_with(|| Arc::new(Semaphore::new(CONCURRENT_PER_ADDRESS))).clone()
        };
        let slot = slots.acquire_owned().await.map_err(|_| AppError::Stored("login slots closed".into()))?;
        // Locked while waiting for the slot (the slowed failures ahead of it counted).
        if let Ok(mut counts) = self.counts.lock() {
            self.refusal(&mut counts, &keys)?;
        }
        Ok(Attempt { keys, _slot: slot })
    }

    fn refusal(&self, counts: &mut Counts, keys: &[String; 3]) -> AppResult<()> {
        let now = Instant::now();
        let window = self.policy.window;
        for (key, max) in [(&keys[0], self.policy.user_max), (&keys[1], self.policy.pair_max)] {
            if let Some(times) = counts.failures.get_mut(key) {
                times.retain(|t| now.duration_since(*t) < window);
                if times.len() >= max {
                    // Unlocked when enough of the failures have left the window.
                    let release = times[times.len() - max];
                    let wait = window.saturating_sub(now.duration_since(release));
                    return Err(AppError::too_many(wait.as_secs().max(1)));
                }
            }
        }
        Ok(())
    }

    /// Records a failed attempt; the caller answers after the returned delay, still
    /// holding the attempt (and so the address's slot).
    pub fn fail(&self, attempt: &Attempt) -> Duration {
        let Ok(mut counts) = self.counts.lock() else { return self.policy.max_delay };
        let now = Instant::now();
        if counts.failures.len() >= SWEEP_AT {
            let window = self.policy.window;
            counts.failures.retain(|_, times| times.last().is_some_and(|t| now.duration_since(*t) < window));
            counts.slots.retain(|_, s| s.available_permits() < CONCURRENT_PER_ADDRESS);
        }
        let mut recorded = [0usize; 3];
        for (i, key) in attempt.keys.iter().enumerate() {
            let times = counts.failures.entry(key.clone()).or_default();
            times.retain(|t| now.duration_since(*t) < self.policy.window);
            times.push(now);
            recorded[i] = times.len();
        }
        let [_, pair, addr] = recorded;
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
    pub fn succeed(&self, attempt: Attempt) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.failures.remove(&attempt.keys[1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    fn guard() -> LoginGuard {
        LoginGuard::new(LoginPolicy::new(3, Duration::from_secs(60)))
    }

    async fn fail(g: &LoginGuard, user: &str, addr: IpAddr) -> Duration {
        let a = g.admit(user, addr).await.expect("admitted");
        g.fail(&a)
    }

    #[tokio::test]
    async fn a_pair_locks_without_locking_the_address_or_the_user_elsewhere() {
        let g = guard();
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
        let g = guard();
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
        let g = guard();
        assert_eq!(fail(&g, "a", ip(1)).await, Duration::ZERO);
        assert_eq!(fail(&g, "a", ip(1)).await, Duration::ZERO);
        assert_eq!(fail(&g, "a", ip(1)).await, Duration::from_millis(250));
        let g = guard();
        fail(&g, "a", ip(1)).await;
        fail(&g, "a", ip(1)).await;
        let ok = g.admit("a", ip(1)).await.expect("two failures");
        g.succeed(ok);
        assert_eq!(fail(&g, "a", ip(1)).await, Duration::ZERO, "the pair's count starts again");
    }

    #[tokio::test]
    async fn an_address_spraying_usernames_is_slowed_not_locked() {
        let g = guard();
        for n in 0..12 {
            fail(&g, &format!("user{n}"), ip(1)).await;
        }
        assert_eq!(fail(&g, "user99", ip(1)).await, Duration::from_secs(1));
        g.admit("leader1", ip(1)).await.expect("never locked by address alone");
    }

    #[tokio::test]
    async fn a_lock_ends_with_the_window() {
        let g = LoginGuard::new(LoginPolicy::new(1, Duration::from_millis(200)));
        fail(&g, "a", ip(1)).await;
        assert!(g.admit("a", ip(1)).await.is_err());
        tokio::time::sleep(Duration::from_millis(250)).await;
        g.admit("a", ip(1)).await.expect("window over");
    }
}

//! Failed logins ([`crate::login_guard`]), kept in the database so that every instance
//! of the office counts the same failures: a guesser spread over several instances
//! behind a load balancer gets no more tries than against one.

use super::StoreResult;
use super::sql::{Tx, params};

/// Times (ms since the epoch) of `key`'s failures after `since_ms`, newest first, at most
/// `limit` of them.
pub fn recent(tx: &Tx<'_>, key: &str, since_ms: i64, limit: usize) -> StoreResult<Vec<i64>> {
    tx.query_map(
        "SELECT at_ms FROM login_failures WHERE key = ?1 AND at_ms > ?2 ORDER BY at_ms DESC LIMIT ?3",
        params![key, since_ms, limit],
        |r| r.get(0),
    )
}

/// Records a failure under each key at `now_ms`, forgets every failure at or before
/// `since_ms` (out of the window), and returns each key's count in the window.
pub fn record(tx: &Tx<'_>, keys: &[String], now_ms: i64, since_ms: i64) -> StoreResult<Vec<usize>> {
    tx.execute("DELETE FROM login_failures WHERE at_ms <= ?1", [since_ms])?;
    let mut counts = Vec::with_capacity(keys.len());
    for key in keys {
        tx.execute("INSERT INTO login_failures (key, at_ms) VALUES (?1, ?2)", params![key, now_ms])?;
        counts.push(tx.query_row(
            "SELECT count(*) FROM login_failures WHERE key = ?1 AND at_ms > ?2",
            params![key, since_ms],
            |r| r.get(0),
        )?);
    }
    Ok(counts)
}

/// Forgets `key`'s failures.
pub fn forget(tx: &Tx<'_>, key: &str) -> StoreResult<()> {
    tx.execute("DELETE FROM login_failures WHERE key = ?1", [key])?;
    Ok(())
}

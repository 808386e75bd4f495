//! Committed feed rows, told to every server instance on one PostgreSQL database.
//!
//! On SQLite there is one process: a write publishes its [`Commit`] to that process's
//! live connections once it has committed. On PostgreSQL several instances share the
//! database, and a device connected to instance B must hear of a change made through
//! instance A. So every write that appended feed rows sends `NOTIFY` with them *inside*
//! its transaction — PostgreSQL delivers it only at commit, in commit order, never on
//! rollback — and each instance listens on a connection of its own and publishes what
//! it hears (its own commits included) to its live connections.
//!
//! `NOTIFY` has no replay: a listener that lost its connection may have missed commits.
//! It then publishes a commit with unknown rows, and every live connection asks the feed
//! (the change log stays the source of truth).

use std::sync::{Arc, Weak};

use fallible_iterator::FallibleIterator as _;
use std::time::Duration;

use super::sql::Tx;
use super::{Commit, StoreResult, pg};

/// The channel every instance listens on.
const CHANNEL: &str = "meeting_feed";

/// PostgreSQL refuses payloads of 8000 bytes or more; a commit's rows past this are
/// sent as "unknown" (its readers ask the feed).
const MAX_PAYLOAD: usize = 7000;

/// How often a listener with nothing to hear checks whether its server still runs.
const IDLE_CHECK: Duration = Duration::from_secs(2);

/// Tells every instance of `commit`, from inside the write transaction that made it.
pub(super) fn send(tx: &Tx<'_>, commit: &Commit) -> StoreResult<()> {
    let mut payload = serde_json::json!({ "head": commit.head, "rows": commit.rows }).to_string();
    if payload.len() > MAX_PAYLOAD {
        payload = serde_json::json!({ "head": commit.head, "rows": null }).to_string();
    }
    tx.query_row("SELECT pg_notify(?1, ?2)", super::sql::params![CHANNEL, payload], |_| Ok(()))
}

fn parse(payload: &str) -> Option<Commit> {
    let v: serde_json::Value = serde_json::from_str(payload).ok()?;
    let head = v.get("head")?.as_i64()?;
    let rows = serde_json::from_value(v.get("rows")?.clone()).ok()?;
    Some(Commit { head, rows })
}

/// Starts the thread that listens for this database's commits and publishes them to
/// `commits`; it ends once the last handle to `commits` is gone. Returns once it
/// listens (or after `READY_WAIT` if the database does not answer: it keeps trying),
/// so that no commit made after the server starts serving goes unheard.
pub(super) fn listen(url: String, commits: Weak<tokio::sync::broadcast::Sender<Arc<Commit>>>) {
    let (ready, listening) = std::sync::mpsc::channel::<()>();
    let spawned = std::thread::Builder::new().name("feed-listener".into()).spawn(move || {
        let mut first = true;
        while commits.strong_count() > 0 {
            let mut conn = match pg::connect(&url).and_then(|mut c| {
                c.client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
                Ok(c)
            }) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "live changes from other instances: cannot listen; retrying");
                    std::thread::sleep(Duration::from_secs(1));
                    continue;
                }
            };
            if !first {
                // Commits may have gone by while the connection was down.
                publish(&commits, Commit { head: 0, rows: None });
                tracing::info!("live changes from other instances: listening again");
            }
            first = false;
            let _ = ready.send(());
            let mut notifications = conn.client.notifications();
            loop {
                // A new iterator for every wait: one whose time ran out answers at once
                // ever after, and its spinning would starve the client's I/O (nothing
                // would be read from the socket again).
                match notifications.timeout_iter(IDLE_CHECK).next() {
                    Ok(Some(n)) => match parse(n.payload()) {
                        Some(c) => publish(&commits, c),
                        None => tracing::warn!("live changes: a notification that does not read as a commit"),
                    },
                    Ok(None) if commits.strong_count() == 0 => return,
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "live changes from other instances: connection lost");
                        break;
                    }
                }
            }
        }
    });
    match spawned {
        Ok(_) => {
            if listening.recv_timeout(READY_WAIT).is_err() {
                tracing::warn!("live changes from other instances: not listening yet; serving anyway");
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot start the live changes listener"),
    }
}

/// How long starting the listener waits for it to listen.
const READY_WAIT: Duration = Duration::from_secs(10);

fn publish(commits: &Weak<tokio::sync::broadcast::Sender<Arc<Commit>>>, commit: Commit) {
    if let Some(sender) = commits.upgrade() {
        // Nobody listening is not an error.
        let _ = sender.send(Arc::new(commit));
    }
}

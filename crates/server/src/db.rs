//! The server's SQLite database: a small connection pool and the read/write discipline.
//!
//! Every write runs in a `BEGIN IMMEDIATE` transaction: SQLite then takes the write lock
//! up front (waiting on the busy timeout), instead of failing with `SQLITE_BUSY` when a
//! deferred transaction tries to upgrade from read to write. Because writers are thus
//! serialised, the change counter taken inside a write transaction commits in order.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use meeting_sqlite::Migration;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::{AppError, AppResult};

const MIGRATIONS: &[Migration] = &[
    Migration { name: "20261123_0001_init", sql: include_str!("../migrations/20261123_0001_init.sql") },
    Migration { name: "20261123_0002_annotations", sql: include_str!("../migrations/20261123_0002_annotations.sql") },
    Migration { name: "20261202_0003_prepare", sql: include_str!("../migrations/20261202_0003_prepare.sql") },
    Migration { name: "20261202_0004_opinions", sql: include_str!("../migrations/20261202_0004_opinions.sql") },
    Migration {
        name: "20261202_0005_document_order",
        sql: include_str!("../migrations/20261202_0005_document_order.sql"),
    },
    Migration { name: "20261203_0006_device_wipe", sql: include_str!("../migrations/20261203_0006_device_wipe.sql") },
    Migration {
        name: "20261203_0007_document_opens",
        sql: include_str!("../migrations/20261203_0007_document_opens.sql"),
    },
    Migration {
        name: "20261203_0008_lease_secrets",
        sql: include_str!("../migrations/20261203_0008_lease_secrets.sql"),
    },
    Migration { name: "20261203_0009_watermark", sql: include_str!("../migrations/20261203_0009_watermark.sql") },
    Migration { name: "20261203_0010_offline_copy", sql: include_str!("../migrations/20261203_0010_offline_copy.sql") },
    Migration { name: "20261204_0011_live_room", sql: include_str!("../migrations/20261204_0011_live_room.sql") },
];

/// Shared handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Every committed write that moved the feed, with what it appended: the one place
    /// the live channel learns of changes, whatever code path made them.
    committed: tokio::sync::broadcast::Sender<Arc<Commit>>,
}

/// What one committed write appended to the feed: enough for a live connection to tell,
/// without a query, whether its reader may be concerned (see `api::live`).
#[derive(Debug)]
pub struct Commit {
    /// The feed's head after it.
    pub head: i64,
    /// Its feed rows: (meeting, kind, audience; `None` for every participant).
    pub rows: Vec<(String, String, Option<String>)>,
}

/// Commits a slow live connection may fall behind by before it is told it lagged (it
/// then asks the database, as for a commit that concerns it).
const COMMIT_BACKLOG: usize = 1024;

impl Db {
    /// Opens the database file, creating and migrating it as needed.
    pub fn open(path: &Path) -> AppResult<Self> {
        let conn = meeting_sqlite::open(path, MIGRATIONS)?;
        let (committed, _) = tokio::sync::broadcast::channel(COMMIT_BACKLOG);
        Ok(Self { inner: Arc::new(Inner { path: path.to_owned(), idle: Mutex::new(vec![conn]), committed }) })
    }

    /// Follows the writes as they commit (see [`crate::api`]'s live channel).
    pub fn committed(&self) -> tokio::sync::broadcast::Receiver<Arc<Commit>> {
        self.inner.committed.subscribe()
    }

    fn take(&self) -> AppResult<Connection> {
        let pooled = self.inner.idle.lock().map_or(None, |mut v| v.pop());
        match pooled {
            Some(c) => Ok(c),
            None => Ok(meeting_sqlite::connect(&self.inner.path)?),
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.inner.idle.lock()
            && idle.len() < 8
        {
            idle.push(conn);
        }
    }

    /// Runs `f` on a pooled connection inside a read transaction (one consistent snapshot).
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> AppResult<T> + Send + 'static,
    {
        self.run(TransactionBehavior::Deferred, f).await
    }

    /// Runs `f` inside a `BEGIN IMMEDIATE` transaction and commits if it returns `Ok`.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> AppResult<T> + Send + 'static,
    {
        self.run(TransactionBehavior::Immediate, f).await
    }

    async fn run<T, F>(&self, behavior: TransactionBehavior, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> AppResult<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.run_blocking(behavior, f)).await?
    }

    /// The blocking core of [`Db::read`]/[`Db::write`], for code already off the runtime
    /// (the CLI, the demo seeding).
    pub fn run_blocking<T, F>(&self, behavior: TransactionBehavior, f: F) -> AppResult<T>
    where
        F: FnOnce(&Transaction<'_>) -> AppResult<T>,
    {
        let mut conn = self.take()?;
        let writing = matches!(behavior, TransactionBehavior::Immediate);
        let result = (|| {
            let tx = conn.transaction_with_behavior(behavior)?;
            let before = if writing { head_seq(&tx)? } else { 0 };
            let out = f(&tx)?;
            let after = if writing { head_seq(&tx)? } else { 0 };
            let commit = if after > before { Some(appended(&tx, before, after)?) } else { None };
            tx.commit()?;
            Ok::<_, AppError>((out, commit))
        })();
        self.give_back(conn);
        let (out, commit) = result?;
        // Published only once committed: a device woken now reads what it was woken for.
        // Nobody listening is not an error.
        if let Some(c) = commit {
            let _ = self.inner.committed.send(Arc::new(c));
        }
        Ok(out)
    }
}

/// The feed rows a write appended (`before`, `head`].
fn appended(tx: &Transaction<'_>, before: i64, head: i64) -> AppResult<Commit> {
    let mut stmt =
        tx.prepare_cached("SELECT meeting_id, kind, audience FROM change_log WHERE seq > ?1 ORDER BY seq")?;
    let rows = stmt.query_map([before], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    Ok(Commit { head, rows })
}

/// Takes the next value of the server-wide change counter. Call only inside a write
/// transaction: the value is then unique and commits in counter order.
pub fn next_seq(tx: &Transaction<'_>) -> AppResult<i64> {
    Ok(tx.query_row("UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value", [], |r| {
        r.get(0)
    })?)
}

/// Current head of the change counter.
pub fn head_seq(tx: &Transaction<'_>) -> AppResult<i64> {
    Ok(tx.query_row("SELECT value FROM counters WHERE name = 'change_seq'", [], |r| r.get(0))?)
}

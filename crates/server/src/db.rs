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
    /// The feed's head after the latest committed write that moved it: the one place
    /// the live channel learns of changes, whatever code path made them.
    committed: tokio::sync::watch::Sender<i64>,
}

impl Db {
    /// Opens the database file, creating and migrating it as needed.
    pub fn open(path: &Path) -> AppResult<Self> {
        let conn = meeting_sqlite::open(path, MIGRATIONS)?;
        let head: i64 = conn.query_row("SELECT value FROM counters WHERE name = 'change_seq'", [], |r| r.get(0))?;
        let (committed, _) = tokio::sync::watch::channel(head);
        Ok(Self { inner: Arc::new(Inner { path: path.to_owned(), idle: Mutex::new(vec![conn]), committed }) })
    }

    /// Follows the feed's head as writes commit (see [`crate::api`]'s live channel).
    pub fn committed(&self) -> tokio::sync::watch::Receiver<i64> {
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
            tx.commit()?;
            Ok::<_, AppError>((out, (after > before).then_some(after)))
        })();
        self.give_back(conn);
        let (out, moved) = result?;
        // Published only once committed: a device woken now reads what it was woken for.
        if let Some(head) = moved {
            self.inner.committed.send_if_modified(|seen| {
                let newer = head > *seen;
                if newer {
                    *seen = head;
                }
                newer
            });
        }
        Ok(out)
    }
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

//! The storage layer: where the office's state is kept, on SQLite (one office, the
//! default: a file in the data directory) or PostgreSQL (many offices, several server
//! instances). Everything above it — the core's rules, the feed, the handlers — runs
//! inside a transaction it gets from [`Db::read`] or [`Db::write`] and never sees which
//! engine is below.
//!
//! Why one query layer and not a trait per aggregate with an implementation per engine
//! (as atuin has): nearly all of the server's SQL is the part both engines share
//! (`ON CONFLICT … DO UPDATE`, `RETURNING`, `EXISTS`, partial indexes), so one text per
//! statement, rewritten for PostgreSQL's placeholders ([`sql`]), keeps each statement
//! written and reviewed once; a second implementation of every query would be twice the
//! SQL to keep in step for a handful of differences, which [`Tx::backend`] covers where
//! they occur. The schemas do differ (types, triggers, collations): each engine has its
//! own migration files, under one list of names ([`migrations`]).
//!
//! The write discipline, the same on both engines: a write transaction holds the
//! change counter's row from its first statement to its commit, so writers are
//! serialised (on SQLite by `BEGIN IMMEDIATE`, on PostgreSQL by the row lock) and the
//! feed's sequence numbers commit in order; a read runs on one snapshot (SQLite's
//! deferred transaction; PostgreSQL's `REPEATABLE READ READ ONLY`), so a feed page and
//! its head always agree.

pub mod annotations;
pub mod audit;
pub mod conversions;
pub mod copy;
pub mod devices;
pub mod documents;
pub mod logins;
pub mod meetings;
mod migrations;
mod notify;
pub mod opens;
pub mod opinions;
mod pg;
mod pool;
pub mod room;
pub mod speakers;
pub mod sql;
pub mod votes;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use pool::{Db, Mode};
pub use sql::{Row, Tx, Value};

/// The database engine under the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (`server.db` in the data directory).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Where the office's database is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user@host/db`).
    Postgres(String),
}

impl Location {
    /// `--database URL`, or the SQLite file in `data_dir` without one.
    pub fn from_flag(url: Option<&str>, data_dir: &Path) -> Result<Self, Error> {
        match url {
            None => Ok(Self::Sqlite(data_dir.join("server.db"))),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Ok(Self::Postgres(u.to_owned()))
            }
            Some(u) if u.starts_with("sqlite://") => Ok(Self::Sqlite(PathBuf::from(&u["sqlite://".len()..]))),
            Some(u) => Err(Error::Url(format!(
                "không hiểu địa chỉ cơ sở dữ liệu {u:?}: hãy dùng postgres://NGƯỜI_DÙNG@MÁY/TÊN_CSDL / \
                 unknown database address {u:?}: use postgres://USER@HOST/DB"
            ))),
        }
    }

    /// The location without a password, for logs and messages.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(p) => p.display().to_string(),
            Self::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(s), Some(at)) if at > s => {
                    let user = &url[s + 3..at];
                    let user = user.split_once(':').map_or(user, |(u, _)| u);
                    format!("{}{user}@{}", &url[..s + 3], &url[at + 1..])
                }
                _ => url.clone(),
            },
        }
    }
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed (or could not be reached).
    #[error("postgres: {}{}", postgres_message(.0), .1.as_ref().map(|s| format!(" in `{s} …`")).unwrap_or_default())]
    Postgres(postgres::Error, Option<String>),
    /// Opening or migrating the SQLite file failed.
    #[error("{0}")]
    Open(#[from] meeting_sqlite::Error),
    /// A query that must return a row returned none.
    #[error("no row from {0}")]
    NoRow(String),
    /// A column does not hold what the code reads from it.
    #[error("column {column}: {message}")]
    Decode {
        /// Its position.
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// The `--database` address is not one the server understands.
    #[error("{0}")]
    Url(String),
    /// No connection to the database could be had in time.
    #[error("{0}")]
    Busy(String),
    /// The PostgreSQL database's migrations do not match this program's.
    #[error("{0}")]
    Schema(String),
}

impl Error {
    /// The database cannot be reached right now (down, restarting, every connection
    /// busy, the connection cut): worth retrying, and not a bug — the API answers 503
    /// `database_unavailable` with a `Retry-After`.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Busy(_) => true,
            Self::Postgres(e, _) => match e.as_db_error() {
                // Connection exceptions, the server shutting down or starting up, too
                // many connections.
                Some(db) => {
                    let code = db.code().code();
                    code.starts_with("08") || code.starts_with("53") || matches!(code, "57P01" | "57P02" | "57P03")
                }
                // No answer at all: the connection was closed or could not be made.
                None => e.is_closed() || has_io_source(e),
            },
            Self::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            }
            _ => false,
        }
    }
}

fn has_io_source(e: &postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    false
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        Self::Postgres(e, None)
    }
}

/// PostgreSQL's own words (with its detail and hint) rather than the client's wrapping,
/// and no `source`: the message already says it all once.
fn postgres_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut m = format!("{} ({})", db.message(), db.code().code());
            if let Some(d) = db.detail() {
                m.push_str(&format!("; {d}"));
            }
            if let Some(h) = db.hint() {
                m.push_str(&format!("; {h}"));
            }
            m
        }
        None => {
            let mut m = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                m.push_str(&format!(": {s}"));
                source = s.source();
            }
            m
        }
    }
}

/// The store's result type.
pub type StoreResult<T> = Result<T, Error>;

/// What one committed write appended to the feed: enough for a live connection to tell,
/// without a query, whether its reader may be concerned (see `api::live`).
#[derive(Debug)]
pub struct Commit {
    /// The feed's head after it.
    pub head: i64,
    /// Its feed rows: (meeting, kind, audience; `None` for every participant). `None`
    /// when they are not known (too many to tell another instance, or commits missed
    /// while its listener reconnected): every reader then asks the feed.
    pub rows: Option<Vec<(String, String, Option<String>)>>,
}

/// The commits of this process, for [`Db::committed`].
pub(crate) type Commits = Arc<tokio::sync::broadcast::Sender<Arc<Commit>>>;

/// The feed rows one write transaction appends, numbered here rather than by a statement
/// per row: the writer holds the change counter (see the module docs) from the start, so
/// it knows the head it started from, and writes the counter's new value once, before it
/// commits. A ballot appends three rows; a participant added to a meeting, hundreds.
#[derive(Debug, Default)]
pub(crate) struct Appended {
    /// The counter when the write began, raised by each row; `None` outside a write.
    head: Option<i64>,
    /// Each row's (meeting, kind, audience), for [`Commit::rows`].
    rows: Vec<(String, String, Option<String>)>,
    /// The feed was written wholesale by other means (an office moved in, see `copy`).
    rewritten: bool,
}

/// Appends one row to the change feed per audience (`None`: every participant of the
/// meeting), in one statement, and returns the last row's sequence number. Only inside a
/// write transaction: the numbers are then unique and commit in order.
pub fn append(
    tx: &Tx<'_>,
    meeting_id: &str,
    kind: &str,
    entity_id: &str,
    audiences: &[Option<&str>],
    created_at: i64,
) -> StoreResult<i64> {
    let Some(mut seq) = tx.appended().head else {
        return Err(Error::Schema("the change feed is appended to only inside a write transaction".to_owned()));
    };
    let mut values = Vec::with_capacity(audiences.len() * 6);
    let mut marks = Vec::with_capacity(audiences.len());
    for (i, audience) in audiences.iter().enumerate() {
        seq += 1;
        let n = i * 6;
        marks.push(format!("(?{}, ?{}, ?{}, ?{}, ?{}, ?{})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6));
        values.extend([
            Value::Int(seq),
            Value::Text(meeting_id.to_owned()),
            Value::Text(kind.to_owned()),
            Value::Text(entity_id.to_owned()),
            audience.map_or(Value::Null, |a| Value::Text(a.to_owned())),
            Value::Int(created_at),
        ]);
    }
    if marks.is_empty() {
        return Ok(seq);
    }
    // One statement text per number of rows (PostgreSQL prepares each once per
    // connection): callers append one to a few rows at a time.
    let sql = format!(
        "INSERT INTO change_log (seq, meeting_id, kind, entity_id, audience, created_at) VALUES {}",
        marks.join(", ")
    );
    tx.execute(&sql, values)?;
    let mut appended = tx.appended();
    appended.head = Some(seq);
    appended.rows.extend(audiences.iter().map(|a| (meeting_id.to_owned(), kind.to_owned(), a.map(str::to_owned))));
    Ok(seq)
}

/// Says that `tx` rewrote the feed and its counter by other means than [`append`] (the
/// copy of a whole office): its commit is published as "rows unknown", with the head
/// read back from the counter.
pub(crate) fn feed_rewritten(tx: &Tx<'_>) {
    tx.appended().rewritten = true;
}

/// Starts numbering the feed rows of a write transaction from `head`.
pub(in crate::store) fn begin_appending(tx: &Tx<'_>, head: i64) {
    tx.appended().head = Some(head);
}

/// Ends a write: stores the counter's new value and says what the write appended (`None`
/// when nothing).
pub(in crate::store) fn finish_appending(tx: &Tx<'_>, before: i64, bulk: usize) -> StoreResult<Option<Commit>> {
    let Appended { head, rows, rewritten } = std::mem::take(&mut *tx.appended());
    if rewritten {
        return Ok(Some(Commit { head: head_seq(tx)?, rows: None }));
    }
    let head = head.unwrap_or(before);
    if rows.is_empty() {
        return Ok(None);
    }
    tx.execute("UPDATE counters SET value = ?1 WHERE name = 'change_seq'", [head])?;
    // A bulk write: listeners are told to ask the feed rather than handed every row.
    let rows = (rows.len() <= bulk).then_some(rows);
    Ok(Some(Commit { head, rows }))
}

/// The latest change of a meeting in the feed (0 before any).
pub fn meeting_head(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<i64> {
    tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log WHERE meeting_id = ?1", [meeting_id], |r| r.get(0))
}

/// Current head of the change counter.
pub fn head_seq(tx: &Tx<'_>) -> StoreResult<i64> {
    tx.query_row("SELECT value FROM counters WHERE name = 'change_seq'", (), |r| r.get(0))
}

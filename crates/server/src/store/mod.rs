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
pub mod conclusions;
pub mod conversions;
pub mod copy;
pub mod devices;
pub mod documents;
pub mod feed;
pub mod logins;
pub mod meetings;
pub mod meta;
mod migrations;
pub mod minutes;
mod notify;
pub mod opens;
pub mod opinions;
mod pg;
mod pool;
pub mod room;
pub mod sessions;
pub mod speakers;
pub mod sql;
pub mod tasks;
pub mod units;
pub mod users;
mod value;
pub mod votes;

use std::path::{Path, PathBuf};

pub use feed::{Commit, append, head_seq, meeting_head};
pub(crate) use feed::{Commits, feed_rewritten};
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

//! How every SQLite database of the project is opened and migrated.
//!
//! Both the office server and the client keep their state in SQLite files. This crate
//! owns the two things they must do identically: open a connection with the pragmas we
//! rely on (WAL so readers never block the writer, a busy timeout so concurrent writers
//! wait instead of failing, foreign keys on), and apply timestamped migrations exactly
//! once, in order, each in its own transaction.
//!
//! Migrations are identified by their timestamped name (`20261123_0001_init`). A landed
//! migration is never edited: the runner stores each one's text and refuses to start when
//! an applied migration's text has changed, because that database would silently differ
//! from a fresh one. Encryption at rest will hook in here, in [`open`].

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, params};

/// One schema step, embedded in the binary with `include_str!`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Timestamped, sortable name; also the primary key in `schema_migrations`.
    pub name: &'static str,
    /// SQL to run; may hold several statements.
    pub sql: &'static str,
}

/// Why a database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite refused: the file is not a database, the disk is full, permissions, ...
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// SQLite's own error.
        #[source]
        source: rusqlite::Error,
    },
    /// A migration failed to apply; the database is left at the previous step.
    #[error("database {path}: migration {name} failed: {source}")]
    Migration {
        /// The database file.
        path: String,
        /// The migration that failed.
        name: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// An applied migration's text differs from the one in this binary.
    #[error(
        "database {path}: migration {name} was changed after it was applied; landed migrations must never be edited — add a new one instead"
    )]
    EditedMigration {
        /// The database file.
        path: String,
        /// The offending migration.
        name: String,
    },
    /// The database was written by a newer version of the program.
    #[error(
        "database {path} has migration {name}, which this version does not know: it was written by a newer version; upgrade this program"
    )]
    FromTheFuture {
        /// The database file.
        path: String,
        /// The unknown migration.
        name: String,
    },
}

/// Opens (creating if needed) the database at `path` with the project's pragmas and
/// applies any pending `migrations`. `migrations` must be sorted by name.
pub fn open(path: &Path, migrations: &[Migration]) -> Result<Connection, Error> {
    let conn = connect(path)?;
    migrate(&conn, path, migrations)?;
    Ok(conn)
}

/// Opens one more connection to an already-migrated database (for connection pools).
pub fn connect(path: &Path) -> Result<Connection, Error> {
    let p = path.display().to_string();
    let sqlite = |source| Error::Sqlite { path: p.clone(), source };
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(sqlite)?;
    // WAL: readers see a consistent snapshot while one writer commits; NORMAL sync is
    // durable across application crashes and is SQLite's recommendation for WAL.
    conn.pragma_update(None, "journal_mode", "WAL").map_err(sqlite)?;
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(sqlite)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(sqlite)?;
    Ok(conn)
}

fn migrate(conn: &Connection, path: &Path, migrations: &[Migration]) -> Result<(), Error> {
    let p = path.display().to_string();
    let sqlite = |source| Error::Sqlite { path: p.clone(), source };
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             name TEXT PRIMARY KEY,
             sql TEXT NOT NULL,
             applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
         )",
    )
    .map_err(sqlite)?;
    let applied: Vec<(String, String)> = {
        let mut stmt = conn.prepare("SELECT name, sql FROM schema_migrations ORDER BY name").map_err(sqlite)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(sqlite)?;
        rows.collect::<Result<_, _>>().map_err(sqlite)?
    };
    for (name, sql) in &applied {
        match migrations.iter().find(|m| m.name == name) {
            None => return Err(Error::FromTheFuture { path: p, name: name.clone() }),
            Some(m) if m.sql != sql => return Err(Error::EditedMigration { path: p, name: name.clone() }),
            Some(_) => {}
        }
    }
    for m in migrations {
        if applied.iter().any(|(name, _)| name == m.name) {
            continue;
        }
        let fail = |source| Error::Migration { path: p.clone(), name: m.name, source };
        let tx = conn.unchecked_transaction().map_err(fail)?;
        tx.execute_batch(m.sql).map_err(fail)?;
        tx.execute("INSERT INTO schema_migrations (name, sql) VALUES (?1, ?2)", params![m.name, m.sql])
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: Migration = Migration { name: "20260101_0001_a", sql: "CREATE TABLE a (x INTEGER);" };
    const V2: Migration = Migration { name: "20260101_0002_b", sql: "CREATE TABLE b (y INTEGER);" };

    #[test]
    fn applies_once_and_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        open(&path, &[V1]).expect("first open");
        let conn = open(&path, &[V1, V2]).expect("second open adds b");
        let n: i64 = conn.query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0)).expect("count");
        assert_eq!(n, 2);
        conn.execute("INSERT INTO b VALUES (1)", []).expect("b exists");
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("mode");
        assert_eq!(mode, "wal");
    }

    #[test]
    fn edited_or_unknown_migrations_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        open(&path, &[V1, V2]).expect("open");
        let edited = Migration { name: V1.name, sql: "CREATE TABLE a (x TEXT);" };
        assert!(matches!(open(&path, &[edited, V2]), Err(Error::EditedMigration { .. })));
        assert!(matches!(open(&path, &[V1]), Err(Error::FromTheFuture { .. })));
    }
}

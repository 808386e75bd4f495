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
//! from a fresh one.
//!
//! Encryption at rest: rusqlite is built with SQLCipher. [`open_keyed`] opens a file
//! encrypted with a raw 256-bit key (no passphrase: SQLCipher's key derivation would cost
//! ~0.6 s per open; our keys already come from Argon2id and HKDF). A file opened without
//! a key ([`open`], the office server) is plain SQLite as before.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension as _, params};

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
    /// The key does not open the file (another key, or not a database at all). SQLCipher
    /// only notices at the first read, which [`connect_keyed`] makes at once.
    #[error("database {path} cannot be opened with this device's key (another key, or not a database)")]
    WrongKey {
        /// The database file.
        path: String,
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
    pragmas(&conn).map_err(sqlite)?;
    Ok(conn)
}

fn pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    // WAL: readers see a consistent snapshot while one writer commits; NORMAL sync is
    // durable across application crashes and is SQLite's recommendation for WAL.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")
}

/// Opens (creating if needed) the database at `path` encrypted with `key`, and applies
/// pending `migrations`. A plain database left by an older version is encrypted in place
/// first (see [`encrypt_in_place`]), so nothing in it is lost.
pub fn open_keyed(path: &Path, key: &[u8; 32], migrations: &[Migration]) -> Result<Connection, Error> {
    let conn = match connect_keyed(path, key) {
        Err(Error::WrongKey { .. }) if is_plain(path) => {
            encrypt_in_place(path, key)?;
            connect_keyed(path, key)?
        }
        other => other?,
    };
    migrate(&conn, path, migrations)?;
    Ok(conn)
}

/// One more connection to an encrypted database that is already migrated.
pub fn connect_keyed(path: &Path, key: &[u8; 32]) -> Result<Connection, Error> {
    let p = path.display().to_string();
    let sqlite = |source| Error::Sqlite { path: p.clone(), source };
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
    keyed(&conn, key).map_err(sqlite)?;
    // SQLCipher reads nothing until asked: a wrong key shows at the first read.
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        return Err(match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => Error::WrongKey { path: p },
            _ => Error::Sqlite { path: p, source: e },
        });
    }
    pragmas(&conn).map_err(sqlite)?;
    Ok(conn)
}

/// Keys a fresh connection: the key before anything else, SQLCipher 4's format, and
/// temporary tables and sort spills in memory (SQLCipher does not encrypt temp files
/// unless they are in memory).
fn keyed(conn: &Connection, key: &[u8; 32]) -> rusqlite::Result<()> {
    let sql = zeroize::Zeroizing::new(format!("PRAGMA key = {};", raw_key(key).as_str()));
    conn.execute_batch(&sql)?;
    conn.execute_batch("PRAGMA cipher_compatibility = 4; PRAGMA temp_store = MEMORY;")
}

/// SQLCipher's raw-key literal, `"x'…'"`: hex digits only, so no quoting issue can arise.
fn raw_key(key: &[u8; 32]) -> zeroize::Zeroizing<String> {
    let hex: zeroize::Zeroizing<String> = zeroize::Zeroizing::new(key.iter().map(|b| format!("{b:02x}")).collect());
    zeroize::Zeroizing::new(format!("\"x'{}'\"", hex.as_str()))
}

/// The files SQLite keeps beside a database in WAL mode (`-wal`, `-shm`).
pub fn side_files(path: &Path) -> [std::path::PathBuf; 2] {
    ["-wal", "-shm"].map(|side| {
        let mut name = path.as_os_str().to_owned();
        name.push(side);
        std::path::PathBuf::from(name)
    })
}

/// Whether `path` is an unencrypted SQLite database. Asked through SQLite itself, never
/// by opening the file directly: closing any descriptor of a database file drops every
/// POSIX lock this process holds on it, and another process could then write under a
/// connection of ours that believes it holds the lock (the classic way to corrupt one).
pub fn is_plain(path: &Path) -> bool {
    if !path.exists() {
        return false;
    }
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .and_then(|c| c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)))
        .is_ok()
}

/// Rewrites a plain database as an encrypted one with the same content (SQLCipher's
/// `sqlcipher_export`), through a new file renamed over the old one: a crash in between
/// leaves the plain file as it was.
pub fn encrypt_in_place(path: &Path, key: &[u8; 32]) -> Result<(), Error> {
    let p = path.display().to_string();
    let sqlite = |source| Error::Sqlite { path: p.clone(), source };
    let tmp = path.with_extension("encrypting");
    let _ = std::fs::remove_file(&tmp);
    {
        let conn = Connection::open(path).map_err(sqlite)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(sqlite)?;
        // Everything in the WAL into the main file, so the export sees it all.
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").map_err(sqlite)?;
        let attach = zeroize::Zeroizing::new(format!("ATTACH DATABASE ?1 AS sealed KEY {};", raw_key(key).as_str()));
        conn.execute(&attach, [tmp.display().to_string()]).map_err(sqlite)?;
        conn.execute_batch("PRAGMA sealed.cipher_compatibility = 4;").map_err(sqlite)?;
        conn.query_row("SELECT sqlcipher_export('sealed')", [], |_| Ok(())).map_err(sqlite)?;
        conn.execute_batch("DETACH DATABASE sealed;").map_err(sqlite)?;
    }
    for side in side_files(path) {
        let _ = std::fs::remove_file(side);
    }
    std::fs::rename(&tmp, path)
        .map_err(|e| Error::Sqlite { path: p.clone(), source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)) })?;
    Ok(())
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
        // SQLite changes a table's constraints only by rebuilding it (create the new
        // table, copy, drop the old, rename: "Making Other Kinds Of Table Schema
        // Changes" in SQLite's ALTER TABLE page), and dropping a table other tables
        // refer to is refused while foreign keys are enforced. So a step runs with them
        // off (a pragma that only takes effect outside a transaction) and commits only
        // if every reference still holds afterwards.
        conn.pragma_update(None, "foreign_keys", "OFF").map_err(fail)?;
        let step = (|| {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(m.sql)?;
            tx.execute("INSERT INTO schema_migrations (name, sql) VALUES (?1, ?2)", params![m.name, m.sql])?;
            let broken: Option<String> = tx
                .query_row("SELECT \"table\" || ' → ' || parent FROM pragma_foreign_key_check LIMIT 1", [], |r| {
                    r.get(0)
                })
                .optional()?;
            if let Some(broken) = broken {
                let code = rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY);
                return Err(rusqlite::Error::SqliteFailure(
                    code,
                    Some(format!("a reference no longer holds: {broken}")),
                ));
            }
            tx.commit()
        })();
        conn.pragma_update(None, "foreign_keys", "ON").map_err(fail)?;
        step.map_err(fail)?;
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

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn keyed_databases_open_only_with_their_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k.db");
        let conn = open_keyed(&path, &KEY, &[V1]).expect("create");
        conn.execute("INSERT INTO a VALUES (4242)", []).expect("insert");
        drop(conn);
        let raw = std::fs::read(&path).expect("read");
        assert!(!raw.starts_with(b"SQLite format 3"), "the header is encrypted too");
        assert!(matches!(connect_keyed(&path, &[8; 32]), Err(Error::WrongKey { .. })));
        // Without any key SQLite sees no database.
        let plain = Connection::open(&path).expect("open plain");
        assert!(plain.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_err());
        let again = open_keyed(&path, &KEY, &[V1, V2]).expect("reopen and migrate");
        let x: i64 = again.query_row("SELECT x FROM a", [], |r| r.get(0)).expect("row");
        assert_eq!(x, 4242);
    }

    #[test]
    fn a_plain_database_is_encrypted_in_place_with_its_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("p.db");
        let conn = open(&path, &[V1]).expect("plain");
        conn.execute("INSERT INTO a VALUES (99)", []).expect("insert");
        drop(conn);
        assert!(is_plain(&path));
        let conn = open_keyed(&path, &KEY, &[V1]).expect("encrypt");
        assert!(!is_plain(&path));
        let x: i64 = conn.query_row("SELECT x FROM a", [], |r| r.get(0)).expect("row kept");
        assert_eq!(x, 99);
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

    const PARENT: Migration = Migration {
        name: "20260101_0001_parent",
        sql: "CREATE TABLE parent (id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('a')));
              CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id));
              INSERT INTO parent VALUES (1, 'a'); INSERT INTO child VALUES (10, 1);",
    };
    /// Widens the parent's CHECK the only way SQLite can: a rebuild under the child's reference.
    const REBUILD: Migration = Migration {
        name: "20260101_0002_rebuild",
        sql: "CREATE TABLE parent_next (id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('a', 'b')));
              INSERT INTO parent_next SELECT id, kind FROM parent;
              DROP TABLE parent;
              ALTER TABLE parent_next RENAME TO parent;",
    };

    #[test]
    fn a_table_others_refer_to_can_be_rebuilt_and_its_references_still_hold() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        open(&path, &[PARENT]).expect("first");
        let conn = open(&path, &[PARENT, REBUILD]).expect("the rebuild under a reference applies");
        conn.execute("INSERT INTO parent VALUES (2, 'b')", []).expect("the wider check holds");
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).expect("pragma");
        assert_eq!(fk, 1, "foreign keys are enforced again after the migration");
        let refused = conn.execute("INSERT INTO child VALUES (11, 99)", []);
        assert!(refused.is_err(), "the child's reference is enforced against the new table");
        conn.execute("INSERT INTO child VALUES (12, 2)", []).expect("and points at it");
    }

    #[test]
    fn a_step_that_breaks_a_reference_is_refused_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        open(&path, &[PARENT]).expect("first");
        let breaking =
            Migration { name: "20260101_0002_break", sql: "DELETE FROM parent; CREATE TABLE c (z INTEGER);" };
        let err = open(&path, &[PARENT, breaking]).expect_err("a dangling reference fails the step");
        assert!(err.to_string().contains("20260101_0002_break"), "{err}");
        let conn = open(&path, &[PARENT]).expect("the database is as before the step");
        let n: i64 = conn.query_row("SELECT count(*) FROM parent", [], |r| r.get(0)).expect("count");
        assert_eq!(n, 1);
        let c: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'c'", [], |r| r.get(0)).expect("count");
        assert_eq!(c, 0, "nothing of the refused step stays");
    }
}

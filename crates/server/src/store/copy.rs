//! Copying a whole office from SQLite to PostgreSQL (`meeting-server migrate`, see
//! [`crate::migrate`]): every row of every table, in one PostgreSQL transaction, so the
//! office on PostgreSQL is the same office — the same server id, the same feed positions
//! and change counter, the same device tokens — and devices go on syncing from where they
//! were, without downloading anything again.
//!
//! The tables and their columns are read from PostgreSQL's catalog, not from a list kept
//! here: both schemas come from the same migrations, so a table a new migration adds is
//! copied without touching this file, and a table one engine has and the other lacks is
//! an error before anything is written. Rows go in an order that satisfies the foreign
//! keys (also from the catalog); the schema's own triggers (the audit log's and the
//! ballots' guards) are off for the copy, because they guard *changes* to rows that were
//! already checked when they were first written.

use std::collections::{BTreeMap, BTreeSet};

use super::pool::{Db, Mode};
use super::sql::{Tx, Value};
use super::{Backend, Error, StoreResult};
use crate::error::AppResult;

/// Tables that belong to the migration runner of each engine, not to the office.
const BOOKKEEPING: &[&str] = &["schema_migrations"];

/// What was copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Rows per table, in the order they were copied.
    pub tables: Vec<(String, u64)>,
    /// The office's server id (devices know the server by it).
    pub server_id: Option<String>,
    /// The change counter: the feed position devices continue from.
    pub head: i64,
}

/// Refuses a target that already holds an office (a server has started on it, or a
/// migration already ran): the copy would replace it.
pub fn check_empty_target(target: &Db) -> AppResult<()> {
    target.run_blocking(Mode::Read, |tx| {
        for table in ["server_meta", "users", "change_log"] {
            let n: i64 = tx.query_row(&format!("SELECT count(*) FROM {table}"), (), |r| r.get(0))?;
            if n > 0 {
                return Err(Error::Schema(format!(
                    "cơ sở dữ liệu đích đã có dữ liệu của một văn phòng (bảng {table} có {n} dòng): \
                     hãy dùng một cơ sở dữ liệu trống / the target database already holds an office \
                     ({table} has {n} rows): use an empty database"
                ))
                .into());
            }
        }
        Ok(())
    })
}

/// Copies every table of `source` (SQLite) into `target` (PostgreSQL, migrated and
/// empty), calling `progress(table, rows)` after each table.
pub fn sqlite_to_postgres(source: &Db, target: &Db, progress: &mut dyn FnMut(&str, u64)) -> AppResult<Copied> {
    if source.backend() != Backend::Sqlite || target.backend() != Backend::Postgres {
        return Err(Error::Schema("migrate copies from SQLite to PostgreSQL only".to_owned()).into());
    }
    check_empty_target(target)?;
    let copied = source
        .run_blocking(Mode::Read, |src| target.run_blocking(Mode::Write, |dst| Ok(copy_all(src, dst, progress)?)))?;
    // Read back from a fresh snapshot: what a server starting now would see.
    target.run_blocking(Mode::Read, |dst| {
        for (table, rows) in &copied.tables {
            let n: i64 = dst.query_row(&format!("SELECT count(*) FROM \"{table}\""), (), |r| r.get(0))?;
            if u64::try_from(n).ok() != Some(*rows) {
                return Err(Error::Schema(format!("{table}: {rows} rows copied, {n} found after the commit")).into());
            }
        }
        Ok(())
    })?;
    Ok(copied)
}

fn copy_all(src: &Tx<'_>, dst: &Tx<'_>, progress: &mut dyn FnMut(&str, u64)) -> StoreResult<Copied> {
    let order = table_order(src, dst)?;
    super::feed_rewritten(dst);
    for table in &order {
        dst.execute(&format!("ALTER TABLE \"{table}\" DISABLE TRIGGER USER"), ())?;
    }
    // What the target's migrations put there (the change counter at 0) gives way to the
    // source's rows; children first, for the foreign keys.
    for table in order.iter().rev() {
        dst.execute(&format!("DELETE FROM \"{table}\""), ())?;
    }
    let mut tables = Vec::with_capacity(order.len());
    for table in &order {
        let columns = dst.query_map(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
            [table.as_str()],
            |r| r.get::<_, String>(0),
        )?;
        let names = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
        let marks = (1..=columns.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        let insert = format!("INSERT INTO \"{table}\" ({names}) VALUES ({marks})");
        let rows = src
            .for_each(&format!("SELECT {names} FROM \"{table}\""), (), |row| {
                let values = (0..columns.len()).map(|i| row.get::<_, Value>(i)).collect::<StoreResult<Vec<_>>>()?;
                dst.execute(&insert, values).map(|_| ())
            })
            .map_err(|e| Error::Schema(format!("{table}: {e}")))?;
        progress(table, rows);
        tables.push((table.clone(), rows));
    }
    // Identity columns (the audit log's numbers) continue after the copied rows.
    let identities = dst.query_map(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND is_identity = 'YES'",
        (),
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?;
    for (table, column) in identities {
        dst.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), \
                 (SELECT COALESCE(max(\"{column}\"), 0) + 1 FROM \"{table}\"), false)"
            ),
            (),
        )?;
    }
    for table in &order {
        dst.execute(&format!("ALTER TABLE \"{table}\" ENABLE TRIGGER USER"), ())?;
    }
    let server_id = dst.query_opt("SELECT value FROM server_meta WHERE key = 'server_id'", (), |r| r.get(0))?;
    let head = super::head_seq(dst)?;
    Ok(Copied { tables, server_id, head })
}

/// The office's tables, parents before children; an error when the two schemas do not
/// have the same tables (one side is missing a migration).
fn table_order(src: &Tx<'_>, dst: &Tx<'_>) -> StoreResult<Vec<String>> {
    let ours = |t: &String| !BOOKKEEPING.contains(&t.as_str());
    let on_sqlite: BTreeSet<String> = src
        .query_map("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", (), |r| {
            r.get(0)
        })?
        .into_iter()
        .filter(ours)
        .collect();
    let on_postgres: BTreeSet<String> = dst
        .query_map(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            (),
            |r| r.get(0),
        )?
        .into_iter()
        .filter(ours)
        .collect();
    if on_sqlite != on_postgres {
        let only = |a: &BTreeSet<String>, b: &BTreeSet<String>| a.difference(b).cloned().collect::<Vec<_>>().join(", ");
        return Err(Error::Schema(format!(
            "the two schemas differ: only on SQLite [{}], only on PostgreSQL [{}]",
            only(&on_sqlite, &on_postgres),
            only(&on_postgres, &on_sqlite)
        )));
    }
    let mut parents: BTreeMap<String, BTreeSet<String>> =
        on_postgres.iter().map(|t| (t.clone(), BTreeSet::new())).collect();
    for (child, parent) in dst.query_map(
        "SELECT c.relname::text, p.relname::text FROM pg_constraint k \
         JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid \
         WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace",
        (),
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )? {
        if child != parent
            && let Some(p) = parents.get_mut(&child)
        {
            p.insert(parent);
        }
    }
    // Kahn's order, alphabetical among equals so every run copies alike.
    let mut order = Vec::with_capacity(parents.len());
    while !parents.is_empty() {
        let ready: Vec<String> =
            parents.iter().filter(|(_, ps)| ps.iter().all(|p| order.contains(p))).map(|(t, _)| t.clone()).collect();
        if ready.is_empty() {
            return Err(Error::Schema(format!("foreign keys form a cycle among {:?}", parents.keys())));
        }
        for t in ready {
            parents.remove(&t);
            order.push(t);
        }
    }
    Ok(order)
}

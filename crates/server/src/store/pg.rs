//! PostgreSQL: connecting, and applying the schema's migrations.

use meeting_sqlite::Migration;
use postgres::{Client, NoTls};

use super::sql::Statements;
use super::{Error, StoreResult};

/// One pooled connection and the statements prepared on it.
pub(crate) struct PgConn {
    pub(crate) client: Client,
    pub(crate) stmts: Statements,
}

/// Connects to `url` (no TLS on the wire yet: the database is expected on the office's
/// own network or the same machine; see the install guide).
pub(crate) fn connect(url: &str) -> StoreResult<PgConn> {
    let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| Error::Url(format!("{url:?}: {e}")))?;
    // As libpq does: a password not in the address comes from the environment, so it
    // stays out of process lists and shell history.
    if config.get_password().is_none()
        && let Ok(p) = std::env::var("PGPASSWORD")
    {
        config.password(p);
    }
    if config.get_application_name().is_none() {
        config.application_name("meeting-server");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    let client = config.connect(NoTls)?;
    Ok(PgConn { client, stmts: Statements::new() })
}

/// A fixed key for the advisory lock migrations hold, so that several instances
/// starting together migrate one at a time ("mtg" + "migr" in ASCII).
const MIGRATION_LOCK: i64 = 0x6d74_675f_6d69_6772;

/// Applies pending migrations under an advisory lock, all in one transaction (PostgreSQL's
/// schema changes are transactional): one that fails leaves the database as it was.
pub(crate) fn migrate(conn: &mut PgConn, migrations: &[Migration]) -> StoreResult<()> {
    let c = &mut conn.client;
    c.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             name       TEXT COLLATE \"C\" PRIMARY KEY,
             sql        TEXT NOT NULL,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .or_else(|e| {
        // Two instances creating it at once: one wins, the other sees it exists.
        if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) { Ok(()) } else { Err(e) }
    })?;
    let mut tx = c.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    let applied: Vec<(String, String)> = tx
        .query("SELECT name, sql FROM schema_migrations ORDER BY name", &[])?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (name, sql) in &applied {
        match migrations.iter().find(|m| m.name == name) {
            None => {
                return Err(Error::Schema(format!(
                    "cơ sở dữ liệu có bước {name}, phiên bản này không biết: nó do một phiên bản mới hơn ghi; \
                     hãy nâng cấp chương trình / the database has migration {name}, which this version does \
                     not know: it was written by a newer version; upgrade this program"
                )));
            }
            Some(m) if m.sql != sql => {
                return Err(Error::Schema(format!(
                    "bước {name} đã bị sửa sau khi áp dụng / migration {name} was changed after it was \
                     applied; landed migrations must never be edited — add a new one instead"
                )));
            }
            Some(_) => {}
        }
    }
    for m in migrations.iter().filter(|m| !applied.iter().any(|(n, _)| n == m.name)) {
        tx.batch_execute(m.sql)
            .map_err(|e| Error::Schema(format!("migration {} failed on PostgreSQL: {e}", m.name)))?;
        tx.execute("INSERT INTO schema_migrations (name, sql) VALUES ($1, $2)", &[&m.name, &m.sql])?;
    }
    tx.commit()?;
    Ok(())
}

//! [`Db`]: a small pool of connections to either engine, and the read/write discipline.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use postgres::IsolationLevel;
use rusqlite::TransactionBehavior;

use super::feed::{begin_appending, finish_appending};
use super::pg::{self, PgConn};
use super::sql::Tx;
use super::{Backend, Commit, Commits, Location, head_seq, migrations};
use crate::error::{AppError, AppResult};

/// Commits a slow live connection may fall behind by before it is told it lagged (it
/// then asks the database, as for a commit that concerns it).
const COMMIT_BACKLOG: usize = 1024;

/// Connections one instance opens to PostgreSQL at most (each costs the database a
/// process); requests beyond wait for one to come back.
const PG_CONNECTIONS: usize = 16;

/// Connections to the SQLite file at most. Each opened one parses the schema before its
/// first statement and keeps its own statement cache: under 500 requests at once an
/// unbounded pool opened (and dropped) a connection per request, and parsing took more
/// CPU than the queries.
const SQLITE_CONNECTIONS: usize = 16;

/// Prepared statements kept per SQLite connection (rusqlite keeps 16 by default, fewer
/// than one request's distinct statements, so every request parsed them again).
const SQLITE_STATEMENTS: usize = 256;

/// Feed rows past which a commit is published without its rows.
const BULK_COMMIT: usize = 10_000;

/// How long a request waits for a connection before it fails.
const CONNECTION_WAIT: Duration = Duration::from_secs(30);

/// Shared handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    /// Where the database is, without a password (for logs).
    described: String,
    /// Whether the PostgreSQL listener was started.
    listening: std::sync::Once,
    /// Every committed write that moved the feed, with what it appended: the one place
    /// the live channel learns of changes, whatever code path made them.
    committed: Commits,
}

enum Engine {
    Sqlite {
        path: PathBuf,
        idle: Mutex<Idle<rusqlite::Connection>>,
        returned: Condvar,
        /// This process's writers take turns here before `BEGIN IMMEDIATE`: SQLite's own
        /// busy handler makes a waiting writer sleep and retry with growing pauses (up to
        /// 100 ms), which under 500 ballots at once turned 1-ms writes into seconds.
        writer: Mutex<()>,
    },
    Postgres {
        url: String,
        idle: Mutex<Idle<PgConn>>,
        returned: Condvar,
        /// This instance's writers take turns here before they take a connection: they
        /// would queue on the change counter's row anyway, and 16 of them waiting there
        /// held every connection while reads (every request's session check) starved.
        writer: Mutex<()>,
    },
}

/// A pool's connections.
struct Idle<C> {
    conns: Vec<C>,
    /// Connections open, idle or lent.
    open: usize,
}

/// Whether a transaction may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One consistent snapshot, no writes.
    Read,
    /// Serialised with every other writer (see the module docs of [`crate::store`]).
    Write,
}

impl Db {
    /// Opens the database, creating and migrating it as needed.
    pub fn open(location: &Location) -> AppResult<Self> {
        let engine = match location {
            Location::Sqlite(path) => {
                let conn = meeting_sqlite::open(path, migrations::SQLITE).map_err(super::Error::from)?;
                conn.set_prepared_statement_cache_capacity(SQLITE_STATEMENTS);
                Engine::Sqlite {
                    path: path.clone(),
                    idle: Mutex::new(Idle { conns: vec![conn], open: 1 }),
                    returned: Condvar::new(),
                    writer: Mutex::new(()),
                }
            }
            Location::Postgres(url) => {
                let mut conn = pg::connect(url)?;
                pg::migrate(&mut conn, migrations::POSTGRES)?;
                Engine::Postgres {
                    url: url.clone(),
                    idle: Mutex::new(Idle { conns: vec![conn], open: 1 }),
                    returned: Condvar::new(),
                    writer: Mutex::new(()),
                }
            }
        };
        let (committed, _) = tokio::sync::broadcast::channel(COMMIT_BACKLOG);
        let described = location.redacted();
        Ok(Self {
            inner: Arc::new(Inner {
                engine,
                described,
                listening: std::sync::Once::new(),
                committed: Arc::new(committed),
            }),
        })
    }

    /// Where the database is, without a password (for logs).
    pub fn describe(&self) -> &str {
        &self.inner.described
    }

    /// The engine below.
    pub fn backend(&self) -> Backend {
        match self.inner.engine {
            Engine::Sqlite { .. } => Backend::Sqlite,
            Engine::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Follows the writes as they commit (see [`crate::api`]'s live channel): this
    /// process's on SQLite, every instance's on PostgreSQL.
    pub fn committed(&self) -> tokio::sync::broadcast::Receiver<Arc<Commit>> {
        self.listen_for_commits();
        self.inner.committed.subscribe()
    }

    /// On PostgreSQL, starts listening for every instance's commits (once; blocks until
    /// it listens). The server calls it before it serves: a commit made after that is
    /// heard. On SQLite, nothing to do.
    pub fn listen_for_commits(&self) {
        if let Engine::Postgres { url, .. } = &self.inner.engine {
            let commits = Arc::downgrade(&self.inner.committed);
            self.inner.listening.call_once(|| super::notify::listen(url.clone(), commits));
        }
    }

    /// Runs `f` on a pooled connection inside a read transaction (one consistent snapshot).
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> AppResult<T> + Send + 'static,
    {
        self.run(Mode::Read, f).await
    }

    /// Runs `f` inside a write transaction and commits if it returns `Ok`.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> AppResult<T> + Send + 'static,
    {
        self.run(Mode::Write, f).await
    }

    async fn run<T, F>(&self, mode: Mode, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> AppResult<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.run_blocking(mode, f)).await?
    }

    /// The blocking core of [`Db::read`]/[`Db::write`], for code already off the runtime
    /// (the command line, the demo seeding).
    pub fn run_blocking<T, F>(&self, mode: Mode, f: F) -> AppResult<T>
    where
        F: FnOnce(&Tx<'_>) -> AppResult<T>,
    {
        let (out, commit) = match &self.inner.engine {
            Engine::Sqlite { path, idle, returned, writer } => {
                let _turn = match mode {
                    Mode::Write => Some(writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner)),
                    Mode::Read => None,
                };
                let mut conn = take(idle, returned, SQLITE_CONNECTIONS, || {
                    let conn = meeting_sqlite::connect(path).map_err(super::Error::from)?;
                    conn.set_prepared_statement_cache_capacity(SQLITE_STATEMENTS);
                    Ok(conn)
                })?;
                let behavior = match mode {
                    Mode::Read => TransactionBehavior::Deferred,
                    Mode::Write => TransactionBehavior::Immediate,
                };
                let result = conn
                    .transaction_with_behavior(behavior)
                    .map_err(|e| AppError::from(super::Error::from(e)))
                    .and_then(|tx| in_transaction(Tx::sqlite(tx), mode, None, f));
                give_back(idle, returned, conn, false);
                result?
            }
            Engine::Postgres { url, idle, returned, writer } => {
                let _turn = match mode {
                    Mode::Write => Some(writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner)),
                    Mode::Read => None,
                };
                let mut conn = take(idle, returned, PG_CONNECTIONS, || Ok(pg::connect(url)?))?;
                let result = (|| {
                    let PgConn { client, stmts } = &mut conn;
                    let tx = match mode {
                        Mode::Read => client
                            .build_transaction()
                            .isolation_level(IsolationLevel::RepeatableRead)
                            .read_only(true)
                            .start(),
                        Mode::Write => {
                            client.build_transaction().isolation_level(IsolationLevel::ReadCommitted).start()
                        }
                    }
                    .map_err(super::Error::from)?;
                    let tx = Tx::postgres(tx, stmts);
                    let head = if mode == Mode::Write {
                        // The writers' turn: held until commit (see the module docs).
                        Some(tx.query_row(
                            "SELECT value FROM counters WHERE name = 'change_seq' FOR UPDATE",
                            (),
                            |r| r.get(0),
                        )?)
                    } else {
                        None
                    };
                    in_transaction(tx, mode, head, f)
                })();
                let closed = conn.client.is_closed();
                give_back(idle, returned, conn, closed);
                result?
            }
        };
        // Published only once committed: a device woken now reads what it was woken for.
        // Nobody listening is not an error. On PostgreSQL the listener publishes it, as
        // it does every other instance's commits (see `notify`).
        if let Some(c) = commit
            && matches!(self.inner.engine, Engine::Sqlite { .. })
        {
            let _ = self.inner.committed.send(Arc::new(c));
        }
        Ok(out)
    }
}

/// A connection from the pool: an idle one, a new one while fewer than `max` are open,
/// or the next one given back (failing after [`CONNECTION_WAIT`]).
fn take<C>(
    idle: &Mutex<Idle<C>>,
    returned: &Condvar,
    max: usize,
    connect: impl FnOnce() -> AppResult<C>,
) -> AppResult<C> {
    let deadline = std::time::Instant::now() + CONNECTION_WAIT;
    let mut pool = idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    loop {
        if let Some(c) = pool.conns.pop() {
            return Ok(c);
        }
        if pool.open < max {
            pool.open += 1;
            drop(pool);
            return connect().inspect_err(|_| {
                idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).open -= 1;
            });
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(AppError::from(super::Error::Busy(format!(
                "every connection to the database stayed busy for {} s",
                CONNECTION_WAIT.as_secs()
            ))));
        }
        pool = returned.wait_timeout(pool, left).unwrap_or_else(std::sync::PoisonError::into_inner).0;
    }
}

/// Returns a connection to the pool (`broken`: closes it instead) and wakes a waiter.
fn give_back<C>(idle: &Mutex<Idle<C>>, returned: &Condvar, conn: C, broken: bool) {
    let mut pool = idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if broken {
        pool.open -= 1;
        drop(pool);
        drop(conn);
    } else {
        pool.conns.push(conn);
        drop(pool);
    }
    returned.notify_one();
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Each PostgreSQL client drives a small runtime of its own, which may not be
        // dropped on a thread that runs async tasks (the last handle often goes there,
        // when the server stops): close them on a thread of their own.
        if let Engine::Postgres { idle, .. } = &mut self.engine {
            let conns = std::mem::take(&mut idle.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner).conns);
            if !conns.is_empty() {
                let _ = std::thread::spawn(move || drop(conns)).join();
            }
        }
    }
}

/// Runs `f` in `tx`, commits, and says what a write appended to the feed (`head`: the
/// change counter, when the caller read it already).
fn in_transaction<T, F>(tx: Tx<'_>, mode: Mode, head: Option<i64>, f: F) -> AppResult<(T, Option<Commit>)>
where
    F: FnOnce(&Tx<'_>) -> AppResult<T>,
{
    let writing = mode == Mode::Write;
    let before = match head {
        Some(h) => h,
        None if writing => head_seq(&tx)?,
        None => 0,
    };
    if writing {
        begin_appending(&tx, before);
    }
    let out = f(&tx)?;
    let commit = if writing { finish_appending(&tx, before, BULK_COMMIT)? } else { None };
    if let Some(c) = &commit
        && tx.backend() == Backend::Postgres
    {
        super::notify::send(&tx, c)?;
    }
    tx.commit()?;
    Ok((out, commit))
}

//! Which database a test server runs on, and reading it directly for checks no endpoint
//! exposes.
//!
//! The suite runs twice in the test command: on SQLite (each server's own file, the
//! default) and on PostgreSQL, when `MEETING_E2E_POSTGRES` names a cluster
//! (`postgres://USER@HOST:PORT`, started by `scripts/test`): each server then gets a
//! database of its own, created for it and dropped after it.

use std::path::Path;
use std::process::Command;

/// The PostgreSQL cluster of this run, if the suite runs on PostgreSQL.
pub fn postgres_cluster() -> Option<String> {
    std::env::var("MEETING_E2E_POSTGRES").ok().filter(|s| !s.is_empty())
}

/// A database made for one test server.
pub struct Database {
    /// `--database` for the server, `None` for SQLite in its data directory.
    pub url: Option<String>,
    cluster: Option<(String, String)>,
}

impl Database {
    /// The same database for another server instance (which does not drop it).
    pub fn shared(&self) -> Self {
        Self { url: self.url.clone(), cluster: None }
    }

    /// A database the test made itself (not dropped after).
    pub fn at(url: &str) -> Self {
        Self { url: Some(url.to_owned()), cluster: None }
    }

    /// SQLite in the server's data directory, whatever the run.
    pub fn sqlite() -> Self {
        Self { url: None, cluster: None }
    }

    /// SQLite, or a fresh PostgreSQL database when the run says so.
    pub fn create() -> Self {
        let Some(cluster) = postgres_cluster() else { return Self::sqlite() };
        let name = format!("e2e_{}", uuid_like());
        // From template0: never a copy of whatever another test left in template1.
        let create = format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'");
        off_runtime(&format!("{cluster}/postgres"), move |admin| admin.batch_execute(&create))
            .unwrap_or_else(|e| panic!("cannot create database {name} on {cluster}: {e}"));
        Self { url: Some(format!("{cluster}/{name}")), cluster: Some((cluster, name)) }
    }

    /// A connection to read or change what the server stored.
    pub fn sql(&self, data_dir: &Path) -> Sql {
        match &self.url {
            Some(url) => Sql::Postgres(url.clone()),
            None => {
                let c = rusqlite::Connection::open(data_dir.join("server.db")).unwrap();
                c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
                Sql::Sqlite(c)
            }
        }
    }

    /// Everything in the database as SQL text, written by the engine's own dump tool.
    pub fn dump(&self, data_dir: &Path) -> String {
        let out = match &self.url {
            Some(url) => Command::new("pg_dump").args(["--inserts", "--no-owner", url]).output(),
            None => Command::new("sqlite3").arg(data_dir.join("server.db")).arg(".dump").output(),
        }
        .unwrap();
        assert!(out.status.success(), "dump: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((cluster, name)) = &self.cluster {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = off_runtime(&format!("{cluster}/postgres"), move |admin| admin.batch_execute(&drop));
        }
    }
}

/// Runs `f` on a connection to `url` on a thread of its own: the synchronous client
/// drives a runtime of its own, which may not start inside a test's async runtime.
fn off_runtime<T: Send + 'static>(
    url: &str,
    f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send + 'static,
) -> Result<T, String> {
    let url = url.to_owned();
    // Never a panic here: a database dropped while a test unwinds comes through too.
    let db_message = |e: postgres::Error| e.as_db_error().map_or(e.to_string(), |d| d.message().to_owned());
    std::thread::spawn(move || {
        let mut c =
            postgres::Client::connect(&url, postgres::NoTls).map_err(|e| format!("cannot connect to {url}: {e}"))?;
        f(&mut c).map_err(db_message)
    })
    .join()
    .unwrap_or_else(|_| Err("the database thread panicked".to_owned()))
}

/// A unique, lower-case name part (database names fold case).
fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{}_{nanos:x}", std::process::id())
}

/// A direct connection to a test server's database. Statements are written with
/// SQLite's `?1` placeholders and text parameters; on PostgreSQL the parameters are put
/// in as quoted literals (test data only), so they take the column's type as SQL text
/// does, and every value reads back as text.
pub enum Sql {
    /// The server's SQLite file.
    Sqlite(rusqlite::Connection),
    /// The server's PostgreSQL database (its address).
    Postgres(String),
}

impl Sql {
    /// Runs a statement; the rows it changed, or the database's refusal.
    pub fn execute(&mut self, sql: &str, params: &[&str]) -> Result<u64, String> {
        match self {
            Sql::Sqlite(c) => {
                c.execute(sql, rusqlite::params_from_iter(params.iter())).map(|n| n as u64).map_err(|e| e.to_string())
            }
            Sql::Postgres(url) => {
                let sql = literal(sql, params);
                let msgs = off_runtime(url, move |c| c.simple_query(&sql))?;
                Ok(msgs
                    .iter()
                    .find_map(|m| match m {
                        postgres::SimpleQueryMessage::CommandComplete(n) => Some(*n),
                        _ => None,
                    })
                    .unwrap_or(0))
            }
        }
    }

    /// Every row of a query, each column as text (NULL as `None`).
    pub fn rows(&mut self, sql: &str, params: &[&str]) -> Vec<Vec<Option<String>>> {
        match self {
            Sql::Sqlite(c) => {
                let mut stmt = c.prepare(sql).unwrap();
                let n = stmt.column_count();
                stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
                    (0..n)
                        .map(|i| {
                            Ok(match r.get_ref(i)? {
                                rusqlite::types::ValueRef::Null => None,
                                rusqlite::types::ValueRef::Integer(i) => Some(i.to_string()),
                                rusqlite::types::ValueRef::Real(f) => Some(f.to_string()),
                                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                                    Some(String::from_utf8_lossy(t).into_owned())
                                }
                            })
                        })
                        .collect()
                })
                .unwrap()
                .map(Result::unwrap)
                .collect()
            }
            Sql::Postgres(url) => off_runtime(url, {
                let sql = literal(sql, params);
                move |c| c.simple_query(&sql)
            })
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_owned)).collect())
                }
                _ => None,
            })
            .collect(),
        }
    }

    /// The first column of every row, as integers.
    pub fn i64s(&mut self, sql: &str, params: &[&str]) -> Vec<i64> {
        self.rows(sql, params).into_iter().map(|r| r[0].as_deref().unwrap_or("0").parse().unwrap()).collect()
    }

    /// The one integer a query returns.
    pub fn i64(&mut self, sql: &str, params: &[&str]) -> i64 {
        self.i64s(sql, params)[0]
    }

    /// The first column of every row, as text.
    pub fn strings(&mut self, sql: &str, params: &[&str]) -> Vec<String> {
        self.rows(sql, params).into_iter().map(|mut r| r.remove(0).unwrap_or_default()).collect()
    }
}

/// `sql` with `?N` replaced by the quoted N-th parameter.
fn literal(sql: &str, params: &[&str]) -> String {
    let mut out = sql.to_owned();
    for (i, p) in params.iter().enumerate().rev() {
        out = out.replace(&format!("?{}", i + 1), &format!("'{}'", p.replace('\'', "''")));
    }
    out
}

/// The S3-compatible server of this run, if the suite keeps blobs in a bucket.
pub fn s3_server() -> Option<String> {
    std::env::var("MEETING_E2E_S3").ok().filter(|s| !s.is_empty())
}

/// A bucket made for one test server on the run's S3-compatible server (moto, which
/// checks no credentials: the harness reads and writes objects with plain requests).
#[derive(Clone)]
pub struct Bucket {
    /// The server's address.
    pub endpoint: String,
    /// The bucket's name.
    pub name: String,
}

impl Bucket {
    /// A fresh bucket, when the run says so.
    pub fn create() -> Option<Self> {
        let endpoint = s3_server()?;
        let name = format!("e2e-{}", uuid_like().replace('_', "-"));
        let bucket = Self { endpoint, name };
        let status = bucket.request(reqwest::Method::PUT, &bucket.url(""), None).0;
        assert!(status.is_success(), "cannot create bucket {}: {status}", bucket.name);
        Some(bucket)
    }

    /// `--blobs …` and `--s3-endpoint …` for the server.
    pub fn server_args(&self) -> Vec<String> {
        vec!["--blobs".into(), format!("s3://{}", self.name), "--s3-endpoint".into(), self.endpoint.clone()]
    }

    fn url(&self, key: &str) -> String {
        format!("{}/{}/{key}", self.endpoint, self.name)
    }

    fn key(sha: &str) -> String {
        format!("{}/{sha}", &sha[..2])
    }

    /// A plain request on a thread of its own (callers may be inside a runtime).
    fn request(&self, method: reqwest::Method, url: &str, body: Option<Vec<u8>>) -> (reqwest::StatusCode, Vec<u8>) {
        let url = url.to_owned();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                // moto checks no signature, but answers an unsigned read of an object
                // as an anonymous one (403): any signed-looking header will do.
                let auth = "AWS4-HMAC-SHA256 Credential=e2e/20260101/us-east-1/s3/aws4_request, \
                            SignedHeaders=host, Signature=0";
                let mut req = reqwest::Client::new().request(method, &url).header("authorization", auth);
                if let Some(b) = body {
                    req = req.body(b);
                }
                let resp = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
                let status = resp.status();
                (status, resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
            })
        })
        .join()
        .unwrap()
    }

    /// A blob's bytes as the bucket holds them.
    pub fn get(&self, sha: &str) -> Vec<u8> {
        let (status, body) = self.request(reqwest::Method::GET, &self.url(&Self::key(sha)), None);
        assert!(status.is_success(), "no object for {sha}: {status}");
        body
    }

    /// Replaces a blob's bytes behind the server's back (bit rot).
    pub fn put(&self, sha: &str, bytes: Vec<u8>) {
        let (status, _) = self.request(reqwest::Method::PUT, &self.url(&Self::key(sha)), Some(bytes));
        assert!(status.is_success(), "cannot write {sha}: {status}");
    }

    /// Whether the bucket holds the blob.
    pub fn has(&self, sha: &str) -> bool {
        let (status, _) = self.request(reqwest::Method::HEAD, &self.url(&Self::key(sha)), None);
        assert!(status.is_success() || status == reqwest::StatusCode::NOT_FOUND, "cannot ask for {sha}: {status}");
        status.is_success()
    }

    /// How many objects the bucket holds.
    pub fn count(&self) -> usize {
        let (status, body) = self.request(reqwest::Method::GET, &format!("{}?list-type=2", self.url("")), None);
        assert!(status.is_success(), "cannot list {}: {status}", self.name);
        String::from_utf8_lossy(&body).matches("<Key>").count()
    }
}

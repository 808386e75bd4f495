//! A real `meeting-server` process on 127.0.0.1:0.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::database::{Bucket, Database, Sql};

/// How to start the server.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Seed the demo office.
    pub demo: bool,
    /// Upload limit in MiB (default: the server's own).
    pub max_upload_mib: Option<u64>,
    /// Seed only the demo users, no meetings.
    pub demo_users: bool,
    /// The converter program (default: soffice on PATH).
    pub soffice: Option<PathBuf>,
    /// Start without a converter.
    pub no_converter: bool,
    /// Conversion timeout in seconds (default: the server's own).
    pub convert_timeout_secs: Option<u64>,
    /// Offline lease of confidential documents, as the server's flag reads it ("5s").
    pub lease_confidential: Option<String>,
    /// How long a conversion of a stopped instance waits for another (seconds).
    pub convert_lease_secs: Option<u64>,
    /// SQLite and files in the data directory, whatever the run's backend (an office
    /// before it moves to PostgreSQL).
    pub sqlite: bool,
    /// A PostgreSQL database of the test's own (`postgres://…`), left in place after.
    pub database: Option<String>,
    /// Reads from the bucket at once (`--s3-reads`), when the run keeps blobs in one.
    pub s3_reads: Option<usize>,
}

/// A running server; killed when dropped. Its data directory outlives restarts.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// The listening address.
    pub addr: std::net::SocketAddr,
    data: tempfile::TempDir,
    child: Option<Child>,
    opts: ServerOptions,
    database: Database,
    bucket: Option<Bucket>,
}

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_e2e-meeting-server"))
}

impl TestServer {
    /// Starts a server on a fresh data directory.
    pub async fn start(opts: ServerOptions) -> Self {
        let data = tempfile::tempdir().unwrap();
        let (database, bucket) = match &opts.database {
            _ if opts.sqlite => (Database::sqlite(), None),
            Some(url) => (Database::at(url), Bucket::create()),
            None => (Database::create(), Bucket::create()),
        };
        let addr = ([127, 0, 0, 1], 0).into();
        let mut s = Self { url: String::new(), addr, data, child: None, opts, database, bucket };
        s.spawn().await;
        s
    }

    /// Another instance of the same office: the same database and bucket, its own
    /// process, port and data directory (for the converter's scratch files). Only
    /// PostgreSQL can be shared.
    pub async fn another_instance(&self, opts: ServerOptions) -> Self {
        assert!(self.on_postgres(), "several instances need PostgreSQL");
        let data = tempfile::tempdir().unwrap();
        let (database, bucket) = (self.database.shared(), self.bucket.clone());
        let addr = ([127, 0, 0, 1], 0).into();
        let mut s = Self { url: String::new(), addr, data, child: None, opts, database, bucket };
        s.spawn().await;
        s
    }

    /// Starts the demo office.
    pub async fn demo() -> Self {
        Self::start(ServerOptions { demo: true, ..Default::default() }).await
    }

    /// The data directory (server.db, blobs/).
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    async fn spawn(&mut self) {
        let mut cmd = Command::new(binary());
        cmd.arg("serve").args(self.store_args()).arg("--listen").arg(self.addr.to_string());
        if let Some(b) = &self.bucket {
            // moto checks no credentials; the server's S3 client wants some.
            cmd.args(b.server_args()).env("AWS_ACCESS_KEY_ID", "e2e").env("AWS_SECRET_ACCESS_KEY", "e2e");
            if let Some(n) = self.opts.s3_reads {
                cmd.arg("--s3-reads").arg(n.to_string());
            }
        }
        if self.opts.demo {
            cmd.arg("--demo");
        }
        if let Some(m) = self.opts.max_upload_mib {
            cmd.arg("--max-upload-mib").arg(m.to_string());
        }
        if self.opts.demo_users {
            cmd.arg("--demo-users");
        }
        if let Some(p) = &self.opts.soffice {
            cmd.arg("--soffice").arg(p);
        }
        if self.opts.no_converter {
            cmd.arg("--no-converter");
        }
        if let Some(t) = self.opts.convert_timeout_secs {
            cmd.arg("--convert-timeout-secs").arg(t.to_string());
        }
        if let Some(l) = self.opts.convert_lease_secs {
            cmd.arg("--convert-lease-secs").arg(l.to_string());
        }
        if let Some(l) = &self.opts.lease_confidential {
            cmd.arg("--lease-confidential").arg(l);
        }
        let log =
            std::fs::OpenOptions::new().create(true).append(true).open(self.data.path().join("server.log")).unwrap();
        cmd.stdout(Stdio::piped()).stderr(Stdio::from(log)).stdin(Stdio::null());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", binary().display()));
        let stdout = child.stdout.take().unwrap();
        let line = tokio::time::timeout(
            Duration::from_secs(60),
            tokio::task::spawn_blocking(move || {
                let mut line = String::new();
                let _ = BufReader::new(stdout).read_line(&mut line);
                line
            }),
        )
        .await;
        let line = match line {
            Ok(Ok(l)) => l,
            _ => String::new(),
        };
        let Some(url) = line.trim().strip_prefix("meeting-server listening on ") else {
            let log = std::fs::read_to_string(self.data.path().join("server.log")).unwrap_or_default();
            let _ = child.kill();
            panic!("server did not start; stdout: {line:?}\nlog:\n{log}");
        };
        self.url = url.to_owned();
        self.addr = url.trim_start_matches("http://").parse().unwrap();
        self.child = Some(child);
    }

    /// Kills the process with SIGKILL: no graceful shutdown, requests die mid-way.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Asks the server to stop (SIGTERM) and returns whether it exited cleanly in time.
    pub async fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else { return false };
        let sent = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().is_ok_and(|s| s.success());
        let waited =
            tokio::time::timeout(Duration::from_secs(20), tokio::task::spawn_blocking(move || child.wait())).await;
        sent && matches!(waited, Ok(Ok(Ok(status))) if status.success())
    }

    /// Starts the server again on the same data directory (on a new port).
    pub async fn restart(&mut self) {
        self.kill();
        self.addr.set_port(0);
        self.spawn().await;
    }

    /// Starts the server again on the same data directory and address, as after a
    /// reboot: clients keep the URL they were given.
    pub async fn restart_same_port(&mut self) {
        self.kill();
        self.spawn().await;
    }

    /// Stops this server (SIGTERM) and runs `meeting-server migrate` from its data
    /// directory into `database` and `bucket`; the command's output.
    pub async fn migrate_to(&mut self, database: &Database, bucket: &Bucket) -> std::process::Output {
        if self.child.is_some() {
            assert!(self.terminate().await, "the server stops before it is moved");
        }
        let mut cmd = Command::new(binary());
        cmd.arg("migrate").arg("--from-sqlite").arg(self.data.path());
        cmd.arg("--database").arg(database.url.as_deref().expect("a PostgreSQL database"));
        cmd.args(bucket.server_args()).env("AWS_ACCESS_KEY_ID", "e2e").env("AWS_SECRET_ACCESS_KEY", "e2e");
        tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap()
    }

    /// Starts this server again on the same data directory and port, on `database` and
    /// `bucket` (after [`TestServer::migrate_to`]).
    pub async fn serve_from(&mut self, database: Database, bucket: Bucket) {
        self.kill();
        self.database = database;
        self.bucket = Some(bucket);
        self.spawn().await;
    }

    /// `--data-dir DIR [--database URL]`: where this server keeps the office's data, for
    /// the server's own admin commands (`user add`).
    pub fn store_args(&self) -> Vec<std::ffi::OsString> {
        let mut args = vec!["--data-dir".into(), self.data.path().as_os_str().to_owned()];
        if let Some(url) = &self.database.url {
            args.extend(["--database".into(), url.into()]);
        }
        args
    }

    /// Opens the server's database directly, for checks no endpoint exposes.
    pub fn sql(&self) -> Sql {
        self.database.sql(self.data.path())
    }

    /// Everything in the server's database as SQL text (`sqlite3 .dump`, `pg_dump`).
    pub fn dump(&self) -> String {
        self.database.dump(self.data.path())
    }

    /// Whether the server runs on PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        self.database.url.is_some()
    }

    /// For tests of what only PostgreSQL offers (`what`: several instances, ...): true
    /// on PostgreSQL; otherwise says that the test is skipped, and why.
    pub fn postgres_only(&self, what: &str) -> bool {
        if !self.on_postgres() {
            eprintln!("skipped: {what} need PostgreSQL (the test command runs this on it)");
        }
        self.on_postgres()
    }

    /// True when the server keeps blobs in a bucket (the PostgreSQL + S3 pass).
    pub fn on_bucket(&self) -> bool {
        self.bucket.is_some()
    }

    fn blob_path(&self, sha: &str) -> PathBuf {
        self.data.path().join("blobs").join(&sha[..2]).join(sha)
    }

    /// A blob's bytes as the server's store holds them (its files, or its bucket).
    pub fn blob(&self, sha: &str) -> Vec<u8> {
        match &self.bucket {
            Some(b) => b.get(sha),
            None => std::fs::read(self.blob_path(sha)).unwrap(),
        }
    }

    /// Whether the server's store holds the blob.
    pub fn has_blob(&self, sha: &str) -> bool {
        match &self.bucket {
            Some(b) => b.has(sha),
            None => self.blob_path(sha).is_file(),
        }
    }

    /// `--blobs s3://… --s3-endpoint …` when the server keeps blobs in a bucket (with
    /// [`TestServer::store_args`], for its admin commands that open the blobs too).
    pub fn blob_args(&self) -> Vec<String> {
        self.bucket.as_ref().map(Bucket::server_args).unwrap_or_default()
    }

    /// Replaces a blob's bytes in the server's store behind its back (bit rot).
    pub fn overwrite_blob(&self, sha: &str, bytes: Vec<u8>) {
        match &self.bucket {
            Some(b) => b.put(sha, bytes),
            None => std::fs::write(self.blob_path(sha), bytes).unwrap(),
        }
    }

    /// Files in the server's blob directory (blobs and temporary files), plus the
    /// objects in its bucket when it keeps blobs in one.
    pub fn stored_files(&self) -> usize {
        fn walk(dir: &Path) -> usize {
            std::fs::read_dir(dir)
                .map_or(0, |rd| rd.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
        }
        walk(&self.data.path().join("blobs")) + self.bucket.as_ref().map_or(0, Bucket::count)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
        // A failing test's server log goes with its output, before the directory goes.
        if std::thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("--- the server's log, last lines ---");
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

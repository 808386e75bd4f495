//! The office-file converter: LibreOffice (`soffice --headless --convert-to pdf`) as a
//! service, not a shell-out in a handler.
//!
//! - A bounded queue and a fixed number of workers: a burst of uploads waits its turn
//!   instead of starting twenty LibreOffices on a two-core server; a full queue is
//!   refused at once (429), never left to hang.
//! - Each worker owns a LibreOffice user profile directory: two conversions sharing one
//!   profile fail (the second finds the first's lock).
//! - Each conversion is one `soffice` process, started as the leader of its own process
//!   group. Some files hang LibreOffice at 100 % CPU forever: on the timeout the whole
//!   group is killed (soffice is a wrapper that starts `soffice.bin`; killing only the
//!   wrapper would leave the real one spinning) and the worker's profile is rebuilt.
//! - A conversion that fails with a crash (not a timeout, not a file LibreOffice says
//!   it cannot load) is tried once more on a fresh profile before the file is blamed.
//! - The profile is also rebuilt every `fresh_profile_after` conversions: LibreOffice's
//!   profile grows and can be left damaged by a crash, and a fresh one costs a second.
//! - Where the system allows it (`unshare --net`), the converter runs with no network:
//!   a document cannot make it fetch anything.
//!
//! The converter knows nothing of meetings or the database: it turns a file into a
//! PDF. [`crate::core::conversions`] decides what the PDF becomes.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, mpsc, oneshot};

mod protection;
pub use protection::password_protected;
pub(crate) use protection::{OLE2, ZIP};

/// Office formats accepted for conversion, by file extension (lowercase).
pub const OFFICE_EXTENSIONS: &[&str] = &["doc", "docx", "odt", "rtf", "xls", "xlsx", "ods", "ppt", "pptx", "odp"];

/// Converter settings.
#[derive(Debug, Clone)]
pub struct ConverterConfig {
    /// The `soffice` program; `None` turns conversion off (office uploads are refused
    /// with `converter_unavailable`).
    pub program: Option<PathBuf>,
    /// Conversions running at once.
    pub workers: usize,
    /// Conversions waiting beyond those running before new ones are refused.
    pub queue: usize,
    /// Longest a conversion may take before its processes are killed.
    pub timeout: Duration,
    /// Conversions after which a worker starts again from a fresh profile.
    pub fresh_profile_after: u32,
    /// Where workers keep their profiles and scratch files.
    pub work_dir: PathBuf,
    /// How long a conversion claimed by a server instance that stopped waits before
    /// another instance takes it (a running instance renews its claims).
    pub lease: Duration,
}

impl ConverterConfig {
    /// Defaults: `soffice` from `PATH` if installed, two workers, three minutes.
    pub fn new(work_dir: PathBuf) -> Self {
        Self {
            program: find_program(),
            workers: 2,
            queue: 64,
            timeout: Duration::from_secs(180),
            fresh_profile_after: 50,
            work_dir,
            lease: Duration::from_secs(90),
        }
    }
}

/// `soffice` (or `libreoffice`) on `PATH`, if installed.
pub fn find_program() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|d| ["soffice", "libreoffice"].map(|n| d.join(n))).find(|p| p.is_file())
}

/// Why a file did not become a PDF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// No converter on this server.
    #[error("this server has no converter (LibreOffice is not installed): upload a PDF instead")]
    Unavailable,
    /// The queue is full.
    #[error("too many files are waiting for conversion; try again in a minute")]
    Busy,
    /// LibreOffice could not open the file.
    #[error("the file is damaged or is not really a {0} file: LibreOffice cannot open it")]
    Damaged(String),
    /// The file needs a password to open (LibreOffice could not open it, and its
    /// container says it is encrypted): the sender removes the password and sends it again.
    #[error(
        "Tệp {0} được bảo vệ bằng mật khẩu: hãy gỡ mật khẩu trong {app} (lưu lại không có mật khẩu) rồi tải lên lại. \
         The {0} file is protected by a password: remove the password in {app} (save it without one) and upload it again.",
        app = office_app(.0)
    )]
    PasswordProtected(String),
    /// LibreOffice did not finish in time; its processes were killed.
    #[error("the conversion took longer than {0} seconds and was stopped")]
    Timeout(u64),
    /// LibreOffice failed otherwise.
    #[error("LibreOffice could not convert the file: {0}")]
    Failed(String),
}

/// The program a file of this format (its extension, upper case) is made with.
fn office_app(ext: &str) -> &'static str {
    match ext {
        "DOC" | "DOCX" | "RTF" => "Word",
        "XLS" | "XLSX" => "Excel",
        "PPT" | "PPTX" => "PowerPoint",
        _ => "LibreOffice",
    }
}

/// A finished conversion: the PDF, removed with the value.
#[derive(Debug)]
pub struct Converted {
    /// The PDF file.
    pub pdf: PathBuf,
    dir: PathBuf,
}

impl Drop for Converted {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Job {
    input: PathBuf,
    ext: String,
    reply: oneshot::Sender<Result<Converted, ConvertError>>,
}

/// Handle to the service; cheap to clone.
#[derive(Clone)]
pub struct Converter {
    queue: Option<mpsc::Sender<Job>>,
    timeout: Duration,
}

impl std::fmt::Debug for Converter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Converter").field("available", &self.is_available()).finish()
    }
}

impl Converter {
    /// Starts the workers (on the current Tokio runtime). Without a program, or when the
    /// work directory cannot be made, the converter is unavailable and says so.
    pub fn start(cfg: ConverterConfig) -> Self {
        let timeout = cfg.timeout;
        let Some(program) = cfg.program.clone() else {
            tracing::warn!("LibreOffice (soffice) not found: office uploads will be refused, PDFs are served as usual");
            return Self { queue: None, timeout };
        };
        if let Err(e) = std::fs::create_dir_all(&cfg.work_dir) {
            tracing::error!(error = %e, dir = %cfg.work_dir.display(), "converter work directory; conversion is off");
            return Self { queue: None, timeout };
        }
        let isolate = network_isolation_works();
        tracing::info!(program = %program.display(), workers = cfg.workers, isolate_network = isolate, "converter ready");
        let (tx, rx) = mpsc::channel::<Job>(cfg.queue.max(1));
        let rx = Arc::new(Mutex::new(rx));
        let cfg = Arc::new(cfg);
        for n in 0..cfg.workers.max(1) {
            let worker = Worker {
                dir: cfg.work_dir.join(format!("worker-{n}")),
                program: program.clone(),
                isolate,
                cfg: cfg.clone(),
            };
            tokio::spawn(worker.run(rx.clone()));
        }
        Self { queue: Some(tx), timeout }
    }

    /// A converter that refuses every file (no LibreOffice).
    pub fn unavailable() -> Self {
        Self { queue: None, timeout: Duration::ZERO }
    }

    /// True when office files can be converted here.
    pub fn is_available(&self) -> bool {
        self.queue.is_some()
    }

    /// The longest one conversion may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Converts `input` (read only, not changed), whose format is given by `ext`, to a
    /// PDF. Waits for a worker; refuses at once when the queue is full.
    pub async fn convert(&self, input: &Path, ext: &str) -> Result<Converted, ConvertError> {
        let queue = self.queue.as_ref().ok_or(ConvertError::Unavailable)?;
        let (reply, answer) = oneshot::channel();
        let job = Job { input: input.to_owned(), ext: ext.to_ascii_lowercase(), reply };
        queue.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => ConvertError::Busy,
            mpsc::error::TrySendError::Closed(_) => ConvertError::Unavailable,
        })?;
        answer.await.map_err(|_| ConvertError::Failed("the converter stopped".into()))?
    }
}

/// Whether `unshare --net` works here (root, or unprivileged user namespaces allowed).
fn network_isolation_works() -> bool {
    std::process::Command::new("unshare")
        .args(["--net", "--map-root-user", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Worker {
    dir: PathBuf,
    program: PathBuf,
    isolate: bool,
    cfg: Arc<ConverterConfig>,
}

impl Worker {
    async fn run(self, rx: Arc<Mutex<mpsc::Receiver<Job>>>) {
        let mut since_fresh = 0u32;
        let mut job_no = 0u64;
        loop {
            let job = { rx.lock().await.recv().await };
            let Some(job) = job else { return };
            if since_fresh >= self.cfg.fresh_profile_after {
                self.fresh_profile().await;
                since_fresh = 0;
            }
            job_no += 1;
            let mut result = self.convert(&job, job_no).await;
            if let Err(ConvertError::Failed(why)) = &result {
                // LibreOffice now and then aborts on its own (seen in CI: SIGABRT while a
                // fresh profile was being set up, on a file that converts fine). A crash
                // counts against the file only when it happens again, on a fresh profile.
                // Not for a timeout (it would hang as long again) or a file LibreOffice
                // said it cannot load.
                tracing::warn!(file = %job.input.display(), %why, "LibreOffice failed; trying once more");
                self.fresh_profile().await;
                job_no += 1;
                result = self.convert(&job, job_no).await;
            }
            since_fresh += 1;
            if matches!(result, Err(ConvertError::Timeout(_) | ConvertError::Failed(_))) {
                // A killed or crashed LibreOffice can leave its profile locked or damaged.
                self.fresh_profile().await;
                since_fresh = 0;
            }
            let _ = job.reply.send(result);
        }
    }

    fn profile(&self) -> PathBuf {
        self.dir.join("profile")
    }

    async fn fresh_profile(&self) {
        let _ = tokio::fs::remove_dir_all(self.profile()).await;
    }

    async fn convert(&self, job: &Job, job_no: u64) -> Result<Converted, ConvertError> {
        let io = |e: std::io::Error| ConvertError::Failed(format!("converter scratch files: {e}"));
        let scratch = self.dir.join(format!("job-{job_no}"));
        let _ = tokio::fs::remove_dir_all(&scratch).await;
        let (inp, out, home) = (scratch.join("in"), scratch.join("out"), self.dir.join("home"));
        for d in [&inp, &out, &home] {
            tokio::fs::create_dir_all(d).await.map_err(io)?;
        }
        let source = inp.join(format!("document.{}", job.ext));
        tokio::fs::copy(&job.input, &source).await.map_err(io)?;
        let result = self.soffice(&source, &out, &home, &job.ext).await;
        let pdf = out.join("document.pdf");
        let made = tokio::fs::metadata(&pdf).await.is_ok_and(|m| m.len() > 0);
        let failed = match result {
            Ok(()) if made => return Ok(Converted { pdf, dir: scratch }),
            Ok(()) | Err(ConvertError::Damaged(_)) => {
                // LibreOffice could not load it: a password it was not given, or damage.
                let ext = job.ext.to_ascii_uppercase();
                let src = source.clone();
                match tokio::task::spawn_blocking(move || password_protected(&src)).await {
                    Ok(true) => ConvertError::PasswordProtected(ext),
                    _ => ConvertError::Damaged(ext),
                }
            }
            Err(other) => other,
        };
        let _ = tokio::fs::remove_dir_all(&scratch).await;
        Err(failed)
    }

    /// Runs one `soffice` in its own process group; Ok when it exits in time (whether it
    /// made a PDF is the caller's to check).
    async fn soffice(&self, source: &Path, out: &Path, home: &Path, ext: &str) -> Result<(), ConvertError> {
        let profile = format!("-env:UserInstallation=file://{}", self.profile().display());
        let mut cmd = if self.isolate {
            let mut c = tokio::process::Command::new("unshare");
            c.args(["--net", "--map-root-user"]).arg(&self.program);
            c
        } else {
            tokio::process::Command::new(&self.program)
        };
        cmd.args(["--headless", "--invisible", "--nologo", "--nodefault", "--nolockcheck", "--norestore"])
            .arg(profile)
            .args(["--convert-to", "pdf", "--outdir"])
            .arg(out)
            .arg(source)
            .env("HOME", home)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child =
            cmd.spawn().map_err(|e| ConvertError::Failed(format!("cannot start {}: {e}", self.program.display())))?;
        let pgid = child.id().and_then(|id| rustix::process::Pid::from_raw(id as i32));
        // Output is read aside: a helper LibreOffice starts can keep the pipes open after
        // soffice itself has exited, and waiting for their end would wait for it too.
        let (so, se) = (child.stdout.take(), child.stderr.take());
        let out = tokio::spawn(read_all(so));
        let err = tokio::spawn(read_all(se));
        let ran = tokio::time::timeout(self.cfg.timeout, child.wait()).await;
        // Whatever happened, nothing of this conversion may outlive it: helpers
        // LibreOffice left in the group, or the whole hung group on a timeout.
        if let Some(pg) = pgid {
            let _ = rustix::process::kill_process_group(pg, rustix::process::Signal::KILL);
        }
        let _ = child.wait().await;
        if let Some(pg) = pgid {
            wait_group_gone(pg).await;
        }
        let collect = |h: tokio::task::JoinHandle<Vec<u8>>| async move {
            tokio::time::timeout(Duration::from_secs(5), h).await.ok().and_then(Result::ok).unwrap_or_default()
        };
        let (out, err) = (collect(out).await, collect(err).await);
        let ran = ran.map(|status| (out, err, status));
        match ran {
            Ok((out, err, Ok(status))) => {
                let said = format!("{}{}", String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
                if said.contains("source file could not be loaded") {
                    return Err(ConvertError::Damaged(ext.to_ascii_uppercase()));
                }
                if !status.success() {
                    let last = said.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_owned();
                    return Err(ConvertError::Failed(format!("{status} ({last})")));
                }
                Ok(())
            }
            Ok((_, _, Err(e))) => Err(ConvertError::Failed(format!("waiting for LibreOffice: {e}"))),
            Err(_) => {
                tracing::warn!(file = %source.display(), "conversion timed out; its processes were killed");
                Err(ConvertError::Timeout(self.cfg.timeout.as_secs()))
            }
        }
    }
}

async fn read_all<R: tokio::io::AsyncRead + Unpin>(r: Option<R>) -> Vec<u8> {
    use tokio::io::AsyncReadExt as _;
    let mut buf = Vec::new();
    if let Some(r) = r {
        // Bounded: a chatty LibreOffice must not fill the server's memory.
        let _ = r.take(1 << 20).read_to_end(&mut buf).await;
    }
    buf
}

/// Waits (briefly) until no live process of the killed group is left. Killed processes
/// whose parent is gone are reaped by init whenever it gets to them; a zombie runs
/// nothing, so it counts as gone (asking the kernel with signal 0 would count it).
async fn wait_group_gone(pgid: rustix::process::Pid) {
    let pg = pgid.as_raw_nonzero().get();
    for _ in 0..250 {
        if !group_alive(pg) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tracing::error!(pgid = pg, "converter processes survived SIGKILL");
}

/// Whether a process of group `pg` is alive (not a zombie), from `/proc`.
fn group_alive(pg: i32) -> bool {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return rustix::process::test_kill_process_group(
            rustix::process::Pid::from_raw(pg).unwrap_or(rustix::process::Pid::INIT),
        )
        .is_ok();
    };
    dir.flatten().any(|e| {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { return false };
        // "pid (comm) state ppid pgrp …": the command name may hold spaces and parentheses.
        let Some((_, rest)) = stat.rsplit_once(") ") else { return false };
        let mut f = rest.split(' ');
        let (state, _ppid, pgrp) = (f.next(), f.next(), f.next());
        pgrp.and_then(|g| g.parse::<i32>().ok()) == Some(pg) && state != Some("Z")
    })
}

//! What the README tells a new user to run, run as written, so that none of it can break
//! silently again (encryption at rest once broke `scripts/run-demo` and nobody knew).
//!
//! `scripts/run-demo` runs as a user runs it on a machine with no OS keystore (no D-Bus
//! session, the keystore not turned off by the test command either): the server with the
//! demo office comes up, leader1's profile is logged in and synced by the CLI, the
//! meetings are listed, and Ctrl-C stops the server. The script's build is the debug one
//! the test command already made (`BUILD=debug`); everything else is the script's own.
//! The desktop half (the app it starts, unlocked with the password it names) is in
//! `desktop_demo.rs`.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The three meetings of the demo office leader1 takes part in.
pub(crate) const DEMO_MEETINGS: [&str; 3] = [
    "Phiên họp thường kỳ UBND tỉnh tháng 11/2026",
    "Hội nghị sơ kết công tác cải cách hành chính 9 tháng năm 2026",
    "Họp bàn phương án giải phóng mặt bằng dự án đường ven biển",
];

/// `scripts/run-demo` running with `NO_APP=1`; stopped (as Ctrl-C does) on drop.
pub(crate) struct RunDemo {
    child: Child,
    /// Everything it printed up to "Press Ctrl-C".
    pub output: String,
    /// The office server it started.
    pub url: String,
    /// leader1's profile, as the script prepared it.
    pub profile: PathBuf,
    _dir: tempfile::TempDir,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

impl RunDemo {
    /// Starts the script and waits until it serves (it may build first: minutes).
    pub(crate) fn start() -> Self {
        use std::os::unix::process::CommandExt as _;
        let dir = tempfile::tempdir().unwrap();
        let profile = dir.path().join("leader1");
        let mut command = Command::new("bash");
        // Cargo hands a test its package's variables (CARGO_MANIFEST_DIR, CARGO_PKG_NAME
        // …); a user's shell has none, and some build scripts watch them (ring's): left
        // in, the script's `cargo build` would rebuild ring and everything above it, and
        // the test command's next build would rebuild them back.
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            let from_cargo = ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_PRIMARY_"]
                .iter()
                .any(|p| k.starts_with(p));
            if from_cargo || k == "CARGO" || k == "CARGO_TARGET_TMPDIR" || k == "OUT_DIR" {
                command.env_remove(&key);
            }
        }
        let mut child = command
            .arg(repo().join("scripts/run-demo"))
            .env("NO_APP", "1")
            .env("BUILD", "debug")
            .env("DATA", dir.path().join("server"))
            .env("PROFILE", &profile)
            .env("LISTEN", "127.0.0.1:0")
            // A machine without an OS keystore, as the README's user may have: no session
            // bus, and nothing that tells the programs to leave the keystore alone.
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("PHONGHOP_KEYSTORE")
            .env_remove("MEETING_PASSWORD")
            .env_remove("MEETING_PROFILE")
            .env_remove("DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("bash scripts/run-demo");
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut output = String::new();
        let until = Instant::now() + Duration::from_secs(900);
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    output.push_str(&line);
                    output.push('\n');
                    if line.starts_with("Press Ctrl-C") {
                        break;
                    }
                }
                Err(e) => {
                    let status = child.try_wait().ok().flatten();
                    let _ = child.kill();
                    panic!("scripts/run-demo did not reach serving ({e}; exit {status:?}); it printed:\n{output}");
                }
            }
        }
        let url = output
            .lines()
            .find_map(|l| l.strip_prefix("meeting-server listening on "))
            .unwrap_or_else(|| panic!("no server address in:\n{output}"))
            .to_owned();
        Self { child, output, url, profile, _dir: dir }
    }

    /// Ctrl-C: SIGINT to the script; its exit status once it has stopped everything.
    pub(crate) fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-s", "INT", &pid]).status().unwrap();
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < until, "scripts/run-demo did not stop on Ctrl-C");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for RunDemo {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill").args(["-s", "INT", &self.child.id().to_string()]).status();
            std::thread::sleep(Duration::from_secs(1));
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn run_demo_serves_the_demo_office_and_syncs_leader1_without_an_os_keystore() {
    let demo = RunDemo::start();
    let out = &demo.output;
    // The CLI's sync ran (it needs the device's password: the script gave it) and
    // fetched every document of the demo's meetings.
    let synced = out.lines().find(|l| l.starts_with("Synced: ")).unwrap_or_else(|| panic!("no sync:\n{out}"));
    assert!(synced.contains("9 documents downloaded"), "{synced}");
    for title in DEMO_MEETINGS {
        let line = out.lines().find(|l| l.contains(title)).unwrap_or_else(|| panic!("{title} not listed:\n{out}"));
        assert!(line.contains("[ready offline]"), "synced, every document on the device: {line}");
    }
    assert!(out.contains("password: demo"), "the script says which password to use:\n{out}");

    // The server answers as the README says (its API description at that address).
    let api = reqwest::get(format!("{}/api/v1/openapi.json", demo.url)).await.unwrap();
    assert_eq!(api.status(), 200);
    // The profile is the encrypted one the app opens: no plaintext database.
    let db = std::fs::read(demo.profile.join("client.db")).unwrap();
    assert!(!db.starts_with(b"SQLite format 3"), "the device's store is encrypted at rest");

    let url = demo.url.clone();
    let status = demo.stop();
    assert!(status.code().is_some(), "the script exited on its own after Ctrl-C: {status:?}");
    let gone = reqwest::Client::new().get(format!("{url}/api/v1/openapi.json")).send().await;
    assert!(gone.is_err(), "Ctrl-C stops the server too");
}

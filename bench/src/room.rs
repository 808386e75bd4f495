//! `bench-room`: the meeting room at the size of a large session, on loopback.
//!
//! The server runs as its own process (this binary re-run with `--serve`), so its memory
//! is its own: 500 devices hold the live channel open (`GET /live`, one WebSocket each).
//! Reported: a secretary's change → every device told (`changed`), p50/p95/max over five
//! changes; the server's resident memory per connected device; and a vote of the 500,
//! all casting at once: open → every ballot counted, and the close.
//! Targets: p95 under 1 s; every ballot counted within 10 s (the office network
//! figure for one change, and a generous bound for 500 ballots; the figures go in the
//! issue note). `cargo run --release -p meeting-bench --bin bench-room [-- --devices N]`.

use std::process::{ExitCode, Stdio};
use std::time::Duration;

use anyhow::Context as _;
use meeting_bench::api::Api;
use meeting_protocol::Role;
use serde_json::json;
use tokio::io::AsyncBufReadExt as _;

const PASSWORD: &str = meeting_bench::PASSWORD;

fn main() -> ExitCode {
    if let Some(dir) = meeting_bench::arg("--serve") {
        return meeting_bench::exit("bench-room server", serve(&dir, meeting_bench::sized("--devices", 500, 20)));
    }
    meeting_bench::exit("bench-room", run(meeting_bench::sized("--devices", 500, 20)))
}

/// The child: a fresh office with a secretary and `n` leaders, served until killed.
fn serve(dir: &str, n: usize) -> anyhow::Result<bool> {
    let state = meeting_server::AppState::open(meeting_server::Config::new(dir))?;
    meeting_server::create_user(&state, "secretary", "Thư ký", Role::Secretary, PASSWORD)?;
    for i in 0..n {
        meeting_server::create_user(&state, &format!("d{i:03}"), &format!("Đại biểu {i}"), Role::Leader, PASSWORD)?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        state.start_room().await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("listening on http://{}", listener.local_addr()?);
        meeting_server::serve(listener, state, std::future::pending()).await?;
        Ok(true)
    })
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn run(n: usize) -> anyhow::Result<bool> {
    let dir = tempfile::tempdir()?;
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .arg("--serve")
        .arg(dir.path())
        .args(["--devices", &n.to_string()])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().context("server pid")?;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().context("stdout")?).lines();
    let first = tokio::time::timeout(Duration::from_secs(300), lines.next_line()).await??.unwrap_or_default();
    let url = first.strip_prefix("listening on ").context("the server did not start")?.to_owned();
    let api = Api::new(&url, n + 8)?;

    let (sec, _) = api.login("secretary").await?;
    let meeting = api
        .call(
            &sec,
            reqwest::Method::POST,
            "/meetings",
            Some(json!({"title": "Kỳ họp", "starts_at": "2026-12-10T08:00:00Z"})),
        )
        .await?;
    let mid = meeting["id"].as_str().context("meeting id")?.to_owned();
    let item = api
        .call(&sec, reqwest::Method::POST, &format!("/meetings/{mid}/agenda"), Some(json!({"title": "Nội dung 1"})))
        .await?;
    let item = item["id"].as_str().context("item id")?.to_owned();
    let mut devices = Vec::with_capacity(n);
    for i in 0..n {
        let (token, uid) = api.login(&format!("d{i:03}")).await?;
        api.call(
            &sec,
            reqwest::Method::PUT,
            &format!("/meetings/{mid}/participants/{uid}"),
            Some(json!({"role": "member"})),
        )
        .await?;
        devices.push((token, uid));
    }
    api.call(&sec, reqwest::Method::POST, &format!("/meetings/{mid}/publish"), None).await?;

    // The devices connect; each reports the instant it hears `changed`.
    let rss_before = rss_kib(pid);
    let tokens: Vec<&str> = devices.iter().map(|(t, _)| t.as_str()).collect();
    let mut listening = meeting_bench::live::connect(&api.url, &tokens).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after = rss_kib(pid);
    let per_device = (rss_after.saturating_sub(rss_before)) as f64 / n as f64;
    let (p50, p95, max) = listening.changes(&api, &sec, &item, 5).await?;
    println!("{n} devices live: change → told p50 {p50:.1?}, p95 {p95:.1?}, max {max:.1?}");
    println!(
        "server memory: {rss_before} KiB before, {rss_after} KiB with {n} connected: {per_device:.1} KiB per device"
    );

    // The vote: all present, all casting at once.
    let meeting_bench::live::Vote { counted, failed, ballots, close: close_time } =
        meeting_bench::live::vote(&api, &sec, &mid, &item, &devices).await?;
    println!("vote of {n}: open → {ballots} ballots counted {counted:.1?} ({failed} refused), close {close_time:.1?}");
    let _ = child.kill().await;

    let mut ok = true;
    if p95 >= Duration::from_secs(1) {
        println!("FAIL: p95 {p95:?} is not under 1 s");
        ok = false;
    }
    if counted >= Duration::from_secs(10) || ballots != n as u64 || failed > 0 {
        println!("FAIL: the vote took {counted:?} for {ballots}/{n} ballots");
        ok = false;
    }
    if ok {
        println!("PASS");
    }
    Ok(ok)
}

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
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::StreamExt as _;
use meeting_protocol::Role;
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt as _;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

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

struct Api {
    http: reqwest::Client,
    url: String,
}

impl Api {
    async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self.http.request(method, format!("{}/api/v1{path}", self.url)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        if !status.is_success() {
            bail!("{path}: {status} {text}");
        }
        Ok(if text.is_empty() { Value::Null } else { serde_json::from_str(&text)? })
    }

    async fn login(&self, user: &str) -> anyhow::Result<(String, String)> {
        let v: Value = self
            .http
            .post(format!("{}/api/v1/auth/login", self.url))
            .json(&json!({"username": user, "password": PASSWORD}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok((v["token"].as_str().context("token")?.to_owned(), v["user"]["id"].as_str().context("id")?.to_owned()))
    }
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).saturating_sub(1).min(sorted.len() - 1)]
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
    let api = Api { http: reqwest::Client::builder().pool_max_idle_per_host(n + 8).build()?, url };

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
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    let ws = api.url.replacen("http", "ws", 1) + "/api/v1/live";
    // Each device says it is connected, or why it could not connect (never silently).
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<Result<(), String>>();
    for (i, (token, _)) in devices.iter().enumerate() {
        let mut req = ws.as_str().into_client_request()?;
        req.headers_mut().insert("authorization", format!("Bearer {token}").parse()?);
        let (tx, ready) = (tx.clone(), ready_tx.clone());
        tokio::spawn(async move {
            let mut socket = match tokio_tungstenite::connect_async(req).await {
                Ok((socket, _)) => socket,
                Err(e) => {
                    let _ = ready.send(Err(format!("device {i} could not connect: {e}")));
                    return;
                }
            };
            while let Some(Ok(frame)) = socket.next().await {
                let Ok(text) = frame.into_text() else { continue };
                if text.contains("\"hello\"") {
                    let _ = ready.send(Ok(()));
                } else if text.contains("\"changed\"") {
                    let _ = tx.send((i, Instant::now()));
                }
            }
        });
    }
    for _ in 0..n {
        let connected = tokio::time::timeout(Duration::from_secs(60), ready_rx.recv()).await?;
        connected.context("a device did not connect")?.map_err(anyhow::Error::msg)?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after = rss_kib(pid);
    let per_device = (rss_after.saturating_sub(rss_before)) as f64 / n as f64;

    let mut delays = Vec::new();
    for k in 0..5 {
        while rx.try_recv().is_ok() {}
        let at = Instant::now();
        api.call(
            &sec,
            reqwest::Method::PATCH,
            &format!("/agenda/{item}"),
            Some(json!({"title": format!("Nội dung {k}")})),
        )
        .await?;
        let mut heard = vec![false; n];
        let mut left = n;
        while left > 0 {
            let (i, when) = tokio::time::timeout(Duration::from_secs(30), rx.recv()).await?.context("channel")?;
            if !heard[i] {
                heard[i] = true;
                left -= 1;
                delays.push(when.saturating_duration_since(at));
            }
        }
    }
    delays.sort();
    let (p50, p95, max) = (percentile(&delays, 50), percentile(&delays, 95), delays[delays.len() - 1]);
    println!("{n} devices live: change → told p50 {p50:.1?}, p95 {p95:.1?}, max {max:.1?}");
    println!(
        "server memory: {rss_before} KiB before, {rss_after} KiB with {n} connected: {per_device:.1} KiB per device"
    );

    // The vote: all present, all casting at once.
    let ids: Vec<&str> = devices.iter().map(|(_, u)| u.as_str()).collect();
    api.call(
        &sec,
        reqwest::Method::PUT,
        &format!("/meetings/{mid}/attendance"),
        Some(json!({"user_ids": ids, "status": "present"})),
    )
    .await?;
    let opened = Instant::now();
    let vote = api
        .call(
            &sec,
            reqwest::Method::POST,
            &format!("/agenda/{item}/votes"),
            Some(json!({"question": "Thông qua", "secret": true})),
        )
        .await?;
    let vid = vote["id"].as_str().context("vote id")?.to_owned();
    let casts = devices.iter().enumerate().map(|(i, (token, _))| {
        let (api, vid) = (&api, &vid);
        async move {
            api.call(token, reqwest::Method::POST, &format!("/votes/{vid}/ballots"), Some(json!({"choice": i % 3})))
                .await
        }
    });
    let results = futures_util::future::join_all(casts).await;
    let counted = opened.elapsed();
    let failed = results.iter().filter(|r| r.is_err()).count();
    let closing = Instant::now();
    let closed = api.call(&sec, reqwest::Method::POST, &format!("/votes/{vid}/close"), None).await?;
    let close_time = closing.elapsed();
    let ballots = closed["result"]["ballots"].as_u64().unwrap_or(0);
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

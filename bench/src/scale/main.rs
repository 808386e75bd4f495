//! `bench-scale`: the office server beyond one machine (issue 31), both backends in the
//! same run — SQLite and files behind one instance; PostgreSQL (`scripts/pg-cluster`,
//! fsync on) and an S3 server (`scripts/s3-server`) behind two instances and a
//! round-robin balancer on loopback. Each instance is its own process (this binary
//! re-run with `--serve`), so its CPU time and memory are its own. Per backend:
//!
//! - feed throughput: 50 writers at once (secretaries editing agenda items, each edit one
//!   feed write) for `--seconds`: committed writes per second;
//! - a change → every live device (one WebSocket each, spread over the instances):
//!   p50/p95/max over five changes (target p95 ≤ 1 s);
//! - a secret vote of every device, all casting at once: open → every ballot counted
//!   (target ≤ 2 s);
//! - every laptop syncing the meeting at once (logged in before): each reads the change feed and
//!   downloads every document with the client's HTTP layer (`meeting_client::api::Api`:
//!   the sync's own requests, 4 downloads in flight), hashing the bytes and discarding
//!   them (500 copies of 200 MB would not fit on a disk): p50/p99 time to "ready",
//!   errors (target 0), each instance's CPU seconds and peak memory.
//!
//! Full size: 500 devices, a 200 MB meeting; `--quick` (the test command): 50 devices,
//! 20 MB. `cargo run --release -p meeting-bench --bin bench-scale [-- --devices N --mb M]`;
//! `--no-sync` leaves the sync out (minutes at full size) to measure the rest quickly;
//! `--backend sqlite` or `--backend postgres` runs one of the two.

use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::StreamExt as _;
use meeting_bench::api::{Api, percentile};
use meeting_protocol::{ChangeOp, Entity, Role};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncBufReadExt as _;

/// Writers of the throughput phase.
const WRITERS: usize = 50;
/// Size of one document of the synced meeting.
const DOC_MB: usize = 20;

fn main() -> ExitCode {
    if let Some(dir) = meeting_bench::arg("--serve") {
        return meeting_bench::exit("bench-scale server", serve(&dir));
    }
    meeting_bench::exit("bench-scale", run())
}

/// The child: one instance on the store its flags name; with `--seed N`, first a fresh
/// office of a secretary, a leader and N devices' users.
fn serve(dir: &str) -> anyhow::Result<bool> {
    let mut config = meeting_server::Config::new(dir);
    config.database = meeting_bench::arg("--database");
    if let Some(bucket) = meeting_bench::arg("--bucket") {
        let endpoint = meeting_bench::arg("--s3-endpoint");
        let s3 =
            meeting_server::blobs::S3Location::parse(&bucket, endpoint.as_deref(), None).map_err(anyhow::Error::msg)?;
        config.blobs = Some(meeting_server::blobs::BlobLocation::S3(s3));
    }
    config.converter.program = None;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let state = tokio::task::spawn_blocking(move || -> anyhow::Result<meeting_server::AppState> {
            let state = meeting_server::AppState::open(config)?;
            if let Some(n) = meeting_bench::arg("--seed") {
                let n: usize = n.parse()?;
                meeting_server::create_user(&state, "secretary", "Thư ký", Role::Secretary, meeting_bench::PASSWORD)?;
                meeting_server::create_user(&state, "leader", "Lãnh đạo", Role::Leader, meeting_bench::PASSWORD)?;
                for i in 0..n {
                    let (name, display) = (format!("d{i:03}"), format!("Đại biểu {i}"));
                    meeting_server::create_user(&state, &name, &display, Role::Leader, meeting_bench::PASSWORD)?;
                }
            }
            Ok(state)
        })
        .await??;
        state.start_room().await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("listening on http://{}", listener.local_addr()?);
        meeting_server::serve(listener, state, std::future::pending()).await?;
        Ok(true)
    })
}

/// One running instance.
struct Instance {
    child: tokio::process::Child,
    pid: u32,
    url: String,
}

impl Instance {
    async fn start(dir: &Path, store: &[String], seed: Option<usize>) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut cmd = tokio::process::Command::new(std::env::current_exe()?);
        cmd.arg("--serve").arg(dir).args(store).stdout(Stdio::piped()).kill_on_drop(true);
        cmd.env("AWS_ACCESS_KEY_ID", "bench").env("AWS_SECRET_ACCESS_KEY", "bench");
        if let Some(n) = seed {
            cmd.args(["--seed", &n.to_string()]);
        }
        let mut child = cmd.spawn()?;
        let pid = child.id().context("server pid")?;
        let mut lines = tokio::io::BufReader::new(child.stdout.take().context("stdout")?).lines();
        let first = tokio::time::timeout(Duration::from_secs(600), lines.next_line()).await??.unwrap_or_default();
        let url = first.strip_prefix("listening on ").context("an instance did not start")?.to_owned();
        Ok(Self { child, pid, url })
    }

    /// CPU seconds used so far (user + system).
    fn cpu(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<u64> = rest.split_whitespace().filter_map(|v| v.parse().ok()).collect();
        let ticks = f.get(10).copied().unwrap_or(0) + f.get(11).copied().unwrap_or(0);
        ticks as f64 / 100.0
    }

    /// Peak resident memory, MiB.
    fn peak_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        kib as f64 / 1024.0
    }
}

/// The figures of one backend.
struct Figures {
    label: &'static str,
    writes_per_sec: f64,
    live: (Duration, Duration, Duration),
    vote: Duration,
    ballots: u64,
    /// p50/p99 to "ready", and the errors; `None` with `--no-sync`.
    sync: Option<(Duration, Duration, usize)>,
    instances: Vec<(f64, f64)>,
}

fn run() -> anyhow::Result<bool> {
    let n = meeting_bench::sized("--devices", 500, 50);
    let mb = meeting_bench::sized("--mb", 200, 20);
    let seconds = meeting_bench::sized("--seconds", 10, 2);
    raise_open_files();
    let work = tempfile::tempdir()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let rt = tokio::runtime::Runtime::new()?;
    let mut all = Vec::new();
    let backend = meeting_bench::arg("--backend");
    let (sqlite, postgres) = match backend.as_deref() {
        None => (true, true),
        Some("sqlite") => (true, false),
        Some("postgres") => (false, true),
        Some(other) => bail!("--backend {other}: sqlite or postgres"),
    };

    if sqlite {
        let figures = rt.block_on(async {
            let one = Instance::start(&work.path().join("sqlite"), &[], Some(n)).await?;
            measure("SQLite + files, 1 instance", vec![one], None, n, mb, seconds).await
        })?;
        all.push(figures);
    }
    if !postgres {
        return Ok(report(&all, n, mb));
    }

    // PostgreSQL with fsync on (as an office would run it) and the S3 server.
    let pg_dir = work.path().join("pg");
    let s3_dir = work.path().join("s3");
    let pg = script(&root, "pg-cluster", "start", &pg_dir, &[("PG_FSYNC", "on")])?;
    let s3 = script(&root, "s3-server", "start", &s3_dir, &[]);
    let outcome = (|| -> anyhow::Result<Figures> {
        let s3 = s3?;
        rt.block_on(async {
            create_bucket(&s3, "bench-scale").await?;
            let store = vec![
                "--database".to_owned(),
                format!("{pg}/postgres"),
                "--bucket".to_owned(),
                "s3://bench-scale".to_owned(),
                "--s3-endpoint".to_owned(),
                s3.clone(),
            ];
            let a = Instance::start(&work.path().join("a"), &store, Some(n)).await?;
            let b = Instance::start(&work.path().join("b"), &store, None).await?;
            let lb = meeting_e2e::balancer::Balancer::start(vec![addr(&a.url)?, addr(&b.url)?]).await.url;
            measure("PostgreSQL + S3, 2 instances", vec![a, b], Some(lb), n, mb, seconds).await
        })
    })();
    let _ = script(&root, "s3-server", "stop", &s3_dir, &[]);
    let _ = script(&root, "pg-cluster", "stop", &pg_dir, &[]);
    all.push(outcome?);
    Ok(report(&all, n, mb))
}

fn addr(url: &str) -> anyhow::Result<std::net::SocketAddr> {
    Ok(url.trim_start_matches("http://").parse()?)
}

/// Runs `scripts/NAME COMMAND DIR`; its output's last line.
fn script(root: &Path, name: &str, command: &str, dir: &Path, env: &[(&str, &str)]) -> anyhow::Result<String> {
    let mut cmd = std::process::Command::new("bash");
    cmd.arg(root.join("scripts").join(name)).arg(command).arg(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output()?;
    if !out.status.success() {
        bail!("scripts/{name} {command}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().trim().to_owned())
}

/// Creates a bucket on the test S3 server (moto checks no signature, but wants one).
async fn create_bucket(endpoint: &str, name: &str) -> anyhow::Result<()> {
    let auth = "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";
    let resp = reqwest::Client::new().put(format!("{endpoint}/{name}")).header("authorization", auth).send().await?;
    if !resp.status().is_success() {
        bail!("cannot create bucket {name}: {}", resp.status());
    }
    Ok(())
}

/// 500 laptops with 4 downloads each, and the balancer's two sockets per connection,
/// need more descriptors than a shell's default soft limit.
fn raise_open_files() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    limit.current = limit.maximum;
    let _ = setrlimit(Resource::Nofile, limit);
}

async fn measure(
    label: &'static str,
    instances: Vec<Instance>,
    balancer: Option<String>,
    n: usize,
    mb: usize,
    seconds: usize,
) -> anyhow::Result<Figures> {
    let url = balancer.unwrap_or_else(|| instances[0].url.clone());
    eprintln!("== {label}: {n} devices, a {mb} MB meeting, at {url}");
    let api = Api::new(&url, n + WRITERS + 8)?;
    let (sec, _) = api.login("secretary").await?;

    // The meeting: N members, WRITERS agenda items, documents of DOC_MB (smaller when the
    // meeting is).
    let prepared = meeting_bench::Prepared::meeting(&url, "Hội nghị toàn tỉnh").await?;
    let mid = prepared.meeting.clone();
    let mut items = Vec::new();
    for i in 0..WRITERS {
        items.push(prepared.add_item(&format!("Nội dung {i}")).await?);
    }
    let syncing = !std::env::args().any(|a| a == "--no-sync");
    let doc_mb = DOC_MB.min(mb.div_ceil(4).max(1));
    let font = meeting_server::demo::load_font()?;
    for d in 0..if syncing { mb.div_ceil(doc_mb) } else { 0 } {
        let title = format!("Tài liệu {d}");
        let blocks = vec![meeting_server::demo::pdf::Block::Paragraph(format!("Tài liệu số {d} của hội nghị."))];
        let (pdf, _) = meeting_server::demo::pdf::render_padded(&font, &title, &blocks, 2, doc_mb * 1024 * 1024)?;
        prepared.upload(&format!("tai-lieu-{d}.pdf"), pdf).await?;
    }
    let mut devices = Vec::with_capacity(n);
    for i in 0..n {
        let (token, uid) = api.login(&format!("d{i:03}")).await?;
        let path = format!("/meetings/{mid}/participants/{uid}");
        api.call(&sec, reqwest::Method::PUT, &path, Some(json!({"role": "member"}))).await?;
        devices.push((token, uid));
    }

    // Every laptop syncing at once, first: the phases below add thousands of feed rows
    // that a laptop syncing the meeting would read too.
    let cpu_before: Vec<f64> = instances.iter().map(Instance::cpu).collect();
    let sync = if syncing { Some(sync_all(&url, &devices, mb).await?) } else { None };
    let sync_cpu: Vec<f64> = instances.iter().zip(&cpu_before).map(|(i, before)| i.cpu() - before).collect();

    // Feed throughput.
    let writes = throughput(&api, &sec, &items, Duration::from_secs(seconds as u64)).await?;
    let writes_per_sec = writes as f64 / seconds as f64;
    eprintln!("{WRITERS} writers for {seconds} s: {writes} writes, {writes_per_sec:.0}/s");

    // A change → every device, then the vote.
    let tokens: Vec<&str> = devices.iter().map(|(t, _)| t.as_str()).collect();
    let mut listening = meeting_bench::live::connect(&url, &tokens).await?;
    let live = listening.changes(&api, &sec, &items[0], 5).await?;
    drop(listening);
    let voted = meeting_bench::live::vote(&api, &sec, &mid, &items[0], &devices).await?;
    let (vote, ballots) = (voted.counted, voted.ballots);
    eprintln!("live p95 {:.1?}; vote {vote:.2?}, {ballots} ballots, {} refused", live.1, voted.failed);

    let figures = instances.iter().zip(sync_cpu).map(|(i, cpu)| (cpu, i.peak_mib())).collect();
    for mut i in instances {
        let _ = i.child.kill().await;
    }
    Ok(Figures { label, writes_per_sec, live, vote, ballots, sync, instances: figures })
}

/// Every laptop syncing the meeting at once: p50/p99 to "ready", and the errors.
async fn sync_all(url: &str, devices: &[(String, String)], mb: usize) -> anyhow::Result<(Duration, Duration, usize)> {
    let started = Instant::now();
    let laptops = devices.iter().map(|(token, _)| {
        let (url, token) = (url.to_owned(), token.clone());
        tokio::spawn(async move { laptop(&url, token).await })
    });
    let mut times = Vec::new();
    let mut errors = Vec::new();
    for l in futures_util::future::join_all(laptops).await {
        match l? {
            Ok((t, bytes)) if bytes >= (mb as u64) * 1024 * 1024 * 9 / 10 => times.push(t),
            Ok((_, bytes)) => errors.push(format!("only {bytes} bytes synced")),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    let wall = started.elapsed();
    times.sort();
    eprintln!(
        "{} laptops synced in {wall:.1?}; {} errors {:?}",
        devices.len(),
        errors.len(),
        errors.iter().take(3).collect::<Vec<_>>()
    );
    Ok(if times.is_empty() {
        (wall, wall, errors.len())
    } else {
        (percentile(&times, 50), percentile(&times, 99), errors.len())
    })
}

/// `WRITERS` secretaries' edits, each on its own agenda item, for `length`: how many
/// committed.
async fn throughput(api: &Api, sec: &str, items: &[String], length: Duration) -> anyhow::Result<usize> {
    let until = Instant::now() + length;
    let writers = items.iter().map(|item| async move {
        let mut done = 0usize;
        while Instant::now() < until {
            let body = json!({"title": format!("Nội dung, bản {done}")});
            api.call(sec, reqwest::Method::PATCH, &format!("/agenda/{item}"), Some(body)).await?;
            done += 1;
        }
        anyhow::Ok(done)
    });
    let mut total = 0;
    for r in futures_util::future::join_all(writers).await {
        total += r?;
    }
    Ok(total)
}

/// One laptop, logged in already (as every laptop of an office is on the morning of a
/// meeting: a session lasts 90 days): reads the feed, downloads every document it lists
/// (4 at once), hashing each against its name; the time to "ready" and the bytes.
async fn laptop(url: &str, token: String) -> anyhow::Result<(Duration, u64)> {
    let t = Instant::now();
    let api = meeting_client::api::Api::new(url, Some(token))?;
    let (mut since, mut docs) = (0, Vec::new());
    loop {
        let asked = Instant::now();
        let page = api.changes(since, 500).await.with_context(|| format!("feed page after {:.1?}", asked.elapsed()))?;
        for c in page.changes {
            if let ChangeOp::Upsert { entity: Entity::Document(d) } = c.op {
                docs.push((d.sha256, u64::try_from(d.size).unwrap_or(0)));
            }
        }
        since = page.next_since;
        if !page.has_more {
            break;
        }
    }
    let api = &api;
    let mut downloads = futures_util::stream::iter(docs)
        .map(|(sha, size)| async move {
            // As the client's sync does: an instance that is busy says when to come back.
            let asked = Instant::now();
            let mut resp = meeting_client::api::patiently(|| api.blob(&sha, 0))
                .await
                .with_context(|| format!("blob after {:.1?}", asked.elapsed()))?;
            let (mut hasher, mut got) = (Sha256::new(), 0u64);
            while let Some(chunk) = resp.chunk().await? {
                hasher.update(&chunk);
                got += chunk.len() as u64;
            }
            if got != size || hex::encode(hasher.finalize()) != sha {
                bail!("blob {sha}: {got} of {size} bytes, or not its hash");
            }
            anyhow::Ok(got)
        })
        .buffer_unordered(4);
    let mut bytes = 0;
    while let Some(r) = downloads.next().await {
        bytes += r?;
    }
    Ok((t.elapsed(), bytes))
}

fn report(all: &[Figures], n: usize, mb: usize) -> bool {
    println!("bench-scale: {n} devices, a {mb} MB meeting");
    let mut ok = true;
    for f in all {
        let (p50, p95, max) = f.live;
        println!("{}:", f.label);
        println!("  feed writes, {WRITERS} writers: {:.0}/s", f.writes_per_sec);
        println!("  change → {n} live devices: p50 {p50:.1?}, p95 {p95:.1?}, max {max:.1?}");
        println!("  secret vote of {n}: open → {} ballots counted in {:.2?}", f.ballots, f.vote);
        if let Some((p50, p99, errors)) = f.sync {
            println!("  {n} laptops × {mb} MB: ready p50 {p50:.1?}, p99 {p99:.1?}, errors {errors}");
            for (i, (cpu, mem)) in f.instances.iter().enumerate() {
                println!("  instance {}: {cpu:.1} CPU s during the sync, peak {mem:.0} MiB", i + 1);
            }
        }
        if p95 > Duration::from_secs(1) {
            println!("  FAIL: live p95 {p95:?} is over 1 s");
            ok = false;
        }
        if f.vote > Duration::from_secs(2) || f.ballots != n as u64 {
            println!("  FAIL: the vote took {:?} for {}/{n} ballots (target ≤ 2 s)", f.vote, f.ballots);
            ok = false;
        }
        if let Some((_, _, errors @ 1..)) = f.sync {
            println!("  FAIL: {errors} laptops did not sync");
            ok = false;
        }
    }
    if ok {
        println!("PASS");
    }
    ok
}

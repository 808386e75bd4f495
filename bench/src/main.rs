//! `bench-sync`: the sync engine against `curl` and against a plaintext download of the
//! same blobs, in the same run.
//!
//! Builds a meeting of 50 generated PDFs (≥ 200 MB) on a real server on 127.0.0.1, then
//! alternates, `--rounds` times: a full sync into a fresh profile (parallel 4, sealed at
//! rest), `curl --parallel --parallel-max 4` fetching the same 50 blobs, and the
//! plaintext floor of `plain_fetch` (the sync's download path without sealing). Reports
//! medians, the ratios (targets: ≤ 1.2× curl with the same durability, ≤ 1.1× plaintext),
//! and the time of a sync with nothing new (target ≤ 50 ms). Exits non-zero when it
//! prints FAIL.
//!
//! The sync fsyncs every blob before marking it available; plain curl leaves the bytes
//! in the page cache. So a second peer, curl followed by an fsync of its files
//! (coreutils `sync FILE…`), shows the cost of the same durability on this disk. The gate
//! compares against that peer: plain curl's ratio is printed too, but no download that
//! must survive a power cut can match a copy left in the page cache.
//! Run with `cargo run --release -p meeting-bench --bin bench-sync -- [--rounds N]`.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use meeting_bench::{LocalServer, PASSWORD, Prepared};

mod plain_fetch;

/// Documents synced (`--docs`).
const DOCS: usize = 50;
const DOC_BYTES: usize = 4 * 1024 * 1024 + 200 * 1024;
const PARALLEL: usize = 4;

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> ExitCode {
    meeting_bench::exit("bench-sync", run())
}

fn run() -> anyhow::Result<bool> {
    let rounds = meeting_bench::sized("--rounds", 3, 1);
    let docs = meeting_bench::sized("--docs", DOCS, 4);
    let work = tempfile::tempdir()?;

    let server = LocalServer::start(&work.path().join("server"))?;
    let url = server.url.clone();

    let rt = tokio::runtime::Runtime::new()?;
    let (token, shas) = rt.block_on(prepare(&url, docs))?;
    eprintln!("prepared {docs} documents, {} MB, at {url}", docs * DOC_BYTES / 1_000_000);

    let mut ours = Vec::new();
    let mut curls = Vec::new();
    let mut durable_curls = Vec::new();
    let mut plains = Vec::new();
    // CPU time of this process (both phases run here; the server is another process).
    let (mut cpu_ours, mut cpu_plain) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let profile_dir = work.path().join(format!("profile-{round}"));
        let profile = meeting_client::Profile::open(&profile_dir)?;
        rt.block_on(profile.login(&url, "leader", PASSWORD))?;
        let (t, cpu) = (Instant::now(), cpu_time());
        let report = rt.block_on(meeting_client::sync(&profile, &meeting_client::SyncOptions::default(), &|_| {}))?;
        let took = t.elapsed();
        cpu_ours.push(cpu_time().saturating_sub(cpu));
        if report.blobs_downloaded != docs || !report.failed.is_empty() {
            bail!("sync fetched {} of {docs} documents: {:?}", report.blobs_downloaded, report.failed);
        }
        ours.push(took);

        let curl_dir = work.path().join(format!("curl-{round}"));
        let took = curl(&url, &token, &shas, &curl_dir)?;
        curls.push(took);
        let synced = took + fsync_files(&curl_dir, &shas)?;
        durable_curls.push(synced);
        eprintln!(
            "round {}: sync {:.0} ms, curl {:.0} ms, curl + fsync {:.0} ms",
            round + 1,
            ours[round].as_secs_f64() * 1e3,
            took.as_secs_f64() * 1e3,
            synced.as_secs_f64() * 1e3
        );
        std::fs::remove_dir_all(&curl_dir)?;

        let plain_dir = work.path().join(format!("plain-{round}"));
        let cpu = cpu_time();
        plains.push(rt.block_on(plain_fetch::fetch_all(&url, &token, &shas, &plain_dir, PARALLEL))?);
        cpu_plain.push(cpu_time().saturating_sub(cpu));
        eprintln!("round {}: plaintext download {:.0} ms", round + 1, plains[round].as_secs_f64() * 1e3);
        std::fs::remove_dir_all(&plain_dir)?;
        if round + 1 < rounds {
            std::fs::remove_dir_all(&profile_dir)?;
        }
    }

    // Nothing new: the last profile is complete.
    let profile = meeting_client::Profile::open(&work.path().join(format!("profile-{}", rounds - 1)))?;
    // Encrypted at rest: opened as after a restart, with the password (not timed).
    profile.unlock(PASSWORD)?;
    let mut noop = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let r = rt.block_on(meeting_client::sync(&profile, &meeting_client::SyncOptions::default(), &|_| {}))?;
        noop.push(t.elapsed());
        if r.bytes_downloaded != 0 {
            bail!("a sync with nothing new downloaded {} bytes", r.bytes_downloaded);
        }
    }

    let (o, c, n) = (median(&mut ours), median(&mut curls), median(&mut noop));
    let d = median(&mut durable_curls);
    let p = median(&mut plains);
    let plain_ratio = o.as_secs_f64() / p.as_secs_f64();
    let ratio = o.as_secs_f64() / c.as_secs_f64();
    let durable_ratio = o.as_secs_f64() / d.as_secs_f64();
    let mb = (docs * DOC_BYTES) as f64 / 1e6;
    println!("full sync of {docs} documents ({mb:.0} MB), parallel {PARALLEL}, median of {rounds}:");
    println!(
        "  meeting sync   {:>8.0} ms  ({:.0} MB/s, hashed + fsynced)",
        o.as_secs_f64() * 1e3,
        mb / o.as_secs_f64()
    );
    println!("  curl --parallel{:>8.0} ms  ({:.0} MB/s)", c.as_secs_f64() * 1e3, mb / c.as_secs_f64());
    println!("  curl + fsync   {:>8.0} ms  (the same durability as the sync)", d.as_secs_f64() * 1e3);
    println!("  ratio vs curl          {ratio:>6.2}×  (not fsynced: shown, not gated)");
    println!("  plaintext      {:>8.0} ms  (the same downloads, hashed + fsynced, not sealed)", p.as_secs_f64() * 1e3);
    println!("  ratio vs curl + fsync  {durable_ratio:>6.2}×  (target ≤ 1.20×)");
    println!("  ratio vs plaintext     {plain_ratio:>6.2}×  (target ≤ 1.10×: the cost of encryption at rest)");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "  CPU of the client     sync {:.0} ms, plaintext {:.0} ms ({cores} cores: a wall time near CPU / {cores} is CPU-bound)",
        median(&mut cpu_ours).as_secs_f64() * 1e3,
        median(&mut cpu_plain).as_secs_f64() * 1e3
    );
    println!(
        "sync with nothing new: median {:.1} ms, max {:.1} ms (target ≤ 50 ms)",
        n.as_secs_f64() * 1e3,
        noop.iter().max().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );
    let pass = durable_ratio <= 1.2 && plain_ratio <= 1.1 && n <= Duration::from_millis(50);
    println!("{}", if pass { "PASS" } else { "FAIL: a target was missed" });
    Ok(pass)
}

/// User + system CPU time of this process so far (`/proc/self/stat`, in clock ticks of
/// 10 ms on Linux; zero where it cannot be read).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest.split_whitespace().skip(11).take(2).filter_map(|f| f.parse::<u64>().ok()).sum();
    Duration::from_millis(ticks * 10)
}

/// Creates the meeting and uploads the documents; returns the leader's token and the hashes.
async fn prepare(url: &str, docs: usize) -> anyhow::Result<(String, Vec<String>)> {
    let prepared = Prepared::meeting(url, "Họp đo hiệu năng").await?;
    let font = meeting_server::demo::load_font()?;
    let mut shas = Vec::new();
    for i in 0..docs {
        let title = format!("Tài liệu số {i}");
        let blocks = [meeting_server::demo::pdf::Block::Heading(title.clone())];
        let (pdf, _) = meeting_server::demo::pdf::render_padded(&font, &title, &blocks, 2, DOC_BYTES)?;
        shas.push(prepared.upload(&format!("tai-lieu-{i}.pdf"), pdf).await?.1);
    }
    Ok((prepared.leader, shas))
}

/// Makes curl's files durable the way the sync makes its blobs durable.
fn fsync_files(dir: &Path, shas: &[String]) -> anyhow::Result<Duration> {
    let t = Instant::now();
    let status = Command::new("sync").args(shas.iter().map(|s| dir.join(s))).status().context("running sync")?;
    if !status.success() {
        bail!("sync failed: {status}");
    }
    Ok(t.elapsed())
}

fn curl(url: &str, token: &str, shas: &[String], dir: &Path) -> anyhow::Result<Duration> {
    std::fs::create_dir_all(dir)?;
    let mut config = String::new();
    for sha in shas {
        config.push_str(&format!("url = \"{url}/api/v1/blobs/{sha}\"\noutput = \"{}\"\n", dir.join(sha).display()));
    }
    let cfg = dir.join("curl.cfg");
    std::fs::write(&cfg, config)?;
    let t = Instant::now();
    let status = Command::new("curl")
        .args([
            "--silent",
            "--show-error",
            "--no-progress-meter",
            "--fail",
            "--parallel",
            "--parallel-max",
            &PARALLEL.to_string(),
        ])
        .arg("-H")
        .arg(format!("Authorization: Bearer {token}"))
        .arg("-K")
        .arg(&cfg)
        .status()
        .context("running curl (Debian package curl)")?;
    let took = t.elapsed();
    if !status.success() {
        bail!("curl failed: {status}");
    }
    Ok(took)
}

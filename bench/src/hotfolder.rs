//! `bench-hotfolder`: from a file becoming stable in a meeting's hot folder to the
//! document being available offline on a leader's synced device, over loopback.
//! A file is written under a temporary name and renamed (the moment it is complete);
//! the watcher takes it after the stability delay, uploads it, the leader's device
//! syncs (polling every 100 ms here; the app syncs every minute or on demand) and has
//! it verified. Reported: p50 and p95 of that time. Target: ≤ the stability delay + 2 s.
//! `cargo run --release -p meeting-bench --bin bench-hotfolder [-- --files N --stable-ms N]`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use meeting_bench::{LocalServer, PASSWORD, Prepared, arg_or};
use meeting_client::hotfolder::watch::{WatchOptions, watch};

fn main() -> ExitCode {
    meeting_bench::exit("bench-hotfolder", run())
}

fn run() -> anyhow::Result<bool> {
    let files = meeting_bench::sized("--files", 12, 2);
    let stable = Duration::from_millis(arg_or("--stable-ms", 1000) as u64);
    let dir = tempfile::tempdir()?;
    let server = LocalServer::start(&dir.path().join("server"))?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let prepared = rt.block_on(Prepared::meeting(&server.url, "Họp theo thư mục"))?;
    let meeting = uuid::Uuid::parse_str(&prepared.meeting)?;
    let secretary = meeting_client::Profile::open(&dir.path().join("secretary"))?;
    let leader = meeting_client::Profile::open(&dir.path().join("leader"))?;
    rt.block_on(secretary.login(&server.url, "secretary", PASSWORD))?;
    rt.block_on(leader.login(&server.url, "leader", PASSWORD))?;
    let folder = dir.path().join("folder");
    std::fs::create_dir_all(folder.join("01 - Báo cáo"))?;

    // The watcher on a thread of its own, as in the app, on a clone of the secretary's
    // profile: clones share the unlocked keys (a second `Profile::open` would be locked
    // on a machine without an OS keystore). Its error, if it stops, ends the benchmark.
    let (profile, wf) = (secretary.clone(), folder.clone());
    let watcher = std::thread::spawn(move || -> anyhow::Result<()> {
        let rt = tokio::runtime::Runtime::new()?;
        let opts = WatchOptions { stable, ..WatchOptions::default() };
        rt.block_on(watch(&profile, meeting, &wf, &opts, &|_| {}))?;
        anyhow::bail!("the watcher stopped")
    });
    std::thread::sleep(Duration::from_secs(1));

    let mut latencies = Vec::new();
    for n in 0..files {
        let (pdf, _) = meeting_bench::long_document(2)?;
        let (tmp, name) = (
            folder.join(format!("01 - Báo cáo/tai-lieu-{n}.pdf.part")),
            folder.join(format!("01 - Báo cáo/tai-lieu-{n}.pdf")),
        );
        std::fs::write(&tmp, &pdf)?;
        std::fs::rename(&tmp, &name)?;
        let t = Instant::now();
        let title = format!("tai-lieu-{n}");
        loop {
            rt.block_on(meeting_client::sync(&leader, &meeting_client::SyncOptions::default(), &|_| {}))?;
            let local = leader.store()?.meeting(&prepared.meeting)?;
            let ready = local.is_some_and(|m| {
                m.agenda.iter().flat_map(|i| &i.documents).any(|d| d.document.title == title && d.available_offline)
            });
            if ready {
                break;
            }
            if watcher.is_finished() {
                return match watcher.join() {
                    Ok(Err(e)) => Err(e.context("the hot folder's watcher")),
                    _ => anyhow::bail!("the hot folder's watcher panicked"),
                };
            }
            anyhow::ensure!(t.elapsed() < Duration::from_secs(60), "{title} never reached the leader's device");
            std::thread::sleep(Duration::from_millis(100));
        }
        latencies.push(t.elapsed());
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    let (p50, p95) = (pct(0.5), pct(0.95));
    let target = stable + Duration::from_secs(2);
    println!("bench-hotfolder: {files} files, stability delay {} ms", stable.as_millis());
    println!(
        "  stable in the folder → available offline on the leader's device: p50 {} ms, p95 {} ms",
        p50.as_millis(),
        p95.as_millis()
    );
    let ok = p95 <= target;
    println!("  target p95 ≤ {} ms: {}", target.as_millis(), if ok { "PASS" } else { "FAIL" });
    Ok(ok)
}

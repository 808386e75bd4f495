//! `bench-memory`: the desktop app's memory while a leader reads a 500-page document
//! from the first page to the last.
//!
//! A server in this process holds a meeting with a generated 500-page document; a
//! client profile is logged in and synced; the real app (`phonghop`, release build by
//! default) starts on it under Xvfb through tauri-driver, opens the meeting and the
//! document, and is scrolled a screen at a time to the end, each step waiting until the
//! pages on screen are painted. Every process of the app is sampled at each step (found
//! by the profile in its environment): the app, WebKit's web and network processes, and
//! the PDF worker. PSS splits shared pages fairly between processes, so their sum is
//! the app's real footprint; RSS is shown beside it.
//!
//! Target: the peak of the summed PSS ≤ 250 MB.
//! `cargo run --release -p meeting-bench --bin bench-memory [-- --app PATH] [--pages N]`;
//! needs what the desktop E2E needs (scripts/setup) and the app built
//! (`scripts/build-app --release`: the app, its PDF worker and its WebKit stand-ins).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use meeting_bench::procmem::{self, Mem, Sample, mb, total};
use meeting_bench::{LocalServer, VISIBLE_PAINTED, arg, arg_or};
use meeting_e2e::desktop::{Desktop, INK, missing};
use serde_json::json;

const TARGET_MB: f64 = 250.0;

fn main() -> ExitCode {
    meeting_bench::exit("bench-memory", run())
}

/// The app's processes (found by the profile in their environment) and their memory now.
fn sample(profile: &Path) -> Sample {
    procmem::sample(&format!("MEETING_PROFILE={}", profile.display()))
}

const SCROLL: &str = "const s = document.querySelector('[data-testid=scroller]');
  s.scrollTop = s.scrollTop + Math.round(s.clientHeight * 0.9);
  return [s.scrollTop, s.scrollHeight - s.clientHeight];";

fn run() -> anyhow::Result<bool> {
    let app = arg("--app").map(PathBuf::from).unwrap_or_else(|| {
        let exe = std::env::current_exe().unwrap_or_default();
        exe.parent().map(|d| d.join("phonghop")).unwrap_or_default()
    });
    let pages = arg_or("--pages", 500);
    if let Some(msg) = missing(&app) {
        bail!("{msg}");
    }
    let work = tempfile::tempdir()?;
    let server = LocalServer::start(&work.path().join("server"))?;
    let profile_dir = work.path().join("profile");
    let rt = tokio::runtime::Runtime::new()?;
    let (pdf, pages) = meeting_bench::long_document(pages)?;
    rt.block_on(meeting_bench::leader_reads(
        &server.url,
        "Họp đọc tài liệu dài",
        "tai-lieu-dai.pdf",
        pdf,
        &profile_dir,
    ))?;
    eprintln!("synced a {pages}-page document; starting {}", app.display());

    let (idle, opened, samples, steps, took) = rt.block_on(async {
        let desktop = Desktop::launch(&app, &profile_dir).await;
        let s = &desktop.session;
        let long = Duration::from_secs(60);
        let meeting = meeting_bench::past_the_lock(s).await;
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let idle = sample(&profile_dir);
        s.click(&meeting).await;
        s.click(&s.wait_for("[data-testid=document][data-available=true]", 1, long).await[0]).await;
        s.wait_until("the first page painted", &format!("return ({INK}) > 0"), json!([0]), long).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let opened = sample(&profile_dir);

        let mut samples = vec![opened.clone()];
        let t = Instant::now();
        let mut steps = 0usize;
        loop {
            let v = s.script(SCROLL, json!([])).await;
            let (top, max) = (v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0));
            s.wait_until("the pages on screen painted", VISIBLE_PAINTED, json!([]), Duration::from_secs(20)).await;
            samples.push(sample(&profile_dir));
            steps += 1;
            if top >= max - 1.0 || steps > pages * 10 {
                break;
            }
        }
        let took = t.elapsed();
        s.wait_until(
            "the last page painted",
            &format!("return ({INK}) > 0"),
            json!([pages - 1]),
            Duration::from_secs(20),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        samples.push(sample(&profile_dir));
        desktop.quit().await;
        anyhow::Ok((idle, opened, samples, steps, took))
    })?;
    let end = samples.last().cloned().context("no sample")?;

    let roles: Vec<&String> =
        samples.iter().flat_map(|s| s.keys()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    println!(
        "desktop app reading a {pages}-page document: opened, then scrolled to the end in {steps} screens ({:.1} s)",
        took.as_secs_f64()
    );
    let row = |name: &str, cols: [Mem; 4]| {
        print!("  {name:<22}");
        for c in cols {
            print!("   {:>6.0} / {:>5.0}", mb(c.pss), mb(c.rss));
        }
        println!();
    };
    println!("  MB (PSS / RSS)           meetings list           opened             peak              end");
    let mut app_peak = Mem::default();
    for role in roles {
        let get = |s: &Sample| s.get(role).copied().unwrap_or_default();
        let peak = samples.iter().map(get).fold(Mem::default(), Mem::max);
        if role.starts_with("app") {
            app_peak = peak;
        }
        row(role, [get(&idle), get(&opened), peak, get(&end)]);
    }
    let peak = samples.iter().map(total).fold(Mem::default(), Mem::max);
    row("all processes", [total(&idle), total(&opened), peak, total(&end)]);
    let peak_pss = peak.pss;
    println!("the app's own process alone: peak RSS {:.0} MB", mb(app_peak.rss));
    let pass = mb(peak_pss) <= TARGET_MB;
    println!("peak of the summed PSS: {:.0} MB (target ≤ {TARGET_MB:.0} MB)", mb(peak_pss));
    println!("{}", if pass { "PASS" } else { "FAIL: a target was missed" });
    Ok(pass)
}

//! `bench-convert`: 20 office documents (DOCX and XLSX with Vietnamese text) through the
//! server's converter service (its workers, each with its own LibreOffice profile) vs the
//! same files converted by one `soffice` process after another, in the same run.
//! Reported: documents per minute each way and the ratio. Target: the service at least
//! 1.5× the one-after-another peer on this 2-core machine.
//! `cargo run --release -p meeting-bench --bin bench-convert [-- --docs N --workers N]`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use meeting_bench::arg_or;
use meeting_e2e::office;
use meeting_server::convert::{Converter, ConverterConfig, find_program};

const TARGET_RATIO: f64 = 1.5;

fn main() -> ExitCode {
    meeting_bench::exit("bench-convert", run())
}

fn run() -> anyhow::Result<bool> {
    let docs = meeting_bench::sized("--docs", 20, 2);
    let workers = arg_or("--workers", 2);
    let soffice = find_program().context("LibreOffice (soffice) is needed: scripts/setup installs it")?;
    let dir = tempfile::tempdir()?;
    let mut files = Vec::new();
    for n in 0..docs {
        let (name, bytes) = if n % 2 == 0 {
            let paras: Vec<String> = (0..40)
                .map(|i| format!("Đoạn {i}: đẩy mạnh cải cách hành chính, chuyển đổi số, giải ngân vốn đầu tư công."))
                .collect();
            let refs: Vec<&str> = paras.iter().map(String::as_str).collect();
            (format!("bao-cao-{n}.docx"), office::docx(&format!("Báo cáo số {n}"), &refs))
        } else {
            let rows: Vec<Vec<String>> =
                (0..60).map(|i| vec![format!("Chỉ tiêu {i}"), format!("{} tỷ đồng", 100 + i * 7)]).collect();
            let rows: Vec<Vec<&str>> = rows.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
            let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
            (format!("so-lieu-{n}.xlsx"), office::xlsx(&rows))
        };
        let path = dir.path().join(name);
        std::fs::write(&path, bytes)?;
        files.push(path);
    }
    println!("bench-convert: {docs} office documents, {workers} workers, {}", soffice.display());

    // The peer: one soffice after another, one profile, as a script would do it.
    let out = dir.path().join("sequential");
    let profile = dir.path().join("sequential-profile");
    // A first conversion builds the profile, as the service's workers do before timing.
    let warm = |f: &std::path::Path| {
        std::process::Command::new(&soffice)
            .args(["--headless", "--norestore"])
            .arg(format!("-env:UserInstallation=file://{}", profile.display()))
            .args(["--convert-to", "pdf", "--outdir"])
            .arg(&out)
            .arg(f)
            .output()
    };
    warm(&files[0])?;
    let t = Instant::now();
    for f in &files {
        let o = warm(f)?;
        if !o.status.success() {
            bail!("soffice failed on {}", f.display());
        }
    }
    let sequential = t.elapsed();

    // The service.
    let rt = tokio::runtime::Runtime::new()?;
    let service = rt.block_on(async {
        let mut cfg = ConverterConfig::new(dir.path().join("service"));
        cfg.program = Some(soffice.clone());
        cfg.workers = workers;
        let conv = Converter::start(cfg);
        // Warm every worker's profile, as the peer's was.
        let warmups: Vec<_> = (0..workers)
            .map(|_| {
                let (conv, f) = (conv.clone(), files[0].clone());
                tokio::spawn(async move { conv.convert(&f, "docx").await.map(drop) })
            })
            .collect();
        for w in warmups {
            w.await?.map_err(|e| anyhow::anyhow!("warm-up: {e}"))?;
        }
        let t = Instant::now();
        let jobs: Vec<_> = files
            .iter()
            .map(|f| {
                let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("docx").to_owned();
                let conv = conv.clone();
                let f = f.clone();
                tokio::spawn(async move { conv.convert(&f, &ext).await.map(drop) })
            })
            .collect();
        for j in jobs {
            j.await?.map_err(|e| anyhow::anyhow!("conversion: {e}"))?;
        }
        Ok::<Duration, anyhow::Error>(t.elapsed())
    })?;

    let per_min = |d: Duration| docs as f64 * 60.0 / d.as_secs_f64();
    let ratio = sequential.as_secs_f64() / service.as_secs_f64();
    println!(
        "  one soffice after another: {:>6.1} s  {:>6.1} documents/min",
        sequential.as_secs_f64(),
        per_min(sequential)
    );
    println!("  converter service:         {:>6.1} s  {:>6.1} documents/min", service.as_secs_f64(), per_min(service));
    let ok = ratio >= TARGET_RATIO;
    println!("  ratio {ratio:.2}× (target ≥ {TARGET_RATIO}×): {}", if ok { "PASS" } else { "FAIL" });
    Ok(ok)
}

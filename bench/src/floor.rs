//! WebKitGTK's own floor: what WebKitGTK costs before any of the app's code runs,
//! measured the way the app is (PSS of every process it starts). The memory
//! target counts it; this says how much of the app's figure it is. The program is
//! MiniBrowser, which Debian ships with the WebKitGTK library itself, showing one line
//! of text under the settings the app gives WebKit: glibc's allocator settings, no
//! JavaScript JIT, no GL in GTK, no compositing (the app's `HardwareAccelerationPolicy::Never`).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::procmem::{self, Mem};

/// Where Debian's WebKitGTK puts MiniBrowser.
pub const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/// MiniBrowser's summed memory on `display` once it has settled (the same total PSS
/// over a second, or after 15 s), using `dir` as its home; its processes are killed.
pub fn measure(display: &str, dir: &Path) -> anyhow::Result<Mem> {
    let dir = &crate::evince::home(dir)?;
    let marker = format!("BENCH_FLOOR={}", dir.display());
    let mut child = crate::evince::private(MINIBROWSER, display, dir, "BENCH_FLOOR")
        .arg("data:text/html,<p>Phòng họp không giấy</p>")
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .envs(meeting_pdf::worker::MALLOC_SETTINGS)
        .envs(meeting_client::app::WEB_ENGINE_SETTINGS)
        .spawn()
        .context("MiniBrowser (libwebkit2gtk-4.1-0)")?;
    let until = Instant::now() + Duration::from_secs(15);
    let mut seen: Vec<u64> = Vec::new();
    let settled = loop {
        std::thread::sleep(Duration::from_millis(250));
        let sample = procmem::sample(&marker);
        let now = procmem::total(&sample);
        // Its web process is up and the last second's totals are within 1 MB.
        let web = sample.keys().any(|role| role.starts_with("WebKitWebProces"));
        seen.push(now.pss);
        let last = &seen[seen.len().saturating_sub(4)..];
        let flat = last.len() == 4 && last.iter().max().unwrap_or(&0) - last.iter().min().unwrap_or(&0) < 1024;
        if (web && flat) || Instant::now() > until {
            break now;
        }
    };
    // Its web and network processes are in the process group it leads: all of them go.
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(settled)
}

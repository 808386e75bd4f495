//! Evince (GNOME's document viewer, Debian's `evince`), started and driven the way a
//! user would: opened on a file, paged with the keyboard (`xdotool`), watched on the
//! screen. It is the peer `bench-reader` and `bench-memory` hold the app to.
//!
//! It runs with a home, config and runtime folder of its own (nothing of the machine's
//! user is read or changed), settings from a keyfile (fit width, continuous, no
//! sidebar, as the app reads), no session bus, and `BENCH_PEER=<its folder>` in its
//! environment so that its processes are found for their memory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::{procmem, screen};

/// A running Evince; killed on drop.
pub struct Evince {
    child: Child,
    /// `BENCH_PEER=…`, the marker in its processes' environment.
    pub marker: String,
    display: String,
    window: Option<String>,
}

/// Why Evince cannot be driven here, if it cannot.
pub fn missing() -> Option<String> {
    let need = [("evince", "evince"), ("xdotool", "xdotool"), ("xwd", "x11-apps")];
    let absent: Vec<&str> = need.iter().filter(|(bin, _)| crate::which(bin).is_none()).map(|(_, pkg)| *pkg).collect();
    (!absent.is_empty())
        .then(|| format!("the peer needs Debian's {}: apt-get install {}", absent.join(", "), absent.join(" ")))
}

/// A folder for one Evince: home, settings and runtime.
pub fn home(dir: &Path) -> anyhow::Result<PathBuf> {
    let settings = dir.join("config/glib-2.0/settings");
    std::fs::create_dir_all(&settings)?;
    std::fs::write(
        settings.join("keyfile"),
        "[org/gnome/evince/default]\nsizing-mode='fit-width'\ncontinuous=true\nshow-sidebar=false\n",
    )?;
    let runtime = dir.join("runtime");
    std::fs::create_dir_all(&runtime)?;
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(dir.to_owned())
}

impl Evince {
    /// Starts Evince on `file` on `display` (`:N`), with the folder `home` made by [`home`].
    pub fn open(file: &Path, display: &str, home: &Path) -> anyhow::Result<Self> {
        let marker = format!("BENCH_PEER={}", home.display());
        let child = private("evince", display, home, "BENCH_PEER")
            .arg(file)
            .env("GSETTINGS_BACKEND", "keyfile")
            .spawn()
            .context("evince")?;
        Ok(Self { child, marker, display: display.to_owned(), window: None })
    }

    fn xdotool(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new("xdotool").args(args).env("DISPLAY", &self.display).output().context("xdotool")?;
        if !out.status.success() {
            bail!("xdotool {args:?}: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Its document window: waits for it to be mapped, then places it at the origin
    /// with the app's window size and gives it the keyboard.
    pub fn place(&mut self, width: u32, height: u32) -> anyhow::Result<()> {
        let pid = self.child.id().to_string();
        let until = Instant::now() + Duration::from_secs(30);
        let window = loop {
            let found = self.xdotool(&["search", "--onlyvisible", "--pid", &pid, "--name", "."]).unwrap_or_default();
            if let Some(w) = found.lines().last().filter(|w| !w.is_empty()) {
                break w.to_owned();
            }
            if Instant::now() > until {
                bail!("Evince showed no window in 30 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        self.xdotool(&["windowmove", &window, "0", "0"])?;
        self.xdotool(&["windowsize", &window, &width.to_string(), &height.to_string()])?;
        self.xdotool(&["windowfocus", "--sync", &window])?;
        self.window = Some(window);
        Ok(())
    }

    /// Presses `keys` (xdotool's names: `Page_Down`, `ctrl+End`) in its window.
    pub fn key(&self, keys: &str) -> anyhow::Result<()> {
        let window = self.window.as_deref().context("place the window first")?;
        self.xdotool(&["key", "--window", window, "--clearmodifiers", keys]).map(drop)
    }

    /// Pages down a screen at a time, each press waiting until the screen settles, and
    /// samples its processes' memory after each; stops when three presses in a row
    /// changed nothing (the last page is on screen) or after `limit` presses.
    pub fn page_to_end(&self, limit: usize) -> anyhow::Result<Vec<procmem::Sample>> {
        let mut samples = Vec::new();
        let mut last = screen::grab(&self.display)?;
        let mut unchanged = 0;
        for _ in 0..limit {
            let t = Instant::now();
            self.key("Page_Down")?;
            let now = settle(&self.display, t, Duration::from_secs(5))?;
            samples.push(procmem::sample(&self.marker));
            unchanged = if now.differs(&last) == 0.0 { unchanged + 1 } else { 0 };
            if unchanged == 3 {
                break;
            }
            last = now;
        }
        Ok(samples)
    }
}

/// Waits until something is drawn on the (white-rooted) screen, at most `limit`.
pub fn drawn(display: &str, limit: Duration) -> anyhow::Result<()> {
    let until = Instant::now() + limit;
    while screen::grab(display)?.dark == 0 {
        anyhow::ensure!(Instant::now() < until, "Evince showed nothing in {} s", limit.as_secs());
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// Waits until the screen settles after `since`: two grabs 30 ms apart that are the same
/// picture and hold text (at most `limit`). Returns the settled frame.
pub fn settle(display: &str, since: Instant, limit: Duration) -> anyhow::Result<screen::Frame> {
    let mut last = screen::grab(display)?;
    loop {
        std::thread::sleep(Duration::from_millis(30));
        let f = screen::grab(display)?;
        if f.dark > 0 && f.differs(&last) == 0.0 && f.at.duration_since(since) > Duration::from_millis(60) {
            return Ok(f);
        }
        if since.elapsed() > limit {
            return Ok(f);
        }
        last = f;
    }
}

impl Drop for Evince {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `program` on `display` with nothing of the machine's user: a clean environment, the
/// folder `home` (made by [`home`]) as home, config, data, cache and runtime, no
/// accessibility bus, `marker=<home>` to find its processes by, its own process group
/// (so all of them can be ended), no terminal.
pub fn private(program: &str, display: &str, home: &Path, marker: &str) -> Command {
    use std::os::unix::process::CommandExt as _;
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DISPLAY", display)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_RUNTIME_DIR", home.join("runtime"))
        .env("NO_AT_BRIDGE", "1")
        .env(marker, home)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

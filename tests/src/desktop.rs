//! The real app under Xvfb, driven through tauri-driver and WebKitWebDriver.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::webdriver::Session;

/// A child process stopped on drop. tauri-driver stops the WebKitWebDriver it started
/// (which stops the app) when it gets SIGTERM, so it gets that first, by its plain pid,
/// then SIGKILL if it has not exited. (An earlier version signalled the process group
/// with `kill -KILL -PGID` and took every process of the machine down; never signal a
/// negative pid from here.)
pub struct Kill(pub Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-s", "TERM", &self.0.id().to_string()]).status();
        for _ in 0..40 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn quiet(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt as _;
    cmd.process_group(0).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null())
}

/// A program on PATH or in ~/.cargo/bin.
pub fn which(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin"));
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(home)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Why the desktop cannot be driven here (a missing tool or app binary), if it cannot.
pub fn missing(app: &Path) -> Option<String> {
    let tools = [which("tauri-driver"), which("WebKitWebDriver"), Some(app.to_owned()).filter(|p| p.is_file())];
    tools.iter().any(Option::is_none).then(|| {
        format!(
            "driving the desktop app needs tauri-driver, WebKitWebDriver and {} (scripts/build-app builds it): {tools:?}",
            app.display()
        )
    })
}

/// Starts Xvfb on a display number it picks itself (`-displayfd`): killed runs leave
/// lock files behind, so a number chosen here may be taken. Returns once the server
/// accepts clients.
fn xvfb() -> (Kill, String) {
    xvfb_with(&[])
}

/// [`xvfb`] with more arguments for Xvfb (`-wr`: a white root window, for a benchmark
/// that counts dark pixels on the screen).
pub fn xvfb_with(extra: &[&str]) -> (Kill, String) {
    use std::io::BufRead as _;
    use std::os::unix::process::CommandExt as _;
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1400x900x24", "-nolisten", "tcp"])
        .args(extra)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (Debian package xvfb)");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("Xvfb's stdout");
    std::io::BufReader::new(stdout).read_line(&mut line).expect("Xvfb's display number");
    let n = line.trim().to_owned();
    assert!(!n.is_empty(), "Xvfb exited without a display");
    (Kill(child), n)
}

/// A port the OS just handed out (free a moment ago).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The app running on a profile, with a WebDriver session on it. Dropping it stops the
/// driver (and with it the app) and Xvfb.
pub struct Desktop {
    /// The WebDriver session.
    pub session: Session,
    // Dropped in this order: the driver before the display it draws on.
    _driver: Kill,
    _xvfb: Option<Kill>,
}

impl Desktop {
    /// Starts `app` with `MEETING_PROFILE=profile`, on `$DISPLAY` or a fresh Xvfb.
    pub async fn launch(app: &Path, profile: &Path) -> Self {
        Self::launch_with(app, profile, &[]).await
    }

    /// [`Desktop::launch`] with more environment for the app (e.g. where exports go).
    pub async fn launch_with(app: &Path, profile: &Path, env: &[(&str, &Path)]) -> Self {
        Self::launch_on(app, profile, env, std::env::var("DISPLAY").ok()).await
    }

    /// [`Desktop::launch_with`] on a given display (`:N`), or a fresh Xvfb for `None`:
    /// a benchmark that watches the screen starts the display itself.
    pub async fn launch_on(app: &Path, profile: &Path, env: &[(&str, &Path)], display: Option<String>) -> Self {
        let mut display = display;
        let xvfb = if display.is_none() {
            let (x, n) = xvfb();
            display = Some(format!(":{n}"));
            Some(x)
        } else {
            None
        };
        let (port, native) = (free_port(), free_port());
        let mut command = Command::new(which("tauri-driver").expect("tauri-driver"));
        quiet(
            command
                .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
                .env("DISPLAY", display.as_deref().unwrap_or(":0"))
                .env("MEETING_PROFILE", profile)
                .envs(env.iter().map(|(k, v)| (*k, *v))),
        );
        // `MEETING_E2E_APP_LOG=FILE`: the app's own log (it writes to the driver's
        // stderr; `RUST_LOG` sets how much), for finding out why a run failed.
        if let Some(log) = std::env::var_os("MEETING_E2E_APP_LOG")
            && let Ok(f) = std::fs::File::options().create(true).append(true).open(log)
        {
            command.stderr(f);
        }
        let driver = Kill(command.spawn().expect("tauri-driver"));
        let session = Session::start(&format!("http://127.0.0.1:{port}"), &app.to_string_lossy()).await;
        Self { session, _driver: driver, _xvfb: xvfb }
    }

    /// Kills the app's processes with SIGKILL, as a crash or a pulled plug would, then
    /// stops the driver and the display. The app is found by its profile, so other
    /// instances (another test, a benchmark) are left alone.
    pub fn kill_app(self, profile: &Path) -> usize {
        let mut killed = 0;
        for (pid, comm) in processes(profile) {
            if comm == "phonghop" {
                let _ = Command::new("kill").args(["-s", "KILL", &pid.to_string()]).status();
                killed += 1;
            }
        }
        killed
    }

    /// Ends the session (the app closes), then stops the driver and the display.
    pub async fn quit(self) {
        let Self { session, _driver, _xvfb } = self;
        session.quit().await;
    }
}

/// The processes of the app running on `profile` (the app, its PDF worker and WebKit's
/// processes: they inherit its environment), as (pid, name).
pub fn processes(profile: &Path) -> Vec<(u32, String)> {
    let wanted = format!("MEETING_PROFILE={}", profile.display());
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let dir = entry.path();
        let Some(pid) = dir.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let env = std::fs::read(dir.join("environ")).unwrap_or_default();
        if pid > 1 && env.split(|b| *b == 0).any(|v| v == wanted.as_bytes()) {
            let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
            found.push((pid, comm.trim().to_owned()));
        }
    }
    found
}

/// A script counting non-white pixels of the canvas `$canvas` selects (a template
/// with `${page}`, the page index given as `arguments[0]`), one pixel in `$step`.
macro_rules! ink_script {
    ($canvas:literal, $step:literal) => {
        concat!(
            "(function (page) {
    const c = document.querySelector(`",
            $canvas,
            "`);
    if (!c || c.width === 0) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4 * ",
            $step,
            ") if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) ink++;
    return ink;
  })(arguments[0])"
        )
    };
}

/// Script: how many pixels of page `arguments[0]`'s thumbnail are not white (0 while it
/// is not drawn).
pub const THUMB_INK: &str = ink_script!("[data-thumb=\"${page}\"] canvas", "1");

/// Counts non-white pixels (sampled) on a page's canvas: 0 means blank or not painted.
/// Takes the page index as `arguments[0]`.
pub const INK: &str = ink_script!("[data-testid=page][data-page=\"${page}\"] canvas", "7");

//! Devices running `meeting live --json`, their printed events gathered with arrival
//! times, for tests of the live channel and the meeting room.

use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// One printed event: which device, when it arrived, the JSON object.
pub type Line = (usize, Instant, Value);

/// `meeting live --json` on several profiles, their lines gathered with arrival times.
pub struct Devices {
    children: Vec<Child>,
    lines: mpsc::Receiver<Line>,
    /// Every line so far, and where the current wait starts looking.
    pub seen: std::cell::RefCell<(Vec<Line>, usize)>,
}

impl Devices {
    /// Each profile live on its meeting.
    pub fn start(profiles: &[(std::path::PathBuf, String)]) -> Self {
        let (tx, lines) = mpsc::channel();
        let mut children = Vec::new();
        for (i, (p, meeting)) in profiles.iter().enumerate() {
            let mut child = Command::new(env!("CARGO_BIN_EXE_e2e-meeting"))
                .env("MEETING_PASSWORD", "demo")
                .arg("--profile")
                .arg(p)
                .args(["live", meeting.as_str(), "--json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let out = child.stdout.take().unwrap();
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                    if let Ok(v) = serde_json::from_str::<Value>(&line) {
                        let _ = tx.send((i, Instant::now(), v));
                    }
                }
            });
            children.push(child);
        }
        Self { children, lines, seen: Default::default() }
    }

    /// Waits until each of `which` printed, since the last [`Devices::mark`], an event
    /// matching `pred`; when each did.
    pub fn wait_each(&self, which: &[usize], what: &str, pred: impl Fn(&Value) -> bool) -> Vec<Instant> {
        self.wait_each_line(which, what, pred).into_iter().map(|(at, _)| at).collect()
    }

    /// [`Devices::wait_each`], with the first matching event of each device.
    pub fn wait_each_line(&self, which: &[usize], what: &str, pred: impl Fn(&Value) -> bool) -> Vec<(Instant, Value)> {
        let deadline = Instant::now() + Duration::from_secs(90);
        let mut when: Vec<Option<(Instant, Value)>> = vec![None; self.children.len()];
        let mut seen = self.seen.borrow_mut();
        let mut next = seen.1;
        loop {
            while next < seen.0.len() {
                let (i, at, v) = &seen.0[next];
                if when[*i].is_none() && pred(v) {
                    when[*i] = Some((*at, v.clone()));
                }
                next += 1;
            }
            if which.iter().all(|&i| when[i].is_some()) {
                return which.iter().filter_map(|&i| when[i].clone()).collect();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let missing: Vec<usize> = which.iter().copied().filter(|&i| when[i].is_none()).collect();
            let line =
                self.lines.recv_timeout(left).unwrap_or_else(|_| panic!("every device: {what}; missing {missing:?}"));
            seen.0.push(line);
        }
    }

    /// Later waits look only at lines from now on.
    pub fn mark(&self) {
        let mut seen = self.seen.borrow_mut();
        seen.0.extend(self.lines.try_iter());
        seen.1 = seen.0.len();
    }
}

impl Drop for Devices {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

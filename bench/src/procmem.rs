//! Memory of a program's processes, read from `/proc`: every process that carries a
//! marker in its environment (the app's `MEETING_PROFILE=…`, a peer's `BENCH_PEER=…`),
//! grouped by role. PSS splits shared pages fairly between processes, so the sum over
//! a program's processes is its real footprint; RSS is kept beside it.

use std::collections::BTreeMap;

/// Memory of one process (or a sum of them), in kB.
#[derive(Clone, Copy, Default, Debug)]
pub struct Mem {
    /// Resident set size.
    pub rss: u64,
    /// Proportional set size.
    pub pss: u64,
}

impl Mem {
    /// The larger of each field.
    pub fn max(self, o: Mem) -> Mem {
        Mem { rss: self.rss.max(o.rss), pss: self.pss.max(o.pss) }
    }
}

/// One sample: role → memory.
pub type Sample = BTreeMap<String, Mem>;

/// The processes whose environment holds `marker` (`KEY=VALUE`), by role: the PDF
/// worker, the app (`phonghop`), else the process's own name. Drivers (tauri-driver,
/// WebKitWebDriver) pass the app's environment on but are not part of it.
pub fn sample(marker: &str) -> Sample {
    let mut out = Sample::new();
    for p in marked(marker) {
        let Some(role) = p.role else { continue };
        let rollup = std::fs::read_to_string(p.path.join("smaps_rollup")).unwrap_or_default();
        let field = |name: &str| rollup.lines().find_map(|l| l.strip_prefix(name)).map_or(0, kb);
        let m = out.entry(role).or_default();
        m.rss += field("Rss:");
        m.pss += field("Pss:");
    }
    out
}

/// A process whose environment holds the marker.
struct Marked {
    path: std::path::PathBuf,
    comm: String,
    /// The PDF worker, the app (`phonghop`), else the process's own name; `None` for the
    /// drivers (tauri-driver, WebKitWebDriver) and the bench's tools, which pass the
    /// app's environment on but are not part of it.
    role: Option<String>,
}

/// The processes whose environment holds `marker` (`KEY=VALUE`).
fn marked(marker: &str) -> Vec<Marked> {
    let needle = marker.as_bytes();
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut out = Vec::new();
    for entry in dir.flatten() {
        let path = entry.path();
        let Ok(environ) = std::fs::read(path.join("environ")) else { continue };
        if !environ.split(|&b| b == 0).any(|v| v == needle) {
            continue;
        }
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default().trim().to_owned();
        let cmdline = std::fs::read(path.join("cmdline")).unwrap_or_default();
        let role = match comm.as_str() {
            "tauri-driver" | "WebKitWebDriver" | "xdotool" | "xwd" => None,
            _ if cmdline.windows(10).any(|w| w == b"pdf-worker") => Some(WORKER.to_owned()),
            "phonghop" => Some(APP.to_owned()),
            other => Some(other.to_owned()),
        };
        out.push(Marked { path, comm, role });
    }
    out
}

const WORKER: &str = "PDF worker";
const APP: &str = "app (phonghop)";

/// A `/proc` figure such as ` 1234 kB`, in kB (0 when unreadable).
fn kb(v: &str) -> u64 {
    v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0)
}

/// The sum over every role of a sample.
pub fn total(s: &Sample) -> Mem {
    s.values().fold(Mem::default(), |a, m| Mem { rss: a.rss + m.rss, pss: a.pss + m.pss })
}

/// kB → MB.
pub fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// A column of a memory table: one sample, or the peak of each process over many.
pub enum Column<'a> {
    /// The figures of one moment.
    At(&'a Sample),
    /// Each process's highest figures over these moments, and their highest sum.
    Peak(&'a [Sample]),
}

impl Column<'_> {
    fn samples(&self) -> &[Sample] {
        match self {
            Column::At(s) => std::slice::from_ref(*s),
            Column::Peak(all) => all,
        }
    }

    /// `role`'s figures (its highest, for a peak).
    pub fn of(&self, role: &str) -> Mem {
        self.samples().iter().map(|s| s.get(role).copied().unwrap_or_default()).fold(Mem::default(), Mem::max)
    }

    /// All processes' summed figures (the highest sum, for a peak).
    pub fn total(&self) -> Mem {
        self.samples().iter().map(total).fold(Mem::default(), Mem::max)
    }
}

/// Prints a table of MB (PSS / RSS): a row per process seen in any column, then their
/// sum, a column per `(heading, column)`; headed by `title` and the headings.
pub fn print_table(title: &str, columns: &[(&str, Column<'_>)]) {
    print!("  {title:<24}");
    for (heading, _) in columns {
        print!("{heading:>18}");
    }
    println!();
    let roles: std::collections::BTreeSet<&String> =
        columns.iter().flat_map(|(_, c)| c.samples()).flat_map(|s| s.keys()).collect();
    let row = |name: &str, cells: Vec<Mem>| {
        print!("  {name:<24}");
        for c in cells {
            print!("{:>10.0} / {:>5.0}", mb(c.pss), mb(c.rss));
        }
        println!();
    };
    for role in roles {
        row(role, columns.iter().map(|(_, c)| c.of(role)).collect());
    }
    row("all processes", columns.iter().map(|(_, c)| c.total()).collect());
}

/// With `--smaps DIR`: where each process of a sample keeps its memory, the mappings
/// summed by name (anonymous ones by size class, since a 64 MB anonymous mapping is a
/// heap arena or a JS cage, a 8 MB one a thread stack), largest PSS first, written to
/// `DIR/LABEL.txt`. This is how the web process's growth while paging was found.
pub fn dump_smaps(marker: &str, dir: &std::path::Path, label: &str) -> std::io::Result<()> {
    use std::fmt::Write as _;
    std::fs::create_dir_all(dir)?;
    let mut text = String::new();
    for Marked { path, comm, .. } in marked(marker) {
        let smaps = std::fs::read_to_string(path.join("smaps")).unwrap_or_default();
        let mut by: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
        let mut name = String::new();
        for line in smaps.lines() {
            let mut parts = line.split_whitespace();
            let first = parts.next().unwrap_or("");
            if first.contains('-') && !first.ends_with(':') {
                let range: Vec<u64> = first.split('-').filter_map(|h| u64::from_str_radix(h, 16).ok()).collect();
                let size = range.get(1).zip(range.first()).map_or(0, |(b, a)| (b - a) >> 10);
                let rest: Vec<&str> = parts.skip(4).collect();
                name = if rest.is_empty() {
                    format!("[anon ~{} MB]", size.next_power_of_two() >> 10)
                } else {
                    rest.join(" ")
                };
            } else if let Some(v) = line.strip_prefix("Pss:") {
                by.entry(name.clone()).or_default().0 += kb(v);
            } else if let Some(v) = line.strip_prefix("Rss:") {
                by.entry(name.clone()).or_default().1 += kb(v);
            } else if let Some(v) = line.strip_prefix("Anonymous:") {
                by.entry(name.clone()).or_default().2 += kb(v);
            }
        }
        let mut rows: Vec<_> = by.into_iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.1.0));
        let _ = writeln!(text, "== {comm} ({})", path.display());
        for (n, (pss, rss, anon)) in rows.iter().take(25) {
            let _ = writeln!(text, "  {:>8} kB pss {:>8} kB rss {:>8} kB anon  {n}", pss, rss, anon);
        }
    }
    std::fs::write(dir.join(format!("{label}.txt")), text)
}

/// When the app process carrying `marker` started, as an `Instant` (from its
/// `/proc/PID/stat` start time against `/proc/uptime`, both since boot; 10 ms steps).
/// An `exec` keeps the start time, so the app's re-exec is counted.
pub fn app_started(marker: &str) -> Option<std::time::Instant> {
    for Marked { path, role, .. } in marked(marker) {
        if role.as_deref() != Some(APP) {
            continue;
        }
        let stat = std::fs::read_to_string(path.join("stat")).ok()?;
        // Fields after the command's closing parenthesis; start time is field 22.
        let after = stat.rsplit_once(')')?.1;
        let ticks: f64 = after.split_whitespace().nth(19)?.parse().ok()?;
        let uptime: f64 = std::fs::read_to_string("/proc/uptime").ok()?.split_whitespace().next()?.parse().ok()?;
        let age = (uptime - ticks / 100.0).max(0.0);
        return std::time::Instant::now().checked_sub(std::time::Duration::from_secs_f64(age));
    }
    None
}

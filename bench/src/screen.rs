//! What is on an X display, as a user would see it: frames grabbed through MIT-SHM
//! (`crate::xshm`; `xwd -root` from Debian's x11-apps where a display lacks it) and
//! reduced to what the benchmarks compare. Timing a paint by
//! the screen, not by the program's own account, measures our app and a peer (Evince)
//! the same way.

use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, bail};

/// A frame reduced to a grey thumbnail (one byte per `CELL`×`CELL` block, the block's
/// mean) and the number of dark pixels (text, lines) at full resolution.
#[derive(Clone, Debug)]
pub struct Frame {
    /// When the grab started.
    pub at: Instant,
    /// Grey thumbnail, row-major.
    pub thumb: Vec<u8>,
    /// Pixels darker than `DARK` (luminance 0–255), in all.
    pub dark: usize,
    /// The same per thumbnail cell, row-major.
    dark_cells: Vec<u16>,
    /// Thumbnail cells per row.
    cols: usize,
}

/// A rectangle of the screen, in pixels.
#[derive(Clone, Copy, Debug)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

const CELL: usize = 8;
/// Between two grabs of a [`Recorder`].
const PAUSE_MS: u64 = 12;
const DARK: u32 = 100;

/// A display being watched: through MIT-SHM on one connection when the display offers
/// it (`crate::xshm` says why), else with `xwd -root` per grab.
pub enum Screen {
    /// One connection, one shared segment.
    Shm(Box<crate::xshm::ShmScreen>),
    /// `xwd` started for each grab of this display.
    Xwd(String),
}

impl Screen {
    /// Watches `display` (`:N`).
    pub fn open(display: &str) -> Self {
        match crate::xshm::ShmScreen::open(display) {
            Ok(s) => Screen::Shm(Box::new(s)),
            Err(e) => {
                if std::env::var_os("BENCH_SCREEN_DEBUG").is_some() {
                    eprintln!("no MIT-SHM grabs ({e:#}): xwd instead");
                }
                Screen::Xwd(display.to_owned())
            }
        }
    }

    /// What the screen shows now.
    pub fn grab(&mut self) -> anyhow::Result<Frame> {
        let at = Instant::now();
        match self {
            Screen::Shm(s) => {
                let (w, h, bpl, bytes, px) = s.grab()?;
                Ok(reduce(at, w, h, bpl, bytes, px))
            }
            Screen::Xwd(display) => {
                let out = Command::new("xwd")
                    .args(["-root", "-silent", "-display", display])
                    .output()
                    .context("xwd (x11-apps)")?;
                if !out.status.success() {
                    bail!("xwd: {}", String::from_utf8_lossy(&out.stderr).trim());
                }
                let (w, h, bpl, bytes, px) = parse_xwd(&out.stdout)?;
                Ok(reduce(at, w, h, bpl, bytes, px))
            }
        }
    }
}

/// Grabs the whole screen of `display` (`:N`) once.
pub fn grab(display: &str) -> anyhow::Result<Frame> {
    Screen::open(display).grab()
}

/// A frame grabbed at `at` reduced to its thumbnail and dark pixels.
fn reduce(at: Instant, w: usize, h: usize, bpl: usize, bytes: usize, px: &[u8]) -> Frame {
    let (tw, th) = (w / CELL, h / CELL);
    let mut sums = vec![0u32; tw * th];
    let mut dark = 0usize;
    let mut dark_cells = vec![0u16; tw * th];
    for y in 0..th * CELL {
        let row = &px[y * bpl..y * bpl + w * bytes];
        for x in 0..tw * CELL {
            // Least significant byte first: B, G, R (, X).
            let p = &row[x * bytes..x * bytes + 3];
            let lum = (u32::from(p[2]) * 77 + u32::from(p[1]) * 150 + u32::from(p[0]) * 29) >> 8;
            if lum < DARK {
                dark += 1;
                dark_cells[(y / CELL) * tw + x / CELL] += 1;
            }
            sums[(y / CELL) * tw + x / CELL] += lum;
        }
    }
    let n = (CELL * CELL) as u32;
    Frame { at, thumb: sums.iter().map(|s| (s / n) as u8).collect(), dark, dark_cells, cols: tw }
}

impl Frame {
    /// The thumbnail cells inside `within` (all of them for `None`).
    fn cells(&self, within: Option<Rect>) -> Vec<usize> {
        let rows = self.thumb.len() / self.cols.max(1);
        let Some(r) = within else { return (0..self.thumb.len()).collect() };
        let (c0, c1) = ((r.x / CELL as f64).floor() as usize, ((r.x + r.w) / CELL as f64).floor() as usize);
        let (r0, r1) = ((r.y / CELL as f64).floor() as usize, ((r.y + r.h) / CELL as f64).floor() as usize);
        (r0..r1.min(rows))
            .flat_map(|y| (c0..c1.min(self.cols)).map(move |x| (x, y)))
            .map(|(x, y)| y * self.cols + x)
            .collect()
    }

    /// The share of thumbnail cells (inside `within`) that differ from `other`'s by more
    /// than a little.
    pub fn differs_in(&self, other: &Frame, within: Option<Rect>) -> f64 {
        if self.thumb.len() != other.thumb.len() || self.thumb.is_empty() {
            return 1.0;
        }
        let cells = self.cells(within);
        let n = cells.iter().filter(|&&i| self.thumb[i].abs_diff(other.thumb[i]) > 24).count();
        n as f64 / cells.len().max(1) as f64
    }

    /// [`Frame::differs_in`] over the whole screen.
    pub fn differs(&self, other: &Frame) -> f64 {
        self.differs_in(other, None)
    }

    /// Looks like `last` inside `within`: nearly the same picture with nearly all of
    /// its text.
    pub fn shows(&self, last: &Frame, within: Option<Rect>) -> bool {
        let dark = |f: &Frame| f.cells(within).iter().map(|&i| usize::from(f.dark_cells[i])).sum::<usize>();
        self.differs_in(last, within) < 0.02 && dark(self) as f64 >= dark(last) as f64 * 0.9
    }
}

/// The first frame of `frames` (in time order) that shows `last` inside `within`.
pub fn first_showing<'a>(frames: &'a [Frame], last: &Frame, within: Option<Rect>) -> Option<&'a Frame> {
    frames.iter().find(|f| f.shows(last, within))
}

/// Width, height, bytes per line, bytes per pixel and the pixels of an XWD file (24 or
/// 32 bits per pixel, ZPixmap, least significant byte first: what Xvfb's 24-bit screens
/// give; xwd writes 24 bits once a window with another visual is mapped).
fn parse_xwd(b: &[u8]) -> anyhow::Result<(usize, usize, usize, usize, &[u8])> {
    let field = |i: usize| -> anyhow::Result<usize> {
        let s = b.get(i * 4..i * 4 + 4).context("short XWD header")?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize)
    };
    let (header, format, w, h, order, bpp, bpl, ncolors) =
        (field(0)?, field(2)?, field(4)?, field(5)?, field(7)?, field(11)?, field(12)?, field(19)?);
    if format != 2 || !(bpp == 32 || bpp == 24) || order != 0 {
        bail!("XWD: only 24- or 32-bit ZPixmap LSB-first screens are read (format {format}, {bpp} bpp, order {order})");
    }
    let bytes = bpp / 8;
    let start = header + ncolors * 12;
    let px = b.get(start..start + h * bpl).context("XWD: fewer pixels than its header says")?;
    if bpl < w * bytes {
        bail!("XWD: {bpl} bytes per line for {w} pixels");
    }
    Ok((w, h, bpl, bytes, px))
}

/// Grabs frames in a thread of its own until stopped; `stop` returns them in order.
pub struct Recorder {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<Frame>>,
}

impl Recorder {
    /// Starts grabbing `display`, a frame every `PAUSE_MS` plus the grab's own time.
    pub fn start(display: &str) -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (flag, display) = (stop.clone(), display.to_owned());
        let thread = std::thread::spawn(move || {
            let mut frames = Vec::new();
            let mut screen: Option<Screen> = None;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                // Opened once the display accepts clients (xwd until then).
                let grabbed = match &mut screen {
                    Some(s) => s.grab(),
                    None => match Screen::open(&display) {
                        s @ Screen::Shm(_) => screen.insert(s).grab(),
                        mut xwd => xwd.grab(),
                    },
                };
                match grabbed {
                    // A grab costs a few ms of CPU; back to back they would take a core
                    // of this 2-core machine from the programs measured.
                    Ok(f) => {
                        frames.push(f);
                        std::thread::sleep(std::time::Duration::from_millis(PAUSE_MS));
                    }
                    // Before the display accepts clients, or between two programs.
                    Err(e) => {
                        if std::env::var_os("BENCH_SCREEN_DEBUG").is_some() {
                            eprintln!("grab: {e:#}");
                        }
                        std::thread::sleep(std::time::Duration::from_millis(5))
                    }
                }
            }
            frames
        });
        Self { stop, thread }
    }

    /// Stops grabbing; the frames in time order.
    pub fn stop(self) -> Vec<Frame> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

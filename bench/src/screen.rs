//! What is on an X display, as a user would see it: frames grabbed with `xwd -root`
//! (Debian's x11-apps) and reduced to what the benchmarks compare. Timing a paint by
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
    /// Pixels darker than `DARK` (luminance 0–255).
    pub dark: usize,
}

const CELL: usize = 8;
const DARK: u32 = 100;

/// Grabs the whole screen of `display` (`:N`).
pub fn grab(display: &str) -> anyhow::Result<Frame> {
    let at = Instant::now();
    let out = Command::new("xwd").args(["-root", "-silent", "-display", display]).output().context("xwd (x11-apps)")?;
    if !out.status.success() {
        bail!("xwd: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let (w, h, bpl, bytes, px) = parse_xwd(&out.stdout)?;
    let (tw, th) = (w / CELL, h / CELL);
    let mut sums = vec![0u32; tw * th];
    let mut dark = 0usize;
    for y in 0..th * CELL {
        let row = &px[y * bpl..y * bpl + w * bytes];
        for x in 0..tw * CELL {
            // Least significant byte first: B, G, R (, X).
            let p = &row[x * bytes..x * bytes + 3];
            let lum = (u32::from(p[2]) * 77 + u32::from(p[1]) * 150 + u32::from(p[0]) * 29) >> 8;
            if lum < DARK {
                dark += 1;
            }
            sums[(y / CELL) * tw + x / CELL] += lum;
        }
    }
    let n = (CELL * CELL) as u32;
    Ok(Frame { at, thumb: sums.iter().map(|s| (s / n) as u8).collect(), dark })
}

impl Frame {
    /// The share of thumbnail cells that differ from `other`'s by more than a little.
    pub fn differs(&self, other: &Frame) -> f64 {
        if self.thumb.len() != other.thumb.len() || self.thumb.is_empty() {
            return 1.0;
        }
        let n = self.thumb.iter().zip(&other.thumb).filter(|(a, b)| a.abs_diff(**b) > 24).count();
        n as f64 / self.thumb.len() as f64
    }

    /// Looks like `last`: nearly the same picture with nearly all of its text.
    pub fn shows(&self, last: &Frame) -> bool {
        self.differs(last) < 0.02 && self.dark as f64 >= last.dark as f64 * 0.9
    }
}

/// The first frame of `frames` (in time order) from which on the screen shows `last`.
pub fn first_showing<'a>(frames: &'a [Frame], last: &Frame) -> Option<&'a Frame> {
    frames.iter().find(|f| f.shows(last))
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
    /// Starts grabbing `display` as fast as `xwd` allows (a few ms a frame here).
    pub fn start(display: &str) -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (flag, display) = (stop.clone(), display.to_owned());
        let thread = std::thread::spawn(move || {
            let mut frames = Vec::new();
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                match grab(&display) {
                    Ok(f) => frames.push(f),
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

//! Grabbing an X screen through the MIT-SHM extension: the server copies the screen into
//! memory this process maps, in one request on one connection.
//!
//! `xwd -root` cost ~7 ms of its own CPU and ~14 ms of Xvfb's per 1280×860 grab
//! (measured: 50 grabs on an idle Xvfb), and Xvfb serves one client at a time: while it
//! wrote a grab into xwd's socket, the app's new frame waited. A grab through shared
//! memory is one copy inside the server. The app is measured by the screen, and the
//! screen's observer should cost it as little as it can.
//!
//! The module's `unsafe` is the mapping of the segment (allowed here alone, as in
//! `meeting_pdf::pixels`).
#![allow(unsafe_code)]

use std::os::fd::OwnedFd;

use anyhow::{Context as _, bail};
use x11rb::connection::{Connection as _, RequestConnection as _};
use x11rb::protocol::shm::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{ImageFormat, Window};
use x11rb::rust_connection::RustConnection;

/// A connection to a display with a segment as large as its screen.
pub struct ShmScreen {
    conn: RustConnection,
    root: Window,
    width: u16,
    height: u16,
    /// Bytes per pixel of the screen's depth in ZPixmap format.
    bytes: usize,
    seg: shm::Seg,
    map: Mapping,
}

/// The segment's memory, mapped shared and read-only in this process.
struct Mapping {
    ptr: *mut std::ffi::c_void,
    len: usize,
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are the mapping made in `ShmScreen::open`, unmapped once; no
        // slice of it outlives `ShmScreen::grab`'s borrow.
        let _ = unsafe { rustix::mm::munmap(self.ptr, self.len) };
    }
}

impl ShmScreen {
    /// Connects to `display` (`:N`) and shares a segment with it; an error when the
    /// display or its MIT-SHM extension is not there.
    pub fn open(display: &str) -> anyhow::Result<Self> {
        let (conn, screen_num) = x11rb::connect(Some(display)).with_context(|| format!("connecting to {display}"))?;
        if conn.extension_information(shm::X11_EXTENSION_NAME)?.is_none() {
            bail!("{display} has no MIT-SHM");
        }
        let screen = conn.setup().roots.get(screen_num).context("no screen")?;
        let (root, width, height, depth) =
            (screen.root, screen.width_in_pixels, screen.height_in_pixels, screen.root_depth);
        let bits = conn
            .setup()
            .pixmap_formats
            .iter()
            .find(|f| f.depth == depth)
            .map(|f| f.bits_per_pixel)
            .context("no pixmap format for the root's depth")?;
        if bits != 32 && bits != 24 {
            bail!("{bits} bits per pixel: only 24 and 32 are read");
        }
        let bytes = usize::from(bits / 8);
        let len = usize::from(width) * usize::from(height) * bytes;
        let fd: OwnedFd = rustix::fs::memfd_create("bench-screen", rustix::fs::MemfdFlags::CLOEXEC)?;
        rustix::fs::ftruncate(&fd, len as u64)?;
        // SAFETY: a fresh shared mapping of a file of `len` bytes that nothing truncates
        // (the X server maps it too, and only writes it while answering a request of ours).
        let ptr = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                len,
                rustix::mm::ProtFlags::READ,
                rustix::mm::MapFlags::SHARED,
                &fd,
                0,
            )?
        };
        let map = Mapping { ptr, len };
        let seg = conn.generate_id()?;
        conn.shm_attach_fd(seg, fd, false)?.check().context("MIT-SHM attach")?;
        Ok(Self { conn, root, width, height, bytes, seg, map })
    }

    /// The screen's pixels now: width, height, bytes per line, bytes per pixel, pixels
    /// (least significant byte first: B, G, R).
    pub fn grab(&mut self) -> anyhow::Result<(usize, usize, usize, usize, &[u8])> {
        let reply = self
            .conn
            .shm_get_image(self.root, 0, 0, self.width, self.height, !0, ImageFormat::Z_PIXMAP.into(), self.seg, 0)?
            .reply()
            .context("MIT-SHM GetImage")?;
        let (w, h) = (usize::from(self.width), usize::from(self.height));
        if (reply.size as usize) < w * h * self.bytes || reply.size as usize > self.map.len {
            bail!("MIT-SHM GetImage: {} bytes for a {w}×{h} screen", reply.size);
        }
        // SAFETY: the server wrote the image before it replied and writes the segment
        // again only on our next request, which needs `&mut self` while this slice
        // borrows it; the mapping is `len` bytes and lives as long as `self`.
        let px = unsafe { std::slice::from_raw_parts(self.map.ptr.cast::<u8>(), self.map.len) };
        Ok((w, h, w * self.bytes, self.bytes, px))
    }
}

impl Drop for ShmScreen {
    fn drop(&mut self) {
        let _ = self.conn.shm_detach(self.seg);
        let _ = self.conn.flush();
    }
}

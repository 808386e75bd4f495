//! The pixel files the service shares with its worker: pdfium draws a page straight
//! into one, and the app sends the viewer's frame on from the same memory.
//!
//! Before, the worker drew into a buffer of its own, wrote it into one shared file, and
//! the service read it back into a fresh buffer: two copies of a ~13 MB page, ~2.8 ms
//! each, most of what the pipeline cost over bare pdfium (bench-render, 15.0 against
//! 8.0 ms a page). Now the service keeps [`SLOTS`] memory files; a render request names
//! a free one, the worker draws the page into its mapping of it, and the page's
//! [`Lease`] lends the slot to whoever sends the pixels on, until it is dropped. When
//! every slot is lent (a reader slower than pdfium) or a page needs more than
//! [`SLOT_MAX`] bytes (zoomed far in), the pixels travel through the pipe as before.
//!
//! This module is the crate's only `unsafe` code (mapping and unmapping). Why it is sound:
//! - A mapping is only read within its length, and its file is never shorter: the files
//!   are sealed against shrinking (`F_SEAL_SHRINK`) when made, so no process can take a
//!   mapped page from under a reader (that would be SIGBUS), and the worker reserves the
//!   memory of a grown file (`fallocate`) before drawing into it, so a full memory is an
//!   error it reports rather than a SIGBUS on a write.
//! - No one writes a slot while it is read: the service names slot k in a request only
//!   while no lease of k lives, and the worker writes k only while it answers that
//!   request. A worker that broke this (one taken over by a hostile file) could change
//!   bytes the app sends on as pixels, which have no invalid values; it could not shrink
//!   the file.
#![allow(unsafe_code)]

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::ops::Deref;
use std::path::PathBuf;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};

/// Pixel files per service: one page being sent on while the next is drawn.
pub(crate) const SLOTS: usize = 2;

/// The largest page a slot takes, in bytes: a fit-width page on a 2× screen
/// (~1600 × 2300 pixels) fits; larger ones go through the pipe, so a page zoomed far
/// in does not leave the slots holding its size.
pub(crate) const SLOT_MAX: usize = 24 << 20;

/// A shared mapping of the first `len` bytes of a pixel file.
struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a mapping is memory owned by this value alone (see the module's comment for
// who writes the file behind it); handing it to another thread is like moving a Box.
unsafe impl Send for Mapping {}
// SAFETY: as above; `&Mapping` gives only `&[u8]`.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `len` bytes of `file`, which the caller has made at least that long.
    fn new(file: &File, len: usize, writable: bool) -> io::Result<Self> {
        use rustix::mm::{MapFlags, ProtFlags};
        if len == 0 {
            return Err(io::Error::other("an empty pixel file cannot be mapped"));
        }
        let prot = if writable { ProtFlags::READ | ProtFlags::WRITE } else { ProtFlags::READ };
        // SAFETY: a new mapping at an address the kernel chooses overlaps no Rust object;
        // `len` bytes of the file exist (the caller's check; the file cannot shrink).
        let ptr = unsafe { rustix::mm::mmap(std::ptr::null_mut(), len, prot, MapFlags::SHARED, file, 0) }?;
        let ptr = NonNull::new(ptr.cast::<u8>()).ok_or_else(|| io::Error::other("mmap gave a null address"))?;
        Ok(Self { ptr, len })
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `len` mapped, readable bytes that live as long as `self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// Only for a mapping made `writable`.
    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as `bytes`, writable, and `&mut self` makes this the only view.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`; no slice of it outlives `self`.
        let _ = unsafe { rustix::mm::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// The service's side: the pixel files, which of them are free, and read-only
/// mappings of them that grow with the files.
pub(crate) struct Slots {
    slots: Vec<Slot>,
    free: Mutex<Vec<usize>>,
}

struct Slot {
    file: File,
    path: PathBuf,
    map: Mutex<Option<Arc<Mapping>>>,
}

impl Slots {
    /// [`SLOTS`] memory files, close-on-exec (the worker opens them by their
    /// `/proc/PID/fd/N` paths, so nothing else inherits them). None when the system
    /// has no memory files: then pixels travel through the pipe.
    pub(crate) fn new() -> Option<Arc<Self>> {
        use rustix::fs::{MemfdFlags, SealFlags};
        use std::os::fd::AsRawFd as _;
        let mut slots = Vec::with_capacity(SLOTS);
        for _ in 0..SLOTS {
            let fd =
                rustix::fs::memfd_create("meeting-pdf-pixels", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING).ok()?;
            rustix::fs::fcntl_add_seals(&fd, SealFlags::SHRINK | SealFlags::SEAL).ok()?;
            let path = PathBuf::from(format!("/proc/{}/fd/{}", std::process::id(), fd.as_raw_fd()));
            slots.push(Slot { file: File::from(fd), path, map: Mutex::new(None) });
        }
        let free = Mutex::new((0..slots.len()).rev().collect());
        Some(Arc::new(Self { slots, free }))
    }

    /// The files' paths as the worker's environment carries them ([`PIXELS_ENV`](crate::worker::PIXELS_ENV)).
    pub(crate) fn paths(&self) -> Option<OsString> {
        std::env::join_paths(self.slots.iter().map(|s| &s.path)).ok()
    }

    /// Gives the pages of every free slot back to the system; true when every slot was
    /// free, so none holds a page any more. The service calls it once the worker has
    /// been idle a while (its `IDLE_RELEASE`): two idle slots held a page
    /// each (~2 × 5.8 MB on freeculture.pdf, counted in both the app and the worker)
    /// all the while a reader read. Not after every page: getting the pages back costs
    /// their zeroing and faults, ~7 ms for a 13 MB page (bench-render: 8.3 → 15.5 ms a
    /// page). The files keep their size, so every mapping stays valid (a hole reads as
    /// zeros) and the worker reserves the pages again before it draws.
    pub(crate) fn release_free(&self) -> bool {
        use rustix::fs::FallocateFlags;
        let Ok(free) = self.free.lock() else { return false };
        for &i in free.iter() {
            let file = &self.slots[i].file;
            if let Ok(meta) = file.metadata()
                && meta.len() > 0
            {
                // Past the end to a whole page (64 KiB: the largest page size Linux
                // uses): a hole ending mid-page keeps that page. Best effort: a system
                // that cannot punch keeps the pages.
                let len = meta.len().next_multiple_of(1 << 16);
                let _ = rustix::fs::fallocate(file, FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE, 0, len);
            }
        }
        free.len() == self.slots.len()
    }

    /// A free slot, kept for a render until the reservation (or the lease it becomes)
    /// is dropped; None when all are lent.
    pub(crate) fn reserve(self: &Arc<Self>) -> Option<Reserved> {
        let index = self.free.lock().ok()?.pop()?;
        Some(Reserved { slots: self.clone(), index })
    }
}

/// A slot kept for one render.
pub(crate) struct Reserved {
    slots: Arc<Slots>,
    index: usize,
}

impl Reserved {
    /// The slot's number in a render request.
    pub(crate) fn index(&self) -> u8 {
        self.index as u8
    }

    /// The first `len` bytes of the slot, which the worker has drawn into.
    pub(crate) fn lease(self, len: usize) -> io::Result<Lease> {
        let slot = &self.slots.slots[self.index];
        let map = {
            let mut current = slot.map.lock().map_err(|_| io::Error::other("pixel mapping lock poisoned"))?;
            match current.as_ref() {
                Some(m) if m.len >= len => m.clone(),
                _ => {
                    // The worker grew the file; map all of it (it never shrinks).
                    let size = usize::try_from(slot.file.metadata()?.len()).map_err(io::Error::other)?;
                    if size < len {
                        return Err(io::Error::other(format!("pixel file holds {size} bytes, the page {len}")));
                    }
                    let m = Arc::new(Mapping::new(&slot.file, size, false)?);
                    *current = Some(m.clone());
                    m
                }
            }
        };
        Ok(Lease { map, len, _slot: self })
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        if let Ok(mut free) = self.slots.free.lock() {
            free.push(self.index);
        }
    }
}

/// A page's pixels in a slot; the slot is free again when this is dropped.
pub struct Lease {
    map: Arc<Mapping>,
    len: usize,
    _slot: Reserved,
}

impl Deref for Lease {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map.bytes()[..self.len]
    }
}

/// The worker's side: its writable mappings of the service's pixel files.
pub(crate) struct WorkerSlots {
    slots: Vec<Option<(File, Option<Mapping>)>>,
}

impl WorkerSlots {
    /// Opens the files named by `paths` (the service's [`Slots::paths`]); a file that
    /// cannot be opened is a slot the worker answers through the pipe instead.
    pub(crate) fn open(paths: Option<OsString>) -> Self {
        let slots = paths
            .map(|p| {
                std::env::split_paths(&p)
                    .map(|path| File::options().read(true).write(true).open(path).ok().map(|f| (f, None)))
                    .collect()
            })
            .unwrap_or_default();
        Self { slots }
    }

    /// Whether any slot could be opened.
    pub(crate) fn any(&self) -> bool {
        self.slots.iter().any(Option::is_some)
    }

    /// `len` bytes of slot `index` to draw a page into, the file grown and its memory
    /// reserved first when it is too small. None when there is no such slot, the page
    /// is over [`SLOT_MAX`], or the memory cannot be had: the caller uses the pipe.
    pub(crate) fn buffer(&mut self, index: u8, len: usize) -> Option<&mut [u8]> {
        let (file, map) = self.slots.get_mut(usize::from(index))?.as_mut()?;
        if len == 0 || len > SLOT_MAX {
            return None;
        }
        // Pages of memory now, or an error now (a full memory), never a SIGBUS on a
        // later write: the file may be too small for this page, or the service may have
        // given its pages back ([`Slots::release_free`]). Its pages are always a prefix
        // (reserved from 0, given back whole), so its size in blocks says whether they
        // cover this page: asking anyway cost ~0.7 ms a 13 MB page (bench-render). Its
        // length counts too: blocks are whole memory pages, so a page a few bytes longer
        // than the last can fit in them and still be past the file's end.
        let stat = rustix::fs::fstat(&*file).ok()?;
        let (size, held) = (u64::try_from(stat.st_size).ok()?, u64::try_from(stat.st_blocks).ok()? * 512);
        if size < len as u64 || held < len as u64 {
            rustix::fs::fallocate(&*file, rustix::fs::FallocateFlags::empty(), 0, len as u64).ok()?;
        }
        if map.as_ref().is_none_or(|m| m.len < len) {
            let size = usize::try_from(size).ok()?.max(len);
            *map = None; // the old mapping goes before the larger one is made
            *map = Some(Mapping::new(file, size, true).ok()?);
        }
        map.as_mut().map(|m| &mut m.bytes_mut()[..len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_drawn_by_the_worker_is_read_from_the_slot_without_a_copy() {
        let slots = Slots::new().expect("memory files");
        let mut worker = WorkerSlots::open(slots.paths());
        let first = slots.reserve().expect("a free slot");
        let buf = worker.buffer(first.index(), 4096).expect("a slot buffer");
        buf.fill(7);
        let lease = first.lease(4096).expect("leased");
        assert_eq!(lease.len(), 4096);
        assert!(lease.iter().all(|&b| b == 7));

        // While lent, the other slot is the free one; then none is.
        let second = slots.reserve().expect("the second slot");
        assert_ne!(second.index(), lease._slot.index());
        assert!(slots.reserve().is_none(), "both slots are taken");
        drop(lease);
        assert!(slots.reserve().is_some(), "a dropped lease frees its slot");
    }

    #[test]
    fn a_larger_page_grows_the_slot_and_the_service_maps_the_growth() {
        let slots = Slots::new().expect("memory files");
        let mut worker = WorkerSlots::open(slots.paths());
        let r = slots.reserve().expect("a slot");
        let index = r.index();
        worker.buffer(index, 100).expect("small").fill(1);
        let small = r.lease(100).expect("leased");
        assert!(small.iter().all(|&b| b == 1));
        drop(small);

        let r = slots.reserve().expect("a slot");
        assert_eq!(r.index(), index, "the slot freed last is taken first");
        let big = 3 << 20;
        worker.buffer(index, big).expect("grown").fill(2);
        let lease = r.lease(big).expect("the service maps the larger file");
        assert_eq!(lease.len(), big);
        assert!(lease.iter().all(|&b| b == 2));
    }

    #[test]
    fn a_page_a_few_bytes_longer_than_the_last_grows_the_file() {
        let slots = Slots::new().expect("memory files");
        let mut worker = WorkerSlots::open(slots.paths());
        for len in [2 * 4096 + 100, 2 * 4096 + 200] {
            let r = slots.reserve().expect("a slot");
            worker.buffer(r.index(), len).expect("buffer").fill(5);
            let lease = r.lease(len).expect("the service reads the whole page");
            assert_eq!(lease.len(), len);
        }
    }

    #[test]
    fn idle_slots_give_their_pages_back_and_draw_again() {
        let slots = Slots::new().expect("memory files");
        let mut worker = WorkerSlots::open(slots.paths());
        let len = 4 << 20;
        let r = slots.reserve().expect("a slot");
        let index = r.index();
        // The bytes of memory behind the slot's file.
        let resident =
            |slots: &Slots| rustix::fs::fstat(&slots.slots[usize::from(index)].file).expect("fstat").st_blocks * 512;
        worker.buffer(index, len).expect("buffer").fill(3);
        let lease = r.lease(len).expect("leased");
        assert!(!slots.release_free(), "a lent slot is not free");
        assert!(resident(&slots) >= len as i64, "a lent page stays in memory");
        drop(lease);
        assert!(resident(&slots) >= len as i64, "a freed slot keeps its page for the next");
        assert!(slots.release_free(), "every slot is free");
        assert_eq!(resident(&slots), 0, "an idle slot gave its page back");

        let r = slots.reserve().expect("the slot again");
        assert_eq!(r.index(), index);
        worker.buffer(index, len).expect("buffer again").fill(4);
        let lease = r.lease(len).expect("leased again");
        assert!(lease.iter().all(|&b| b == 4), "the next page reads whole");
    }

    #[test]
    fn pages_over_the_limit_and_unknown_slots_go_through_the_pipe() {
        let slots = Slots::new().expect("memory files");
        let mut worker = WorkerSlots::open(slots.paths());
        assert!(worker.buffer(0, SLOT_MAX + 1).is_none());
        assert!(worker.buffer(9, 10).is_none());
        assert!(WorkerSlots::open(None).buffer(0, 10).is_none());
    }

    #[test]
    fn a_pixel_file_cannot_be_shrunk_under_a_reader() {
        let slots = Slots::new().expect("memory files");
        let mut worker = WorkerSlots::open(slots.paths());
        worker.buffer(0, 8192).expect("buffer");
        let file = File::options().write(true).open(&slots.slots[0].path).expect("reopened");
        assert!(file.set_len(0).is_err(), "sealed against shrinking");
        assert!(file.set_len(16384).is_ok(), "growing stays allowed");
    }
}

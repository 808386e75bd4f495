//! Giving back the code pages the app's start needed and reading does not.
//!
//! Starting the desktop app runs code that never runs again: the dynamic loader's
//! relocations, the static constructors of every library (Mesa's libLLVM alone has
//! hundreds, spread over its 110 MB), GTK's and WebKit's set-up, the store's migrations
//! and the key derivation. Each first touch of a code page maps it — and with it the
//! pages around it (the kernel maps 64 KiB around a fault, and a whole large folio when
//! the file sits in the page cache as one). Measured with `bench-reader --smaps` on
//! freeculture.pdf: the app process held ~130 MB PSS (~250 MB RSS) while paging, our
//! own binary's 20 MB of code almost whole although paging runs a few hundred KB of it.
//!
//! [`release_startup_code`] unmaps, once the start is over, every page of every
//! read-only segment of every loaded ELF object (`MADV_DONTNEED`), and marks them
//! `MADV_RANDOM` so a later fault maps the page it needs rather than its neighbours
//! too. What runs afterwards faults its pages back from the page cache (a minor fault,
//! ~1 µs, a few hundred of them for the next page drawn); nothing is read from disk
//! unless the kernel evicted the file meanwhile, and then a page at a time
//! (`MADV_RANDOM` also turns read-ahead off there): slower only after heavy memory
//! pressure, when the pages would have been dropped anyway. The pages stay in the page cache, so
//! this is no saving of a copy; what changes is that the app no longer holds them
//! mapped: a mapped executable page is the last the kernel reclaims under memory
//! pressure, an unmapped one among the first, and a process's resident size (what a
//! system monitor shows, PSS and RSS alike) counts only what it maps. Measured: the app
//! process 131 → 74 MB PSS while paging, all processes −31 MB (its share of the pages it
//! shares with WebKit's processes moves to them).
//!
//! Why it is sound (this module and `meeting_pdf::pixels` are the workspace's only
//! `unsafe` code):
//! - Only segments without `PF_W` are touched: code and read-only data, which no one
//!   writes, so every page of them is the file's page and dropping it loses nothing (a
//!   private mapping's written pages — relocated data, `.got`, RELRO — are in writable
//!   segments and never touched). A debugger's breakpoint written into code would be
//!   dropped, as would an uprobe: neither is in a shipped app's path.
//! - Segments are walked with `dl_iterate_phdr`, which holds the loader's lock, so no
//!   object can be unloaded (and its addresses reused by another mapping) while they
//!   are released.
//! - Only whole pages inside a segment: a page the segment shares with its neighbour
//!   (which may be writable) is left mapped.
#![allow(unsafe_code)]

/// What [`release_startup_code`] gave back.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Released {
    /// Loaded ELF objects (the program and its libraries) whose pages were released.
    pub objects: usize,
    /// Address space released, in bytes (mapped or not: what was resident is not known
    /// beforehand without reading every mapping's page table).
    pub bytes: usize,
}

/// Unmaps the pages of every read-only segment of this process's loaded objects (the
/// module's documentation says why and why it is sound). On other systems than Linux
/// it does nothing.
pub fn release_startup_code() -> Released {
    imp::release()
}

#[cfg(target_os = "linux")]
mod imp {
    use super::Released;

    /// The page size, and what was released so far, for the loader's callback.
    struct Walk {
        page: usize,
        released: Released,
    }

    pub(super) fn release() -> Released {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        let Ok(page) = usize::try_from(page) else { return Released::default() };
        if !page.is_power_of_two() {
            return Released::default();
        }
        let mut walk = Walk { page, released: Released::default() };
        // SAFETY: the callback only reads what the loader hands it for the call's
        // duration, and `walk` outlives the call.
        unsafe { libc::dl_iterate_phdr(Some(each_object), std::ptr::from_mut(&mut walk).cast()) };
        walk.released
    }

    /// The range of whole pages inside `[start, start + len)`, if any.
    pub(super) fn whole_pages(start: usize, len: usize, page: usize) -> Option<(usize, usize)> {
        let end = start.checked_add(len)?;
        let first = start.checked_add(page - 1)? & !(page - 1);
        let last = end & !(page - 1);
        (last > first).then_some((first, last - first))
    }

    unsafe extern "C" fn each_object(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        data: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY: `data` is the `Walk` `release` passed, alive and not otherwise
        // borrowed during the walk; `info` is valid for this call (dl_iterate_phdr).
        let (walk, info) = unsafe { (&mut *data.cast::<Walk>(), &*info) };
        if info.dlpi_phdr.is_null() {
            return 0;
        }
        // SAFETY: `dlpi_name` is a NUL-terminated string owned by the loader.
        let name = (!info.dlpi_name.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(info.dlpi_name) });
        // The vDSO is the kernel's, not a file's: it has nothing to give back.
        if name.is_some_and(|n| n.to_bytes().starts_with(b"linux-vdso") || n.to_bytes().starts_with(b"linux-gate")) {
            return 0;
        }
        // SAFETY: the loader hands `dlpi_phnum` program headers at `dlpi_phdr`.
        let headers = unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) };
        let mut any = false;
        for h in headers {
            if h.p_type != libc::PT_LOAD || h.p_flags & libc::PF_W != 0 || h.p_flags & libc::PF_R == 0 {
                continue;
            }
            let (Ok(vaddr), Ok(len)) = (usize::try_from(h.p_vaddr), usize::try_from(h.p_memsz)) else { continue };
            let Some(start) = usize::try_from(info.dlpi_addr).ok().and_then(|base| base.checked_add(vaddr)) else {
                continue;
            };
            let Some((first, len)) = whole_pages(start, len, walk.page) else { continue };
            let at = first as *mut libc::c_void;
            // SAFETY: [first, first + len) lies inside a loaded, non-writable segment of
            // an object the loader's lock keeps loaded (see the module's documentation):
            // its pages are the file's, and dropping them loses nothing. Both calls only
            // change how the pages are mapped, never what they hold.
            let dropped = unsafe {
                libc::madvise(at, len, libc::MADV_RANDOM);
                libc::madvise(at, len, libc::MADV_DONTNEED) == 0
            };
            if dropped {
                walk.released.bytes += len;
                any = true;
            }
        }
        walk.released.objects += usize::from(any);
        0
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub(super) fn release() -> super::Released {
        super::Released::default()
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn only_whole_pages_inside_a_segment_are_released() {
        // A segment starting and ending mid-page keeps the pages it shares.
        assert_eq!(imp::whole_pages(0x1800, 0x3000, 0x1000), Some((0x2000, 0x2000)));
        // Page-aligned: all of it.
        assert_eq!(imp::whole_pages(0x2000, 0x2000, 0x1000), Some((0x2000, 0x2000)));
        // Smaller than a page, or within one: nothing.
        assert_eq!(imp::whole_pages(0x1800, 0x900, 0x1000), None);
        assert_eq!(imp::whole_pages(0x1000, 0, 0x1000), None);
        assert_eq!(imp::whole_pages(usize::MAX - 10, 100, 0x1000), None);
    }

    /// Resident kB of this process's mappings of its own executable.
    fn resident_of_own_binary() -> u64 {
        let exe = std::fs::read_link("/proc/self/exe").expect("own executable");
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let mut ours = false;
        let mut kb = 0;
        for line in smaps.lines() {
            let first = line.split_whitespace().next().unwrap_or("");
            if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                ours = line.split_whitespace().nth(5).is_some_and(|p| std::path::Path::new(p) == exe);
            } else if ours && first == "Rss:" {
                kb += line.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            }
        }
        kb
    }

    #[test]
    fn code_pages_are_given_back_and_the_program_runs_on() {
        // The test binary's code is resident (it is running); most of it is not needed
        // again.
        let before = resident_of_own_binary();
        let released = release_startup_code();
        let after = resident_of_own_binary();
        assert!(released.objects >= 2, "the program and libc at least: {released:?}");
        assert!(released.bytes > 0);
        assert!(after < before, "resident {before} → {after} kB");
        // Code runs on: it faults its pages back (formatting, allocation, a thread).
        let text = std::thread::spawn(|| format!("{:?}", vec![1, 2, 3])).join().expect("thread");
        assert_eq!(text, "[1, 2, 3]");
        // Data in read-only segments reads back as it was.
        assert_eq!(b"\xc4\x91\xc6\xb0\xe1\xbb\xa3c", "được".as_bytes());
    }
}

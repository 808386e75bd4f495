//! The shared pixel file between the service and its worker.

use std::fs::File;

/// A memory-backed file the worker writes page pixels into and the service reads them
/// from: one write and one read of the page, where the pipe moved it through its
/// buffer a mebibyte at a time with a context switch each (bench-render measured the
/// difference). It is created close-on-exec; the worker opens it by its
/// `/proc/PID/fd/N` path, so nothing else inherits it. Best effort: without it, pixels
/// travel through the pipe.
pub(crate) fn pixel_file() -> Option<(File, String)> {
    use std::os::fd::AsRawFd as _;
    let fd = rustix::fs::memfd_create("meeting-pdf-pixels", rustix::fs::MemfdFlags::CLOEXEC).ok()?;
    let path = format!("/proc/{}/fd/{}", std::process::id(), fd.as_raw_fd());
    Some((File::from(fd), path))
}

/// The pixels of the last render from the shared pixel file.
pub(crate) fn read_pixels(file: Option<&File>, width: u32, height: u32) -> std::io::Result<Vec<u8>> {
    use std::io::Seek as _;
    let mut file = file.ok_or_else(|| std::io::Error::other("pixels in a shared file the service has not got"))?;
    file.seek(std::io::SeekFrom::Start(0))?;
    crate::wire::read_payload(file, (width as usize) * (height as usize) * 4)
}

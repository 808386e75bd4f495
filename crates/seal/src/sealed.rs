//! Sealed files: STREAM (Hoang, Reyhanitabar, Rogaway, Vizár) over XChaCha20-Poly1305,
//! with 64 KiB chunks.
//!
//! ```text
//! header (32 bytes): "PHSEAL" | version 1 | key id | nonce prefix (19 random bytes) | 5 zero bytes
//! chunk i:           XChaCha20-Poly1305(key, prefix ‖ i as u32 BE ‖ last?, aad, 64 KiB) ‖ 16-byte tag
//! ```
//!
//! Every chunk is full but the last, which is flagged in its nonce: a file cut at a chunk
//! boundary fails on its (then) last chunk, a file cut elsewhere fails on a short chunk,
//! and the caller's associated data (the blob's SHA-256) makes a file moved under
//! another name fail everywhere. The plaintext length follows from the file's length, so
//! a reader seeks at once to any chunk: pdfium reads a document's trailer first, then
//! the pages it draws, and only those chunks are decrypted.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::KeyInit as _;
use chacha20poly1305::aead::generic_array::GenericArray;
use chacha20poly1305::aead::stream::{NewStream as _, StreamBE32, StreamPrimitive as _};
use rand::RngCore as _;
use zeroize::Zeroizing;

use crate::{Key32, Result, SealError};

/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
/// Authentication tag per chunk.
pub const TAG: usize = 16;
/// Bytes of a full chunk on disk.
pub const SEALED_CHUNK: usize = CHUNK + TAG;
/// Bytes of the header.
pub const HEADER: usize = 32;

const MAGIC: &[u8; 6] = b"PHSEAL";
const VERSION: u8 = 1;

type Stream = StreamBE32<XChaCha20Poly1305>;

fn stream(key: &Key32, prefix: &[u8]) -> Stream {
    Stream::from_aead(XChaCha20Poly1305::new(key.as_bytes().into()), GenericArray::from_slice(prefix))
}

/// The size on disk of a sealed file holding `plain` bytes.
pub fn sealed_len(plain: u64) -> u64 {
    // The last chunk may be full; only an empty file has an empty (tag-only) chunk.
    let chunks = plain.div_ceil(CHUNK as u64).max(1);
    HEADER as u64 + plain + chunks * TAG as u64
}

/// Reads the key id from a sealed file's first bytes (to pick the key before opening).
pub fn key_id(header: &[u8]) -> Result<u8> {
    parse_header(header).map(|(id, _)| id)
}

fn parse_header(h: &[u8]) -> Result<(u8, &[u8])> {
    if h.len() < HEADER {
        return Err(if MAGIC.starts_with(h) || h.starts_with(MAGIC) {
            SealError::Truncated
        } else {
            SealError::NotSealed
        });
    }
    if &h[..6] != MAGIC {
        return Err(SealError::NotSealed);
    }
    if h[6] != VERSION {
        return Err(SealError::UnknownVersion(h[6]));
    }
    Ok((h[7], &h[8..27]))
}

/// Encrypts a stream of bytes into sealed chunks, with no I/O of its own: what to write
/// is appended to the caller's buffer (the downloader writes it asynchronously).
pub struct Sealer {
    stream: Stream,
    aad: Vec<u8>,
    pending: Zeroizing<Vec<u8>>,
    counter: u32,
}

impl Sealer {
    /// A new sealed file: the sealer, and the header to write first.
    pub fn new(key: &Key32, key_id: u8, aad: &[u8]) -> (Self, [u8; HEADER]) {
        let mut header = [0u8; HEADER];
        header[..6].copy_from_slice(MAGIC);
        header[6] = VERSION;
        header[7] = key_id;
        rand::rngs::OsRng.fill_bytes(&mut header[8..27]);
        let sealer = Self {
            stream: stream(key, &header[8..27]),
            aad: aad.to_vec(),
            pending: Zeroizing::new(Vec::with_capacity(CHUNK + TAG)),
            counter: 0,
        };
        (sealer, header)
    }

    /// Continues a file whose header is `header` and which already holds `chunks` full
    /// chunks.
    pub fn resume(key: &Key32, aad: &[u8], header: &[u8], chunks: u32) -> Result<Self> {
        let (_, prefix) = parse_header(header)?;
        Ok(Self {
            stream: stream(key, prefix),
            aad: aad.to_vec(),
            pending: Zeroizing::new(Vec::with_capacity(CHUNK + TAG)),
            counter: chunks,
        })
    }

    /// Adds plaintext; every chunk known not to be the last is sealed into `out`.
    pub fn push(&mut self, mut data: &[u8], out: &mut Vec<u8>) -> Result<()> {
        while !data.is_empty() {
            if self.pending.len() == CHUNK {
                self.seal_pending(false, out)?;
            }
            let take = (CHUNK - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(())
    }

    /// Seals what is left as the last chunk (possibly empty) into `out`.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<()> {
        self.seal_pending(true, out)
    }

    /// Full chunks sealed so far.
    pub fn chunks(&self) -> u32 {
        self.counter
    }

    /// Seals the pending chunk in place (its buffer has room for the tag: no
    /// reallocation, no new buffer per chunk) and appends it to `out`.
    fn seal_pending(&mut self, last: bool, out: &mut Vec<u8>) -> Result<()> {
        let buf: &mut Vec<u8> = &mut self.pending;
        self.stream.encrypt_in_place(self.counter, last, &self.aad, buf).map_err(|_| SealError::Tampered)?;
        out.extend_from_slice(buf);
        // Ciphertext now: cleared for the next chunk, its room kept.
        buf.clear();
        self.counter =
            self.counter.checked_add(1).ok_or_else(|| SealError::Io(std::io::Error::other("file too large")))?;
        Ok(())
    }
}

/// Decrypts single chunks of one sealed file.
pub struct Opener {
    stream: Stream,
    aad: Vec<u8>,
    key_id: u8,
}

impl Opener {
    /// For the file whose header is `header`.
    pub fn new(key: &Key32, aad: &[u8], header: &[u8]) -> Result<Self> {
        let (key_id, prefix) = parse_header(header)?;
        Ok(Self { stream: stream(key, prefix), aad: aad.to_vec(), key_id })
    }

    /// The plaintext of chunk `index`.
    pub fn open_chunk(&self, index: u32, last: bool, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let mut buf = Zeroizing::new(sealed.to_vec());
        self.stream.decrypt_in_place(index, last, &self.aad, &mut *buf).map_err(|_| SealError::Tampered)?;
        Ok(buf)
    }
}

/// Writes a sealed file to any `Write`.
pub struct SealedWriter<W: Write> {
    sealer: Sealer,
    inner: W,
    out: Vec<u8>,
}

impl<W: Write> SealedWriter<W> {
    /// Starts a sealed file on `inner` (writes the header).
    pub fn new(mut inner: W, key: &Key32, key_id: u8, aad: &[u8]) -> Result<Self> {
        let (sealer, header) = Sealer::new(key, key_id, aad);
        inner.write_all(&header)?;
        Ok(Self { sealer, inner, out: Vec::with_capacity(SEALED_CHUNK) })
    }

    /// Seals the last chunk and returns the writer (not flushed to disk: fsync is the
    /// caller's).
    pub fn finish(mut self) -> Result<W> {
        self.sealer.finish(&mut self.out)?;
        self.inner.write_all(&self.out)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for SealedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sealer.push(buf, &mut self.out).map_err(SealError::into_io)?;
        if !self.out.is_empty() {
            self.inner.write_all(&self.out)?;
            self.out.clear();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Picks up an unfinished sealed file (a header and full chunks, as a download stopped
/// before its end leaves it): every chunk that authenticates is handed to `on_plain` (to
/// hash it again) and kept; the file is cut after the last of them. `None` when the file
/// is not a sealed file of `key_id` at all: start it again.
pub fn resume_partial(
    file: &mut File,
    key: &Key32,
    key_id: u8,
    aad: &[u8],
    mut on_plain: impl FnMut(&[u8]),
) -> Result<Option<(Sealer, u64)>> {
    let len = file.seek(SeekFrom::End(0))?;
    let mut header = [0u8; HEADER];
    file.seek(SeekFrom::Start(0))?;
    if len < HEADER as u64 || file.read_exact(&mut header).is_err() {
        return Ok(None);
    }
    match parse_header(&header) {
        Ok((id, _)) if id == key_id => {}
        _ => return Ok(None),
    }
    let opener = Opener::new(key, aad, &header)?;
    let mut buf = vec![0u8; SEALED_CHUNK];
    let mut good: u32 = 0;
    while (HEADER as u64) + (u64::from(good) + 1) * SEALED_CHUNK as u64 <= len {
        file.read_exact(&mut buf)?;
        match opener.open_chunk(good, false, &buf) {
            Ok(plain) => on_plain(&plain),
            Err(_) => break,
        }
        good += 1;
    }
    let keep = HEADER as u64 + u64::from(good) * SEALED_CHUNK as u64;
    file.set_len(keep)?;
    file.seek(SeekFrom::Start(keep))?;
    Ok(Some((Sealer::resume(key, aad, &header, good)?, u64::from(good) * CHUNK as u64)))
}

/// Reads a sealed file as its plaintext, at any offset.
pub struct SealedReader<R: Read + Seek> {
    inner: R,
    opener: Opener,
    chunks: u64,
    plain_len: u64,
    pos: u64,
    /// The chunks read last, most recent last: pdfium jumps between a document's
    /// cross-reference table and its pages, so one chunk would be decrypted again and
    /// again.
    cached: Vec<(u64, Zeroizing<Vec<u8>>)>,
    scratch: Vec<u8>,
}

/// Decrypted chunks a reader keeps (8 × 64 KiB).
const CACHED_CHUNKS: usize = 8;

impl<R: Read + Seek> SealedReader<R> {
    /// Opens a sealed file; its last chunk is authenticated at once, so a truncated,
    /// swapped or wrongly keyed file fails here rather than half-way through a document.
    pub fn open(mut inner: R, key: &Key32, aad: &[u8]) -> Result<Self> {
        let total = inner.seek(SeekFrom::End(0))?;
        inner.seek(SeekFrom::Start(0))?;
        let mut header = vec![0u8; HEADER.min(total as usize)];
        inner.read_exact(&mut header)?;
        let opener = Opener::new(key, aad, &header)?;
        let body = total - HEADER as u64;
        let chunks = body.div_ceil(SEALED_CHUNK as u64);
        let last_len = body.saturating_sub(chunks.saturating_sub(1) * SEALED_CHUNK as u64);
        if chunks == 0 || last_len < TAG as u64 || chunks > u64::from(u32::MAX) + 1 {
            return Err(SealError::Truncated);
        }
        let plain_len = (chunks - 1) * CHUNK as u64 + last_len - TAG as u64;
        let mut r = Self {
            inner,
            opener,
            chunks,
            plain_len,
            pos: 0,
            cached: Vec::with_capacity(CACHED_CHUNKS),
            scratch: Vec::with_capacity(SEALED_CHUNK),
        };
        match r.load(chunks - 1) {
            // A full last chunk that opens as a middle one: the file was cut at a chunk
            // boundary (a copy interrupted, a disk full), not tampered with.
            Err(SealError::Tampered) if last_len == SEALED_CHUNK as u64 => {
                let idx = u32::try_from(chunks - 1).map_err(|_| SealError::Truncated)?;
                if r.opener.open_chunk(idx, false, &r.scratch).is_ok() {
                    return Err(SealError::Truncated);
                }
                Err(SealError::Tampered)
            }
            Err(e) => Err(e),
            Ok(()) => Ok(r),
        }
    }

    /// The plaintext length.
    pub fn len(&self) -> u64 {
        self.plain_len
    }

    /// Whether the plaintext is empty.
    pub fn is_empty(&self) -> bool {
        self.plain_len == 0
    }

    /// The key id of the header.
    pub fn key_id(&self) -> u8 {
        self.opener.key_id
    }

    /// Makes chunk `index` the most recent cached one.
    fn load(&mut self, index: u64) -> Result<()> {
        if let Some(at) = self.cached.iter().position(|(i, _)| *i == index) {
            let hit = self.cached.remove(at);
            self.cached.push(hit);
            return Ok(());
        }
        let last = index + 1 == self.chunks;
        let len = if last { (self.plain_len - index * CHUNK as u64) as usize + TAG } else { SEALED_CHUNK };
        self.inner.seek(SeekFrom::Start(HEADER as u64 + index * SEALED_CHUNK as u64))?;
        self.scratch.resize(len, 0);
        self.inner.read_exact(&mut self.scratch).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => SealError::Truncated,
            _ => SealError::Io(e),
        })?;
        let idx = u32::try_from(index).map_err(|_| SealError::Truncated)?;
        let plain = self.opener.open_chunk(idx, last, &self.scratch)?;
        if self.cached.len() == CACHED_CHUNKS {
            self.cached.remove(0);
        }
        self.cached.push((index, plain));
        Ok(())
    }

    /// Reads everything (authenticating every chunk) into `out`: for hashing, and for
    /// the callers that need the whole document in memory.
    pub fn read_all(&mut self, out: &mut impl Write) -> Result<u64> {
        self.seek(SeekFrom::Start(0))?;
        let mut buf = Zeroizing::new(vec![0u8; CHUNK]);
        let mut n = 0u64;
        loop {
            let got = self.read(&mut buf).map_err(SealError::from_io)?;
            if got == 0 {
                return Ok(n);
            }
            out.write_all(&buf[..got])?;
            n += got as u64;
        }
    }
}

/// Fills `buf` as far as the file goes, across chunks: pdfium asks for a block once and
/// takes a short answer for a failure, so a read never stops at a chunk's end.
impl<R: Read + Seek> Read for SealedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() && self.pos < self.plain_len {
            let index = self.pos / CHUNK as u64;
            self.load(index).map_err(SealError::into_io)?;
            let Some((_, plain)) = self.cached.last() else { break };
            let off = (self.pos % CHUNK as u64) as usize;
            let n = (buf.len() - filled).min(plain.len() - off);
            buf[filled..filled + n].copy_from_slice(&plain[off..off + n]);
            self.pos += n as u64;
            filled += n;
        }
        Ok(filled)
    }
}

impl<R: Read + Seek> Seek for SealedReader<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.plain_len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let target = target.ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start of the file")
        })?;
        self.pos = target;
        Ok(target)
    }
}

#[cfg(test)]
#[path = "sealed_tests.rs"]
mod tests;

//! Where a download's bytes go: hashing, sealing and writing, on a blocking thread of
//! the download's own.
//!
//! Hashing and sealing a 64 KiB chunk costs more CPU than receiving it. Done in the
//! download's async task, the work of every parallel download ran on the one thread that
//! polls the sync (`buffer_unordered` polls all of them in one task), in series with
//! the network: bench-sync took 1.5× the time of the plaintext sync. Here the network
//! side only receives and hands the bytes over a bounded channel (which also holds it
//! back when the disk is slower); each download's sink runs on a thread of its own,
//! so the downloads spread over the cores and receiving overlaps sealing.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use meeting_seal::sealed::Sealer;
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use crate::error::{ClientError, Result};

/// What the network side hands a sink.
pub(crate) enum Feed {
    /// The next bytes of the blob.
    Bytes(Bytes),
    /// Everything arrived (the count matched): check the hash and finish the file.
    End,
}

/// How many received chunks may wait for the sink before the network side waits.
pub(crate) const QUEUE: usize = 32;

/// A partial sealed file being written: the sealer and the hash of the plaintext so far.
pub(crate) struct Sink {
    part: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    sealer: Sealer,
    hasher: Sha256,
    /// Sealed bytes waiting to be written (the header of a new file, then full chunks).
    out: Vec<u8>,
    writeback: Writeback,
}

/// How a sink ended.
pub(crate) enum Ended {
    /// The plaintext hashed to the blob's name; the sealed file is whole and fsynced.
    Finished,
    /// The feed stopped before the end: the full chunks written are kept, durable, for
    /// the next attempt to resume from.
    Kept,
}

impl Sink {
    pub fn new(part: &Path, file: std::fs::File, sealer: Sealer, hasher: Sha256, out: Vec<u8>) -> Self {
        Self {
            part: part.to_owned(),
            // Sealed chunks are written as they come, whole (a buffer this size passes
            // them through without copying them); only the header is buffered.
            file: std::io::BufWriter::with_capacity(meeting_seal::sealed::SEALED_CHUNK, file),
            sealer,
            hasher,
            out,
            writeback: Writeback::default(),
        }
    }

    /// Runs until the feed ends (on a blocking thread: it blocks on the channel and the
    /// disk). `sha256` is what the plaintext must hash to.
    pub fn run(mut self, mut feed: mpsc::Receiver<Feed>, sha256: &str) -> Result<Ended> {
        let part = self.part.display().to_string();
        let writing = |e| ClientError::io(format!("writing {part}"))(e);
        while let Some(item) = feed.blocking_recv() {
            match item {
                Feed::Bytes(chunk) => {
                    self.sealer
                        .push(&chunk, &mut self.out)
                        .map_err(|e| ClientError::Protocol(format!("sealing {sha256}: {e}")))?;
                    self.hasher.update(&chunk);
                    self.file.write_all(&self.out).map_err(writing)?;
                    self.out.clear();
                    self.writeback.maybe_start(&mut self.file, chunk.len());
                }
                Feed::End => return self.finish(sha256).map(|()| Ended::Finished),
            }
        }
        // Cut off: keep the full chunks that arrived, durable, so a resume starts there.
        durable(&mut self.file, &self.out, &mut self.writeback, &self.part, false)?;
        Ok(Ended::Kept)
    }

    /// Checks the plaintext's hash, seals the last chunk (only now is the file a whole
    /// sealed file) and makes it durable. A wrong hash removes the partial file.
    fn finish(mut self, sha256: &str) -> Result<()> {
        let actual = hex::encode(self.hasher.finalize());
        if actual != sha256 {
            drop(self.file);
            let _ = std::fs::remove_file(&self.part);
            return Err(ClientError::HashMismatch { sha256: sha256.to_owned(), actual });
        }
        self.sealer.finish(&mut self.out).map_err(|e| ClientError::Protocol(format!("sealing {sha256}: {e}")))?;
        durable(&mut self.file, &self.out, &mut self.writeback, &self.part, true)
    }
}

/// Writes what waits in `out` and makes the file durable (`whole`: its metadata too, for
/// a file about to be marked available; else its data, for a partial one kept to resume).
fn durable(
    file: &mut std::io::BufWriter<std::fs::File>,
    out: &[u8],
    writeback: &mut Writeback,
    part: &Path,
    whole: bool,
) -> Result<()> {
    let writing = |e| ClientError::io(format!("writing {}", part.display()))(e);
    file.write_all(out).map_err(writing)?;
    file.flush().map_err(writing)?;
    writeback.finish();
    let f = file.get_ref();
    if whole { f.sync_all() } else { f.sync_data() }
        .map_err(|e| ClientError::io(format!("syncing {}", part.display()))(e))
}

/// Flushes a download to disk in the background while it is still arriving, so the
/// fsync that must precede marking a blob available only has the tail left to write.
/// Without this, the final fsyncs doubled the time of a full sync (see bench-sync).
/// (Public for bench-sync's plaintext floor, which must write the same way.)
#[derive(Default)]
pub struct Writeback {
    unsynced: usize,
    running: Option<std::thread::JoinHandle<()>>,
}

impl Writeback {
    const EVERY: usize = 1 << 20;

    /// Counts `written` bytes; past a megabyte, flushes and starts an fsync in the
    /// background unless one is still running.
    pub fn maybe_start(&mut self, file: &mut std::io::BufWriter<std::fs::File>, written: usize) {
        self.unsynced += written;
        if self.unsynced < Self::EVERY || self.running.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        // Only a hint: errors here surface in the final fsync.
        if file.flush().is_err() {
            return;
        }
        if let Ok(clone) = file.get_ref().try_clone() {
            self.unsynced = 0;
            self.running = std::thread::Builder::new()
                .name("blob-writeback".into())
                .spawn(move || {
                    let _ = clone.sync_data();
                })
                .ok();
        }
    }

    /// Waits for the background fsync, if one runs.
    pub fn finish(&mut self) {
        if let Some(h) = self.running.take() {
            let _ = h.join();
        }
    }
}

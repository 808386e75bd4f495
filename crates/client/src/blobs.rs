//! The verified blob cache: `blobs/<first two hex>/<sha256>` for complete, verified
//! content, `blobs/partial/<sha256>.part` for downloads in progress. Every file is
//! sealed (`meeting_seal::sealed`, the blob's SHA-256 as associated data) with the key
//! of its confidentiality level (the header's key id says which; see [`crate::lease`]):
//! nothing readable of a document is ever on the disk.
//!
//! Downloads are sealed as they arrive, in 64 KiB chunks. A download resumes from the
//! partial file's last full chunk (re-authenticated and re-hashed) with `Range` +
//! `If-Range`; a 200 instead of a 206 means the server will send everything, so we
//! start over rather than splice. Only after the plaintext hashes to its name is the
//! file finished, fsynced and renamed into place (then the directory fsynced); only
//! after that may the store mark it available.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use meeting_seal::sealed::{self, HEADER, SEALED_CHUNK, Sealer};
use meeting_seal::{SealError, SealedReader};
use reqwest::StatusCode;
use sha2::{Digest as _, Sha256};

use crate::Profile;
use crate::api::Api;
use crate::blob_sink::{self, Ended, Feed, Sink};
use crate::error::{ClientError, Result};

/// The blob directory of a profile.
#[derive(Debug, Clone)]
pub struct BlobCache {
    root: PathBuf,
    profile: Profile,
}

/// What [`BlobCache::check`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Decrypts whole and hashes to its name.
    Intact,
    /// There, but truncated, altered, swapped, not ours, or of other content.
    Damaged,
    /// No file.
    Missing,
}

impl BlobCache {
    /// Opens (creating) the cache under `root`, whose files open with `profile`'s keys.
    pub fn open(root: &Path, profile: Profile) -> Result<Self> {
        std::fs::create_dir_all(root.join("partial"))
            .map_err(ClientError::io(format!("creating {}", root.display())))?;
        Ok(Self { root: root.to_owned(), profile })
    }

    /// Where a verified blob lives.
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2.min(sha256.len())]).join(sha256)
    }

    /// Where an unfinished download of a blob lives.
    pub fn partial_path(&self, sha256: &str) -> PathBuf {
        self.root.join("partial").join(format!("{sha256}.part"))
    }

    /// The document as the PDF engine opens it: the sealed file with its key, decrypted
    /// inside the engine as it reads (the one door for the viewer, search, carry-over
    /// and exports).
    pub fn source(&self, sha256: &str) -> Result<meeting_pdf::Source> {
        let path = self.path(sha256);
        if !path.is_file() {
            return Err(ClientError::NotFound(format!(
                "document content {sha256} is not on this device: sync when the network is back"
            )));
        }
        let key = self.key_of(&path, sha256)?;
        Ok(meeting_pdf::Source::sealed(&path, &key, sha256))
    }

    /// The confidentiality level a cached blob is sealed at (`None`: not there, or no
    /// readable header).
    pub fn level(&self, sha256: &str) -> Result<Option<u8>> {
        let path = self.path(sha256);
        if !path.is_file() {
            return Ok(None);
        }
        level_of(&path)
    }

    /// The key a sealed file opens with: its level's, as its header names it.
    fn key_of(&self, path: &Path, sha256: &str) -> Result<meeting_seal::Key32> {
        match level_of(path)? {
            Some(level) => self.profile.document_key(level),
            None => Err(ClientError::DamagedCopy(sha256.to_owned())),
        }
    }

    fn reader(&self, sha256: &str) -> Result<Option<SealedReader<std::fs::File>>> {
        let path = self.path(sha256);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ClientError::io(format!("reading {}", path.display()))(e)),
        };
        let key = self.key_of(&path, sha256)?;
        match SealedReader::open(file, &key, sha256.as_bytes()) {
            Ok(r) => Ok(Some(r)),
            Err(SealError::Io(e)) => Err(ClientError::io(format!("reading {}", path.display()))(e)),
            Err(_) => Err(ClientError::DamagedCopy(sha256.to_owned())),
        }
    }

    /// The plaintext of a cached blob, decrypted in memory and checked against its
    /// name.
    pub fn read(&self, sha256: &str) -> Result<Vec<u8>> {
        let mut r = self
            .reader(sha256)?
            .ok_or_else(|| ClientError::NotFound(format!("document content {sha256} is not on this device")))?;
        let mut out = Vec::with_capacity(r.len() as usize);
        r.read_all(&mut out).map_err(|_| ClientError::DamagedCopy(sha256.to_owned()))?;
        if hex::encode(Sha256::digest(&out)) != sha256 {
            return Err(ClientError::DamagedCopy(sha256.to_owned()));
        }
        Ok(out)
    }

    /// Decrypts and re-hashes a cached blob.
    pub fn check(&self, sha256: &str) -> Result<Check> {
        let mut r = match self.reader(sha256) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(Check::Missing),
            Err(ClientError::DamagedCopy(_)) => return Ok(Check::Damaged),
            Err(e) => return Err(e),
        };
        let mut h = Sha256::new();
        match r.read_all(&mut HashWriter(&mut h)) {
            Ok(_) if hex::encode(h.finalize()) == sha256 => Ok(Check::Intact),
            Ok(_) | Err(SealError::Tampered | SealError::Truncated) => Ok(Check::Damaged),
            Err(e) => Err(ClientError::io(format!("reading {}", self.path(sha256).display()))(e.into_io())),
        }
    }

    /// Plaintext bytes an interrupted download has kept: the full chunks of its partial
    /// file (what a resume starts from, if they authenticate).
    pub fn partial_kept(&self, sha256: &str) -> u64 {
        let len = std::fs::metadata(self.partial_path(sha256)).map(|m| m.len()).unwrap_or(0);
        len.saturating_sub(HEADER as u64) / SEALED_CHUNK as u64 * sealed::CHUNK as u64
    }

    /// Downloads one blob into the cache, resuming a partial download, and returns the
    /// bytes transferred. `on_bytes` is told of every chunk as it arrives.
    pub async fn fetch(&self, api: &Api, sha256: &str, size: u64, on_bytes: &(dyn Fn(u64) + Sync)) -> Result<u64> {
        let dest = self.path(sha256);
        let level = self.profile.store()?.blob_level(sha256)?;
        let key = self.profile.document_key(level)?;
        // Already in place (e.g. the store was reset for a resync): trust only a re-hash.
        let (me, want) = (self.clone(), sha256.to_owned());
        if tokio::task::spawn_blocking(move || me.check(&want)).await.map_err(join)?? == Check::Intact {
            return Ok(0);
        }
        let part = self.partial_path(sha256);
        let (p, k, aad) = (part.clone(), key.clone(), sha256.to_owned());
        let resumed = tokio::task::spawn_blocking(move || resume(&p, &k, level, &aad)).await.map_err(join)??;
        let (mut sealer, mut have, mut hasher) = match resumed {
            Some((s, kept, h)) if kept <= size => (Some(s), kept, h),
            _ => (None, 0, Sha256::new()),
        };
        let mut out = Vec::with_capacity(2 * SEALED_CHUNK);
        let mut transferred = 0u64;
        // The request, when anything is left to fetch, and the file its bytes go to.
        let mut response = None;
        let file = if have < size || size == 0 {
            let resp = api.blob(sha256, have).await?;
            let file = match resp.status() {
                StatusCode::PARTIAL_CONTENT if sealer.is_some() => {
                    let expected = format!("bytes {have}-");
                    let ok = resp
                        .headers()
                        .get(reqwest::header::CONTENT_RANGE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with(&expected));
                    if !ok {
                        return Err(ClientError::Protocol(format!(
                            "blob {sha256}: the server resumed at the wrong offset"
                        )));
                    }
                    open_append(&part).await?
                }
                StatusCode::RANGE_NOT_SATISFIABLE => {
                    // Our partial file is at least as long as the blob: start over.
                    let _ = tokio::fs::remove_file(&part).await;
                    return Err(ClientError::Interrupted {
                        url: api.base().to_owned(),
                        reason: format!("partial download of {sha256} was longer than the blob; restarting"),
                    });
                }
                _ => {
                    hasher = Sha256::new();
                    have = 0;
                    let (s, header) = Sealer::new(&key, level, sha256.as_bytes());
                    sealer = Some(s);
                    out.extend_from_slice(&header);
                    tokio::fs::File::create(&part)
                        .await
                        .map_err(ClientError::io(format!("creating {}", part.display())))?
                }
            };
            response = Some(resp);
            file
        } else {
            open_append(&part).await?
        };
        let sealer = sealer.ok_or_else(|| ClientError::Protocol(format!("blob {sha256}: nothing to finish")))?;
        let sink = Sink::new(&part, file.into_std().await, sealer, hasher, out);
        let (feed, fed) = tokio::sync::mpsc::channel(blob_sink::QUEUE);
        let want = sha256.to_owned();
        let sink = tokio::task::spawn_blocking(move || sink.run(fed, &want));
        // Hands the bytes to the sink as they arrive; `Some((error, discard))` stops the
        // download (`discard`: what was kept is not worth resuming from).
        let received: Option<(ClientError, bool)> = async {
            let mut resp = response?;
            loop {
                let chunk = match resp.chunk().await {
                    Ok(Some(c)) => c,
                    Ok(None) => return None,
                    Err(e) => return Some((api.net_error(&e), false)),
                };
                if have + transferred + chunk.len() as u64 > size {
                    let e = ClientError::Protocol(format!("blob {sha256} is larger than the {size} bytes announced"));
                    return Some((e, true));
                }
                transferred += chunk.len() as u64;
                on_bytes(chunk.len() as u64);
                if feed.send(Feed::Bytes(chunk)).await.is_err() {
                    // The sink stopped on an error of its own: it says which below.
                    return None;
                }
            }
        }
        .await;
        let complete = received.is_none() && have + transferred == size;
        if complete {
            let _ = feed.send(Feed::End).await;
        }
        drop(feed);
        let ended = sink.await.map_err(join)??;
        match (received, ended) {
            (Some((e, discard)), _) => {
                if discard {
                    let _ = tokio::fs::remove_file(&part).await;
                }
                return Err(e);
            }
            (None, Ended::Kept) => {
                return Err(ClientError::Interrupted {
                    url: api.base().to_owned(),
                    reason: format!("received {} of {size} bytes of {sha256}", have + transferred),
                });
            }
            (None, Ended::Finished) => {}
        }
        let dir = dest.parent().map(Path::to_owned).unwrap_or_else(|| self.root.clone());
        tokio::task::spawn_blocking(move || -> Result<()> {
            std::fs::create_dir_all(&dir).map_err(ClientError::io(format!("creating {}", dir.display())))?;
            std::fs::rename(&part, &dest).map_err(ClientError::io(format!("moving into {}", dest.display())))?;
            std::fs::File::open(&dir)
                .and_then(|d| d.sync_all())
                .map_err(ClientError::io(format!("syncing {}", dir.display())))
        })
        .await
        .map_err(join)??;
        Ok(transferred)
    }

    /// Deletes cached and partial files of blobs not in `keep`; returns how many blobs
    /// were removed.
    pub fn remove_unreferenced(&self, keep: &HashSet<String>) -> Result<Vec<String>> {
        self.remove_where(|_, name| {
            let sha = name.strip_suffix(".part").unwrap_or(name);
            Ok(meeting_protocol::is_sha256_hex(sha) && !keep.contains(sha))
        })
    }

    /// Deletes every cached and partial file sealed at `level` (its lease ran out);
    /// returns the blobs that were complete.
    pub fn remove_level(&self, level: u8) -> Result<Vec<String>> {
        // Unreadable headers go too: without a level they can never be opened.
        self.remove_where(|path, _| Ok(level_of(path)?.is_none_or(|l| l == level)))
    }

    /// Deletes the cache's files (complete and partial) that `doomed` picks, given each
    /// file's path and name; returns the complete blobs removed.
    fn remove_where(&self, mut doomed: impl FnMut(&Path, &str) -> Result<bool>) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        let entries =
            std::fs::read_dir(&self.root).map_err(ClientError::io(format!("listing {}", self.root.display())))?;
        for dir in entries.flatten().map(|e| e.path()).filter(|d| d.is_dir()) {
            for f in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let (path, name) = (f.path(), f.file_name().to_string_lossy().into_owned());
                if doomed(&path, &name)? {
                    std::fs::remove_file(&path).map_err(ClientError::io(format!("removing {}", path.display())))?;
                    if !name.ends_with(".part") && meeting_protocol::is_sha256_hex(&name) {
                        removed.push(name);
                    }
                }
            }
        }
        Ok(removed)
    }

    /// Removes one blob's file (found corrupt).
    pub fn remove(&self, sha256: &str) -> Result<()> {
        match std::fs::remove_file(self.path(sha256)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(ClientError::io(format!("removing {}", self.path(sha256).display()))(e))
            }
            _ => Ok(()),
        }
    }
}

/// Picks up a partial download: its full chunks that authenticate, re-hashed. `None`
/// when there is nothing usable (no file, not ours): start over.
fn resume(part: &Path, key: &meeting_seal::Key32, level: u8, sha256: &str) -> Result<Option<(Sealer, u64, Sha256)>> {
    let mut f = match std::fs::OpenOptions::new().read(true).write(true).open(part) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ClientError::io(format!("opening {}", part.display()))(e)),
    };
    let mut h = Sha256::new();
    match sealed::resume_partial(&mut f, key, level, sha256.as_bytes(), |c| h.update(c)) {
        Ok(Some((sealer, kept))) => Ok(Some((sealer, kept, h))),
        Ok(None) => Ok(None),
        Err(SealError::Io(e)) => Err(ClientError::io(format!("reading {}", part.display()))(e)),
        Err(_) => Ok(None),
    }
}

/// The level a sealed file's header names; `None` when it has no readable header.
fn level_of(path: &Path) -> Result<Option<u8>> {
    use std::io::Read as _;
    let mut head = [0u8; HEADER];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    match read {
        Ok(()) => Ok(sealed::key_id(&head).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(ClientError::io(format!("reading {}", path.display()))(e)),
    }
}

/// Feeds what is written into a hash.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn join(e: tokio::task::JoinError) -> ClientError {
    ClientError::Protocol(format!("background task failed: {e}"))
}

async fn open_append(part: &Path) -> Result<tokio::fs::File> {
    tokio::fs::OpenOptions::new()
        .append(true)
        .open(part)
        .await
        .map_err(ClientError::io(format!("opening {}", part.display())))
}

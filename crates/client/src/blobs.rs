//! The verified blob cache: `blobs/<first two hex>/<sha256>` for complete, verified
//! content, `blobs/partial/<sha256>.part` for downloads in progress.
//!
//! A download resumes from the partial file's length with `Range` + `If-Range`; a 200
//! instead of a 206 means the server will send everything, so we start over rather than
//! splice. Only after the whole file hashes to its name is it fsynced and renamed into
//! place (then the directory fsynced); only after that may the store mark it available.

use std::collections::HashSet;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;

use crate::api::Api;
use crate::error::{ClientError, Result};

/// The blob directory of a profile.
#[derive(Debug, Clone)]
pub struct BlobCache {
    root: PathBuf,
}

impl BlobCache {
    /// Opens (creating) the cache under `root`.
    pub fn open(root: &Path) -> Result<Self> {
        std::fs::create_dir_all(root.join("partial"))
            .map_err(ClientError::io(format!("creating {}", root.display())))?;
        Ok(Self { root: root.to_owned() })
    }

    /// Where a verified blob lives.
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2.min(sha256.len())]).join(sha256)
    }

    /// Where an unfinished download of a blob lives.
    pub fn partial_path(&self, sha256: &str) -> PathBuf {
        self.root.join("partial").join(format!("{sha256}.part"))
    }

    /// Hashes a file on disk; `None` when it does not exist.
    pub fn hash_file(path: &Path) -> Result<Option<String>> {
        let mut f = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ClientError::io(format!("reading {}", path.display()))(e)),
        };
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = f.read(&mut buf).map_err(ClientError::io(format!("reading {}", path.display())))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(Some(hex::encode(h.finalize())))
    }

    /// Downloads one blob into the cache, resuming a partial download, and returns the
    /// bytes transferred. `on_bytes` is told of every chunk as it arrives.
    pub async fn fetch(&self, api: &Api, sha256: &str, size: u64, on_bytes: &(dyn Fn(u64) + Sync)) -> Result<u64> {
        let dest = self.path(sha256);
        // Already in place (e.g. the store was reset for a resync): trust only a re-hash.
        let (d, want) = (dest.clone(), sha256.to_owned());
        if tokio::task::spawn_blocking(move || Self::hash_file(&d)).await.map_err(join)??.as_deref() == Some(&want) {
            return Ok(0);
        }
        let part = self.partial_path(sha256);
        let mut have = tokio::fs::metadata(&part).await.map(|m| m.len()).unwrap_or(0);
        if have > size {
            have = 0;
        }
        let mut hasher = Sha256::new();
        if have > 0 {
            let p = part.clone();
            let limit = have;
            hasher = tokio::task::spawn_blocking(move || -> Result<Sha256> {
                let mut h = Sha256::new();
                let f = std::fs::File::open(&p).map_err(ClientError::io(format!("reading {}", p.display())))?;
                let mut r = std::io::BufReader::with_capacity(256 * 1024, f).take(limit);
                std::io::copy(&mut r, &mut h).map_err(ClientError::io(format!("reading {}", p.display())))?;
                Ok(h)
            })
            .await
            .map_err(join)??;
        }
        let mut transferred = 0u64;
        if have < size || size == 0 {
            let mut resp = api.blob(sha256, have).await?;
            let file = match resp.status() {
                StatusCode::PARTIAL_CONTENT => {
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
                    tokio::fs::OpenOptions::new()
                        .append(true)
                        .open(&part)
                        .await
                        .map_err(ClientError::io(format!("opening {}", part.display())))?
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
                    tokio::fs::File::create(&part)
                        .await
                        .map_err(ClientError::io(format!("creating {}", part.display())))?
                }
            };
            // Network chunks are small; each tokio::fs write is a hop to the blocking
            // pool, so batch them.
            let mut file = tokio::io::BufWriter::with_capacity(1 << 20, file);
            let mut writeback = Writeback::default();
            loop {
                let chunk = match resp.chunk().await {
                    Ok(Some(c)) => c,
                    Ok(None) => break,
                    Err(e) => {
                        // Keep what arrived: the next attempt resumes from here.
                        let _ = file.flush().await;
                        let _ = file.get_ref().sync_data().await;
                        return Err(api.net_error(&e));
                    }
                };
                if have + transferred + chunk.len() as u64 > size {
                    drop(file);
                    let _ = tokio::fs::remove_file(&part).await;
                    return Err(ClientError::Protocol(format!(
                        "blob {sha256} is larger than the {size} bytes announced"
                    )));
                }
                file.write_all(&chunk).await.map_err(ClientError::io(format!("writing {}", part.display())))?;
                hasher.update(&chunk);
                transferred += chunk.len() as u64;
                on_bytes(chunk.len() as u64);
                writeback.maybe_start(&mut file, chunk.len()).await;
            }
            writeback.finish().await;
            file.flush().await.map_err(ClientError::io(format!("writing {}", part.display())))?;
            file.get_ref().sync_all().await.map_err(ClientError::io(format!("syncing {}", part.display())))?;
        }
        if have + transferred != size {
            return Err(ClientError::Interrupted {
                url: api.base().to_owned(),
                reason: format!("received {} of {size} bytes of {sha256}", have + transferred),
            });
        }
        let actual = hex::encode(hasher.finalize());
        if actual != sha256 {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(ClientError::HashMismatch { sha256: sha256.to_owned(), actual });
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
        let mut removed = Vec::new();
        let entries =
            std::fs::read_dir(&self.root).map_err(ClientError::io(format!("listing {}", self.root.display())))?;
        for entry in entries.flatten() {
            let dir = entry.path();
            if !dir.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                let sha = name.strip_suffix(".part").unwrap_or(&name);
                if meeting_protocol::is_sha256_hex(sha) && !keep.contains(sha) {
                    std::fs::remove_file(f.path())
                        .map_err(ClientError::io(format!("removing {}", f.path().display())))?;
                    if !name.ends_with(".part") {
                        removed.push(sha.to_owned());
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

/// Flushes a download to disk in the background while it is still arriving, so the
/// fsync that must precede marking a blob available only has the tail left to write.
/// Without this, the final fsyncs doubled the time of a full sync (see bench-sync).
#[derive(Default)]
struct Writeback {
    unsynced: usize,
    running: Option<tokio::task::JoinHandle<()>>,
}

impl Writeback {
    const EVERY: usize = 1 << 20;

    async fn maybe_start(&mut self, file: &mut tokio::io::BufWriter<tokio::fs::File>, written: usize) {
        self.unsynced += written;
        if self.unsynced < Self::EVERY || self.running.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        // Only a hint: errors here surface in the final, awaited fsync.
        if file.flush().await.is_err() {
            return;
        }
        if let Ok(clone) = file.get_ref().try_clone().await {
            let std_file = clone.into_std().await;
            self.unsynced = 0;
            self.running = Some(tokio::task::spawn_blocking(move || {
                let _ = std_file.sync_data();
            }));
        }
    }

    async fn finish(&mut self) {
        if let Some(h) = self.running.take() {
            let _ = h.await;
        }
    }
}

fn join(e: tokio::task::JoinError) -> ClientError {
    ClientError::Protocol(format!("background task failed: {e}"))
}

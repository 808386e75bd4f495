//! Content-addressed, immutable blob store: every document's bytes under the name of
//! their SHA-256, on local disk (`blobs/<first two hex>/<sha256>`, the default) or in an
//! S3-compatible bucket (`--blobs s3://BUCKET[/PREFIX]`, several server instances).
//!
//! Uploads always land in a local scratch file first, hashed while they stream; only
//! content whose name is its hash is ever committed, so a name always matches its bytes.
//! On disk a blob appears under its final name only after it is written, fsynced and
//! renamed (then the directory fsynced), so a crash never leaves a half-written file under
//! a real name. In a bucket an object appears whole or not at all (a single PUT, or a
//! multipart upload completed at the end); its key is its hash, so writing it twice
//! writes the same bytes and needs no conditional put (some S3-compatible servers ignore
//! `If-None-Match`).
//!
//! Reads from a bucket take turns, a bounded number per process (`--s3-reads`): when
//! 500 laptops sync at once they queue here, first come first served, and one that
//! waits too long is told `server_busy` and comes back (see [`BlobStore::turn`]).

mod objects;
pub mod sweep;

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt as _};
use sha2::{Digest as _, Sha256};

pub use objects::{DEFAULT_MAX_READS, S3Location};

use crate::error::{AppError, AppResult};

/// Handle to the store; cheap to clone.
#[derive(Clone)]
pub struct BlobStore {
    /// Where uploads are received before they are committed (and, for a bucket,
    /// where a blob is copied for a program that needs a file).
    scratch: PathBuf,
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Files { root: PathBuf },
    Objects(objects::Bucket),
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Where the blobs are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    /// A directory on this machine.
    Files(PathBuf),
    /// An S3-compatible bucket.
    S3(S3Location),
}

/// A turn to read from the store (see [`BlobStore::turn`]); `None` for files.
pub struct ReadTurn(Option<tokio::sync::OwnedSemaphorePermit>);

/// How long a download waits for its turn before the client is told to come back:
/// well under the clients' 30 s read timeout.
const TURN_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);
/// The `Retry-After` of a download refused for want of a turn.
const BUSY_RETRY_SECS: u64 = 2;

/// Bytes of a blob on their way out, with the blob's whole size.
pub struct BlobRead {
    /// The blob's size (not the range's).
    pub size: u64,
    /// The bytes asked for.
    pub stream: BoxStream<'static, io::Result<Bytes>>,
}

/// A blob as a file on this machine: the store's own file, or a scratch copy of an
/// object that is removed when this is dropped.
#[derive(Debug)]
pub struct LocalBlob {
    path: PathBuf,
    _copy: Option<TempPath>,
}

impl LocalBlob {
    /// Where the bytes are.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A body received into a temporary file and hashed, not yet committed.
#[derive(Debug)]
pub struct Received {
    /// Temporary file holding the bytes; removed on drop unless committed.
    pub tmp: TempPath,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// Byte count.
    pub size: u64,
    /// The first bytes, for content sniffing.
    pub head: Vec<u8>,
}

/// A temporary file that deletes itself unless [`BlobStore::commit`] takes it.
#[derive(Debug)]
pub struct TempPath(Option<PathBuf>);

impl TempPath {
    /// Where the bytes are.
    pub fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

/// Reads and discards the rest of a rejected upload, within bounds, so the client gets
/// our error answer. Closing a socket with unread bytes makes the kernel send a reset,
/// and a reset can destroy the answer before the client reads it.
pub async fn drain<S, E>(mut body: S)
where
    S: Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
{
    const CAP: u64 = 64 * 1024 * 1024;
    let mut seen = 0u64;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(Ok(chunk)) = body.next().await {
            seen += chunk.len() as u64;
            if seen > CAP {
                break;
            }
        }
    })
    .await;
}

/// The chunk a download from the files is read in. Each download holds one or two while
/// its client drains them: 500 laptops with four downloads each (bench-scale, 500 ×
/// 200 MB) peaked at 1,471 MiB with 256 KiB chunks, 703 MiB with 64 KiB, for 21 % more
/// CPU and a 9 % slower sync (four times the reads, each a hop to a blocking thread).
/// An office server shares its memory with LibreOffice and often a database; running out
/// stops everything, a sync 9 % slower nobody notices.
const FILE_CHUNK: usize = 64 * 1024;

impl BlobStore {
    /// Opens (creating) the store, with `scratch` for uploads on their way in; clears
    /// temporary files a crashed run left there.
    pub fn open(location: &BlobLocation, scratch: &Path) -> AppResult<Self> {
        fs::create_dir_all(scratch)?;
        for entry in fs::read_dir(scratch)? {
            let _ = fs::remove_file(entry?.path());
        }
        let backend = match location {
            BlobLocation::Files(root) => {
                fs::create_dir_all(root)?;
                Backend::Files { root: root.clone() }
            }
            BlobLocation::S3(s3) => Backend::Objects(objects::Bucket::open(s3)?),
        };
        Ok(Self { scratch: scratch.to_owned(), backend })
    }

    /// Where the blobs are, for logs (no credentials).
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Files { root } => root.display().to_string(),
            Backend::Objects(b) => b.describe(),
        }
    }

    fn file_path(root: &Path, sha256: &str) -> PathBuf {
        root.join(&sha256[..2.min(sha256.len())]).join(sha256)
    }

    fn new_tmp(&self) -> TempPath {
        TempPath(Some(self.scratch.join(uuid::Uuid::now_v7().to_string())))
    }

    /// Streams a request body into a temporary file, hashing as it goes; fails with 413
    /// as soon as more than `limit` bytes arrive, without reading the rest.
    pub async fn receive<S, E>(&self, mut body: S, limit: u64) -> AppResult<Received>
    where
        S: Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        use tokio::io::AsyncWriteExt as _;
        let tmp = self.new_tmp();
        let mut file = tokio::fs::File::create(tmp.path()).await?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut head = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| AppError::bad_request(format!("upload interrupted: {e}")))?;
            size += chunk.len() as u64;
            if size > limit {
                drain(body).await;
                return Err(AppError::too_large(limit));
            }
            if head.len() < 1024 {
                head.extend_from_slice(&chunk[..chunk.len().min(1024 - head.len())]);
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        Ok(Received { tmp, sha256: hex::encode(hasher.finalize()), size, head })
    }

    /// Puts a received file under its content name. Idempotent: a blob with the same
    /// name already has the same bytes, so the temporary copy is dropped.
    pub async fn commit(&self, received: Received) -> AppResult<()> {
        match &self.backend {
            Backend::Files { root } => {
                let root = root.clone();
                tokio::task::spawn_blocking(move || commit_file(&root, received)).await??;
                Ok(())
            }
            Backend::Objects(b) => b.commit(&received.sha256, received.tmp.path(), received.size).await,
        }
    }

    /// Stores bytes held in memory (demo seeding, tools) and returns their name. Call it
    /// on a blocking thread (with a bucket, inside the server's runtime).
    pub fn put_blocking(&self, bytes: &[u8]) -> AppResult<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let tmp = self.new_tmp();
        let mut f = File::create(tmp.path())?;
        f.write_all(bytes)?;
        f.sync_all()?;
        let received = Received { tmp, sha256: sha.clone(), size: bytes.len() as u64, head: Vec::new() };
        match &self.backend {
            Backend::Files { root } => commit_file(root, received)?,
            Backend::Objects(b) => tokio::runtime::Handle::try_current()
                .map_err(|_| AppError::Stored("the blob store needs the server's runtime".to_owned()))?
                .block_on(b.commit(&sha, received.tmp.path(), received.size))?,
        }
        Ok(sha)
    }

    /// Copies a file holding the blob `sha256` into the store (an office moving in, see
    /// [`crate::migrate`]); nothing to do when the store has it. The caller has checked
    /// the bytes against the name.
    pub async fn import(&self, sha256: &str, path: &Path, size: u64) -> AppResult<()> {
        match &self.backend {
            Backend::Files { root } => {
                let tmp = self.new_tmp();
                tokio::fs::copy(path, tmp.path()).await?;
                let received = Received { tmp, sha256: sha256.to_owned(), size, head: Vec::new() };
                let root = root.clone();
                tokio::task::spawn_blocking(move || commit_file(&root, received)).await??;
                Ok(())
            }
            Backend::Objects(b) => b.commit(sha256, path, size).await,
        }
    }

    /// Waits for a turn to read, as long as a client waits for an answer and no longer:
    /// then `server_busy` with a `Retry-After`, so the client comes back rather than
    /// timing out. Files on this machine need no turn.
    pub async fn turn(&self) -> AppResult<ReadTurn> {
        let Backend::Objects(b) = &self.backend else { return Ok(ReadTurn(None)) };
        match tokio::time::timeout(TURN_PATIENCE, b.reads.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(ReadTurn(Some(permit))),
            // The semaphore is never closed.
            Ok(Err(closed)) => Err(AppError::Stored(format!("blob read turns: {closed}"))),
            Err(_) => Err(AppError::busy(BUSY_RETRY_SECS)),
        }
    }

    /// The blob's bytes, all of them or `range` (first and last byte, inclusive, already
    /// checked against the blob's size, which the caller knows), read in `turn`,
    /// which is given back when the bytes have been sent or dropped. `NotFound` when the
    /// store has no such blob.
    pub async fn read_in(&self, turn: ReadTurn, sha256: &str, range: Option<(u64, u64)>) -> io::Result<BlobRead> {
        let read = self.read_now(sha256, range).await?;
        if turn.0.is_none() {
            return Ok(read);
        }
        let stream = read
            .stream
            .map(move |chunk| {
                let _held = &turn;
                chunk
            })
            .boxed();
        Ok(BlobRead { size: read.size, stream })
    }

    /// [`BlobStore::read_in`] a turn waited for as long as it takes (the converter's
    /// reads, an original's download: few, and nobody is better served by a refusal).
    pub async fn read(&self, sha256: &str, range: Option<(u64, u64)>) -> io::Result<BlobRead> {
        let turn = match &self.backend {
            Backend::Files { .. } => ReadTurn(None),
            Backend::Objects(b) => ReadTurn(b.reads.clone().acquire_owned().await.ok()),
        };
        self.read_in(turn, sha256, range).await
    }

    async fn read_now(&self, sha256: &str, range: Option<(u64, u64)>) -> io::Result<BlobRead> {
        use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
        match &self.backend {
            Backend::Files { root } => {
                let mut file = tokio::fs::File::open(Self::file_path(root, sha256)).await?;
                let size = file.metadata().await?.len();
                let stream = match range {
                    None => tokio_util::io::ReaderStream::with_capacity(file, FILE_CHUNK).boxed(),
                    Some((start, end)) => {
                        file.seek(io::SeekFrom::Start(start)).await?;
                        tokio_util::io::ReaderStream::with_capacity(file.take(end - start + 1), FILE_CHUNK).boxed()
                    }
                };
                Ok(BlobRead { size, stream })
            }
            Backend::Objects(b) => b.read(sha256, range).await,
        }
    }

    /// The blob as a file, for a program that reads files (LibreOffice).
    pub async fn local(&self, sha256: &str) -> io::Result<LocalBlob> {
        match &self.backend {
            Backend::Files { root } => Ok(LocalBlob { path: Self::file_path(root, sha256), _copy: None }),
            Backend::Objects(_) => {
                use tokio::io::AsyncWriteExt as _;
                let tmp = self.new_tmp();
                let mut file = tokio::fs::File::create(tmp.path()).await?;
                let mut read = self.read(sha256, None).await?;
                while let Some(chunk) = read.stream.next().await {
                    file.write_all(&chunk?).await?;
                }
                file.flush().await?;
                Ok(LocalBlob { path: tmp.path().to_owned(), _copy: Some(tmp) })
            }
        }
    }
}

/// The blobs kept as files under `root` (the default store's layout, `ab/abcd…`):
/// name, path, size and when written; temporary files, anything else, and a file removed
/// while it is listed (a sweep at the same time) are left out.
pub fn files_in(root: &Path) -> io::Result<Vec<(String, PathBuf, u64, std::time::SystemTime)>> {
    let mut out = Vec::new();
    for dir in fs::read_dir(root)? {
        let dir = dir?;
        let prefix = dir.file_name().to_string_lossy().into_owned();
        if prefix.len() != 2 || !dir.file_type()?.is_dir() {
            continue;
        }
        for file in fs::read_dir(dir.path())? {
            let file = file?;
            let name = file.file_name().to_string_lossy().into_owned();
            if is_blob_name(&name) && name.starts_with(&prefix) && file.file_type()?.is_file() {
                match file.metadata().and_then(|m| Ok((m.len(), m.modified()?))) {
                    Ok((size, written)) => out.push((name, file.path(), size, written)),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Moves a received file under its content name in `root` (see [`BlobStore::commit`]).
fn commit_file(root: &Path, mut received: Received) -> io::Result<()> {
    let dest = BlobStore::file_path(root, &received.sha256);
    if dest.exists() {
        // The same bytes again (a document uploaded twice, or again after it was
        // deleted): written now as far as the sweep's grace is concerned (see `sweep`).
        return File::open(&dest)?.set_modified(std::time::SystemTime::now());
    }
    let dir = dest.parent().unwrap_or(root).to_owned();
    fs::create_dir_all(&dir)?;
    if let Some(tmp) = received.tmp.0.take() {
        fs::rename(&tmp, &dest)?;
    }
    File::open(&dir)?.sync_all()
}

/// Whether a file or object name is a blob's: 64 lowercase hex digits.
fn is_blob_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A blob's key under a bucket's prefix (the same layout as on disk).
fn object_key(prefix: &str, sha256: &str) -> String {
    format!("{prefix}{}/{sha256}", &sha256[..2.min(sha256.len())])
}

//! Content-addressed, immutable blob store: `blobs/<first two hex>/<sha256>`.
//!
//! A blob appears under its final name only after its bytes are fully written, hashed,
//! fsynced and renamed (then the directory fsynced), so a crash never leaves a
//! half-written file under a real name, and a name always matches its content.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use futures_util::{Stream, StreamExt as _};
use sha2::{Digest as _, Sha256};

use crate::error::{AppError, AppResult};

/// Handle to the store; cheap to clone.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
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

impl BlobStore {
    /// Opens (creating) the store under `root`, clearing temporary files of a crashed run.
    pub fn open(root: &Path) -> io::Result<Self> {
        fs::create_dir_all(root.join("tmp"))?;
        for entry in fs::read_dir(root.join("tmp"))? {
            let _ = fs::remove_file(entry?.path());
        }
        Ok(Self { root: root.to_owned() })
    }

    /// Final path of a blob (whether or not it exists).
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2.min(sha256.len())]).join(sha256)
    }

    fn new_tmp(&self) -> TempPath {
        TempPath(Some(self.root.join("tmp").join(uuid::Uuid::now_v7().to_string())))
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

    /// Moves a received file under its content name. Idempotent: an existing blob with
    /// the same name already has the same bytes, so the temporary copy is dropped.
    pub fn commit(&self, mut received: Received) -> io::Result<()> {
        let dest = self.path(&received.sha256);
        if dest.exists() {
            return Ok(());
        }
        let dir = dest.parent().unwrap_or(&self.root).to_owned();
        fs::create_dir_all(&dir)?;
        if let Some(tmp) = received.tmp.0.take() {
            fs::rename(&tmp, &dest)?;
        }
        File::open(&dir)?.sync_all()
    }

    /// Stores bytes held in memory (demo seeding, tools) and returns their name.
    pub fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        if !self.path(&sha).exists() {
            let tmp = self.new_tmp();
            let mut f = File::create(tmp.path())?;
            f.write_all(bytes)?;
            f.sync_all()?;
            let head = bytes[..bytes.len().min(1024)].to_vec();
            self.commit(Received { tmp, sha256: sha.clone(), size: bytes.len() as u64, head })?;
        }
        Ok(sha)
    }
}

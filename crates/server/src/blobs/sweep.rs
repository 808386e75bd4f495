//! Deleting the blobs no document refers to any more: those of deleted meetings and
//! documents, and bytes stored for an upload that was then refused. A deleted
//! confidential document should not stay on the office's disk or bucket for good.
//!
//! The blob store and the database are not one transaction, so the order matters:
//! - an upload stores its blob first and then, in a write transaction, the row that
//!   names it; in that transaction it checks that the blob is still there
//!   ([`BlobStore::ensure_blocking`]);
//! - the sweep lists the blobs, then deletes, inside write transactions (under the
//!   writers' turn, see `store`), those no row names — so a row naming a blob cannot
//!   commit between the sweep's look and its delete, and a writer that comes after the
//!   delete finds the blob gone and says so, instead of naming bytes that are not there;
//! - only blobs written more than a grace period ago are candidates (an upload between
//!   its blob and its row is seconds old; storing the same bytes again counts as writing
//!   them), so that refusal practically never happens.
//!
//! Every instance sweeps every [`EVERY`]; `meeting-server blobs sweep` sweeps at once.

use std::time::Duration;

use time::OffsetDateTime;

use super::{Backend, BlobStore};
use crate::AppState;
use crate::error::{AppError, AppResult};

/// Blobs looked at per write transaction: the writers' turn is held while they are
/// deleted (a request each in a bucket), so not too long at once.
const BATCH: usize = 100;
/// How often each instance sweeps.
pub const EVERY: Duration = Duration::from_secs(6 * 3600);
/// Blobs written more recently than this are left alone (see the module docs).
pub const GRACE: Duration = Duration::from_secs(3600);

/// What a sweep found and did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Blobs a document or conversion refers to.
    pub kept: usize,
    /// Blobs no row refers to, deleted (or, in a dry run, that would be).
    pub removed: usize,
    /// Blobs written within the grace period, not looked at.
    pub young: usize,
}

impl BlobStore {
    /// Every blob and when it was written.
    pub async fn list(&self) -> AppResult<Vec<(String, OffsetDateTime)>> {
        match &self.backend {
            Backend::Files { root } => {
                let root = root.clone();
                let files = tokio::task::spawn_blocking(move || super::files_in(&root)).await??;
                Ok(files.into_iter().map(|(name, _, _, written)| (name, OffsetDateTime::from(written))).collect())
            }
            Backend::Objects(b) => Ok(b.list().await?),
        }
    }

    /// Deletes a blob (nothing to do when it is gone). On a blocking thread.
    fn remove_blocking(&self, sha256: &str) -> AppResult<()> {
        match &self.backend {
            Backend::Files { root } => match std::fs::remove_file(Self::file_path(root, sha256)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            },
            Backend::Objects(b) => Ok(runtime()?.block_on(b.remove(sha256))?),
        }
    }

    /// Fails unless the store has the blob: called by a write transaction about to store
    /// a row naming it, on its blocking thread (see the module docs).
    pub fn ensure_blocking(&self, sha256: &str) -> AppResult<()> {
        let there = match &self.backend {
            Backend::Files { root } => Self::file_path(root, sha256).is_file(),
            Backend::Objects(b) => runtime()?.block_on(b.has(sha256))?,
        };
        if there {
            Ok(())
        } else {
            Err(AppError::conflict(
                "tệp vừa lưu đã bị dọn đi trước khi được ghi nhận, xin gửi lại / \
                 the file was cleared away before it was recorded: send it again",
            ))
        }
    }
}

fn runtime() -> AppResult<tokio::runtime::Handle> {
    tokio::runtime::Handle::try_current()
        .map_err(|_| AppError::Stored("the blob store needs the server's runtime".to_owned()))
}

/// Deletes the blobs written before `grace` ago that no document version or conversion
/// names (`dry_run`: only counts them).
pub async fn sweep(state: &AppState, grace: Duration, dry_run: bool) -> AppResult<Swept> {
    // Listed before the database is read: see the module docs.
    let listed = state.blobs.list().await?;
    let cutoff = OffsetDateTime::now_utc() - grace;
    let (old, young): (Vec<_>, Vec<_>) = listed.into_iter().partition(|(_, at)| *at <= cutoff);
    let mut swept = Swept { young: young.len(), ..Swept::default() };
    for batch in old.chunks(BATCH) {
        let names: Vec<String> = batch.iter().map(|(name, _)| name.clone()).collect();
        let blobs = state.blobs.clone();
        let removed = state
            .db
            .write(move |tx| {
                let named = crate::store::documents::blobs_named(tx, &names)?;
                let unnamed: Vec<&String> = names.iter().filter(|n| !named.contains(*n)).collect();
                if !dry_run {
                    for name in &unnamed {
                        blobs.remove_blocking(name)?;
                    }
                }
                Ok(unnamed.len())
            })
            .await?;
        swept.removed += removed;
        swept.kept += batch.len() - removed;
    }
    Ok(swept)
}

/// Sweeps every [`EVERY`] while the server runs, the first time a grace period after it
/// starts. Several instances may sweep at once: each delete is done once and the others
/// find nothing.
pub fn start(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut next = tokio::time::Instant::now() + GRACE;
        loop {
            tokio::time::sleep_until(next).await;
            next += EVERY;
            match sweep(&state, GRACE, false).await {
                Ok(s) if s.removed > 0 => tracing::info!(removed = s.removed, kept = s.kept, "blobs swept"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the blob sweep failed; it runs again later"),
            }
        }
    });
}

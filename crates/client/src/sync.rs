//! The sync engine: pull the change feed into the store, drop what the user may no
//! longer see, then fetch and verify the documents' content.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures_util::StreamExt as _;
use serde::Serialize;

use crate::Profile;
use crate::api::Api;
use crate::blobs::{BlobCache, Check};
use crate::error::{ClientError, Result};

/// Tuning of a sync run.
#[derive(Clone)]
pub struct SyncOptions {
    /// Blob downloads in flight at once.
    pub parallel: usize,
    /// Changes asked for per page.
    pub page_size: u32,
    /// Engine for extracting the text of new documents into the search index; without
    /// it, documents are made available offline but not searchable yet.
    pub pdf: Option<meeting_pdf::PdfService>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self { parallel: 4, page_size: 500, pdf: None }
    }
}

/// Progress reports, for a progress bar.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum SyncProgress {
    /// Reading the change feed.
    Pulling {
        /// Changes applied so far.
        changes: usize,
    },
    /// Fetching document content.
    Downloading {
        /// Bytes received so far in this run.
        done_bytes: u64,
        /// Bytes to receive in this run (excluding parts already on disk).
        total_bytes: u64,
        /// Documents finished.
        done_files: usize,
        /// Documents to fetch.
        total_files: usize,
    },
}

/// A document whose content could not be fetched in this run.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct FailedDownload {
    /// The blob.
    pub sha256: String,
    /// Stable error code.
    pub code: &'static str,
    /// What went wrong.
    pub error: String,
}

/// What a sync did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    /// Feed entries applied.
    pub changes_applied: usize,
    /// Meetings removed from this device (access lost or meeting deleted).
    pub meetings_purged: usize,
    /// The server asked for (or needed) a full resynchronisation.
    pub full_resync: bool,
    /// Blobs fetched and verified.
    pub blobs_downloaded: usize,
    /// Bytes received for blobs.
    pub bytes_downloaded: u64,
    /// Blobs deleted because nothing references them any more.
    pub blobs_removed: usize,
    /// Blobs that could not be fetched; run sync again to resume them.
    pub failed: Vec<FailedDownload>,
    /// Feed position after the run.
    pub cursor: i64,
    /// Search indexing of new documents.
    pub index: crate::search::IndexReport,
    /// Annotation changes pushed (before pulling, and after carry-over).
    pub annotations: crate::annotations::PushReport,
    /// Opens of documents recorded on this device and now on the server (the audit of
    /// opens); sent before pulling, so a meeting purged by this sync still gets them.
    pub opens_sent: u32,
    /// Progress notes on tasks written on this device (offline too) and now sent.
    pub task_notes: crate::tasks::TaskPushReport,
    /// This user's marks moved onto new versions of their documents.
    pub carried_over: crate::carry::CarryReport,
    /// Wall time of the run in milliseconds.
    pub elapsed_ms: u128,
}

/// Synchronises the profile with its server. Fails without changing anything when the
/// server cannot be reached; a failed document download is reported in
/// [`SyncReport::failed`] and resumed by the next run.
pub async fn sync(
    profile: &Profile,
    opts: &SyncOptions,
    progress: &(dyn Fn(&SyncProgress) + Sync),
) -> Result<SyncReport> {
    match sync_once(profile, opts, progress).await {
        // Revoked from elsewhere (a lost laptop): erase the keys, then the copies.
        Err(ClientError::DeviceRevoked) => {
            profile.wipe()?;
            Err(ClientError::DeviceRevoked)
        }
        other => other,
    }
}

async fn sync_once(
    profile: &Profile,
    opts: &SyncOptions,
    progress: &(dyn Fn(&SyncProgress) + Sync),
) -> Result<SyncReport> {
    let started = Instant::now();
    let _lock = profile.lock()?;
    // Leases that ran out while offline are honoured before anything else (even if the
    // server is reachable: the lease is about the time without contact).
    profile.enforce_leases()?;
    let mut store = profile.store()?;
    let api = profile.api(&store)?;
    let blobs = profile.blobs()?;
    // Push first: the pull then brings back the server's copies, and a change waiting
    // here is never overwritten by an older copy from the feed.
    let annotations = crate::annotations::push(&mut store, &api).await?;
    let opens = crate::opens::push(&mut store, &api).await?;
    let task_notes = crate::tasks::push(&mut store, &api).await?;
    // Contact: every level's lease is renewed (and its secret given back after a shred).
    let leases = api.leases().await?;
    store.save_leases(&leases.leases)?;
    let mut report =
        SyncReport { annotations, opens_sent: opens.recorded + opens.duplicates, task_notes, ..Default::default() };
    let mut cursor = store.cursor()?;
    let initial_cursor = cursor;
    let known_server = store.meta("server_id")?;
    loop {
        let page = api.changes(cursor, opts.page_size).await?;
        // Another database behind the same address (restored backup, reinstall), or a
        // cursor from the future: our copy cannot be patched, only rebuilt.
        let foreign = known_server.as_deref().is_some_and(|k| k != page.server_id.to_string());
        if !report.full_resync && (foreign || cursor > page.head) {
            tracing::warn!(cursor, head = page.head, foreign, "full resync");
            store.reset_for_resync()?;
            report.full_resync = true;
            cursor = 0;
            continue;
        }
        let applied = store.apply_page(&page)?;
        report.changes_applied += applied.changes;
        report.meetings_purged += applied.purged_meetings;
        cursor = page.next_since;
        progress(&SyncProgress::Pulling { changes: report.changes_applied });
        if !page.has_more {
            break;
        }
    }
    report.cursor = cursor;
    // The feed is read to its head: figures computed on the device are "as of" now.
    store.set_synced_at(time::OffsetDateTime::now_utc())?;

    // Purge before downloading: content the user lost access to leaves the disk now,
    // even if the downloads below fail.
    report.blobs_removed = remove_unreferenced(&store, &blobs)?;
    report.blobs_removed += drop_wrong_level(&store, &blobs)?;

    let missing = store.missing_blobs()?;
    let total_bytes: u64 = missing.iter().map(|(_, s)| *s).sum();
    let total_files = missing.len();
    let done_bytes = AtomicU64::new(0);
    let done_files = AtomicU64::new(0);
    let report_progress = || {
        progress(&SyncProgress::Downloading {
            done_bytes: done_bytes.load(Ordering::Relaxed),
            total_bytes,
            done_files: done_files.load(Ordering::Relaxed) as usize,
            total_files,
        });
    };
    if total_files > 0 {
        report_progress();
    }
    let on_bytes = |n: u64| {
        done_bytes.fetch_add(n, Ordering::Relaxed);
        report_progress();
    };
    let mut results = futures_util::stream::iter(missing)
        .map(|(sha, size)| {
            let (api, blobs, on_bytes) = (&api, &blobs, &on_bytes);
            async move {
                let r = fetch_with_retry(api, blobs, &sha, size, on_bytes).await;
                (sha, size, r)
            }
        })
        .buffer_unordered(opts.parallel.max(1));
    while let Some((sha, size, result)) = results.next().await {
        match result {
            Ok(n) => {
                store.mark_verified(&sha, size)?;
                report.blobs_downloaded += 1;
                report.bytes_downloaded += n;
                done_files.fetch_add(1, Ordering::Relaxed);
                report_progress();
            }
            Err(e) => report.failed.push(FailedDownload { sha256: sha, code: e.code(), error: e.to_string() }),
        }
    }
    drop(results);
    store.prune_index()?;
    if let Some(pdf) = &opts.pdf {
        report.index = crate::search::index_missing(&mut store, &blobs, pdf).await?;
        report.carried_over = crate::carry::carry_over(&mut store, &blobs, pdf).await?;
        if report.carried_over != crate::carry::CarryReport::default() {
            let again = crate::annotations::push(&mut store, &api).await?;
            report.annotations.applied += again.applied;
            report.annotations.conflicts += again.conflicts;
            report.annotations.refused += again.refused;
        }
    }
    // The server learns how far a device is from the cursor it asks with; once the new
    // changes and their documents are here, say so now rather than at the next sync (an
    // unreachable server here loses nothing: the next sync says it again).
    if report.cursor != initial_cursor
        && report.failed.is_empty()
        && let Err(e) = api.acknowledge(report.cursor).await
    {
        tracing::debug!(error = %e, "acknowledging the cursor");
    }
    report.elapsed_ms = started.elapsed().as_millis();
    Ok(report)
}

async fn fetch_with_retry(
    api: &Api,
    blobs: &BlobCache,
    sha: &str,
    size: u64,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<u64> {
    let mut attempt = 0;
    loop {
        // The server may ask to come back later (it is sending as much as its storage
        // allows, or its database is failing over): waiting is not a failed attempt.
        match crate::api::patiently(|| blobs.fetch(api, sha, size, on_bytes)).await {
            Ok(n) => return Ok(n),
            // A corrupt partial was discarded, or the connection dropped mid-body:
            // one more try (from scratch, or resuming) is cheap and usually enough.
            Err(e @ (ClientError::HashMismatch { .. } | ClientError::Interrupted { .. })) if attempt < 2 => {
                attempt += 1;
                tracing::warn!(%sha, error = %e, "retrying download");
            }
            Err(e) => return Err(e),
        }
    }
}

/// Drops cached copies sealed at another level than their documents now have (a
/// document marked confidential after it was cached must live by the shorter lease);
/// they are fetched again at their level.
fn drop_wrong_level(store: &crate::store::Store, blobs: &BlobCache) -> Result<usize> {
    let mut n = 0;
    for (sha, _) in store.verified_blobs()? {
        let sealed_at = blobs.level(&sha)?;
        if sealed_at.is_some() && sealed_at != Some(store.blob_level(&sha)?) {
            blobs.remove(&sha)?;
            store.forget_blob(&sha)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Deletes blobs no document references any more, on disk and in the store.
fn remove_unreferenced(store: &crate::store::Store, blobs: &BlobCache) -> Result<usize> {
    let keep = store.referenced_blobs()?;
    let mut removed = blobs.remove_unreferenced(&keep)?;
    for (sha, _) in store.verified_blobs()? {
        if !keep.contains(&sha) {
            store.forget_blob(&sha)?;
            if !removed.contains(&sha) {
                removed.push(sha);
            }
        }
    }
    Ok(removed.len())
}

/// Result of re-hashing the cache.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// Blobs checked.
    pub checked: usize,
    /// Blobs whose content matched.
    pub ok: usize,
    /// Blobs whose content did not match: removed, fetched again at the next sync.
    pub corrupt: Vec<String>,
    /// Blobs recorded as present but missing on disk.
    pub missing: Vec<String>,
}

impl VerifyReport {
    /// True when every blob was intact.
    pub fn is_clean(&self) -> bool {
        self.corrupt.is_empty() && self.missing.is_empty()
    }
}

/// Re-hashes every cached blob. Bad ones are removed and marked unavailable so the next
/// sync fetches them again.
pub fn verify(profile: &Profile) -> Result<VerifyReport> {
    let store = profile.store()?;
    let blobs = profile.blobs()?;
    let mut report = VerifyReport::default();
    for (sha, _) in store.verified_blobs()? {
        report.checked += 1;
        match blobs.check(&sha)? {
            Check::Intact => report.ok += 1,
            Check::Damaged => {
                blobs.remove(&sha)?;
                store.forget_blob(&sha)?;
                report.corrupt.push(sha);
            }
            Check::Missing => {
                store.forget_blob(&sha)?;
                report.missing.push(sha);
            }
        }
    }
    Ok(report)
}

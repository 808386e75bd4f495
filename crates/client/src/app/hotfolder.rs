//! Hot folders in the app: a secretary links a meeting to its folder in the Prepare
//! workspace and the app keeps them in step while it is open ([`crate::hotfolder`] does
//! the work, the same code as `meeting prepare watch`). Each linked folder has one
//! background task; what it did is kept here for the UI to show, and a failure (the
//! server down, the share unmounted) is shown and retried rather than ending the watch.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AppCore, UiError, UiResult};
use crate::hotfolder::deletions::{self, Settle};
use crate::hotfolder::state::TrackedFile;
use crate::hotfolder::watch::{WatchEvent, WatchOptions, canonical_folder, watch};
use crate::prepare::Prepare;
use crate::{ClientError, Profile};

/// Events kept per folder for the UI (older ones drop off).
const KEPT_EVENTS: usize = 50;
/// Wait before watching again after a failure.
const RETRY: Duration = Duration::from_secs(10);

/// Something the watcher did, and when.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct HotFolderEvent {
    /// When (RFC 3339).
    pub at: String,
    /// What.
    pub event: WatchEvent,
}

/// A meeting's folder as the Prepare workspace shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Default)]
pub struct HotFolderStatus {
    /// The linked folder (none: not linked).
    pub dir: Option<String>,
    /// Polled (network shares) rather than watched for file events.
    pub poll: bool,
    /// A watcher runs for it in this app now.
    pub watching: bool,
    /// What the watcher did, oldest first.
    pub events: Vec<HotFolderEvent>,
    /// Counts every event since the app started: when it grows, the meeting changed.
    pub seq: u64,
    /// Why the watcher last stopped (it tries again by itself).
    pub error: Option<UiError>,
    /// Files gone from the folder whose documents wait for the secretary.
    pub waiting_deletions: Vec<TrackedFile>,
}

/// Whether to remove the documents of files gone from the folder, or keep them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeletionChoice {
    /// Remove the documents from the meeting.
    Remove,
    /// Keep the documents; forget the files.
    Keep,
}

#[derive(Default)]
struct Log {
    events: VecDeque<HotFolderEvent>,
    seq: u64,
    error: Option<UiError>,
    running: bool,
}

struct Running {
    task: tokio::task::AbortHandle,
    log: Arc<Mutex<Log>>,
}

/// The app's running watchers, by meeting id.
#[derive(Default)]
pub(crate) struct Watchers(Mutex<HashMap<String, Running>>);

impl Watchers {
    fn stop(&self, meeting: &str) {
        if let Ok(mut map) = self.0.lock()
            && let Some(r) = map.remove(meeting)
        {
            r.task.abort();
        }
    }

    pub(crate) fn stop_all(&self) {
        if let Ok(mut map) = self.0.lock() {
            for (_, r) in map.drain() {
                r.task.abort();
            }
        }
    }

    fn running(&self, meeting: &str) -> bool {
        self.0.lock().is_ok_and(|m| m.get(meeting).is_some_and(|r| !r.task.is_finished()))
    }

    /// Starts (or restarts) the watcher of one folder on the current async runtime.
    fn start(&self, profile: &Profile, meeting: Uuid, dir: PathBuf, poll: bool) -> UiResult<()> {
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|_| ClientError::Invalid("watching a folder needs the app's async runtime".into()))?;
        self.stop(&meeting.to_string());
        let log = Arc::new(Mutex::new(Log::default()));
        let (profile, task_log) = (profile.clone(), log.clone());
        let opts = WatchOptions { poll, ..WatchOptions::default() };
        let task = handle.spawn(async move {
            let report = |e: &WatchEvent| {
                if let Ok(mut l) = task_log.lock() {
                    if matches!(e, WatchEvent::Watching { .. }) {
                        l.running = true;
                        l.error = None;
                    }
                    l.seq += 1;
                    l.events.push_back(HotFolderEvent { at: now(), event: e.clone() });
                    while l.events.len() > KEPT_EVENTS {
                        l.events.pop_front();
                    }
                }
            };
            loop {
                let outcome = watch(&profile, meeting, &dir, &opts, &report).await;
                if let Ok(mut l) = task_log.lock() {
                    l.running = false;
                    l.error = outcome.err().map(UiError::from);
                    l.seq += 1;
                }
                tokio::time::sleep(RETRY).await;
            }
        });
        if let Ok(mut map) = self.0.lock() {
            map.insert(meeting.to_string(), Running { task: task.abort_handle(), log });
        }
        Ok(())
    }

    fn log(&self, meeting: &str) -> Option<Arc<Mutex<Log>>> {
        self.0.lock().ok().and_then(|m| m.get(meeting).map(|r| r.log.clone()))
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn meeting_id(s: &str) -> UiResult<Uuid> {
    Uuid::parse_str(s.trim()).map_err(|_| ClientError::Invalid(format!("{s} is not a meeting id")).into())
}

impl AppCore {
    /// The meeting's folder: linked where, watched or not, what happened, what waits.
    pub fn hot_folder_status(&self, meeting: &str) -> UiResult<HotFolderStatus> {
        let mid = meeting_id(meeting)?;
        let key = mid.to_string();
        let link = self.profile.store()?.hot_folder_links()?.into_iter().find(|l| l.meeting_id == key);
        let Some(link) = link else { return Ok(HotFolderStatus::default()) };
        let mut status = HotFolderStatus {
            dir: Some(link.dir),
            poll: link.poll,
            watching: self.hot.running(&key),
            waiting_deletions: deletions::waiting(&self.profile, mid)?,
            ..HotFolderStatus::default()
        };
        if let Some(log) = self.hot.log(&key)
            && let Ok(l) = log.lock()
        {
            status.events = l.events.iter().cloned().collect();
            status.seq = l.seq;
            status.error = l.error.clone();
            status.watching &= l.running || l.error.is_none();
        }
        Ok(status)
    }

    /// Links a meeting to a folder and watches it while the app is open (and again
    /// each time the app starts, until stopped). Linking another folder forgets what
    /// was learned of the old one; the meeting's documents stay.
    pub fn hot_folder_link(&self, meeting: &str, dir: &str, poll: bool) -> UiResult<HotFolderStatus> {
        let mid = meeting_id(meeting)?;
        let dir = canonical_folder(Path::new(dir.trim()))?;
        let key = mid.to_string();
        let mut store = self.profile.store()?;
        store.link_hot_folder(&key, &dir.to_string_lossy())?;
        store.set_hot_folder_watching(&key, poll, true)?;
        self.hot.start(&self.profile, mid, dir, poll)?;
        self.hot_folder_status(meeting)
    }

    /// Stops watching a meeting's folder (the link and what was learned stay).
    pub fn hot_folder_stop(&self, meeting: &str) -> UiResult<HotFolderStatus> {
        let mid = meeting_id(meeting)?;
        let key = mid.to_string();
        self.hot.stop(&key);
        if let Some(link) = self.profile.store()?.hot_folder_links()?.into_iter().find(|l| l.meeting_id == key) {
            self.profile.store()?.set_hot_folder_watching(&key, link.poll, false)?;
        }
        self.hot_folder_status(meeting)
    }

    /// Starts the watchers of every folder the secretary left watched (at app start and
    /// after logging in); the number started.
    pub fn hot_folders_resume(&self) -> UiResult<usize> {
        if !self.session()?.logged_in {
            return Ok(0);
        }
        let mut started = 0;
        for link in self.profile.store()?.hot_folder_links()?.into_iter().filter(|l| l.active) {
            if self.hot.running(&link.meeting_id) {
                continue;
            }
            let Ok(mid) = Uuid::parse_str(&link.meeting_id) else { continue };
            // A folder gone for now (an unmounted share) is retried by its watcher.
            self.hot.start(&self.profile, mid, PathBuf::from(&link.dir), link.poll)?;
            started += 1;
        }
        Ok(started)
    }

    /// Settles files gone from the folder: their documents removed from the meeting, or
    /// kept (the folder forgets the file). `paths` none: every waiting one.
    pub async fn hot_folder_settle(
        &self,
        meeting: &str,
        paths: Option<Vec<String>>,
        choice: DeletionChoice,
    ) -> UiResult<HotFolderStatus> {
        let mid = meeting_id(meeting)?;
        let how = match choice {
            DeletionChoice::Remove => Settle::Remove,
            DeletionChoice::Keep => Settle::Keep,
        };
        let p = Prepare::new(&self.profile)?;
        deletions::settle(&self.profile, &p, mid, paths.as_deref(), how).await?;
        self.hot_folder_status(meeting)
    }
}

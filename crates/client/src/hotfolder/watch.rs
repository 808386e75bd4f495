//! The watcher: events (inotify, or polling for network shares) wake it; every pass
//! scans the folder and reconciles it with the meeting on the server.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use meeting_protocol::{AgendaItemInput, DocumentPatch};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use uuid::Uuid;

use super::state::TrackedFile;
use super::{FoundFile, Layout, scan, title_of};
use crate::Profile;
use crate::error::{ClientError, Result};
use crate::prepare::Prepare;

/// How to watch.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Poll instead of waiting for file events (network shares send none).
    pub poll: bool,
    /// How long a file must stay unchanged before it is taken.
    pub stable: Duration,
    /// How often to poll.
    pub poll_interval: Duration,
    /// Stop once everything in the folder is taken (a one-off reconciliation).
    pub once: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self { poll: false, stable: Duration::from_secs(3), poll_interval: Duration::from_secs(2), once: false }
    }
}

/// What a pass did, for the user.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WatchEvent {
    /// Watching started (after the first reconciliation).
    Watching {
        /// The folder.
        dir: String,
        /// Polling rather than file events.
        poll: bool,
    },
    /// A subfolder became an agenda item.
    ItemCreated {
        /// The folder.
        folder: String,
    },
    /// An item's folder was renamed: the item follows.
    ItemRenamed {
        /// Old folder name.
        from: String,
        /// New folder name.
        to: String,
    },
    /// The agenda was put in the folders' order.
    Reordered,
    /// A file became a document.
    Uploaded {
        /// The file.
        path: String,
        /// The document.
        document_id: String,
    },
    /// A changed file became a new version.
    NewVersion {
        /// The file.
        path: String,
        /// The document.
        document_id: String,
        /// Its version now.
        version: i64,
    },
    /// A file was renamed or moved: its document follows.
    Renamed {
        /// Old path.
        from: String,
        /// New path.
        to: String,
    },
    /// A file is gone; its document stays until the deletion is confirmed.
    Missing {
        /// The file.
        path: String,
    },
    /// A file could not be taken (the reason comes from the server or the disk).
    Failed {
        /// The file.
        path: String,
        /// Stable error code.
        code: String,
        /// What went wrong.
        message: String,
    },
    /// File events were lost (overflow): the folder is read again in full.
    Rescan,
}

/// What a file looked like when last seen, and since when.
struct Seen {
    size: u64,
    mtime_ns: i64,
    since: Instant,
}

/// Watches `dir` for `meeting` until stopped (or, with `once`, until every file is taken).
pub async fn watch(
    profile: &Profile,
    meeting: Uuid,
    dir: &Path,
    opts: &WatchOptions,
    report: &(dyn Fn(&WatchEvent) + Sync),
) -> Result<()> {
    let dir = canonical_folder(dir)?;
    let mid = meeting.to_string();
    profile.store()?.link_hot_folder(&mid, &dir.to_string_lossy())?;
    let prepare = Prepare::new(profile)?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<notify::Result<notify::Event>>();
    let handler = move |e| {
        let _ = tx.send(e);
    };
    // Kept alive for the whole watch; dropping it stops the events.
    let mut watcher: Box<dyn notify::Watcher + Send> = if opts.poll {
        let cfg = notify::Config::default().with_poll_interval(opts.poll_interval);
        Box::new(notify::PollWatcher::new(handler, cfg).map_err(watch_error)?)
    } else {
        Box::new(notify::recommended_watcher(handler).map_err(watch_error)?)
    };
    watcher.watch(&dir, notify::RecursiveMode::Recursive).map_err(watch_error)?;

    let mut seen: HashMap<String, Seen> = HashMap::new();
    let mut touched: HashSet<String> = HashSet::new();
    // Files the server refused, as they were then: not offered again until they change.
    let mut refused: HashMap<String, (u64, i64)> = HashMap::new();
    let mut announced = false;
    let mut waiting = true;
    loop {
        if announced {
            let quiet = if waiting {
                Duration::from_millis(250)
            } else if opts.poll {
                opts.poll_interval
            } else {
                Duration::from_secs(5)
            };
            tokio::select! {
                ev = rx.recv() => {
                    let Some(ev) = ev else { return Ok(()) };
                    note(&dir, ev, &mut touched, report);
                    while let Ok(ev) = rx.try_recv() {
                        note(&dir, ev, &mut touched, report);
                    }
                }
                () = tokio::time::sleep(quiet) => {}
            }
        }
        let layout = scan(&dir).map_err(ClientError::io(format!("reading the folder {}", dir.display())))?;
        let now = Instant::now();
        let present: HashSet<&str> = layout.files.iter().map(|f| f.path.as_str()).collect();
        seen.retain(|p, _| present.contains(p.as_str()));
        for f in &layout.files {
            let changed = seen.get(&f.path).is_none_or(|s| s.size != f.size || s.mtime_ns != f.mtime_ns);
            if changed || touched.contains(&f.path) {
                seen.insert(f.path.clone(), Seen { size: f.size, mtime_ns: f.mtime_ns, since: now });
            }
        }
        touched.clear();
        refused.retain(|p, v| layout.files.iter().any(|f| f.path == *p && (f.size, f.mtime_ns) == *v));
        let ready: HashSet<String> = layout
            .files
            .iter()
            .filter(|f| f.size > 0 && !refused.contains_key(&f.path))
            .filter(|f| seen.get(&f.path).is_some_and(|s| s.since.elapsed() >= opts.stable))
            .map(|f| f.path.clone())
            .collect();
        let tracked = profile.store()?.hot_folder_files(&mid)?;
        // Waiting: a non-empty file that is not taken yet, or not as it is now.
        waiting = layout.files.iter().any(|f| {
            f.size > 0
                && !ready.contains(&f.path)
                && !refused.contains_key(&f.path)
                && !tracked.iter().any(|t| unchanged(t, f))
        });
        for path in reconcile(profile, &prepare, meeting, &dir, &layout, &ready, &tracked, waiting, report).await? {
            if let Some(f) = layout.files.iter().find(|f| f.path == path) {
                refused.insert(path, (f.size, f.mtime_ns));
            }
        }
        if !announced {
            report(&WatchEvent::Watching { dir: dir.display().to_string(), poll: opts.poll });
            announced = true;
        }
        if opts.once && !waiting {
            return Ok(());
        }
    }
}

/// The folder's canonical path (what the store keys it by), or why it is not one.
pub fn canonical_folder(dir: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(dir)
        .ok()
        .filter(|d| d.is_dir())
        .ok_or_else(|| ClientError::NotAFolder(dir.display().to_string()))
}

fn watch_error(e: notify::Error) -> ClientError {
    ClientError::Io { context: "watching the folder".into(), source: std::io::Error::other(e.to_string()) }
}

/// Notes which files an event touched (their stability clock starts again).
fn note(
    dir: &Path,
    ev: notify::Result<notify::Event>,
    touched: &mut HashSet<String>,
    report: &(dyn Fn(&WatchEvent) + Sync),
) {
    match ev {
        Ok(ev) => {
            if ev.need_rescan() {
                report(&WatchEvent::Rescan);
            }
            for p in ev.paths {
                if let Ok(rel) = p.strip_prefix(dir) {
                    touched.insert(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        // An error from the watcher (e.g. an overflow) means events were lost: the next
        // pass reads everything anyway.
        Err(_) => report(&WatchEvent::Rescan),
    }
}

fn unchanged(t: &TrackedFile, f: &FoundFile) -> bool {
    t.path == f.path && t.size == f.size as i64 && t.mtime_ns == f.mtime_ns && t.missing_since.is_none()
}

/// A stable copy of a file, hashed while copying, under its own name; `None` when the
/// file changed meanwhile (it will be taken on a later pass).
async fn stable_copy(src: &Path, f: &FoundFile, scratch: &Path) -> Result<Option<(PathBuf, String)>> {
    let io = |what: &str| ClientError::io(format!("{what} {}", src.display()));
    let dir = scratch.join(Uuid::now_v7().to_string());
    tokio::fs::create_dir_all(&dir).await.map_err(io("copying"))?;
    let name = src.file_name().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("document"));
    let dest = dir.join(name);
    let mut input = tokio::fs::File::open(src).await.map_err(io("opening"))?;
    let mut out = tokio::fs::File::create(&dest).await.map_err(io("copying"))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = input.read(&mut buf).await.map_err(io("reading"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).await.map_err(io("copying"))?;
    }
    out.flush().await.map_err(io("copying"))?;
    let after = tokio::fs::metadata(src).await.map_err(io("reading"))?;
    if after.len() != f.size || super::mtime_ns(&after) != f.mtime_ns {
        let _ = tokio::fs::remove_dir_all(&dir).await;
        return Ok(None);
    }
    Ok(Some((dest, hex::encode(hasher.finalize()))))
}

#[allow(clippy::too_many_arguments)]
async fn reconcile(
    profile: &Profile,
    p: &Prepare,
    meeting: Uuid,
    dir: &Path,
    layout: &Layout,
    ready: &HashSet<String>,
    tracked: &[TrackedFile],
    settling: bool,
    report: &(dyn Fn(&WatchEvent) + Sync),
) -> Result<Vec<String>> {
    let mid = meeting.to_string();
    let mut refused = Vec::new();
    let work_to_do = layout.files.iter().any(|f| ready.contains(&f.path) && !tracked.iter().any(|t| unchanged(t, f)))
        || tracked.iter().any(|t| t.missing_since.is_none() && !layout.files.iter().any(|f| f.path == t.path));
    let items = items(profile, p, meeting, layout, report).await?;
    if !work_to_do {
        return Ok(refused);
    }
    let scratch = profile.dir().join("hotfolder-tmp");
    let mut matched_old: HashSet<String> = HashSet::new();
    let gone: Vec<&TrackedFile> = tracked.iter().filter(|t| !layout.files.iter().any(|f| f.path == t.path)).collect();
    for f in layout.files.iter().filter(|f| ready.contains(&f.path)) {
        let known = tracked.iter().find(|t| t.path == f.path);
        if known.is_some_and(|t| unchanged(t, f)) {
            continue;
        }
        let Some((copy, sha)) = stable_copy(&dir.join(&f.path), f, &scratch).await? else { continue };
        let item = f.folder.as_ref().and_then(|folder| items.get(folder)).copied();
        let outcome = take(p, meeting, f, known, &gone, &mut matched_old, &copy, &sha, item, report).await;
        if let Some(parent) = copy.parent() {
            let _ = tokio::fs::remove_dir_all(parent).await;
        }
        match outcome {
            Ok((old_path, doc)) => {
                let t = TrackedFile {
                    path: f.path.clone(),
                    document_id: doc,
                    sha256: sha,
                    size: f.size as i64,
                    mtime_ns: f.mtime_ns,
                    missing_since: None,
                };
                profile.store()?.track_hot_file(&mid, old_path.as_deref(), &t)?;
            }
            // The server said no (damaged, unsupported, too large…): say so, keep going.
            Err(ClientError::Server { code, message, .. }) => {
                report(&WatchEvent::Failed { path: f.path.clone(), code, message });
                refused.push(f.path.clone());
            }
            Err(e) => return Err(e),
        }
    }
    // While files are still settling, a gone file may be one of them renamed: judge
    // only once everything is stable.
    for t in gone.iter().filter(|t| !settling && t.missing_since.is_none() && !matched_old.contains(&t.path)) {
        let mut m = (*t).clone();
        m.missing_since = Some(now_rfc3339());
        profile.store()?.track_hot_file(&mid, None, &m)?;
        report(&WatchEvent::Missing { path: t.path.clone() });
    }
    Ok(refused)
}

/// Uploads, replaces or follows a rename; the old path replaced (for a rename) and the
/// document id.
#[allow(clippy::too_many_arguments)]
async fn take(
    p: &Prepare,
    meeting: Uuid,
    f: &FoundFile,
    known: Option<&TrackedFile>,
    gone: &[&TrackedFile],
    matched_old: &mut HashSet<String>,
    copy: &Path,
    sha: &str,
    item: Option<Uuid>,
    report: &(dyn Fn(&WatchEvent) + Sync),
) -> Result<(Option<String>, String)> {
    let quiet = |_: &meeting_protocol::Conversion| {};
    if let Some(t) = known {
        if t.sha256 == sha {
            return Ok((None, t.document_id.clone()));
        }
        let doc = parse_id(&t.document_id)?;
        let u = p.replace(doc, copy, &quiet).await?;
        report(&WatchEvent::NewVersion {
            path: f.path.clone(),
            document_id: t.document_id.clone(),
            version: u.document.version,
        });
        return Ok((None, t.document_id.clone()));
    }
    if let Some(old) = gone.iter().find(|t| t.sha256 == sha && !matched_old.contains(&t.path)) {
        matched_old.insert(old.path.clone());
        let doc = parse_id(&old.document_id)?;
        let current = p.detail(meeting).await?.documents.into_iter().find(|d| d.id == doc);
        if let Some(d) = current {
            let title = (d.title == title_of(&old.path)).then(|| title_of(&f.path));
            let patch = DocumentPatch { title, agenda_item_id: item, detach: item.is_none(), ..Default::default() };
            if patch.title.is_some() || d.agenda_item_id != item {
                p.update_document(doc, &patch).await?;
            }
        }
        report(&WatchEvent::Renamed { from: old.path.clone(), to: f.path.clone() });
        return Ok((Some(old.path.clone()), old.document_id.clone()));
    }
    let u = p.upload(meeting, copy, item, Some(&title_of(&f.path)), false, &quiet).await?;
    report(&WatchEvent::Uploaded { path: f.path.clone(), document_id: u.document.id.to_string() });
    Ok((None, u.document.id.to_string()))
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn parse_id(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| ClientError::Protocol(format!("stored document id {s} is not an id")))
}

/// Makes the agenda follow the item folders: one item per folder (created, or renamed
/// with its folder), titles from the names, order from the numbers. Items the app made
/// keep their place after the folders' ones.
async fn items(
    profile: &Profile,
    p: &Prepare,
    meeting: Uuid,
    layout: &Layout,
    report: &(dyn Fn(&WatchEvent) + Sync),
) -> Result<HashMap<String, Uuid>> {
    let mid = meeting.to_string();
    let detail = p.detail(meeting).await?;
    let known: Vec<(String, Uuid)> = profile
        .store()?
        .hot_folder_items(&mid)?
        .into_iter()
        .filter_map(|(f, id)| Uuid::parse_str(&id).ok().map(|id| (f, id)))
        .filter(|(_, id)| detail.agenda.iter().any(|i| i.id == *id))
        .collect();
    let folders: HashSet<&str> = layout.items.iter().map(|i| i.folder.as_str()).collect();
    let mut vanished: Vec<(String, Uuid)> =
        known.iter().filter(|(f, _)| !folders.contains(f.as_str())).cloned().collect();
    let mut out = HashMap::new();
    let mut changed = false;
    for fi in &layout.items {
        let id = if let Some((_, id)) = known.iter().find(|(f, _)| *f == fi.folder) {
            *id
        } else if let Some(pos) = vanished
            .iter()
            .position(|(f, _)| super::parse_item_folder(f).is_some_and(|(n, t)| n == fi.number || t == fi.title))
        {
            let (from, id) = vanished.remove(pos);
            profile.store()?.set_hot_folder_item(&mid, &fi.folder, &id.to_string())?;
            report(&WatchEvent::ItemRenamed { from, to: fi.folder.clone() });
            id
        } else {
            let input = AgendaItemInput { title: Some(fi.title.clone()), ..Default::default() };
            let item = p.add_item(meeting, &input).await?;
            profile.store()?.set_hot_folder_item(&mid, &fi.folder, &item.id.to_string())?;
            report(&WatchEvent::ItemCreated { folder: fi.folder.clone() });
            changed = true;
            item.id
        };
        if let Some(current) = detail.agenda.iter().find(|i| i.id == id)
            && current.title != fi.title
        {
            let input = AgendaItemInput { title: Some(fi.title.clone()), ..Default::default() };
            p.update_item(id, &input).await?;
        }
        out.insert(fi.folder.clone(), id);
    }
    let agenda = if changed { p.detail(meeting).await?.agenda } else { detail.agenda };
    let from_folders: Vec<Uuid> = layout.items.iter().filter_map(|fi| out.get(&fi.folder).copied()).collect();
    let mut wanted = from_folders.clone();
    wanted.extend(agenda.iter().map(|i| i.id).filter(|id| !from_folders.contains(id)));
    let current: Vec<Uuid> = agenda.iter().map(|i| i.id).collect();
    if wanted != current && wanted.len() == current.len() {
        p.reorder(meeting, wanted).await?;
        report(&WatchEvent::Reordered);
    }
    Ok(out)
}

//! Hot folders: a meeting linked to the folder a secretary already keeps for it.
//!
//! - A subfolder named `NN - title` (`01 - Báo cáo tình hình kinh tế - xã hội`) is an
//!   agenda item: the number gives the order, the rest the title. Its files are that
//!   item's documents; files at the top are the meeting's other documents.
//! - A new file uploads; a changed one uploads a new version; a renamed file or folder
//!   renames (recognised by content and number, so it works across a restart too); a
//!   deleted file is only *listed* until the secretary confirms its removal.
//! - A file is taken only once stable: non-empty, size and modification time unchanged
//!   and no event on it for the stability delay, not a temporary or system file. It is
//!   copied aside while hashing and taken only if it did not change meanwhile, so what
//!   the server receives is exactly what was hashed: never a partial file.
//! - Events only say *when to look*: every pass scans the whole folder and reconciles
//!   it with what the store remembers. Events lost while the app was closed, an inotify
//!   overflow, or a network share that sends none (`--poll`) therefore cost a delay,
//!   never a wrong result.
//!
//! [`scan`] reads a folder; [`state`] remembers what became of it; [`watch`] runs the
//! passes; [`deletions`] settles the files gone from it.

pub mod deletions;
pub mod state;
pub mod watch;

use std::path::Path;
use std::time::SystemTime;

/// Names the watcher never takes: editors' lock and temporary files, partial downloads,
/// and the files file managers leave behind.
pub fn is_ignored(name: &str) -> bool {
    let lower = name.to_lowercase();
    name.starts_with("~$")
        || name.starts_with(".~lock.")
        || name.starts_with('.')
        || name.starts_with('~')
        || [".part", ".crdownload", ".tmp", ".temp", ".partial", ".download", "~"].iter().any(|s| lower.ends_with(s))
        || ["thumbs.db", "desktop.ini", ".ds_store"].contains(&lower.as_str())
}

/// `NN - title` → (NN, title). Accepts "-", "–", "." or "_" after the number.
pub fn parse_item_folder(name: &str) -> Option<(u32, String)> {
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let rest = name[digits.len()..].trim_start();
    let rest = rest.strip_prefix(['-', '–', '—', '.', '_']).unwrap_or(rest).trim();
    if rest.is_empty() {
        return None;
    }
    Some((digits.parse().ok()?, rest.to_owned()))
}

/// A subfolder that is an agenda item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderItem {
    /// The folder's name.
    pub folder: String,
    /// Its number.
    pub number: u32,
    /// The title after the number.
    pub title: String,
}

/// A file the watcher may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Path relative to the folder, `/`-separated.
    pub path: String,
    /// The item folder it is in (`None` at the top).
    pub folder: Option<String>,
    /// Bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
}

/// What a folder holds now.
#[derive(Debug, Default, Clone)]
pub struct Layout {
    /// Item folders, by number.
    pub items: Vec<FolderItem>,
    /// Files, at the top and in item folders.
    pub files: Vec<FoundFile>,
    /// Subfolders that are not named like an agenda item (left alone, reported).
    pub other_folders: Vec<String>,
}

/// Modification time in nanoseconds since the epoch.
pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn files_in(dir: &Path, folder: Option<&str>, out: &mut Vec<FoundFile>) -> std::io::Result<Vec<String>> {
    let mut subdirs = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let Ok(entry) = entry else { continue };
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
        if is_ignored(&name) {
            continue;
        }
        // A file can vanish between listing and looking: that is the next pass's news.
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            subdirs.push(name);
        } else if meta.is_file() {
            let path = folder.map_or_else(|| name.clone(), |f| format!("{f}/{name}"));
            out.push(FoundFile {
                path,
                folder: folder.map(str::to_owned),
                size: meta.len(),
                mtime_ns: mtime_ns(&meta),
            });
        }
    }
    Ok(subdirs)
}

/// Reads the folder: item subfolders (one level) and their files.
pub fn scan(dir: &Path) -> std::io::Result<Layout> {
    let mut layout = Layout::default();
    for sub in files_in(dir, None, &mut layout.files)? {
        match parse_item_folder(&sub) {
            Some((number, title)) => {
                // A folder removed mid-scan simply holds nothing this time.
                let _ = files_in(&dir.join(&sub), Some(&sub), &mut layout.files);
                layout.items.push(FolderItem { folder: sub, number, title });
            }
            None => layout.other_folders.push(sub),
        }
    }
    layout.items.sort_by(|a, b| (a.number, &a.title).cmp(&(b.number, &b.title)));
    layout.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(layout)
}

/// The title a file gives its document: the name without its extension.
pub fn title_of(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_folders_and_ignored_names() {
        assert_eq!(
            parse_item_folder("01 - Báo cáo tình hình kinh tế - xã hội"),
            Some((1, "Báo cáo tình hình kinh tế - xã hội".into()))
        );
        assert_eq!(parse_item_folder("12. Tờ trình"), Some((12, "Tờ trình".into())));
        assert_eq!(parse_item_folder("3 Dự toán"), Some((3, "Dự toán".into())));
        assert_eq!(parse_item_folder("Tham khảo"), None);
        assert_eq!(parse_item_folder("07 - "), None);
        for n in [
            "~$bao-cao.docx",
            ".~lock.bao-cao.docx#",
            "a.pdf.part",
            "x.crdownload",
            "y.tmp",
            "Thumbs.db",
            "desktop.ini",
            ".DS_Store",
        ] {
            assert!(is_ignored(n), "{n} must be ignored");
        }
        for n in ["bao-cao.docx", "Tờ trình.pdf", "so-lieu.xlsx"] {
            assert!(!is_ignored(n), "{n} must be taken");
        }
        assert_eq!(title_of("01 - A/Báo cáo quý IV.docx"), "Báo cáo quý IV");
    }
}

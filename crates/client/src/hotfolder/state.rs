//! What the watcher remembers of a linked folder, in the profile's store.

use rusqlite::{OptionalExtension as _, params};

use crate::error::Result;
use crate::store::Store;

/// A file the watcher has made a document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrackedFile {
    /// Path relative to the folder.
    pub path: String,
    /// The document.
    pub document_id: String,
    /// Content last uploaded.
    pub sha256: String,
    /// Size when uploaded.
    pub size: i64,
    /// Modification time when uploaded (ns).
    pub mtime_ns: i64,
    /// When the file was found gone (the deletion waits for confirmation).
    pub missing_since: Option<String>,
}

/// A meeting's linked folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotFolderLink {
    /// The meeting.
    pub meeting_id: String,
    /// The folder (canonical path).
    pub dir: String,
    /// Polled rather than watched for file events.
    pub poll: bool,
    /// The secretary wants it watched while the app is open.
    pub active: bool,
}

impl Store {
    /// Links a meeting to a folder (replacing an earlier link; what was learned of the
    /// old folder is forgotten).
    pub fn link_hot_folder(&mut self, meeting_id: &str, dir: &str) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        let old: Option<String> =
            tx.query_row("SELECT dir FROM hot_folders WHERE meeting_id = ?1", [meeting_id], |r| r.get(0)).optional()?;
        if old.as_deref() != Some(dir) {
            tx.execute("DELETE FROM hot_folder_items WHERE meeting_id = ?1", [meeting_id])?;
            tx.execute("DELETE FROM hot_folder_files WHERE meeting_id = ?1", [meeting_id])?;
            tx.execute(
                "INSERT INTO hot_folders (meeting_id, dir) VALUES (?1, ?2)
                 ON CONFLICT (meeting_id) DO UPDATE SET dir = excluded.dir",
                params![meeting_id, dir],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The folder a meeting is linked to.
    pub fn hot_folder(&self, meeting_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT dir FROM hot_folders WHERE meeting_id = ?1", [meeting_id], |r| r.get(0))
            .optional()?)
    }

    /// Every linked folder on this device.
    pub fn hot_folder_links(&self) -> Result<Vec<HotFolderLink>> {
        let mut stmt =
            self.conn().prepare("SELECT meeting_id, dir, poll, active FROM hot_folders ORDER BY meeting_id")?;
        let rows = stmt.query_map([], |r| {
            Ok(HotFolderLink { meeting_id: r.get(0)?, dir: r.get(1)?, poll: r.get(2)?, active: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How a linked folder is watched (see [`HotFolderLink`]).
    pub fn set_hot_folder_watching(&self, meeting_id: &str, poll: bool, active: bool) -> Result<()> {
        self.conn().execute(
            "UPDATE hot_folders SET poll = ?2, active = ?3 WHERE meeting_id = ?1",
            params![meeting_id, poll, active],
        )?;
        Ok(())
    }

    /// Item folders and their agenda items.
    pub fn hot_folder_items(&self, meeting_id: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn().prepare("SELECT folder, item_id FROM hot_folder_items WHERE meeting_id = ?1")?;
        Ok(stmt.query_map([meeting_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?)
    }

    /// Remembers (or renames) the folder of an agenda item.
    pub fn set_hot_folder_item(&self, meeting_id: &str, folder: &str, item_id: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM hot_folder_items WHERE meeting_id = ?1 AND item_id = ?2", [meeting_id, item_id])?;
        self.conn().execute(
            "INSERT OR REPLACE INTO hot_folder_items (meeting_id, folder, item_id) VALUES (?1, ?2, ?3)",
            [meeting_id, folder, item_id],
        )?;
        Ok(())
    }

    /// Files made documents.
    pub fn hot_folder_files(&self, meeting_id: &str) -> Result<Vec<TrackedFile>> {
        let mut stmt = self.conn().prepare(
            "SELECT path, document_id, sha256, size, mtime_ns, missing_since FROM hot_folder_files
              WHERE meeting_id = ?1 ORDER BY path",
        )?;
        let rows = stmt.query_map([meeting_id], |r| {
            Ok(TrackedFile {
                path: r.get(0)?,
                document_id: r.get(1)?,
                sha256: r.get(2)?,
                size: r.get(3)?,
                mtime_ns: r.get(4)?,
                missing_since: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Remembers a file (replacing what was remembered at `old_path`, for a rename).
    pub fn track_hot_file(&self, meeting_id: &str, old_path: Option<&str>, f: &TrackedFile) -> Result<()> {
        if let Some(old) = old_path {
            self.conn()
                .execute("DELETE FROM hot_folder_files WHERE meeting_id = ?1 AND path = ?2", [meeting_id, old])?;
        }
        self.conn().execute(
            "INSERT OR REPLACE INTO hot_folder_files (meeting_id, path, document_id, sha256, size, mtime_ns, missing_since)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![meeting_id, f.path, f.document_id, f.sha256, f.size, f.mtime_ns, f.missing_since],
        )?;
        Ok(())
    }

    /// Forgets a file (its deletion was confirmed).
    pub fn untrack_hot_file(&self, meeting_id: &str, path: &str) -> Result<()> {
        self.conn().execute("DELETE FROM hot_folder_files WHERE meeting_id = ?1 AND path = ?2", [meeting_id, path])?;
        Ok(())
    }
}

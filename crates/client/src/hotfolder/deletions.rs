//! A file gone from a linked folder is never removed from the meeting on its own (it may
//! have been moved away by mistake, or deleted on a colleague's share): the watcher only
//! lists it. The secretary then removes its document from the meeting, or keeps the
//! document and lets the folder forget the file. The app and the CLI both come here.

use uuid::Uuid;

use super::state::TrackedFile;
use crate::Profile;
use crate::error::{ClientError, Result};
use crate::prepare::Prepare;

/// What to do with files that wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Remove their documents from the meeting.
    Remove,
    /// Keep the documents; forget the files.
    Keep,
}

/// Files gone from the meeting's folder whose documents wait for the secretary.
pub fn waiting(profile: &Profile, meeting: Uuid) -> Result<Vec<TrackedFile>> {
    let files = profile.store()?.hot_folder_files(&meeting.to_string())?;
    Ok(files.into_iter().filter(|t| t.missing_since.is_some()).collect())
}

/// Settles the waiting files at `paths` (every one with `None`); returns those still
/// waiting. A path that is not waiting is refused before anything changes.
pub async fn settle(
    profile: &Profile,
    p: &Prepare,
    meeting: Uuid,
    paths: Option<&[String]>,
    how: Settle,
) -> Result<Vec<TrackedFile>> {
    let mid = meeting.to_string();
    let all = waiting(profile, meeting)?;
    for path in paths.unwrap_or_default() {
        if !all.iter().any(|t| &t.path == path) {
            return Err(ClientError::NotFound(format!("{path} is not waiting for deletion in this meeting's folder")));
        }
    }
    let mut left = Vec::new();
    for t in all {
        if !paths.is_none_or(|ps| ps.contains(&t.path)) {
            left.push(t);
            continue;
        }
        if how == Settle::Remove {
            let id = Uuid::parse_str(&t.document_id)
                .map_err(|_| ClientError::Protocol(format!("stored document id {} is not an id", t.document_id)))?;
            match p.delete_document(id).await {
                // Already gone (removed in the app meanwhile): nothing left to do.
                Ok(()) | Err(ClientError::Server { status: 404, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        profile.store()?.untrack_hot_file(&mid, &t.path)?;
    }
    Ok(left)
}

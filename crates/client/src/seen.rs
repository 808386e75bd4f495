//! What the user has seen: when a meeting is opened, the version of each of its documents
//! is remembered; afterwards a document added, or replaced by the secretary, shows as new
//! or as a new version until the meeting is opened again. A meeting never opened shows as
//! new as a whole (marking each of its documents would say nothing more).

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::{LocalDocument, Store};

/// How a document changed since the user last opened its meeting.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocChange {
    /// It was not in the meeting then.
    New,
    /// It has a newer version than the one there was then.
    NewVersion,
}

/// Fills in [`LocalDocument::change`] for one meeting's documents.
pub(crate) fn mark_changes(conn: &Connection, meeting_id: &str, docs: &mut [LocalDocument]) -> Result<()> {
    let opened: Option<String> = conn
        .query_row("SELECT opened_at FROM meeting_seen WHERE meeting_id = ?1", [meeting_id], |r| r.get(0))
        .optional()?;
    if opened.is_none() {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached("SELECT document_id, version FROM document_seen WHERE meeting_id = ?1")?;
    let seen: HashMap<String, i64> =
        stmt.query_map([meeting_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    for d in docs {
        d.change = match seen.get(&d.document.id.to_string()) {
            None => Some(DocChange::New),
            Some(v) if *v < d.document.version => Some(DocChange::NewVersion),
            Some(_) => None,
        };
    }
    Ok(())
}

impl Store {
    /// Remembers that the user opened the meeting now, with the documents as they are.
    pub fn mark_meeting_seen(&mut self, meeting_id: &str) -> Result<()> {
        let now =
            time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "INSERT INTO meeting_seen (meeting_id, opened_at) VALUES (?1, ?2)
             ON CONFLICT (meeting_id) DO UPDATE SET opened_at = excluded.opened_at",
            params![meeting_id, now],
        )?;
        // Documents gone from the meeting are forgotten; the others take their version now.
        tx.execute(
            "DELETE FROM document_seen WHERE meeting_id = ?1
               AND document_id NOT IN (SELECT id FROM documents WHERE meeting_id = ?1)",
            [meeting_id],
        )?;
        tx.execute(
            "INSERT INTO document_seen (document_id, meeting_id, version)
             SELECT id, meeting_id, json_extract(data, '$.version') FROM documents WHERE meeting_id = ?1
             ON CONFLICT (document_id) DO UPDATE SET version = excluded.version, meeting_id = excluded.meeting_id",
            [meeting_id],
        )?;
        tx.commit()?;
        Ok(())
    }
}

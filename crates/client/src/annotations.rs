//! Annotations on this device: every change is saved at once, with its outbox entry in
//! the same SQLite transaction, and pushed to the server before each pull.
//!
//! Only the oldest outbox entry of an annotation is pushed at a time: the next one is
//! based on the version the server gives the previous one (its `OpResult::version`,
//! also for a duplicate), so a device never conflicts with itself, and a change made
//! on an old version is refused (412) instead of overwriting someone's newer edit. A
//! refused change is kept as a conflict copy under a new id: both texts survive.

use meeting_protocol::{Annotation, AnnotationOp, MAX_PUSH_OPS, OpOutcome, OpResult};
use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::Api;
use crate::store::{Store, json, parse};
use crate::{ClientError, Result};

/// Where an annotation stands between this device and the server.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Saved on this device; the server has not confirmed the latest change yet.
    Saved,
    /// The server has the latest change.
    Synced,
    /// The server refused the latest change (see `error`).
    Refused,
}

/// An annotation as this device shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LocalAnnotation {
    /// The annotation.
    pub annotation: Annotation,
    /// Whether the server has it.
    pub sync: SyncState,
    /// The annotation this one was split from when both were edited at once.
    pub conflict_of: Option<Uuid>,
    /// Why the server refused the last change.
    pub error: Option<String>,
    /// Made by the user logged in here (only those can be changed).
    #[serde(default)]
    pub mine: bool,
    /// The author's name, when the meeting's participant list has it.
    #[serde(default)]
    pub author_name: Option<String>,
}

impl Store {
    /// Saves a new or changed annotation and queues the change for the server, in one
    /// transaction: after this returns, a crash loses nothing.
    pub fn save_annotation(&mut self, a: &Annotation) -> Result<Uuid> {
        let op_id = Uuid::now_v7();
        self.save_annotation_as(a, op_id)?;
        Ok(op_id)
    }

    /// [`Store::save_annotation`] with a given op id: a change every device of the user
    /// makes identically (see [`crate::carry`]) is then one change to the server.
    pub fn save_annotation_as(&mut self, a: &Annotation, op_id: Uuid) -> Result<()> {
        let tx = self.conn.transaction()?;
        let id = a.id.to_string();
        let known: Option<i64> =
            tx.query_row("SELECT version FROM annotations WHERE id = ?1", [&id], |r| r.get(0)).optional()?;
        let data = json(a)?;
        tx.execute(
            "INSERT INTO annotations (id, meeting_id, document_id, version, deleted, pending, data)
             VALUES (?1, ?2, ?3, 0, ?4, 1, ?5)
             ON CONFLICT (id) DO UPDATE SET deleted = excluded.deleted, pending = 1, error = NULL, data = excluded.data",
            params![id, a.meeting_id.to_string(), a.document_id.map(|d| d.to_string()), a.deleted, data],
        )?;
        tx.execute(
            "INSERT INTO annotation_outbox (op_id, annotation_id, base_version, data) VALUES (?1, ?2, ?3, ?4)",
            params![op_id.to_string(), id, known.unwrap_or(0), data],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// This user's marks drawn on a version of their document that is no longer the
    /// current one, with the current version's sha256 (only when its file is here).
    pub fn superseded_annotations(&self) -> Result<Vec<(Annotation, String)>> {
        let Some(me) = self.meta("user_id")? else { return Ok(Vec::new()) };
        // Filtered by SQLite, not by parsing every annotation here: this runs on every
        // sync, and a leader's device may hold thousands of marks.
        let mut stmt = self.conn.prepare(
            "SELECT a.data, d.sha256 FROM annotations a
               JOIN documents d ON d.id = a.document_id
               JOIN blobs b ON b.sha256 = d.sha256
              WHERE a.deleted = 0
                AND json_extract(a.data, '$.author_id') = ?1
                AND json_extract(a.data, '$.page') IS NOT NULL
                AND json_extract(a.data, '$.document_sha256') IS NOT d.sha256
              ORDER BY a.id",
        )?;
        let rows =
            stmt.query_map([me], |r| Ok((parse::<Annotation>(&r.get::<_, String>(0)?)?, r.get::<_, String>(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Annotations of a meeting (or all), deleted ones left out, oldest first.
    pub fn annotations(&self, meeting_id: Option<&str>) -> Result<Vec<LocalAnnotation>> {
        let me = self.meta("user_id")?;
        let mut stmt = self.conn.prepare(
            "SELECT a.data, a.pending, a.conflict_of, a.error, json_extract(p.data, '$.display_name')
               FROM annotations a
               LEFT JOIN participants p
                 ON p.meeting_id = a.meeting_id AND p.user_id = json_extract(a.data, '$.author_id')
              WHERE a.deleted = 0 AND (?1 IS NULL OR a.meeting_id = ?1) ORDER BY a.id",
        )?;
        let rows = stmt.query_map([meeting_id], |r| {
            Ok((
                parse::<Annotation>(&r.get::<_, String>(0)?)?,
                r.get::<_, bool>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (annotation, pending, conflict_of, error, author_name) = row?;
            let mine = me.as_deref() == Some(annotation.author_id.to_string().as_str());
            let sync = match (pending, &error) {
                (_, Some(_)) => SyncState::Refused,
                (true, None) => SyncState::Saved,
                (false, None) => SyncState::Synced,
            };
            let conflict_of = conflict_of.and_then(|c| Uuid::parse_str(&c).ok());
            out.push(LocalAnnotation { annotation, sync, conflict_of, error, mine, author_name });
        }
        Ok(out)
    }

    /// The meeting, current version and page count of a document on this device.
    pub fn document_target(&self, document_id: &str) -> Result<Option<(Uuid, String, i64)>> {
        let row: Option<meeting_protocol::Document> = self
            .conn
            .query_row("SELECT data FROM documents WHERE id = ?1", [document_id], |r| parse(&r.get::<_, String>(0)?))
            .optional()?;
        Ok(row.map(|d| (d.meeting_id, d.sha256, d.page_count)))
    }

    /// Changes waiting for the server.
    pub fn unsynced_changes(&self) -> Result<usize> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM annotation_outbox", [], |r| r.get::<_, i64>(0))? as usize)
    }

    /// The oldest waiting change of each annotation, at most `limit`.
    fn outbox_heads(&self, limit: usize) -> Result<Vec<(i64, AnnotationOp)>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, op_id, base_version, data FROM annotation_outbox o
              WHERE seq = (SELECT MIN(seq) FROM annotation_outbox WHERE annotation_id = o.annotation_id)
              ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            let op = AnnotationOp {
                op_id: Uuid::parse_str(&r.get::<_, String>(1)?).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
                })?,
                base_version: r.get(2)?,
                annotation: parse(&r.get::<_, String>(3)?)?,
            };
            Ok((r.get::<_, i64>(0)?, op))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores the server's answers to a pushed batch, and only then forgets the changes;
    /// one transaction for the batch.
    fn settle(&mut self, answered: &[(i64, Uuid, &OpResult)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (seq, id, result) in answered {
            settle_one(&tx, *seq, *id, result)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// One answer of a push batch (about annotation `id`), inside the batch's transaction.
fn settle_one(tx: &rusqlite::Transaction<'_>, seq: i64, id: Uuid, result: &OpResult) -> Result<()> {
    let id = id.to_string();
    tx.execute("DELETE FROM annotation_outbox WHERE seq = ?1", [seq])?;
    let more: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM annotation_outbox WHERE annotation_id = ?1)", [&id], |r| r.get(0))?;
    let local = || -> Result<Annotation> {
        let data: String = tx.query_row("SELECT data FROM annotations WHERE id = ?1", [&id], |r| r.get(0))?;
        parse(&data).map_err(ClientError::from)
    };
    // The server's copy: sent for a duplicate and a conflict; an applied change is ours
    // at the version the server gave it.
    let server = match &result.annotation {
        Some(a) => a.clone(),
        None => Annotation { version: result.version, ..local()? },
    };
    match result.outcome {
        OpOutcome::Applied | OpOutcome::Duplicate => {
            // Later local changes of it stand on what this one became.
            tx.execute(
                "UPDATE annotation_outbox SET base_version = ?2 WHERE annotation_id = ?1",
                params![id, result.version],
            )?;
            if more {
                tx.execute("UPDATE annotations SET version = ?2 WHERE id = ?1", params![id, result.version])?;
            } else {
                tx.execute(
                    "UPDATE annotations SET version = ?2, deleted = ?3, pending = 0, error = NULL, data = ?4
                      WHERE id = ?1",
                    params![id, server.version, server.deleted, json(&server)?],
                )?;
            }
        }
        OpOutcome::Conflict => {
            // Ours (with any later local edits) becomes a new annotation; the
            // server's copy takes the original id.
            if result.annotation.is_none() {
                return Err(ClientError::Protocol("a conflict answer without the server's copy".into()));
            }
            let mut mine = local()?;
            mine.id = Uuid::now_v7();
            mine.version = 0;
            let copy = json(&mine)?;
            tx.execute("DELETE FROM annotation_outbox WHERE annotation_id = ?1", [&id])?;
            tx.execute(
                "INSERT INTO annotations (id, meeting_id, document_id, version, deleted, pending, conflict_of, data)
                 VALUES (?1, ?2, ?3, 0, ?4, 1, ?5, ?6)",
                params![
                    mine.id.to_string(),
                    mine.meeting_id.to_string(),
                    mine.document_id.map(|d| d.to_string()),
                    mine.deleted,
                    id,
                    copy
                ],
            )?;
            tx.execute(
                "INSERT INTO annotation_outbox (op_id, annotation_id, base_version, data) VALUES (?1, ?2, 0, ?3)",
                params![Uuid::now_v7().to_string(), mine.id.to_string(), copy],
            )?;
            tx.execute(
                "UPDATE annotations SET version = ?2, deleted = ?3, pending = 0, error = NULL, data = ?4 WHERE id = ?1",
                params![id, server.version, server.deleted, json(&server)?],
            )?;
        }
        OpOutcome::Rejected => {
            let why = format!("the server refused this change ({})", result.status);
            tx.execute("UPDATE annotations SET pending = ?2, error = ?3 WHERE id = ?1", params![id, more, why])?;
        }
    }
    Ok(())
}

/// What a push did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushReport {
    /// Changes the server took (now or by an earlier push whose answer was lost).
    pub applied: usize,
    /// Changes made on an older version: kept as conflict copies.
    pub conflicts: usize,
    /// Changes the server refused.
    pub refused: usize,
}

/// Pushes every waiting change, oldest first, until the outbox is empty.
pub async fn push(store: &mut Store, api: &Api) -> Result<PushReport> {
    let mut report = PushReport::default();
    loop {
        let heads = store.outbox_heads(MAX_PUSH_OPS)?;
        if heads.is_empty() {
            return Ok(report);
        }
        let ops: Vec<AnnotationOp> = heads.iter().map(|(_, op)| op.clone()).collect();
        let answer = api.push_annotations(ops).await?;
        if answer.results.len() != heads.len() {
            return Err(ClientError::Protocol(format!(
                "the server answered {} of {} pushed changes",
                answer.results.len(),
                heads.len()
            )));
        }
        let mut answered = Vec::with_capacity(heads.len());
        for ((seq, op), result) in heads.iter().zip(&answer.results) {
            if result.op_id != op.op_id {
                return Err(ClientError::Protocol("the server answered pushed changes out of order".into()));
            }
            answered.push((*seq, op.annotation.id, result));
        }
        store.settle(&answered)?;
        for result in &answer.results {
            match result.outcome {
                OpOutcome::Applied | OpOutcome::Duplicate => report.applied += 1,
                OpOutcome::Conflict => report.conflicts += 1,
                OpOutcome::Rejected => report.refused += 1,
            }
        }
    }
}

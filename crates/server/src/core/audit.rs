//! The audit trail: every change a secretary or admin makes to a meeting, written in
//! the same transaction as the change (so there is no change without its entry, and no
//! entry for a change that rolled back). The table refuses updates and deletes itself.

use crate::store::Tx;
use crate::store::sql::params;
use meeting_protocol::AuditEntry;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::model;

/// What an entry is about.
pub struct Subject<'a> {
    /// The meeting it belongs to.
    pub meeting_id: &'a str,
    /// `meeting`, `agenda_item`, `participant`, `document`.
    pub kind: &'a str,
    /// The entity's id.
    pub id: &'a str,
}

/// A value as it goes into the log.
pub fn snapshot<T: Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

/// Appends one entry. `before` is absent for a creation, `after` for a deletion.
pub fn record(
    tx: &Tx<'_>,
    actor: &AuthUser,
    action: &str,
    subject: &Subject<'_>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AppResult<()> {
    let text = |v: Option<serde_json::Value>| v.map(|v| v.to_string());
    tx.execute(
        "INSERT INTO audit_log (at, actor_id, meeting_id, action, entity_kind, entity_id, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            model::fmt_ts(OffsetDateTime::now_utc()),
            actor.id(),
            subject.meeting_id,
            action,
            subject.kind,
            subject.id,
            text(before),
            text(after)
        ],
    )?;
    Ok(())
}

/// A meeting's history, oldest first.
pub fn history(tx: &Tx<'_>, meeting_id: &str) -> AppResult<Vec<AuditEntry>> {
    let rows = tx.query_map(
        "SELECT a.id, a.at, a.actor_id, COALESCE(u.username, ''), COALESCE(u.display_name, ''), a.action,
                a.entity_kind, a.entity_id, a.before, a.after
           FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
          WHERE a.meeting_id = ?1 ORDER BY a.id",
        [meeting_id],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (id, at, actor, username, name, action, kind, entity, before, after) = row;
        let parse = |s: Option<String>| -> AppResult<Option<serde_json::Value>> {
            s.map(|s| serde_json::from_str(&s).map_err(|e| AppError::Stored(format!("audit entry {id}: {e}"))))
                .transpose()
        };
        out.push(AuditEntry {
            id,
            at: model::parse_ts(&at),
            actor_id: Uuid::parse_str(&actor).unwrap_or_default(),
            actor_username: username,
            actor_name: name,
            action,
            entity_kind: kind,
            entity_id: entity,
            before: parse(before)?,
            after: parse(after)?,
        });
    }
    Ok(out)
}

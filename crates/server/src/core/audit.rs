//! The audit trail: every change a secretary or admin makes to a meeting, written in
//! the same transaction as the change (so there is no change without its entry, and no
//! entry for a change that rolled back). The table refuses updates and deletes itself;
//! its rows are [`crate::store::audit`].

use meeting_protocol::AuditEntry;
use serde::Serialize;
use time::OffsetDateTime;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::store::{self, Tx};

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
    let uid = actor.id();
    let entry = store::audit::NewEntry {
        at: OffsetDateTime::now_utc(),
        actor_id: &uid,
        meeting_id: subject.meeting_id,
        action,
        entity_kind: subject.kind,
        entity_id: subject.id,
        before: text(before),
        after: text(after),
    };
    Ok(store::audit::append(tx, &entry)?)
}

/// A meeting's history, oldest first.
pub fn history(tx: &Tx<'_>, meeting_id: &str) -> AppResult<Vec<AuditEntry>> {
    Ok(store::audit::of_meeting(tx, meeting_id)?)
}

//! The audit trail's rows (`audit_log`; the table refuses updates and deletes itself).
//! What is recorded and when is in [`crate::core::audit`].

use meeting_protocol::AuditEntry;
use time::OffsetDateTime;

use super::sql::{Tx, params};
use super::{Error, StoreResult};

/// One entry as it is appended.
pub struct NewEntry<'a> {
    /// When.
    pub at: OffsetDateTime,
    /// Who.
    pub actor_id: &'a str,
    /// The meeting it belongs to.
    pub meeting_id: &'a str,
    /// What was done (`vote.open`, …).
    pub action: &'a str,
    /// The kind of what it was done to.
    pub entity_kind: &'a str,
    /// Its id.
    pub entity_id: &'a str,
    /// Its state before (JSON; none for a creation).
    pub before: Option<String>,
    /// Its state after (JSON; none for a deletion).
    pub after: Option<String>,
}

/// Appends an entry.
pub fn append(tx: &Tx<'_>, e: &NewEntry<'_>) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO audit_log (at, actor_id, meeting_id, action, entity_kind, entity_id, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![e.at, e.actor_id, e.meeting_id, e.action, e.entity_kind, e.entity_id, e.before, e.after],
    )?;
    Ok(())
}

/// A meeting's entries, oldest first.
pub fn of_meeting(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<AuditEntry>> {
    tx.query_map(
        "SELECT a.id, a.at, a.actor_id, COALESCE(u.username, ''), COALESCE(u.display_name, ''), a.action,
                a.entity_kind, a.entity_id, a.before, a.after
           FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
          WHERE a.meeting_id = ?1 ORDER BY a.id",
        [meeting_id],
        |r| {
            let json = |i: usize| -> StoreResult<Option<serde_json::Value>> {
                let text: Option<String> = r.get(i)?;
                text.map(|s| serde_json::from_str(&s).map_err(|e| Error::Decode { column: i, message: e.to_string() }))
                    .transpose()
            };
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor_id: r.get(2)?,
                actor_username: r.get(3)?,
                actor_name: r.get(4)?,
                action: r.get(5)?,
                entity_kind: r.get(6)?,
                entity_id: r.get(7)?,
                before: json(8)?,
                after: json(9)?,
            })
        },
    )
}

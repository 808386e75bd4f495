//! Where each kind of feed entity lives on this device, one [`Home`] per kind, chosen by
//! an exhaustive `match`: a new [`EntityKind`] does not compile until it says how the
//! store writes it, deletes it, and drops it with its meeting. Kinds that need no table
//! of their own (no column the app queries on) are JSON rows of `entities`
//! ([`ENTITY_ROW`]): adding one needs no migration.
//!
//! The server's twin is `meeting_server::feed::kinds`.

use meeting_protocol::{Entity, EntityKind};
use rusqlite::{Transaction, params};

use crate::error::{ClientError, Result};
use crate::store::json;

/// How the store keeps one kind.
pub(crate) struct Home {
    /// Writes the entity (it is of this home's kind).
    pub upsert: fn(&Transaction<'_>, &Entity) -> Result<()>,
    /// Removes the entity of `kind` with this feed key.
    pub delete: fn(&Transaction<'_>, EntityKind, &str) -> Result<()>,
    /// Removes every entity of `kind` of a meeting (its purge).
    pub purge: fn(&Transaction<'_>, EntityKind, &str) -> Result<()>,
    /// Forgets every synced entity of `kind` before a resync (local edits waiting to be
    /// sent stay).
    pub reset: fn(&Transaction<'_>, EntityKind) -> Result<()>,
}

/// Where `kind` lives (`None`: a kind from a newer server, skipped).
pub(crate) fn home(kind: EntityKind) -> Option<&'static Home> {
    Some(match kind {
        EntityKind::Meeting => &MEETING,
        EntityKind::AgendaItem => &AGENDA_ITEM,
        EntityKind::Participant => &PARTICIPANT,
        EntityKind::Document => &DOCUMENT,
        EntityKind::Annotation => &ANNOTATION,
        EntityKind::OpinionState => &OPINION_STATE,
        EntityKind::LiveState | EntityKind::Attendance | EntityKind::Speaker | EntityKind::Vote | EntityKind::Task => {
            &ENTITY_ROW
        }
        EntityKind::Unknown => return None,
    })
}

/// Writes one entity where its kind lives.
pub(crate) fn upsert(tx: &Transaction<'_>, entity: &Entity) -> Result<()> {
    match home(entity.kind()) {
        Some(home) => (home.upsert)(tx, entity),
        // A kind from a newer server: skipped, so the rest of the page still applies.
        None => Ok(()),
    }
}

/// Deletes one entity by its feed key.
pub(crate) fn delete(tx: &Transaction<'_>, kind: EntityKind, key: &str) -> Result<()> {
    home(kind).map_or(Ok(()), |home| (home.delete)(tx, kind, key))
}

/// Removes a meeting and everything of it: every kind's rows, then what this device
/// recorded about it (what the user has seen).
pub(crate) fn purge(tx: &Transaction<'_>, meeting_id: &str) -> Result<()> {
    // The meeting's parts before the meeting row (the meeting is first in `KNOWN`).
    for &kind in EntityKind::KNOWN.iter().rev() {
        if let Some(home) = home(kind) {
            (home.purge)(tx, kind, meeting_id)?;
        }
    }
    tx.execute("DELETE FROM document_seen WHERE meeting_id = ?1", [meeting_id])?;
    tx.execute("DELETE FROM meeting_seen WHERE meeting_id = ?1", [meeting_id])?;
    Ok(())
}

/// Forgets every synced entity (before a resync from 0).
pub(crate) fn reset(tx: &Transaction<'_>) -> Result<()> {
    for &kind in EntityKind::KNOWN {
        if let Some(home) = home(kind) {
            (home.reset)(tx, kind)?;
        }
    }
    Ok(())
}

fn wrong_kind(entity: &Entity) -> ClientError {
    ClientError::Protocol(format!("entity of kind {} stored in the wrong place", entity.kind().as_str()))
}

/// A home whose table has an `id` key and a `meeting_id` column.
macro_rules! table_home {
    ($table:literal, $key:literal, $upsert:expr) => {
        Home {
            upsert: $upsert,
            delete: |tx, _, key| {
                tx.execute(concat!("DELETE FROM ", $table, " WHERE ", $key, " = ?1"), [key])?;
                Ok(())
            },
            purge: |tx, _, meeting| {
                tx.execute(concat!("DELETE FROM ", $table, " WHERE meeting_id = ?1"), [meeting])?;
                Ok(())
            },
            reset: |tx, _| {
                tx.execute(concat!("DELETE FROM ", $table), [])?;
                Ok(())
            },
        }
    };
}

const MEETING: Home = Home {
    upsert: |tx, e| {
        let Entity::Meeting(m) = e else { return Err(wrong_kind(e)) };
        tx.execute(
            "INSERT OR REPLACE INTO meetings (id, starts_at, data) VALUES (?1, ?2, ?3)",
            params![m.id.to_string(), m.starts_at.unix_timestamp(), json(m)?],
        )?;
        Ok(())
    },
    // A meeting deleted on the server takes everything in it along.
    delete: |tx, _, key| purge(tx, key),
    purge: |tx, _, meeting| {
        tx.execute("DELETE FROM meetings WHERE id = ?1", [meeting])?;
        Ok(())
    },
    reset: |tx, _| {
        tx.execute("DELETE FROM meetings", [])?;
        Ok(())
    },
};

const AGENDA_ITEM: Home = table_home!("agenda_items", "id", |tx, e| {
    let Entity::AgendaItem(a) = e else { return Err(wrong_kind(e)) };
    tx.execute(
        "INSERT OR REPLACE INTO agenda_items (id, meeting_id, position, data) VALUES (?1, ?2, ?3, ?4)",
        params![a.id.to_string(), a.meeting_id.to_string(), a.position, json(a)?],
    )?;
    Ok(())
});

const PARTICIPANT: Home = Home {
    upsert: |tx, e| {
        let Entity::Participant(p) = e else { return Err(wrong_kind(e)) };
        tx.execute(
            "INSERT OR REPLACE INTO participants (meeting_id, user_id, data) VALUES (?1, ?2, ?3)",
            params![p.meeting_id.to_string(), p.user_id.to_string(), json(p)?],
        )?;
        Ok(())
    },
    delete: |tx, _, key| {
        if let Some((m, u)) = key.split_once(':') {
            tx.execute("DELETE FROM participants WHERE meeting_id = ?1 AND user_id = ?2", [m, u])?;
        }
        Ok(())
    },
    ..table_home!("participants", "meeting_id", |_, _| Ok(()))
};

const DOCUMENT: Home = table_home!("documents", "id", |tx, e| {
    let Entity::Document(d) = e else { return Err(wrong_kind(e)) };
    if !meeting_protocol::is_sha256_hex(&d.sha256) {
        return Err(ClientError::Protocol(format!("document {} has an invalid sha256", d.id)));
    }
    tx.execute(
        "INSERT OR REPLACE INTO documents (id, meeting_id, agenda_item_id, sha256, size, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![d.id.to_string(), d.meeting_id.to_string(), d.agenda_item_id.map(|a| a.to_string()), d.sha256, d.size, json(d)?],
    )?;
    Ok(())
});

const ANNOTATION: Home = Home {
    // A row with local changes waiting keeps them: the push answer brings the server's
    // copy for it.
    upsert: |tx, e| {
        let Entity::Annotation(a) = e else { return Err(wrong_kind(e)) };
        tx.execute(
            "INSERT INTO annotations (id, meeting_id, document_id, version, deleted, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted, data = excluded.data
             WHERE annotations.pending = 0",
            params![
                a.id.to_string(),
                a.meeting_id.to_string(),
                a.document_id.map(|d| d.to_string()),
                a.version,
                a.deleted,
                json(a)?
            ],
        )?;
        Ok(())
    },
    // The user's marks not yet sent survive a resync; they are pushed with the next one.
    reset: |tx, _| {
        tx.execute("DELETE FROM annotations WHERE pending = 0", [])?;
        Ok(())
    },
    ..table_home!("annotations", "id", |_, _| Ok(()))
};

const OPINION_STATE: Home = table_home!("opinion_states", "annotation_id", |tx, e| {
    let Entity::OpinionState(o) = e else { return Err(wrong_kind(e)) };
    tx.execute(
        "INSERT OR REPLACE INTO opinion_states (annotation_id, meeting_id, data) VALUES (?1, ?2, ?3)",
        params![o.annotation_id.to_string(), o.meeting_id.to_string(), json(o)?],
    )?;
    Ok(())
});

/// Any kind as a JSON row of `entities`, keyed by kind and feed key.
const ENTITY_ROW: Home = Home {
    upsert: |tx, e| {
        let Some(key) = e.key() else { return Ok(()) };
        // The entity's body as the wire carries it (`{"kind": …, "data": …}`).
        let tagged = serde_json::to_value(e).map_err(|err| ClientError::Protocol(err.to_string()))?;
        let data = tagged.get("data").ok_or_else(|| wrong_kind(e))?.to_string();
        tx.execute(
            "INSERT OR REPLACE INTO entities (kind, id, meeting_id, data) VALUES (?1, ?2, ?3, ?4)",
            params![e.kind().as_str(), key, e.meeting_id().map(|m| m.to_string()), data],
        )?;
        Ok(())
    },
    delete: |tx, kind, key| {
        tx.execute("DELETE FROM entities WHERE kind = ?1 AND id = ?2", [kind.as_str(), key])?;
        Ok(())
    },
    purge: |tx, kind, meeting| {
        tx.execute("DELETE FROM entities WHERE kind = ?1 AND meeting_id = ?2", [kind.as_str(), meeting])?;
        Ok(())
    },
    reset: |tx, kind| {
        tx.execute("DELETE FROM entities WHERE kind = ?1", [kind.as_str()])?;
        Ok(())
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_kind_has_a_home() {
        for &kind in EntityKind::KNOWN {
            assert!(home(kind).is_some(), "{kind:?} has no home on the device");
        }
        assert!(home(EntityKind::Unknown).is_none());
    }
}

//! The ordered change feed: recording changes inside write transactions and serving
//! each user the part of it they may see.

use crate::store::Tx;
use crate::store::sql::params;
use meeting_protocol::{Change, ChangeOp, ChangesPage, Entity, EntityKind, participant_key};
use uuid::Uuid;

use crate::auth::now_unix;
use crate::core::room;
use crate::error::AppResult;
use crate::model;
use crate::store::{self, head_seq};

/// Appends one change for every participant of `meeting_id` (or only `audience`).
pub fn record(tx: &Tx<'_>, meeting_id: &str, kind: &str, entity_id: &str, audience: Option<&str>) -> AppResult<i64> {
    Ok(store::append(tx, meeting_id, kind, entity_id, &[audience], now_unix())?)
}

/// Records one change for each of several audiences (one row each, one statement).
pub fn record_for(tx: &Tx<'_>, meeting_id: &str, kind: &str, entity_id: &str, audiences: &[&str]) -> AppResult<()> {
    let audiences: Vec<Option<&str>> = audiences.iter().copied().map(Some).collect();
    store::append(tx, meeting_id, kind, entity_id, &audiences, now_unix())?;
    Ok(())
}

/// Gives `user_id` the whole current meeting: the user's cursor is likely past every
/// change ever made to it, so we re-announce each entity to them alone.
pub fn record_grant(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> AppResult<()> {
    let who = Some(user_id);
    record(tx, meeting_id, "meeting", meeting_id, who)?;
    for item in model::agenda_of(tx, meeting_id)? {
        record(tx, meeting_id, "agenda_item", &item.id.to_string(), who)?;
    }
    for p in model::participants_of(tx, meeting_id)? {
        record(tx, meeting_id, "participant", &participant_key(p.meeting_id, p.user_id), who)?;
    }
    for d in model::documents_of(tx, meeting_id)? {
        record(tx, meeting_id, "document", &d.id.to_string(), who)?;
    }
    crate::core::annotations::record_grant(tx, meeting_id, user_id)?;
    crate::core::opinions::record_grant(tx, meeting_id, user_id)?;
    crate::core::room::record_grant(tx, meeting_id, user_id)
}

/// Tells `user_id` to drop the meeting and everything in it.
pub fn record_purge(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> AppResult<()> {
    record(tx, meeting_id, "purge", meeting_id, Some(user_id))?;
    Ok(())
}

/// The rows of `change_log` after `?1` that reader `?2` may see (SQL, for `concat!`):
/// the one definition the feed's pages and the live channel's wake-ups share.
macro_rules! visible_rows {
    () => {
        concat!(
            "seq > ?1 AND ((kind = 'purge' AND audience = ?2)
                 OR (kind <> 'purge' AND (audience IS NULL OR audience = ?2) AND meeting_id IN (",
            crate::model::visible_meetings_sql!("?2"),
            ")))"
        )
    };
}

/// What the live channel tells a connected device after a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Nothing this reader may see was committed after the cursor.
    Nothing,
    /// The latest change after the cursor this reader may see.
    Changed(i64),
    /// The device's token is no longer valid (revoked, expired, user disabled).
    Revoked,
}

/// Whether the device of `token_id` (user `user_id`) has anything new after `since`.
pub fn wake(tx: &Tx<'_>, token_id: &str, user_id: &str, since: i64) -> AppResult<Wake> {
    let valid: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM tokens t JOIN users u ON u.id = t.user_id
          WHERE t.id = ?1 AND t.revoked_at IS NULL AND t.expires_at > ?2 AND u.disabled = 0)",
        params![token_id, now_unix()],
        |r| r.get(0),
    )?;
    if !valid {
        return Ok(Wake::Revoked);
    }
    let latest: Option<i64> = tx.query_row(
        concat!("SELECT MAX(seq) FROM change_log WHERE ", visible_rows!()),
        params![since, user_id],
        |r| r.get(0),
    )?;
    Ok(latest.map_or(Wake::Nothing, Wake::Changed))
}

/// The meetings `user_id` takes part in (a superset of those they may see: drafts too),
/// for the live channel's first filter.
pub fn meetings_of(tx: &Tx<'_>, user_id: &str) -> AppResult<std::collections::HashSet<String>> {
    let rows = tx.query_map("SELECT meeting_id FROM participants WHERE user_id = ?1", [user_id], |r| r.get(0))?;
    Ok(rows.into_iter().collect())
}

/// One page of the feed as `user_id` may see it. Runs in one read transaction, so the
/// page, the entity states and `head` come from the same snapshot.
pub fn page(tx: &Tx<'_>, server_id: Uuid, user_id: &str, since: i64, limit: u32) -> AppResult<ChangesPage> {
    let head = head_seq(tx)?;
    // A purge addressed to the reader always passes (the meeting may be gone, or no
    // longer theirs); everything else only for a meeting they may see *now*, so no row
    // of a draft reaches a leader whatever audience it was written for.
    let rows: Vec<(i64, String, String, String)> = tx.query_map(
        concat!(
            "SELECT seq, meeting_id, kind, entity_id FROM change_log WHERE ",
            visible_rows!(),
            " ORDER BY seq LIMIT ?3"
        ),
        params![since, user_id, i64::from(limit) + 1],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let has_more = rows.len() > limit as usize;
    let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
    for (seq, meeting_id, kind, entity_id) in rows.into_iter().take(limit as usize) {
        changes.push(Change { seq, op: resolve(tx, user_id, &meeting_id, &kind, &entity_id)? });
    }
    // With nothing more to see, jump to head: the invisible changes in between never
    // need to be scanned again. Safe because head and the rows come from one snapshot.
    let next_since = if has_more { changes.last().map_or(since, |c| c.seq) } else { head.max(since) };
    Ok(ChangesPage { server_id, changes, next_since, head, has_more })
}

/// The entity's state as `user_id` may see it now (or a delete).
fn resolve(tx: &Tx<'_>, user_id: &str, meeting_id: &str, kind: &str, entity_id: &str) -> AppResult<ChangeOp> {
    let gone = |kind| Ok(ChangeOp::Delete { kind, id: entity_id.to_owned() });
    let upsert = |entity| Ok(ChangeOp::Upsert { entity });
    match kind {
        "purge" => Ok(ChangeOp::Purge { meeting_id: Uuid::parse_str(meeting_id).unwrap_or_default() }),
        "meeting" => match model::meeting(tx, entity_id)? {
            Some(m) => upsert(Entity::Meeting(m)),
            None => gone(EntityKind::Meeting),
        },
        "agenda_item" => match model::agenda_item(tx, entity_id)? {
            Some(a) => upsert(Entity::AgendaItem(a)),
            None => gone(EntityKind::AgendaItem),
        },
        "participant" => {
            let (m, u) = entity_id.split_once(':').unwrap_or((meeting_id, ""));
            match model::participant(tx, m, u)? {
                Some(p) => upsert(Entity::Participant(p)),
                None => gone(EntityKind::Participant),
            }
        }
        "annotation" => match crate::core::annotations::load(tx, entity_id)? {
            Some(a) if crate::core::annotations::may_see(tx, &a, user_id)? => {
                upsert(Entity::Annotation(Box::new(a.annotation)))
            }
            _ => gone(EntityKind::Annotation),
        },
        "opinion_state" => match crate::core::opinions::state(tx, entity_id)? {
            Some(s) if crate::core::opinions::may_see_state(tx, entity_id, user_id)? => upsert(Entity::OpinionState(s)),
            _ => gone(EntityKind::OpinionState),
        },
        "live_state" => match model::meeting(tx, entity_id)? {
            Some(_) => upsert(Entity::LiveState(room::live_state(tx, entity_id)?)),
            None => gone(EntityKind::LiveState),
        },
        "attendance" => match room::attendance(tx, entity_id)? {
            Some(a) => upsert(Entity::Attendance(a)),
            None => gone(EntityKind::Attendance),
        },
        "speaker" => match crate::core::speakers::speaker(tx, entity_id)? {
            Some(s) => upsert(Entity::Speaker(s)),
            None => gone(EntityKind::Speaker),
        },
        "vote" => match crate::core::votes::vote(tx, entity_id)? {
            Some(v) => upsert(Entity::Vote(Box::new(v))),
            None => gone(EntityKind::Vote),
        },
        _ => match model::document(tx, entity_id)? {
            Some(d) => upsert(Entity::Document(d)),
            None => gone(EntityKind::Document),
        },
    }
}

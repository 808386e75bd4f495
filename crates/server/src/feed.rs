//! The ordered change feed: recording changes inside write transactions and serving
//! each user the part of it they may see.

use crate::store::Tx;
use meeting_protocol::{Change, ChangeOp, ChangesPage, Entity, EntityKind, participant_key};
use std::collections::HashMap;

use uuid::Uuid;

use crate::auth::now_unix;
use crate::core::room;
use crate::error::{AppError, AppResult};
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
    for item in crate::store::meetings::agenda_of(tx, meeting_id)? {
        record(tx, meeting_id, "agenda_item", &item.id.to_string(), who)?;
    }
    for p in crate::store::meetings::participants_of(tx, meeting_id)? {
        record(tx, meeting_id, "participant", &participant_key(p.meeting_id, p.user_id), who)?;
    }
    for d in crate::store::documents::documents_of(tx, meeting_id)? {
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
    if !store::sessions::is_valid(tx, token_id, time::OffsetDateTime::now_utc())? {
        return Ok(Wake::Revoked);
    }
    let latest = store::feed::latest_visible(tx, since, user_id)?;
    Ok(latest.map_or(Wake::Nothing, Wake::Changed))
}

/// The meetings `user_id` takes part in (a superset of those they may see: drafts too),
/// for the live channel's first filter.
pub fn meetings_of(tx: &Tx<'_>, user_id: &str) -> AppResult<std::collections::HashSet<String>> {
    Ok(store::meetings::ids_of(tx, user_id)?.into_iter().collect())
}

/// One page of the feed as `user_id` may see it. Runs in one read transaction, so the
/// page, the entity states and `head` come from the same snapshot.
pub fn page(tx: &Tx<'_>, server_id: Uuid, user_id: &str, since: i64, limit: u32) -> AppResult<ChangesPage> {
    let head = head_seq(tx)?;
    let rows = store::feed::visible_after(tx, since, user_id, i64::from(limit) + 1)?;
    let has_more = rows.len() > limit as usize;
    let rows = &rows[..rows.len().min(limit as usize)];
    let loaded = Loaded::for_page(tx, rows)?;
    let mut changes = Vec::with_capacity(rows.len());
    for (seq, meeting_id, kind, entity_id) in rows {
        let op = match loaded.resolve(meeting_id, kind, entity_id) {
            Some(op) => op,
            None => resolve(tx, user_id, meeting_id, kind, entity_id)?,
        };
        changes.push(Change { seq: *seq, op });
    }
    // With nothing more to see, jump to head: the invisible changes in between never
    // need to be scanned again. Safe because head and the rows come from one snapshot.
    let next_since = if has_more { changes.last().map_or(since, |c| c.seq) } else { head.max(since) };
    Ok(ChangesPage { server_id, changes, next_since, head, has_more })
}

/// A page's rows of one meeting and kind from which that kind's entities of the meeting
/// are loaded in one query rather than one query per row.
const LOAD_WHOLE_FROM: usize = 8;

/// The entities of kinds of which one meeting has many (a meeting of 500 has 500
/// participant rows and 500 attendance rows), loaded per meeting in one query when a
/// page holds several rows of them. A query per row made the first sync of 500 laptops
/// at once (two pages of 500 rows each) wait on PostgreSQL past their read timeout.
/// Loaded from the page's own snapshot, so they are what [`resolve`] would have read.
struct Loaded(HashMap<(String, String), Whole>);

/// One kind's entities of one meeting, by feed id.
type Whole = (EntityKind, HashMap<String, Entity>);

impl Loaded {
    fn for_page(tx: &Tx<'_>, rows: &[(i64, String, String, String)]) -> AppResult<Self> {
        let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
        for (_, meeting_id, kind, _) in rows {
            *counts.entry((kind.as_str(), meeting_id.as_str())).or_default() += 1;
        }
        let mut loaded = HashMap::new();
        for ((kind, meeting_id), n) in counts {
            if n >= LOAD_WHOLE_FROM
                && let Some(entities) = Self::whole(tx, kind, meeting_id)?
            {
                loaded.insert((kind.to_owned(), meeting_id.to_owned()), entities);
            }
        }
        Ok(Self(loaded))
    }

    /// Every entity of `kind` in the meeting by feed id, for the kinds loaded whole.
    fn whole(tx: &Tx<'_>, kind: &str, meeting_id: &str) -> AppResult<Option<Whole>> {
        let key = |m: Uuid, u: Uuid| participant_key(m, u);
        Ok(Some(match kind {
            "participant" => (
                EntityKind::Participant,
                crate::store::meetings::participants_of(tx, meeting_id)?
                    .into_iter()
                    .map(|p| (key(p.meeting_id, p.user_id), Entity::Participant(p)))
                    .collect(),
            ),
            "attendance" => (
                EntityKind::Attendance,
                room::attendance_of(tx, meeting_id)?
                    .into_iter()
                    .map(|a| (key(a.meeting_id, a.user_id), Entity::Attendance(a)))
                    .collect(),
            ),
            "agenda_item" => (
                EntityKind::AgendaItem,
                crate::store::meetings::agenda_of(tx, meeting_id)?
                    .into_iter()
                    .map(|a| (a.id.to_string(), Entity::AgendaItem(a)))
                    .collect(),
            ),
            "document" => (
                EntityKind::Document,
                crate::store::documents::documents_of(tx, meeting_id)?
                    .into_iter()
                    .map(|d| (d.id.to_string(), Entity::Document(d)))
                    .collect(),
            ),
            "speaker" => (
                EntityKind::Speaker,
                crate::core::speakers::speakers_of(tx, meeting_id)?
                    .into_iter()
                    .map(|s| (s.id.to_string(), Entity::Speaker(s)))
                    .collect(),
            ),
            _ => return Ok(None),
        }))
    }

    /// The change for a row whose kind was loaded whole: the entity, or its delete when
    /// the meeting no longer has it. `None` for other rows.
    fn resolve(&self, meeting_id: &str, kind: &str, entity_id: &str) -> Option<ChangeOp> {
        let (kind, entities) = self.0.get(&(kind.to_owned(), meeting_id.to_owned()))?;
        Some(match entities.get(entity_id) {
            Some(entity) => ChangeOp::Upsert { entity: entity.clone() },
            None => ChangeOp::Delete { kind: *kind, id: entity_id.to_owned() },
        })
    }
}

/// The entity's state as `user_id` may see it now (or a delete).
fn resolve(tx: &Tx<'_>, user_id: &str, meeting_id: &str, kind: &str, entity_id: &str) -> AppResult<ChangeOp> {
    let gone = |kind| Ok(ChangeOp::Delete { kind, id: entity_id.to_owned() });
    let upsert = |entity| Ok(ChangeOp::Upsert { entity });
    match kind {
        "purge" => Ok(ChangeOp::Purge {
            meeting_id: Uuid::parse_str(meeting_id)
                .map_err(|e| AppError::Stored(format!("a purge in the feed names no meeting ({meeting_id:?}): {e}")))?,
        }),
        "meeting" => match crate::store::meetings::meeting(tx, entity_id)? {
            Some(m) => upsert(Entity::Meeting(m)),
            None => gone(EntityKind::Meeting),
        },
        "agenda_item" => match crate::store::meetings::agenda_item(tx, entity_id)? {
            Some(a) => upsert(Entity::AgendaItem(a)),
            None => gone(EntityKind::AgendaItem),
        },
        "participant" => {
            let (m, u) = entity_id.split_once(':').unwrap_or((meeting_id, ""));
            match crate::store::meetings::participant(tx, m, u)? {
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
        "live_state" => match crate::store::meetings::meeting(tx, entity_id)? {
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
        _ => match crate::store::documents::document(tx, entity_id)? {
            Some(d) => upsert(Entity::Document(d)),
            None => gone(EntityKind::Document),
        },
    }
}

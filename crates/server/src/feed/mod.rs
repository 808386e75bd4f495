//! The ordered change feed: recording changes inside write transactions and serving
//! each user the part of it they may see.

pub mod kinds;

use meeting_protocol::{Change, ChangeOp, ChangesPage, Entity, EntityKind};
use std::collections::HashMap;

use uuid::Uuid;

use crate::auth::now_unix;
use crate::error::{AppError, AppResult};
use crate::store::{self, Tx, head_seq};
pub use kinds::RowKind;

/// Appends one change for every participant of `meeting_id` (or only `audience`).
pub fn record(
    tx: &Tx<'_>,
    meeting_id: &str,
    kind: EntityKind,
    entity_id: &str,
    audience: Option<&str>,
) -> AppResult<i64> {
    Ok(store::append(tx, meeting_id, kind.as_str(), entity_id, &[audience], now_unix())?)
}

/// Records one change for each of several audiences (one row each, one statement).
pub fn record_for(
    tx: &Tx<'_>,
    meeting_id: &str,
    kind: EntityKind,
    entity_id: &str,
    audiences: &[&str],
) -> AppResult<()> {
    let audiences: Vec<Option<&str>> = audiences.iter().copied().map(Some).collect();
    store::append(tx, meeting_id, kind.as_str(), entity_id, &audiences, now_unix())?;
    Ok(())
}

/// Gives `user_id` the whole current meeting: the user's cursor is likely past every
/// change ever made to it, so every kind re-announces what the user may now see, to them
/// alone, the meeting first.
pub fn record_grant(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> AppResult<()> {
    for &kind in EntityKind::KNOWN {
        let Some(feed) = kinds::of(kind) else { continue };
        for key in (feed.grant)(tx, meeting_id, user_id)? {
            record(tx, meeting_id, kind, &key, Some(user_id))?;
        }
    }
    Ok(())
}

/// Tells `user_id` to drop the meeting and everything in it.
pub fn record_purge(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> AppResult<()> {
    store::append(tx, meeting_id, RowKind::Purge.as_str(), meeting_id, &[Some(user_id)], now_unix())?;
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

/// The meetings `user_id` takes part in (a superset of those they may see: drafts too)
/// and the task scopes they read, for the live channel's first filter.
pub fn meetings_of(tx: &Tx<'_>, user_id: &str) -> AppResult<std::collections::HashSet<String>> {
    let mut scopes: std::collections::HashSet<String> = store::meetings::ids_of(tx, user_id)?.into_iter().collect();
    scopes.extend(store::feed::task_scopes_of(tx, user_id)?);
    Ok(scopes)
}

/// One page of the feed as `user_id` may see it. Runs in one read transaction, so the
/// page, the entity states and `head` come from the same snapshot.
pub fn page(tx: &Tx<'_>, server_id: Uuid, user_id: &str, since: i64, limit: u32) -> AppResult<ChangesPage> {
    let head = head_seq(tx)?;
    let rows = store::feed::visible_after(tx, since, user_id, i64::from(limit) + 1)?;
    let has_more = rows.len() > limit as usize;
    let rows = rows
        .into_iter()
        .take(limit as usize)
        .map(|(seq, meeting, kind, key)| Ok(Row { seq, kind: RowKind::parse(&kind)?, meeting, key }))
        .collect::<AppResult<Vec<Row>>>()?;
    let loaded = Loaded::for_page(tx, &rows)?;
    let mut changes = Vec::with_capacity(rows.len());
    for row in &rows {
        let op = match loaded.resolve(row) {
            Some(op) => op,
            None => resolve(tx, user_id, row)?,
        };
        changes.push(Change { seq: row.seq, op });
    }
    // With nothing more to see, jump to head: the invisible changes in between never
    // need to be scanned again. Safe because head and the rows come from one snapshot.
    let next_since = if has_more { changes.last().map_or(since, |c| c.seq) } else { head.max(since) };
    Ok(ChangesPage { server_id, changes, next_since, head, has_more })
}

/// One row of the feed, its kind read.
struct Row {
    seq: i64,
    meeting: String,
    kind: RowKind,
    key: String,
}

/// A page's rows of one meeting and kind from which that kind's entities of the meeting
/// are loaded in one query rather than one query per row.
const LOAD_WHOLE_FROM: usize = 8;

/// The entities of kinds of which one meeting has many (a meeting of 500 has 500
/// participant rows and 500 attendance rows), loaded per meeting in one query when a
/// page holds several rows of them (the kinds with a [`kinds::Kind::whole`]). A query per
/// row made the first sync of 500 laptops at once (two pages of 500 rows each) wait on
/// PostgreSQL past their read timeout. Loaded from the page's own snapshot, so they are
/// what [`resolve`] would have read.
struct Loaded(HashMap<(EntityKind, String), HashMap<String, Entity>>);

impl Loaded {
    fn for_page(tx: &Tx<'_>, rows: &[Row]) -> AppResult<Self> {
        let mut keys: HashMap<(EntityKind, &str), Vec<&str>> = HashMap::new();
        for row in rows {
            if let RowKind::Entity(kind) = row.kind {
                keys.entry((kind, row.meeting.as_str())).or_default().push(row.key.as_str());
            }
        }
        let mut loaded = HashMap::new();
        for ((kind, meeting_id), keys) in keys {
            if keys.len() >= LOAD_WHOLE_FROM
                && let Some(whole) = kinds::of(kind).and_then(|k| k.whole)
            {
                let entities =
                    whole(tx, meeting_id, &keys)?.into_iter().filter_map(|e| e.key().map(|key| (key, e))).collect();
                loaded.insert((kind, meeting_id.to_owned()), entities);
            }
        }
        Ok(Self(loaded))
    }

    /// The change for a row whose kind was loaded whole: the entity, or its delete when
    /// the meeting no longer has it. `None` for other rows.
    fn resolve(&self, row: &Row) -> Option<ChangeOp> {
        let RowKind::Entity(kind) = row.kind else { return None };
        let entities = self.0.get(&(kind, row.meeting.clone()))?;
        Some(match entities.get(&row.key) {
            Some(entity) => ChangeOp::Upsert { entity: entity.clone() },
            None => ChangeOp::Delete { kind, id: row.key.clone() },
        })
    }
}

/// The row's entity as `user_id` may see it now (or a delete).
fn resolve(tx: &Tx<'_>, user_id: &str, row: &Row) -> AppResult<ChangeOp> {
    let kind = match row.kind {
        RowKind::Purge => {
            let meeting_id = Uuid::parse_str(&row.meeting).map_err(|e| {
                AppError::Stored(format!("a purge in the feed names no meeting ({:?}): {e}", row.meeting))
            })?;
            return Ok(ChangeOp::Purge { meeting_id });
        }
        RowKind::Entity(kind) => kind,
    };
    let feed = kinds::of(kind)
        .ok_or_else(|| AppError::Stored(format!("the change feed holds a row of kind {:?}", kind.as_str())))?;
    Ok(match (feed.load)(tx, user_id, &row.meeting, &row.key)? {
        Some(entity) => ChangeOp::Upsert { entity },
        None => ChangeOp::Delete { kind, id: row.key.clone() },
    })
}

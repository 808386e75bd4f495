//! What the feed knows about each kind of entity, one [`Kind`] per kind, declared by the
//! core module that owns the kind (`core::votes::FEED` for votes…) and found here by an
//! exhaustive `match`: a new [`EntityKind`] does not compile until it says how the feed
//! resolves it for a reader, loads a meeting's worth of it, and re-announces it to
//! someone who just gained sight of a meeting. Nothing falls back to another kind.
//!
//! `change_log` stores the kind's name as text without a `CHECK` on it (dropped by the
//! migration `20261208_0015_feed_kinds`): the list of kinds is this program's, so a new
//! kind rebuilds no table. A name this program does not know in a feed row is stored
//! data it cannot serve, and [`RowKind::parse`] says so.

use meeting_protocol::{Entity, EntityKind};

use crate::core;
use crate::error::{AppError, AppResult};
use crate::store::Tx;

/// How the feed serves one kind of entity.
pub struct Kind {
    /// The entity's state now as `reader` may see it, by its feed key (`meeting` is the
    /// feed row's meeting); `None` when it is gone or hidden from the reader, who then
    /// gets a delete.
    pub load: fn(tx: &Tx<'_>, reader: &str, meeting: &str, key: &str) -> AppResult<Option<Entity>>,
    /// The entities of the kind a page's rows of one meeting (or scope) name, for a page
    /// that holds many of them (500 participants): one query instead of one per row. A
    /// meeting's kinds load the whole meeting (the rows' keys given for the kinds that
    /// would rather not: a scope of 10,000 tasks). Only for kinds every reader of the
    /// meeting or scope sees alike; `None` resolves row by row through `load`.
    pub whole: Option<Whole>,
    /// The keys to re-announce to `user`, who just gained sight of the meeting (their
    /// cursor is likely past every change ever made to it).
    pub grant: fn(tx: &Tx<'_>, meeting: &str, user: &str) -> AppResult<Vec<String>>,
}

/// Loads the entities of a kind in a meeting or scope (see [`Kind::whole`]): `keys` are
/// the page's rows' keys.
pub type Whole = fn(tx: &Tx<'_>, meeting: &str, keys: &[&str]) -> AppResult<Vec<Entity>>;

/// The feed's description of `kind` (`None` only for [`EntityKind::Unknown`], which is
/// never written).
pub fn of(kind: EntityKind) -> Option<&'static Kind> {
    Some(match kind {
        EntityKind::Meeting => &core::meetings::MEETING_FEED,
        EntityKind::AgendaItem => &core::meetings::AGENDA_ITEM_FEED,
        EntityKind::Participant => &core::meetings::PARTICIPANT_FEED,
        EntityKind::Document => &core::documents::FEED,
        EntityKind::Annotation => &core::annotations::FEED,
        EntityKind::OpinionState => &core::opinions::FEED,
        EntityKind::LiveState => &core::room::LIVE_STATE_FEED,
        EntityKind::Attendance => &core::room::ATTENDANCE_FEED,
        EntityKind::Speaker => &core::speakers::FEED,
        EntityKind::Vote => &core::votes::FEED,
        EntityKind::Task => &core::tasks::FEED,
        EntityKind::Unknown => return None,
    })
}

/// What a feed row says: an entity of a kind changed, or the reader lost a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKind {
    /// An entity of this kind was written or deleted.
    Entity(EntityKind),
    /// The row's audience must drop the meeting and everything in it.
    Purge,
}

impl RowKind {
    /// The name stored in `change_log.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Entity(kind) => kind.as_str(),
            Self::Purge => "purge",
        }
    }

    /// Reads a stored name; one this program does not know is an error naming it.
    pub fn parse(name: &str) -> AppResult<Self> {
        match name {
            "purge" => Ok(Self::Purge),
            _ => EntityKind::parse(name).map(Self::Entity).ok_or_else(|| {
                AppError::Stored(format!("the change feed holds a kind this server does not know: {name:?}"))
            }),
        }
    }
}

/// The meeting itself and its live state are keyed by the meeting's id.
pub fn the_meeting(meeting: &str) -> Vec<String> {
    vec![meeting.to_owned()]
}

/// Wraps a loaded entity (for the `load` functions' one-liners).
pub fn some<T>(found: Option<T>, wrap: impl FnOnce(T) -> Entity) -> AppResult<Option<Entity>> {
    Ok(found.map(wrap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_kind_is_served_and_names_round_trip() {
        for &kind in EntityKind::KNOWN {
            assert!(of(kind).is_some(), "{kind:?} has no feed description");
            assert_eq!(RowKind::parse(kind.as_str()).ok(), Some(RowKind::Entity(kind)));
        }
        assert_eq!(RowKind::parse("purge").ok(), Some(RowKind::Purge));
        let err = RowKind::parse("hologram").expect_err("an unknown stored kind is an error");
        assert!(err.to_string().contains("hologram"), "{err}");
        assert!(RowKind::parse("unknown").is_err(), "'unknown' is never stored");
    }
}

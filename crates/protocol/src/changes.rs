use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    AgendaItem, Annotation, Attendance, Document, LiveState, Meeting, OpinionState, Participant, Speaker, Task, Vote,
};

/// One page of `GET /changes?since=N&limit=M`.
///
/// Changes are ordered by `seq`, a server-wide counter that every write transaction
/// advances inside the transaction, so once a client has seen `seq = n` no change with a
/// smaller `seq` can appear later. Each change carries the entity's *current* state (or a
/// tombstone), so applying a page is idempotent and a client converges to the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangesPage {
    /// Identifies the server's database; when it differs from what a client saw
    /// before, the client must drop its cursor and resynchronise from 0.
    pub server_id: Uuid,
    /// The changes, in `seq` order.
    pub changes: Vec<Change>,
    /// Cursor for the next call; store it in the same transaction that applies `changes`.
    pub next_since: i64,
    /// Highest `seq` the server has committed; `since > head` means the client must resync.
    pub head: i64,
    /// More changes are waiting: call again with `next_since`.
    pub has_more: bool,
}

/// One entry of the change feed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// Position in the server-wide order.
    pub seq: i64,
    /// What happened.
    #[serde(flatten)]
    pub op: ChangeOp,
}

/// What a change does to the client's copy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ChangeOp {
    /// Insert or replace the entity.
    Upsert {
        /// The entity's current state.
        entity: Entity,
    },
    /// The entity no longer exists.
    Delete {
        /// Its kind.
        kind: EntityKind,
        /// Its key (for participants: `meeting_id:user_id`).
        id: String,
    },
    /// The caller lost access to the meeting (or it was deleted): remove it and
    /// everything in it, including cached document contents.
    Purge {
        /// The meeting to remove.
        meeting_id: Uuid,
    },
}

/// Declares [`EntityKind`] from one list, so that its wire names, its parser and
/// [`EntityKind::KNOWN`] cannot disagree: a new kind is one line here (and its
/// [`Entity`] variant), and every exhaustive `match` on the kind in the server and the
/// client then says where else it must be handled.
macro_rules! entity_kinds {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// Kinds of entities in the feed.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum EntityKind {
            $($(#[$doc])* $variant,)*
            /// A kind a newer server sends that this client does not know: ignored.
            #[serde(other)]
            Unknown,
        }

        impl EntityKind {
            /// Every kind this program knows, in the order a meeting is announced to
            /// someone who just gained sight of it (the meeting before its parts).
            pub const KNOWN: &'static [EntityKind] = &[$(Self::$variant),*];

            /// Database and wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                    Self::Unknown => "unknown",
                }
            }

            /// Parses the database and wire name (`None`: a kind this program does not know).
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($name => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

entity_kinds! {
    /// [`Meeting`].
    Meeting = "meeting",
    /// [`AgendaItem`].
    AgendaItem = "agenda_item",
    /// [`Participant`] (key: `meeting_id:user_id`).
    Participant = "participant",
    /// [`Document`].
    Document = "document",
    /// [`Annotation`].
    Annotation = "annotation",
    /// [`OpinionState`] (key: the annotation id); only the secretariat receives it.
    OpinionState = "opinion_state",
    /// [`LiveState`] (key: the meeting id).
    LiveState = "live_state",
    /// [`Attendance`] (key: `meeting_id:user_id`).
    Attendance = "attendance",
    /// [`Speaker`].
    Speaker = "speaker",
    /// [`Vote`].
    Vote = "vote",
    /// [`Task`] (in the feed's task scopes, not a meeting's: see `feed::scopes`).
    Task = "task",
}

/// An entity's state, tagged by kind (`{"kind": …, "data": …}`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Entity {
    /// A meeting.
    Meeting(Meeting),
    /// An agenda item.
    AgendaItem(AgendaItem),
    /// A participant.
    Participant(Participant),
    /// A document (current version).
    Document(Document),
    /// An annotation the reader may see.
    Annotation(Box<Annotation>),
    /// Whether the secretariat handled an opinion (the secretariat's devices only).
    OpinionState(OpinionState),
    /// A meeting's live state: current item, quorum setting, presenter.
    LiveState(LiveState),
    /// A participant's attendance.
    Attendance(Attendance),
    /// A request to speak.
    Speaker(Speaker),
    /// A vote.
    Vote(Box<Vote>),
    /// A task and its history.
    Task(Box<Task>),
    /// An entity of a kind a newer server sends that this client does not know: the
    /// client skips it instead of failing the whole page (kinds are added over time).
    /// Never sent.
    #[serde(skip_serializing)]
    Unknown,
}

// By hand rather than derived: a derived adjacently tagged enum refuses a kind it does
// not know, and one new kind from a newer server would then stop every older client's
// sync. A known kind with a malformed body still fails, with its own error.
impl<'de> Deserialize<'de> for Entity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        #[derive(Deserialize)]
        struct Tagged {
            kind: String,
            #[serde(default)]
            data: serde_json::Value,
        }
        fn body<T: serde::de::DeserializeOwned, E: serde::de::Error>(v: serde_json::Value) -> Result<T, E> {
            serde_json::from_value(v).map_err(E::custom)
        }
        let Tagged { kind, data } = Tagged::deserialize(d)?;
        let Some(kind) = EntityKind::parse(&kind) else { return Ok(Self::Unknown) };
        Ok(match kind {
            EntityKind::Meeting => Self::Meeting(body(data)?),
            EntityKind::AgendaItem => Self::AgendaItem(body(data)?),
            EntityKind::Participant => Self::Participant(body(data)?),
            EntityKind::Document => Self::Document(body(data)?),
            EntityKind::Annotation => Self::Annotation(body(data)?),
            EntityKind::OpinionState => Self::OpinionState(body(data)?),
            EntityKind::LiveState => Self::LiveState(body(data)?),
            EntityKind::Attendance => Self::Attendance(body(data)?),
            EntityKind::Speaker => Self::Speaker(body(data)?),
            EntityKind::Vote => Self::Vote(body(data)?),
            EntityKind::Task => Self::Task(body(data)?),
            EntityKind::Unknown => return Err(D::Error::custom("entity kind 'unknown'")),
        })
    }
}

impl Entity {
    /// The entity's kind.
    pub fn kind(&self) -> EntityKind {
        match self {
            Self::Meeting(_) => EntityKind::Meeting,
            Self::AgendaItem(_) => EntityKind::AgendaItem,
            Self::Participant(_) => EntityKind::Participant,
            Self::Document(_) => EntityKind::Document,
            Self::Annotation(_) => EntityKind::Annotation,
            Self::OpinionState(_) => EntityKind::OpinionState,
            Self::LiveState(_) => EntityKind::LiveState,
            Self::Attendance(_) => EntityKind::Attendance,
            Self::Speaker(_) => EntityKind::Speaker,
            Self::Vote(_) => EntityKind::Vote,
            Self::Task(_) => EntityKind::Task,
            Self::Unknown => EntityKind::Unknown,
        }
    }

    /// The entity's key in the feed (a `ChangeOp::Delete`'s `id` names the same);
    /// `None` for [`Entity::Unknown`].
    pub fn key(&self) -> Option<String> {
        Some(match self {
            Self::Meeting(m) => m.id.to_string(),
            Self::AgendaItem(a) => a.id.to_string(),
            Self::Participant(p) => participant_key(p.meeting_id, p.user_id),
            Self::Document(d) => d.id.to_string(),
            Self::Annotation(a) => a.id.to_string(),
            Self::OpinionState(o) => o.annotation_id.to_string(),
            Self::LiveState(s) => s.meeting_id.to_string(),
            Self::Attendance(a) => participant_key(a.meeting_id, a.user_id),
            Self::Speaker(s) => s.id.to_string(),
            Self::Vote(v) => v.id.to_string(),
            Self::Task(t) => t.id.to_string(),
            Self::Unknown => return None,
        })
    }

    /// The meeting the entity belongs to (a purge of it removes the entity); `None` for
    /// a task, which outlives its meeting and is seen through its units.
    pub fn meeting_id(&self) -> Option<Uuid> {
        Some(match self {
            Self::Meeting(m) => m.id,
            Self::AgendaItem(a) => a.meeting_id,
            Self::Participant(p) => p.meeting_id,
            Self::Document(d) => d.meeting_id,
            Self::Annotation(a) => a.meeting_id,
            Self::OpinionState(o) => o.meeting_id,
            Self::LiveState(s) => s.meeting_id,
            Self::Attendance(a) => a.meeting_id,
            Self::Speaker(s) => s.meeting_id,
            Self::Vote(v) => v.meeting_id,
            Self::Task(_) | Self::Unknown => return None,
        })
    }
}

/// Key of a participant in the feed's `id` fields.
pub fn participant_key(meeting_id: Uuid, user_id: Uuid) -> String {
    format!("{meeting_id}:{user_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_json_shape_is_stable() {
        let c = Change { seq: 7, op: ChangeOp::Purge { meeting_id: Uuid::nil() } };
        let v = serde_json::to_value(&c).expect("serialise");
        assert_eq!(v["seq"], 7);
        assert_eq!(v["op"], "purge");
        let back: Change = serde_json::from_value(v).expect("round trip");
        assert!(matches!(back.op, ChangeOp::Purge { .. }));
        let future = serde_json::json!({"seq": 8, "op": "upsert", "entity": {"kind": "hologram", "data": {"x": 1}}});
        let c: Change = serde_json::from_value(future).expect("an unknown kind still reads");
        assert!(matches!(c.op, ChangeOp::Upsert { entity: Entity::Unknown }));
        let gone = serde_json::json!({"seq": 9, "op": "delete", "kind": "hologram", "id": "x"});
        let c: Change = serde_json::from_value(gone).expect("an unknown kind's delete still reads");
        assert!(matches!(c.op, ChangeOp::Delete { kind: EntityKind::Unknown, .. }));
        assert!(matches!(back.op, ChangeOp::Purge { .. }));
    }

    #[test]
    fn every_known_kind_reads_back_by_its_name() {
        assert_eq!(EntityKind::KNOWN.len(), 11);
        for &kind in EntityKind::KNOWN {
            assert_eq!(EntityKind::parse(kind.as_str()), Some(kind));
            let wire = serde_json::to_value(kind).expect("serialise");
            assert_eq!(wire, kind.as_str(), "the wire name is the database name");
        }
        assert_eq!(EntityKind::parse("unknown"), None, "'unknown' is never stored");
    }
}

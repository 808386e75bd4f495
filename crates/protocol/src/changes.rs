use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    AgendaItem, Annotation, Attendance, Document, LiveState, Meeting, OpinionState, Participant, Speaker, Vote,
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

/// Kinds of entities in the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// [`Meeting`].
    Meeting,
    /// [`AgendaItem`].
    AgendaItem,
    /// [`Participant`].
    Participant,
    /// [`Document`].
    Document,
    /// [`Annotation`].
    Annotation,
    /// [`OpinionState`] (key: the annotation id); only the secretariat receives it.
    OpinionState,
    /// [`LiveState`] (key: the meeting id).
    LiveState,
    /// [`Attendance`] (key: `meeting_id:user_id`).
    Attendance,
    /// [`Speaker`].
    Speaker,
    /// [`Vote`].
    Vote,
    /// A kind a newer server sends that this client does not know: ignored.
    #[serde(other)]
    Unknown,
}

impl EntityKind {
    /// Database and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Meeting => "meeting",
            Self::AgendaItem => "agenda_item",
            Self::Participant => "participant",
            Self::Document => "document",
            Self::Annotation => "annotation",
            Self::OpinionState => "opinion_state",
            Self::LiveState => "live_state",
            Self::Attendance => "attendance",
            Self::Speaker => "speaker",
            Self::Vote => "vote",
            Self::Unknown => "unknown",
        }
    }

    /// Parses the database name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "meeting" => Some(Self::Meeting),
            "agenda_item" => Some(Self::AgendaItem),
            "participant" => Some(Self::Participant),
            "document" => Some(Self::Document),
            "annotation" => Some(Self::Annotation),
            "opinion_state" => Some(Self::OpinionState),
            "live_state" => Some(Self::LiveState),
            "attendance" => Some(Self::Attendance),
            "speaker" => Some(Self::Speaker),
            "vote" => Some(Self::Vote),
            _ => None,
        }
    }
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
            EntityKind::Unknown => return Err(D::Error::custom("entity kind 'unknown'")),
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
}

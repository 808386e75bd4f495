use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{AgendaItem, Annotation, Document, Meeting, OpinionState, Participant};

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
            _ => None,
        }
    }
}

/// An entity's state, tagged by kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    }
}

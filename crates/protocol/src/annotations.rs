//! Annotations: the marks leaders make on documents (and notes on agenda items), and
//! the push that brings a device's changes to the server.
//!
//! Geometry is in the page's unrotated PDF user space (points, origin bottom-left), so a
//! mark stays on its words at any zoom and rotation. The server owns `version` (bumped on
//! every accepted write) and `author_id`; a device owns the id (UUIDv7), everything it
//! draws, and the review flag (the author's devices move marks onto new versions of a
//! document: they have the PDF engine that finds the words again).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Who may see an annotation besides its author.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// The author's devices only (the default).
    #[default]
    Private,
    /// The author and the meeting's secretaries (organisers).
    Secretariat,
    /// Every participant of the meeting.
    Participants,
}

impl Visibility {
    /// Database and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Secretariat => "secretariat",
            Self::Participants => "participants",
        }
    }

    /// Parses the database name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "private" => Some(Self::Private),
            "secretariat" => Some(Self::Secretariat),
            "participants" => Some(Self::Participants),
            _ => None,
        }
    }
}

/// A point of the unrotated page, in PDF points.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Point {
    /// From the left edge.
    pub x: f32,
    /// From the bottom edge.
    pub y: f32,
}

/// A quadrilateral covering a piece of text (PDF QuadPoints order: top-left,
/// top-right, bottom-left, bottom-right).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quad {
    /// The four corners.
    pub points: [Point; 4],
}

/// One pen stroke.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InkPath {
    /// The stroke's points in drawing order.
    pub points: Vec<Point>,
}

/// What an annotation looks like and where it sits.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Shape {
    /// Highlighted text.
    Highlight {
        /// The text's boxes.
        quads: Vec<Quad>,
    },
    /// Underlined text.
    Underline {
        /// The text's boxes.
        quads: Vec<Quad>,
    },
    /// Struck-out text.
    StrikeOut {
        /// The text's boxes.
        quads: Vec<Quad>,
    },
    /// Pen strokes.
    Ink {
        /// The strokes.
        paths: Vec<InkPath>,
        /// Stroke width in points.
        width: f32,
    },
    /// A sticky note at a point; its words are the annotation's `text`.
    Note {
        /// Where the note's icon sits.
        at: Point,
    },
    /// Text in a box on the page.
    FreeText {
        /// Left, bottom, right, top in points.
        rect: [f32; 4],
    },
    /// A note on an agenda item, not tied to a page.
    ItemNote,
}

/// Where a text mark's words were, to find them again in a new version of the document.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextAnchor {
    /// The marked words.
    pub quote: String,
    /// Up to 32 characters before them.
    pub prefix: String,
    /// Up to 32 characters after them.
    pub suffix: String,
    /// Character offset of the quote in its page's text.
    pub position: u32,
}

/// One annotation.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Annotation {
    /// UUIDv7 chosen by the device that created it.
    pub id: Uuid,
    /// The meeting it belongs to.
    pub meeting_id: Uuid,
    /// The document it marks (`None` for a note on an agenda item).
    pub document_id: Option<Uuid>,
    /// The agenda item of an item note.
    pub agenda_item_id: Option<Uuid>,
    /// SHA-256 of the document version it was drawn on.
    pub document_sha256: Option<String>,
    /// Page index (0-based) of a page mark.
    pub page: Option<u32>,
    /// What it is and where.
    pub shape: Shape,
    /// `#rrggbb`.
    pub color: String,
    /// 0 (invisible) to 1 (opaque).
    pub opacity: f32,
    /// The words of a note, a free-text box or a comment on a mark.
    pub text: String,
    /// The marked words, for carry-over to new versions.
    pub anchor: Option<TextAnchor>,
    /// Who made it (set by the server).
    pub author_id: Uuid,
    /// Who else may see it.
    pub visibility: Visibility,
    /// When it was made, by the device's clock.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub created_at: OffsetDateTime,
    /// When it was last changed, by the device's clock.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub updated_at: OffsetDateTime,
    /// The server's version: 0 until the server accepted it, +1 per accepted write.
    pub version: i64,
    /// Deleted (a tombstone, so the deletion reaches every device).
    pub deleted: bool,
    /// Moved onto a new version of its document without certainty (its words are gone,
    /// or it is not tied to words): a person should look.
    pub needs_review: bool,
}

/// One change a device made, as pushed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnotationOp {
    /// UUIDv7 of this change; pushing it again is answered as the first time.
    pub op_id: Uuid,
    /// The server version the change was made on (0 for a new annotation).
    pub base_version: i64,
    /// The annotation as the device has it after the change.
    pub annotation: Annotation,
}

/// `POST /annotations/push` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    /// Changes in the order they were made (at most [`MAX_PUSH_OPS`]).
    pub ops: Vec<AnnotationOp>,
}

/// Most ops one push may carry.
pub const MAX_PUSH_OPS: usize = 1000;

/// What became of one pushed change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OpOutcome {
    /// Applied now.
    Applied,
    /// Applied by an earlier push of the same `op_id`; nothing changed.
    Duplicate,
    /// Made on an older version than the server's (HTTP 412 semantics): not applied;
    /// `annotation` is the server's copy, and the device keeps its own as a conflict copy.
    Conflict,
    /// Never applicable as sent (the meeting, document or agenda item is gone or not the
    /// caller's to see, someone else's annotation, invalid values): `status` says which
    /// (404, 403, 400) and `annotation` echoes the op's.
    Rejected,
}

/// The answer to one pushed change.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpResult {
    /// The change.
    pub op_id: Uuid,
    /// What became of it.
    pub outcome: OpOutcome,
    /// The HTTP status this change alone would have had: 201 created, 200 updated or
    /// duplicate, 412 conflict, 400/403/404 rejected.
    pub status: u16,
    /// The version this op produced (for a duplicate: what it produced the first
    /// time); a device bases its next change of the annotation on it. 0 when nothing
    /// was applied.
    pub version: i64,
    /// The server's copy, when the device does not already have it: for a duplicate
    /// (it may have changed since) and a conflict. Absent for an applied change (the
    /// device pushed exactly that; `version` is all that is new) and a rejection, which
    /// halves what a large push downloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation: Option<Annotation>,
}

/// `POST /annotations/push` answer: one result per op, in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// One per pushed op.
    pub results: Vec<OpResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_tagged_by_type() {
        let ink = Shape::Ink { paths: vec![InkPath { points: vec![Point { x: 1.0, y: 2.0 }] }], width: 1.5 };
        let v = serde_json::to_value(&ink).expect("serialise");
        assert_eq!(v["type"], "ink");
        assert_eq!(v["paths"][0]["points"][0]["y"], 2.0);
        assert_eq!(serde_json::from_value::<Shape>(v).expect("round trip"), ink);
        assert_eq!(serde_json::to_value(Shape::ItemNote).expect("serialise")["type"], "item_note");
    }

    #[test]
    fn visibility_names_round_trip() {
        for v in [Visibility::Private, Visibility::Secretariat, Visibility::Participants] {
            assert_eq!(Visibility::parse(v.as_str()), Some(v));
        }
        assert_eq!(Visibility::default(), Visibility::Private);
    }
}

//! The meeting room in session: what the chair and the secretariat run live (current
//! item, attendance, speakers, votes, the presenter's page) and every participant sees.
//!
//! All of it is kept on the server and travels in the change feed like any entity, so
//! a device that was away catches up from the feed, minutes can be written from it later,
//! and the live channel (`GET /live`) only has to wake devices. Casting a ballot is the
//! one thing that is never queued: it needs the server at that moment.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// The live state of one meeting (feed key: the meeting id).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveState {
    /// The meeting.
    pub meeting_id: Uuid,
    /// The agenda item under discussion, if the chair set one.
    pub current_item_id: Option<Uuid>,
    /// Share of the voting members (chair and members) that must be present for a
    /// quorum, in percent.
    pub quorum_percent: u32,
    /// What the presenter is showing, if anyone presents.
    pub presentation: Option<Presentation>,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub updated_at: OffsetDateTime,
}

/// The document and page the presenter is on; followers' viewers go there.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Presentation {
    /// Who presents.
    pub presenter_id: Uuid,
    /// Their display name.
    pub presenter_name: String,
    /// The document shown.
    pub document_id: Uuid,
    /// Its page, from 0.
    pub page_index: u32,
    /// When the presenter got there.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: OffsetDateTime,
}

/// Whether a participant is there.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    /// In the room.
    Present,
    /// Taking part from elsewhere (counts towards the quorum and may vote).
    Online,
    /// Not there (with a reason, if given).
    Absent,
}

impl AttendanceStatus {
    /// Wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Online => "online",
            Self::Absent => "absent",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "present" => Some(Self::Present),
            "online" => Some(Self::Online),
            "absent" => Some(Self::Absent),
            _ => None,
        }
    }

    /// Counts towards the quorum and may vote.
    pub fn is_there(self) -> bool {
        matches!(self, Self::Present | Self::Online)
    }
}

/// One participant's attendance (feed key: `meeting_id:user_id`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attendance {
    /// The meeting.
    pub meeting_id: Uuid,
    /// The participant.
    pub user_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// There or not.
    pub status: AttendanceStatus,
    /// Why absent (empty otherwise).
    pub reason: String,
    /// Order of arrival: the first check-in of the meeting is 1.
    pub order: i64,
    /// Who recorded it (the participant checking in, or the secretariat).
    pub by: Uuid,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: OffsetDateTime,
}

/// `PUT /meetings/{id}/attendance` body: check in, or (the secretariat) mark several.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AttendanceInput {
    /// Whom to mark; empty for the caller themself (a check-in).
    #[serde(default)]
    pub user_ids: Vec<Uuid>,
    /// The status to record.
    pub status: AttendanceStatus,
    /// Why absent.
    #[serde(default)]
    pub reason: String,
}

/// Where a request to speak stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SpeakerState {
    /// In the queue.
    Waiting,
    /// Has the floor.
    Speaking,
    /// Spoke.
    Done,
    /// Withdrew (or was taken off the queue by the chair).
    Withdrawn,
}

impl SpeakerState {
    /// Wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Speaking => "speaking",
            Self::Done => "done",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "waiting" => Some(Self::Waiting),
            "speaking" => Some(Self::Speaking),
            "done" => Some(Self::Done),
            "withdrawn" => Some(Self::Withdrawn),
            _ => None,
        }
    }
}

/// One request to speak (feed key: its id). The queue is the waiting requests, points
/// of order first, then in order of asking ([`queue_order`]).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Speaker {
    /// Id.
    pub id: Uuid,
    /// The meeting.
    pub meeting_id: Uuid,
    /// The agenda item it was asked on (the current item then), if any.
    pub agenda_item_id: Option<Uuid>,
    /// Who asks.
    pub user_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// A point of order (kiến nghị về thủ tục) goes before every other request.
    pub point_of_order: bool,
    /// Order of asking within the meeting (1, 2, …), fixed by the server.
    pub position: i64,
    /// Where it stands.
    pub state: SpeakerState,
    /// When asked.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub requested_at: OffsetDateTime,
    /// When given the floor.
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub started_at: Option<OffsetDateTime>,
    /// When the floor ended.
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub ended_at: Option<OffsetDateTime>,
}

/// Sort key of the speakers' queue: points of order first, then in order of asking.
pub fn queue_order(s: &Speaker) -> (bool, i64) {
    (!s.point_of_order, s.position)
}

/// The order every device lists requests in: the speaker, then the queue
/// ([`queue_order`]), then the others, latest first.
pub fn sort_speakers(all: &mut [Speaker]) {
    let rank = |s: &Speaker| match s.state {
        SpeakerState::Speaking => 0,
        SpeakerState::Waiting => 1,
        SpeakerState::Done | SpeakerState::Withdrawn => 2,
    };
    all.sort_by(|a, b| {
        rank(a).cmp(&rank(b)).then_with(|| match a.state {
            SpeakerState::Waiting => queue_order(a).cmp(&queue_order(b)),
            _ => b.position.cmp(&a.position),
        })
    });
}

/// `POST /meetings/{id}/speakers` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SpeakRequest {
    /// A point of order: to the front of the queue.
    #[serde(default)]
    pub point_of_order: bool,
}

/// `PUT /meetings/{id}/floor` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FloorInput {
    /// The request to give the floor to; absent: the first of the queue.
    #[serde(default)]
    pub speaker_id: Option<Uuid>,
}

/// `PUT /meetings/{id}/current-item` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CurrentItemInput {
    /// The item now under discussion; `null` for none.
    pub item_id: Option<Uuid>,
}

/// `PUT /meetings/{id}/quorum` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuorumInput {
    /// Share of the voting members needed, in percent (1–100).
    pub percent: u32,
}

/// `PUT /meetings/{id}/presentation` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PresentInput {
    /// The document shown (of this meeting).
    pub document_id: Uuid,
    /// Its page, from 0.
    pub page_index: u32,
}

/// True when `present` voting members of `members` make a quorum at `percent`.
pub fn has_quorum(members: u32, present: u32, percent: u32) -> bool {
    members > 0 && u64::from(present) * 100 >= u64::from(members) * u64::from(percent)
}

/// The whole room at once (`GET /meetings/{id}/room`): what a device shows when it
/// joins, and what the CLI prints.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Room {
    /// Current item, quorum setting, presenter.
    pub state: LiveState,
    /// Attendance recorded so far, in order of arrival.
    pub attendance: Vec<Attendance>,
    /// Every request to speak, the queue first ([`queue_order`]), then the others.
    pub speakers: Vec<Speaker>,
    /// The meeting's votes, newest first.
    pub votes: Vec<crate::Vote>,
    /// Voting members (chair and members).
    pub members: u32,
    /// Of them, present or online.
    pub present: u32,
    /// Whether they make a quorum.
    pub quorum: bool,
}

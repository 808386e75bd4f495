//! The minutes of a meeting (biên bản, Quyết định 45/2018/QĐ-TTg): the record the room
//! kept — chair, secretary, who was present, online or absent and why, the quorum, per
//! agenda item its planned and actual times, its presenter, the speakers in order with
//! the time each spoke, the votes (a named vote's list, a secret one's counts only) and
//! the opinions leaders shared — and the secretary's text per item (course of the
//! discussion, opinions, conclusion). The record is built by the server, never typed;
//! the text is the secretary's. Approved minutes are locked by the hash of their content;
//! a correction is a new version, the approved ones kept.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{AttendanceStatus, ParticipantRole};

/// Where minutes stand.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MinutesState {
    /// Being written; the record is refreshed with every new draft.
    Draft,
    /// Approved by the chair: locked.
    Approved,
}

impl MinutesState {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Approved => "approved",
        }
    }

    /// Parses the database name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "approved" => Some(Self::Approved),
            _ => None,
        }
    }
}

/// One participant as the minutes list them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinutesPerson {
    /// The user.
    pub user_id: Uuid,
    /// Their name.
    pub name: String,
    /// Their role in the meeting.
    pub role: ParticipantRole,
    /// Present, online or absent (`None`: not recorded).
    pub status: Option<AttendanceStatus>,
    /// Why absent.
    pub reason: String,
}

/// One turn of speaking.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinutesSpeech {
    /// Who spoke.
    pub name: String,
    /// A point of order.
    pub point_of_order: bool,
    /// When they were given the floor.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub started_at: OffsetDateTime,
    /// How long they spoke, in seconds (`None`: the floor was never ended).
    pub seconds: Option<u32>,
}

/// One vote's result.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinutesVote {
    /// The question put.
    pub question: String,
    /// Secret (counts only).
    pub secret: bool,
    /// The choices and their counts, in order.
    pub counts: Vec<(String, u32)>,
    /// Ballots cast, and those who could vote.
    pub ballots: u32,
    /// Those who could vote.
    pub eligible: u32,
    /// Passed.
    pub passed: bool,
    /// Void (not counted), with the reason; counts are then empty.
    pub void_reason: String,
    /// Who chose what, for a named vote: (name, choice).
    pub named: Vec<(String, String)>,
}

/// An opinion a leader shared (with the secretariat or every participant).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinutesOpinion {
    /// Whose.
    pub author: String,
    /// The document it was given on.
    pub document: String,
    /// The words marked, if any.
    pub quote: String,
    /// The opinion.
    pub text: String,
}

/// One agenda item of the minutes: the record, and the secretary's text.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinutesItem {
    /// The agenda item.
    pub item_id: Uuid,
    /// Its number, from 1.
    pub position: i64,
    /// Its title.
    pub title: String,
    /// Who presents it.
    pub presenter: String,
    /// Planned start (`HH:MM`, may be empty) and length in minutes (0: not planned).
    pub planned_time: String,
    /// Planned length in minutes.
    pub planned_minutes: u32,
    /// When it was taken up in the room, and when the next one was (or the meeting ended).
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub started_at: Option<OffsetDateTime>,
    /// When it ended.
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub ended_at: Option<OffsetDateTime>,
    /// The speakers, in the order they spoke.
    pub speeches: Vec<MinutesSpeech>,
    /// Its votes, in the order they were opened.
    pub votes: Vec<MinutesVote>,
    /// Opinions shared on its documents.
    pub opinions: Vec<MinutesOpinion>,
    /// The secretary's account of the discussion.
    pub discussion: String,
    /// The secretary's summary of the opinions.
    pub opinions_text: String,
    /// The chair's conclusion on it.
    pub conclusion: String,
}

/// The minutes of a meeting.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Minutes {
    /// The meeting.
    pub meeting_id: Uuid,
    /// Version, from 1: each approval locks one; a correction starts the next.
    pub version: u32,
    /// Where it stands.
    pub state: MinutesState,
    /// Number and symbol (`15/BB-UBND`), may be empty.
    pub number: String,
    /// The meeting's title.
    pub title: String,
    /// Where.
    pub location: String,
    /// When it began (planned).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub starts_at: OffsetDateTime,
    /// The chair (first participant with the role), if any.
    pub chair: Option<MinutesPerson>,
    /// The secretaries (the meeting's organizers).
    pub secretaries: Vec<MinutesPerson>,
    /// Every participant with their attendance.
    pub people: Vec<MinutesPerson>,
    /// Voting members present or online, and all voting members.
    pub present: u32,
    /// Voting members.
    pub members: u32,
    /// The quorum setting (percent) and whether it was met.
    pub quorum_percent: u32,
    /// Whether the quorum was met.
    pub quorum: bool,
    /// The agenda.
    pub items: Vec<MinutesItem>,
    /// Opinions on documents of no agenda item.
    pub other_opinions: Vec<MinutesOpinion>,
    /// The chair's general conclusion, if any.
    pub conclusion: String,
    /// When the record was last built from the room.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub recorded_at: OffsetDateTime,
    /// SHA-256 of the approved content (hex); empty for a draft.
    pub content_hash: String,
    /// Who approved it.
    pub approved_by: Option<Uuid>,
    /// When.
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub approved_at: Option<OffsetDateTime>,
    /// The document the approved minutes became (a PDF every participant syncs).
    pub document_id: Option<Uuid>,
}

impl Minutes {
    /// "Có X/Y thành viên có mặt" — the quorum sentence, always in step with the record.
    pub fn presence_sentence(&self) -> String {
        let quorum = if self.quorum { "đủ" } else { "không đủ" };
        format!(
            "Có {}/{} thành viên có mặt (trực tiếp hoặc trực tuyến), {quorum} số lượng theo quy định ({}%).",
            self.present, self.members, self.quorum_percent
        )
    }
}

/// A change to the secretary's text (`null` keeps a field).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinutesEdit {
    /// The item whose text changes (`None`: the minutes' own fields).
    #[serde(default)]
    pub item_id: Option<Uuid>,
    /// The account of the discussion.
    #[serde(default)]
    pub discussion: Option<String>,
    /// The summary of opinions.
    #[serde(default)]
    pub opinions_text: Option<String>,
    /// The conclusion (of the item, or the general one).
    #[serde(default)]
    pub conclusion: Option<String>,
    /// Number and symbol (minutes only).
    #[serde(default)]
    pub number: Option<String>,
}

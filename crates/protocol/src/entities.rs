use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// What a user may do in the office as a whole.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads, annotates, votes and gives opinions in the meetings they take part in.
    Leader,
    /// Prepares meetings: agenda, participants, documents.
    Secretary,
    /// Manages user accounts and access.
    Admin,
    /// Department staff acting for one unit (sở, huyện): the unit's tasks, and only the
    /// meetings they take part in.
    Unit,
}

impl Role {
    /// The office's own staff and leaders: they follow every task (a unit's staff see
    /// their unit's).
    pub fn follows_all_tasks(self) -> bool {
        matches!(self, Self::Leader | Self::Secretary | Self::Admin)
    }

    /// The wire and database name of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Leader => "leader",
            Self::Secretary => "secretary",
            Self::Admin => "admin",
            Self::Unit => "unit",
        }
    }

    /// Parses the wire name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "leader" => Some(Self::Leader),
            "secretary" => Some(Self::Secretary),
            "admin" => Some(Self::Admin),
            "unit" => Some(Self::Unit),
            _ => None,
        }
    }
}

/// A user as other users see them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Stable id.
    pub id: Uuid,
    /// Login name, unique in the office.
    pub username: String,
    /// Name with title as shown in the UI, e.g. "Đồng chí Nguyễn Văn A".
    pub display_name: String,
    /// Office-wide role.
    pub role: Role,
}

/// `POST /auth/login` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Plain password; only ever sent over the login call.
    pub password: String,
    /// Label of the device the token is for, shown when listing sessions.
    #[serde(default)]
    pub device_name: Option<String>,
}

/// `POST /auth/login` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Opaque bearer token for this device; the server stores only its hash.
    pub token: String,
    /// Id of the token, used to list or revoke it.
    pub token_id: Uuid,
    /// When the token stops working.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
    /// The logged-in user.
    pub user: User,
    /// Identifies this server's database; a change tells clients to resynchronise fully.
    pub server_id: Uuid,
}

/// A device session of any user, as an admin sees it (to revoke a lost laptop).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceSession {
    /// Token id (what revoking names).
    pub id: Uuid,
    /// Whose device it is.
    pub user: User,
    /// Device label given at login.
    pub device_name: Option<String>,
    /// When the session began.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// When it expires.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
    /// When the device last read the change feed, if ever (RFC 3339).
    pub last_sync_at: Option<String>,
}

/// One device session of the calling user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    /// Token id.
    pub id: Uuid,
    /// Device label given at login.
    pub device_name: Option<String>,
    /// When the token was issued.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// When it expires.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
    /// Whether this is the token making the request.
    pub current: bool,
}

/// A meeting as its participants see it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meeting {
    /// Stable id.
    pub id: Uuid,
    /// Title, e.g. "Phiên họp thường kỳ tháng 11".
    pub title: String,
    /// Room or place.
    pub location: String,
    /// Free text shown under the title.
    pub description: String,
    /// Planned start.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub starts_at: OffsetDateTime,
    /// Planned end, if known.
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub ends_at: Option<OffsetDateTime>,
    /// Draft, published or cancelled (absent in data from before drafts existed:
    /// everything was published then).
    #[serde(default)]
    pub status: crate::MeetingStatus,
    /// Why it was cancelled; empty unless `status` is `cancelled`.
    #[serde(default)]
    pub cancel_reason: String,
    /// Pages of its documents carry the viewer's name and the time (on unless the
    /// office turned it off; confidential documents carry it regardless).
    #[serde(default = "crate::yes")]
    pub watermark: bool,
}

/// Fields to create a meeting, or (all optional) to change one.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    /// Title; required on create.
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub title: Option<String>,
    /// Room or place.
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub location: Option<String>,
    /// Free text.
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub description: Option<String>,
    /// Planned start; required on create.
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub starts_at: Option<OffsetDateTime>,
    /// Planned end.
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub ends_at: Option<OffsetDateTime>,
    /// Watermark its documents' pages (on when a meeting is created without it).
    #[serde(default)]
    pub watermark: Option<bool>,
}

/// One point of a meeting's agenda.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgendaItem {
    /// Stable id.
    pub id: Uuid,
    /// Meeting it belongs to.
    pub meeting_id: Uuid,
    /// Order in the agenda, 1-based and dense.
    pub position: i64,
    /// Title of the point.
    pub title: String,
    /// Who presents it, e.g. "Giám đốc Sở Nội vụ".
    pub presenter: String,
    /// Planned start time of day, "HH:MM".
    pub planned_time: String,
    /// Planned length in minutes.
    pub duration_minutes: i64,
}

/// Fields to create an agenda item, or (all optional) to change one.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgendaItemInput {
    /// Title; required on create.
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub title: Option<String>,
    /// Presenter: a person or a body, e.g. "Sở Kế hoạch và Đầu tư".
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub presenter: Option<String>,
    /// "HH:MM", or empty for none.
    #[cfg_attr(feature = "openapi", schema(pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9])?$"))]
    pub planned_time: Option<String>,
    /// Minutes, 0 to 1440.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1440))]
    pub duration_minutes: Option<i64>,
}

/// `PUT /meetings/{id}/agenda/order` body: every item id of the meeting, in the new order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgendaOrder {
    /// All agenda item ids of the meeting, each exactly once.
    pub item_ids: Vec<Uuid>,
}

/// How a participant takes part in a meeting.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    /// Chairs the meeting.
    Chair,
    /// Takes part.
    Member,
    /// Prepares and follows up the meeting; may edit it.
    Organizer,
}

impl ParticipantRole {
    /// Wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chair => "chair",
            Self::Member => "member",
            Self::Organizer => "organizer",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "chair" => Some(Self::Chair),
            "member" => Some(Self::Member),
            "organizer" => Some(Self::Organizer),
            _ => None,
        }
    }
}

/// A user taking part in a meeting. Only participants may see a meeting at all.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participant {
    /// Meeting.
    pub meeting_id: Uuid,
    /// User.
    pub user_id: Uuid,
    /// Login name of the user.
    pub username: String,
    /// Display name of the user.
    pub display_name: String,
    /// Role in this meeting.
    pub role: ParticipantRole,
}

/// `PUT /meetings/{id}/participants/{user_id}` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    /// Role in the meeting.
    pub role: ParticipantRole,
}

/// A document of a meeting; its content is the blob named by `sha256`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    /// Stable id; stays the same across versions.
    pub id: Uuid,
    /// Meeting it belongs to.
    pub meeting_id: Uuid,
    /// Agenda item it belongs to, if any.
    pub agenda_item_id: Option<Uuid>,
    /// Title shown to readers.
    pub title: String,
    /// Original file name (no directories).
    pub filename: String,
    /// Content size in bytes.
    pub size: i64,
    /// Lowercase hex SHA-256 of the content; the blob's name and ETag.
    pub sha256: String,
    /// Number of pages.
    pub page_count: i64,
    /// 1 for the first upload, +1 per replacement.
    pub version: i64,
    /// Marked confidential ("mật"): shown with a warning, never shared outside participants.
    pub confidential: bool,
    /// When the current version was uploaded.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub uploaded_at: OffsetDateTime,
    /// The office file (DOCX, XLSX, …) this PDF was converted from, if any.
    #[serde(default)]
    pub original_filename: Option<String>,
    /// Place among the documents of its agenda item (or the meeting's other documents),
    /// from 1, in the order the secretary chose.
    #[serde(default)]
    pub position: i64,
    /// Its pages carry the viewer's name and the time (see [`Meeting::watermark`]).
    #[serde(default = "crate::yes")]
    pub watermark: bool,
    /// Devices may keep an (encrypted) offline copy. When off ("no offline copy"), the
    /// document opens only while connected, streamed into memory, and is never cached.
    #[serde(default = "crate::yes")]
    pub offline_copy: bool,
}

impl Document {
    /// Whether its pages carry the watermark in `meeting`: always when confidential,
    /// else unless the meeting or the document turned it off.
    pub fn watermarked(&self, meeting: &Meeting) -> bool {
        self.confidential || (meeting.watermark && self.watermark)
    }
}

/// `PUT /meetings/{id}/documents/order` body: every document of one agenda item (or,
/// without `agenda_item_id`, every document outside the agenda), in the new order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DocumentOrder {
    /// The agenda item whose documents these are; none for the other documents.
    #[serde(default)]
    pub agenda_item_id: Option<Uuid>,
    /// Each of those documents exactly once.
    pub document_ids: Vec<Uuid>,
}

/// `PATCH /documents/{id}` body.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DocumentPatch {
    /// New title.
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub title: Option<String>,
    /// Move to another agenda item of the same meeting (`null` keeps it).
    pub agenda_item_id: Option<Uuid>,
    /// Detach from any agenda item.
    #[serde(default)]
    pub detach: bool,
    /// Change the confidential flag.
    pub confidential: Option<bool>,
    /// Turn the watermark on or off for this document (confidential ones keep it).
    #[serde(default)]
    pub watermark: Option<bool>,
    /// Allow or forbid devices an offline copy (see [`Document::offline_copy`]).
    #[serde(default)]
    pub offline_copy: Option<bool>,
}

/// A meeting with everything in it: what `GET /meetings/{id}` answers.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingDetail {
    /// The meeting.
    pub meeting: Meeting,
    /// Agenda in order.
    pub agenda: Vec<AgendaItem>,
    /// Who takes part.
    pub participants: Vec<Participant>,
    /// Current version of each document.
    pub documents: Vec<Document>,
}

/// `GET /health` answer; needs no login.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerInfo {
    /// Always "ok" when the server answers.
    pub status: String,
    /// API version path segment.
    pub api_version: String,
    /// Server build version.
    pub server_version: String,
    /// Identifies this server's database.
    pub server_id: Uuid,
}

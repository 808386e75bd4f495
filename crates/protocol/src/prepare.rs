//! Wire types of the secretary workspace: a meeting's life (draft → published →
//! cancelled), copying a meeting, office-file conversions, version history and the
//! audit trail.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ApiError;

/// Where a meeting is in its life.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    /// Being prepared: only its secretariat (organizers, participating secretaries and
    /// admins) sees anything of it.
    Draft,
    /// Sent out: every participant has it.
    #[default]
    Published,
    /// Called off: participants still see it, marked cancelled with the reason.
    Cancelled,
}

impl MeetingStatus {
    /// Wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "published" => Some(Self::Published),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// `POST /meetings/{id}/cancel` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Why, shown to every participant, e.g. "Hoãn do lãnh đạo đi công tác".
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 1000))]
    pub reason: String,
}

/// `POST /meetings/{id}/copy` body: a new draft starting from a past meeting.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CopyMeetingRequest {
    /// Title of the new meeting.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 300))]
    pub title: String,
    /// Planned start of the new meeting.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub starts_at: OffsetDateTime,
    /// Copy the documents too (same content, no new upload); else the agenda only.
    #[serde(default)]
    pub with_documents: bool,
    /// Copy the participants too.
    #[serde(default)]
    pub with_participants: bool,
}

/// Where an office-file conversion is.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversionState {
    /// Waiting for a free converter worker.
    Queued,
    /// LibreOffice is turning it into a PDF.
    Converting,
    /// Done: `document_id` names the document (or its new version).
    Ready,
    /// Failed: `error` says why.
    Failed,
}

impl ConversionState {
    /// Wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Converting => "converting",
            Self::Ready => "ready",
            Self::Failed => "failed",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(Self::Queued),
            "converting" => Some(Self::Converting),
            "ready" => Some(Self::Ready),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }

    /// True once the conversion will not change any more.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Ready | Self::Failed)
    }
}

/// An office file (DOCX, XLSX, PPTX, ODT, …) on its way to becoming a PDF document.
/// Leaders never see these: only the meeting's secretariat does.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversion {
    /// Stable id; poll `GET /conversions/{id}`.
    pub id: Uuid,
    /// Meeting the document belongs to.
    pub meeting_id: Uuid,
    /// The document this becomes: set from the start for a new version of an existing
    /// document, and once ready for a new one.
    pub document_id: Option<Uuid>,
    /// True when this is a new version of `document_id`.
    pub replaces: bool,
    /// Agenda item of a new document.
    pub agenda_item_id: Option<Uuid>,
    /// Title of a new document.
    pub title: String,
    /// The uploaded file's name, e.g. `bao-cao.docx`.
    pub filename: String,
    /// Size of the uploaded file in bytes.
    pub size: i64,
    /// Where it is.
    pub state: ConversionState,
    /// Why it failed (`damaged_file`, `conversion_timeout`, `conversion_failed`, …).
    pub error: Option<ApiError>,
    /// When the file was received.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub created_at: OffsetDateTime,
}

/// One version of a document, as the secretariat sees its history.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentVersion {
    /// 1, 2, …
    pub version: i64,
    /// SHA-256 of the PDF leaders receive.
    pub sha256: String,
    /// Size of the PDF in bytes.
    pub size: i64,
    /// Pages of the PDF.
    pub page_count: i64,
    /// File name of the PDF.
    pub filename: String,
    /// The office file it was converted from, if any (downloadable by the secretariat).
    pub original_filename: Option<String>,
    /// Size of that office file.
    pub original_size: Option<i64>,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// Display name of who uploaded it.
    pub uploaded_by_name: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub uploaded_at: OffsetDateTime,
}

/// One entry of a meeting's audit trail: who changed what, when, from what to what.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Position in the server's audit log (grows with every entry).
    pub id: i64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: OffsetDateTime,
    /// Who (user id).
    pub actor_id: Uuid,
    /// Their login name.
    pub actor_username: String,
    /// Their display name.
    pub actor_name: String,
    /// What was done, e.g. `meeting.publish`, `agenda_item.update`, `document.upload`.
    pub action: String,
    /// Kind of thing changed: `meeting`, `agenda_item`, `participant`, `document`.
    pub entity_kind: String,
    /// Its id (for participants: `meeting_id:user_id`).
    pub entity_id: String,
    /// Its state before (absent for a creation).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub before: Option<serde_json::Value>,
    /// Its state after (absent for a deletion).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub after: Option<serde_json::Value>,
}

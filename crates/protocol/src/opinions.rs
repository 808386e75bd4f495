//! Opinions (góp ý): the marks leaders share with the secretariat, as the secretariat
//! follows them up. The marks themselves are annotations; what is added here is their
//! follow-up state ("handled"), which syncs to every device of the secretariat.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Annotation;

/// Whether the secretariat has dealt with an opinion, and who said so.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpinionState {
    /// The annotation the opinion is.
    pub annotation_id: Uuid,
    /// Its meeting.
    pub meeting_id: Uuid,
    /// Dealt with.
    pub handled: bool,
    /// Who last set it.
    pub by: Uuid,
    /// Their display name.
    pub by_name: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: OffsetDateTime,
}

/// `PUT /opinions/{annotation_id}` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpinionStateInput {
    /// Dealt with (true) or open again (false).
    pub handled: bool,
}

/// One opinion as the secretariat reads it: the mark, where it is, who made it, and
/// whether it was handled.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Opinion {
    /// The mark itself.
    pub annotation: Annotation,
    /// Display name of its author.
    pub author_name: String,
    /// Agenda item it belongs to (its document's, or the item of an item note).
    pub agenda_item_id: Option<Uuid>,
    /// That item's title.
    pub agenda_item_title: Option<String>,
    /// Title of the document it marks.
    pub document_title: Option<String>,
    /// The words it marks, if it marks words.
    pub quote: Option<String>,
    /// Page number from 1, for a mark on a page.
    pub page: Option<u32>,
    /// Follow-up state; absent until someone sets it.
    pub state: Option<OpinionState>,
}

/// One device of a participant, as the secretariat sees it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceStatus {
    /// The label the device logged in with.
    pub device_name: String,
    /// When it last asked for changes.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub last_sync_at: OffsetDateTime,
    /// It has applied every change of the meeting (its documents download in the same sync).
    pub up_to_date: bool,
}

/// A participant and their devices.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParticipantDevices {
    /// The participant.
    pub participant: crate::Participant,
    /// They may see the meeting now (false for a leader while it is a draft).
    pub sees_meeting: bool,
    /// Their devices, most recently synced first.
    pub devices: Vec<DeviceStatus>,
}

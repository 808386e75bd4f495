//! The audit of opens: every time a leader opens a document on a device, offline or
//! not, the device records it and sends it with its next sync (an outbox, as for
//! annotations); the secretariat sees who opened what, when. Each open has the id the
//! device gave it, so sending it twice records it once.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Largest batch of opens one push carries (well inside the server's 64 KiB JSON limit).
pub const MAX_OPENS_PUSH: usize = 200;

/// One open of a document on a device.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DocumentOpen {
    /// Given by the device (UUIDv7): a resent open is recognised.
    pub id: Uuid,
    /// The document.
    pub document_id: Uuid,
    /// The version's content that was on screen.
    pub sha256: String,
    /// When, by the device's clock (RFC 3339).
    pub opened_at: String,
}

/// A batch of opens.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpensPush {
    /// At most [`MAX_OPENS_PUSH`].
    pub opens: Vec<DocumentOpen>,
}

/// What became of a batch; the device forgets every open of it either way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpensPushResponse {
    /// Recorded now.
    pub recorded: u32,
    /// Recorded before (the same id sent again).
    pub duplicates: u32,
    /// Of a document the user may not see (any more), or malformed: not recorded.
    pub refused: u32,
}

/// One open, as the secretariat sees it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenRecord {
    /// The open's id.
    pub id: Uuid,
    /// Who.
    pub user_id: Uuid,
    /// Their name.
    pub display_name: String,
    /// On which device (its label at login).
    pub device_name: Option<String>,
    /// Which document.
    pub document_id: Uuid,
    /// Its title.
    pub document_title: String,
    /// Which version was on screen, when the server knows the content.
    pub version: Option<u32>,
    /// When (the device's clock, RFC 3339).
    pub opened_at: String,
}

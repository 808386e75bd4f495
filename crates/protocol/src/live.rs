//! The live channel (`GET /live`, a WebSocket): what the server pushes to a connected
//! device. The channel only *wakes* a device; what changed is still read from the feed
//! (`GET /changes`), so a device that missed a message misses nothing, and applies
//! nothing twice.

use serde::{Deserialize, Serialize};

/// A message from the server on the live channel (JSON text frames, tagged by `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveMessage {
    /// Sent first: the feed's head when the channel opened. The device syncs once
    /// after it (catching up on anything from while it was away).
    Hello {
        /// The feed's head sequence number.
        head: i64,
    },
    /// Something this user may see was committed: pull the feed.
    Changed {
        /// The latest such sequence number.
        seq: i64,
    },
    /// The device's session was revoked or expired: the next call says which.
    Revoked,
}

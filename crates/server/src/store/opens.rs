//! Opens of documents that devices report (`document_opens`, one row per open, its id
//! made by the device so a resent batch adds nothing). The rules are in
//! [`crate::core::opens`].

use meeting_protocol::OpenRecord;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use super::sql::{Tx, params};

/// The meeting a document belongs to, if the document exists.
pub fn document_meeting(tx: &Tx<'_>, document_id: &Uuid) -> StoreResult<Option<String>> {
    tx.query_opt("SELECT meeting_id FROM documents WHERE id = ?1", [document_id], |r| r.get(0))
}

/// The latest version of a document with that content, if any has it.
pub fn version_with(tx: &Tx<'_>, document_id: &Uuid, sha256: &str) -> StoreResult<Option<u32>> {
    Ok(tx
        .query_opt(
            "SELECT MAX(version) FROM document_versions WHERE document_id = ?1 AND sha256 = ?2",
            params![document_id, sha256],
            |r| r.get(0),
        )?
        .flatten())
}

/// One open as it is recorded.
pub struct NewOpen<'a> {
    /// The device's id for it.
    pub id: Uuid,
    /// Who opened.
    pub user_id: &'a str,
    /// On which device (its session).
    pub token_id: &'a Uuid,
    /// The document's meeting.
    pub meeting_id: &'a str,
    /// The document.
    pub document_id: &'a Uuid,
    /// The content opened.
    pub sha256: &'a str,
    /// Its version, when a version has that content.
    pub version: Option<u32>,
    /// When, as the device says (RFC 3339).
    pub opened_at: &'a str,
    /// When the server heard of it.
    pub received_at: OffsetDateTime,
}

/// Records an open; false when it was recorded before (a batch sent again).
pub fn insert(tx: &Tx<'_>, o: &NewOpen<'_>) -> StoreResult<bool> {
    let n = tx.execute(
        "INSERT INTO document_opens
            (id, user_id, token_id, meeting_id, document_id, sha256, version, opened_at, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
        params![
            o.id,
            o.user_id,
            o.token_id,
            o.meeting_id,
            o.document_id,
            o.sha256,
            o.version,
            o.opened_at,
            o.received_at
        ],
    )?;
    Ok(n == 1)
}

/// A meeting's opens, newest first.
pub fn of_meeting(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<OpenRecord>> {
    tx.query_map(
        "SELECT o.id, o.user_id, COALESCE(u.display_name, ''), t.device_name, o.document_id,
                COALESCE(d.title, ''), o.version, o.opened_at
           FROM document_opens o
           LEFT JOIN users u ON u.id = o.user_id
           LEFT JOIN tokens t ON t.id = o.token_id
           LEFT JOIN documents d ON d.id = o.document_id
          WHERE o.meeting_id = ?1
          ORDER BY o.opened_at DESC, o.id DESC",
        [meeting_id],
        |r| {
            Ok(OpenRecord {
                id: r.get(0)?,
                user_id: r.get(1)?,
                display_name: r.get(2)?,
                device_name: r.get(3)?,
                document_id: r.get(4)?,
                document_title: r.get(5)?,
                version: r.get(6)?,
                opened_at: r.get(7)?,
            })
        },
    )
}

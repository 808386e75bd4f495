//! Documents and their versions (`documents`, `document_versions`): the current
//! version of each, and who may read a content. The rules are in
//! [`crate::core::documents`].

use meeting_protocol::Document;

use super::StoreResult;
use super::meetings::visible_meetings_sql;
use super::sql::{Row, Tx, params};

const DOCUMENT_SELECT: &str = "SELECT d.id, d.meeting_id, d.agenda_item_id, d.title, v.filename, v.size, v.sha256,
           v.page_count, v.version, d.confidential, v.uploaded_at, v.original_filename, d.position, d.watermark,
           d.offline_copy
    FROM documents d JOIN document_versions v ON v.document_id = d.id AND v.version = d.current_version";
fn document_row(r: &Row<'_>) -> StoreResult<Document> {
    Ok(Document {
        id: r.get(0)?,
        meeting_id: r.get(1)?,
        agenda_item_id: r.get(2)?,
        title: r.get(3)?,
        filename: r.get(4)?,
        size: r.get(5)?,
        sha256: r.get(6)?,
        page_count: r.get(7)?,
        version: r.get(8)?,
        confidential: r.get(9)?,
        uploaded_at: r.get(10)?,
        original_filename: r.get(11)?,
        position: r.get(12)?,
        watermark: r.get(13)?,
        offline_copy: r.get(14)?,
    })
}

/// One document (current version).
pub fn document(tx: &Tx<'_>, id: &str) -> StoreResult<Option<Document>> {
    tx.query_opt(&format!("{DOCUMENT_SELECT} WHERE d.id = ?1"), [id], document_row)
}

/// A meeting's documents (current versions).
pub fn documents_of(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<Document>> {
    tx.query_map(
        &format!("{DOCUMENT_SELECT} WHERE d.meeting_id = ?1 ORDER BY d.position, d.title, d.id"),
        [meeting_id],
        document_row,
    )
}

/// Meeting id of a document, if it exists.
pub fn document_meeting(tx: &Tx<'_>, doc_id: &str) -> StoreResult<Option<String>> {
    tx.query_opt("SELECT meeting_id FROM documents WHERE id = ?1", [doc_id], |r| r.get(0))
}

/// The blob's size when the caller may read it: it is a version of a document of a
/// meeting they may see (a draft's documents only its secretariat); `None` otherwise.
pub fn readable_blob_size(tx: &Tx<'_>, user_id: &str, sha256: &str) -> StoreResult<Option<u64>> {
    tx.query_opt(
        concat!(
            "SELECT v.size FROM document_versions v JOIN documents d ON d.id = v.document_id
              WHERE v.sha256 = ?1 AND d.meeting_id IN (",
            visible_meetings_sql!("?2"),
            ") LIMIT 1"
        ),
        params![sha256, user_id],
        |r| r.get(0),
    )
}

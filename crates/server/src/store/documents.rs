//! Documents and their versions (`documents`, `document_versions`): the current
//! version of each, and who may read a content. The rules are in
//! [`crate::core::documents`].

use meeting_protocol::{Document, DocumentVersion};
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use super::meetings::visible_meetings_sql;
use super::sql::{Row, Tx, Value, params};

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

/// A PDF's content, already in the blob store.
#[derive(Debug, Clone)]
pub struct Content {
    /// SHA-256, the blob's name.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// Pages (0 for password-protected files, which readers open with the password).
    pub pages: i64,
    /// File name shown for the PDF.
    pub filename: String,
}

/// The office file a PDF was converted from (also a blob).
#[derive(Debug, Clone)]
pub struct Original {
    /// SHA-256 of the office file.
    pub sha256: String,
    /// Its name as uploaded, e.g. `bao-cao.docx`.
    pub filename: String,
    /// Its size.
    pub size: u64,
}

/// A document's fields that its secretariat changes.
pub struct Fields<'a> {
    /// Title shown to readers.
    pub title: &'a str,
    /// Its agenda item (none: outside the agenda).
    pub agenda_item_id: Option<Uuid>,
    /// Confidential ("mật").
    pub confidential: bool,
    /// Its place among its item's documents.
    pub position: i64,
    /// Readers see it watermarked.
    pub watermark: bool,
    /// Readers may keep an offline copy.
    pub offline_copy: bool,
}

/// Adds a document (watermarked and allowed offline, the defaults) whose first version
/// is then added with [`insert_version`].
pub fn insert(
    tx: &Tx<'_>,
    id: &Uuid,
    meeting_id: &Uuid,
    agenda_item_id: Option<&Uuid>,
    title: &str,
    confidential: bool,
    position: i64,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO documents (id, meeting_id, agenda_item_id, title, confidential, current_version, position)
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)",
        params![id, meeting_id, agenda_item_id, title, confidential, position],
    )?;
    Ok(())
}

/// Adds a version of a document (made current by [`set_current_version`], or by being
/// the first).
pub fn insert_version(
    tx: &Tx<'_>,
    document_id: &Uuid,
    version: i64,
    c: &Content,
    original: Option<&Original>,
    by: &str,
    at: OffsetDateTime,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO document_versions (document_id, version, sha256, size, page_count, filename, uploaded_at, uploaded_by,
                                        original_sha256, original_filename, original_size)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            document_id,
            version,
            c.sha256,
            c.size,
            c.pages,
            c.filename,
            at,
            by,
            original.map(|o| o.sha256.as_str()),
            original.map(|o| o.filename.as_str()),
            original.map(|o| o.size)
        ],
    )?;
    Ok(())
}

/// Makes `version` the document's current one.
pub fn set_current_version(tx: &Tx<'_>, id: &Uuid, version: i64) -> StoreResult<()> {
    tx.execute("UPDATE documents SET current_version = ?2 WHERE id = ?1", params![id, version])?;
    Ok(())
}

/// Writes a document's changeable fields.
pub fn update(tx: &Tx<'_>, id: &Uuid, f: &Fields<'_>) -> StoreResult<()> {
    tx.execute(
        "UPDATE documents SET title = ?2, agenda_item_id = ?3, confidential = ?4, position = ?5, watermark = ?6,
         offline_copy = ?7 WHERE id = ?1",
        params![id, f.title, f.agenda_item_id, f.confidential, f.position, f.watermark, f.offline_copy],
    )?;
    Ok(())
}

/// The place after the last document of the item (or of the documents outside the agenda).
pub fn next_position(tx: &Tx<'_>, meeting_id: &str, item: Option<&Uuid>) -> StoreResult<i64> {
    tx.query_row(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM documents WHERE meeting_id = ?1 AND agenda_item_id IS NOT DISTINCT FROM ?2",
        params![meeting_id, item],
        |r| r.get(0),
    )
}

/// Moves a document to `position` among its item's documents.
pub fn set_position(tx: &Tx<'_>, id: &Uuid, position: i64) -> StoreResult<()> {
    tx.execute("UPDATE documents SET position = ?2 WHERE id = ?1", params![id, position])?;
    Ok(())
}

/// Deletes a document and its versions (their blobs stay: other documents may share them).
pub fn delete(tx: &Tx<'_>, id: &Uuid) -> StoreResult<()> {
    tx.execute("DELETE FROM documents WHERE id = ?1", [id])?;
    Ok(())
}

/// The office file a version was converted from: `None` when there is no such version,
/// `Some(None)` when it was uploaded as a PDF.
pub fn original(tx: &Tx<'_>, id: &Uuid, version: i64) -> StoreResult<Option<Option<Original>>> {
    tx.query_opt(
        "SELECT original_sha256, original_filename, original_size FROM document_versions
          WHERE document_id = ?1 AND version = ?2",
        params![id, version],
        |r| {
            let (sha, name, size): (Option<String>, Option<String>, Option<u64>) = (r.get(0)?, r.get(1)?, r.get(2)?);
            Ok(sha.zip(name).map(|(sha256, filename)| Original { sha256, filename, size: size.unwrap_or(0) }))
        },
    )
}

/// Every version of a document, oldest first.
pub fn versions(tx: &Tx<'_>, id: &Uuid) -> StoreResult<Vec<DocumentVersion>> {
    tx.query_map(
        "SELECT v.version, v.sha256, v.size, v.page_count, v.filename, v.original_filename, v.original_size,
                v.uploaded_by, COALESCE(u.display_name, ''), v.uploaded_at
           FROM document_versions v LEFT JOIN users u ON u.id = v.uploaded_by
          WHERE v.document_id = ?1 ORDER BY v.version",
        [id],
        |r| {
            Ok(DocumentVersion {
                version: r.get(0)?,
                sha256: r.get(1)?,
                size: r.get(2)?,
                page_count: r.get(3)?,
                filename: r.get(4)?,
                original_filename: r.get(5)?,
                original_size: r.get(6)?,
                uploaded_by: r.get(7)?,
                uploaded_by_name: r.get(8)?,
                uploaded_at: r.get(9)?,
            })
        },
    )
}

/// Those of `names` (blobs' SHA-256) that a document version (its PDF or its original)
/// or a conversion names: the blobs the office still needs.
pub fn blobs_named(tx: &Tx<'_>, names: &[String]) -> StoreResult<std::collections::HashSet<String>> {
    if names.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let marks = super::sql::placeholders(1, names.len());
    let values: Vec<Value> = names.iter().map(|n| Value::Text(n.clone())).collect();
    let rows: Vec<String> = tx.query_map(
        &format!(
            "SELECT sha256 FROM document_versions WHERE sha256 IN ({marks})
             UNION SELECT original_sha256 FROM document_versions WHERE original_sha256 IN ({marks})
             UNION SELECT original_sha256 FROM conversions WHERE original_sha256 IN ({marks})"
        ),
        values,
        |r| r.get(0),
    )?;
    Ok(rows.into_iter().collect())
}

//! Documents: the one way content gets in ([`ingest_pdf`]), new versions, metadata,
//! deletion, copies into another meeting, and version history.
//!
//! The HTTP upload, the office-file converter and the tests all end in
//! [`ingest_pdf`]: checks, the blob commit, the document row, the feed and the audit
//! entry. None of them writes a document row of its own.

use crate::store::{Tx, documents};
use meeting_protocol::{Document, DocumentPatch, DocumentVersion, Entity, EntityKind};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, Subject, snapshot};
use crate::auth::AuthUser;
use crate::blobs::Received;
use crate::error::{AppError, AppResult};
use crate::{AppState, feed, model};

/// The feed's documents (their current version).
pub const FEED: feed::kinds::Kind = feed::kinds::Kind {
    load: |tx, _, _, id| feed::kinds::some(documents::document(tx, id)?, Entity::Document),
    whole: Some(|tx, mid, _| Ok(documents::documents_of(tx, mid)?.into_iter().map(Entity::Document).collect())),
    grant: |tx, mid, _| Ok(documents::documents_of(tx, mid)?.iter().map(|d| d.id.to_string()).collect()),
};

/// What a new PDF becomes.
#[derive(Debug, Clone)]
pub enum Target {
    /// A new document of a meeting.
    New(NewDocument),
    /// A new version of an existing document (the id stays).
    Version(Uuid),
}

/// The metadata of a new document.
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// Meeting it belongs to.
    pub meeting_id: Uuid,
    /// Agenda item of that meeting, if any.
    pub agenda_item_id: Option<Uuid>,
    /// Title shown to readers.
    pub title: String,
    /// Confidential ("mật").
    pub confidential: bool,
}

pub use documents::{Content, Original};

/// Checks that a client-supplied file name is a plain name and nothing more.
pub fn check_filename(name: &str) -> AppResult<String> {
    let bad = name.is_empty()
        || name.len() > 255
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control)
        || name.starts_with('.')
        || name.trim() != name;
    if bad {
        return Err(AppError::bad_request(format!(
            "filename {name:?} is not allowed: give a plain file name such as bao-cao.pdf, without directories"
        )));
    }
    Ok(name.to_owned())
}

/// True when the first bytes look like a PDF (the header may sit anywhere in the first 1024).
pub fn looks_like_pdf(head: &[u8]) -> bool {
    head.windows(5).any(|w| w == b"%PDF-")
}

/// Counts pages, refusing content that is not a readable PDF.
pub fn inspect_pdf(head: &[u8], path: &std::path::Path) -> AppResult<i64> {
    if !looks_like_pdf(head) {
        return Err(AppError::unsupported(format!(
            "only PDF and office files ({}) are accepted",
            crate::convert::OFFICE_EXTENSIONS.join(", ").to_uppercase()
        )));
    }
    match lopdf::Document::load(path) {
        Ok(doc) => Ok(doc.get_pages().len() as i64),
        // Password-protected PDFs are legitimate; readers enter the password on opening.
        Err(lopdf::Error::Decryption(_)) | Err(lopdf::Error::UnsupportedSecurityHandler(_)) => Ok(0),
        Err(e) => Err(AppError::damaged(format!("the file starts like a PDF but cannot be read: {e}"))),
    }
}

/// The one way a PDF becomes a document or a new version: checks the content, commits
/// the blob, then writes the document row, its feed change and its audit entry in one
/// transaction (access is checked again there: it may have changed meanwhile).
pub async fn ingest_pdf(
    state: &AppState,
    actor: &AuthUser,
    target: Target,
    filename: String,
    received: Received,
    original: Option<Original>,
) -> AppResult<Document> {
    let (received, pages) = tokio::task::spawn_blocking(move || {
        let pages = inspect_pdf(&received.head, received.tmp.path());
        (received, pages)
    })
    .await?;
    let content = Content { sha256: received.sha256.clone(), size: received.size, pages: pages?, filename };
    state.blobs.commit(received).await?;
    let (actor, blobs) = (actor.clone(), state.blobs.clone());
    state
        .db
        .write(move |tx| {
            // Still there under the writers' turn: see `blobs::sweep`.
            blobs.ensure_blocking(&content.sha256)?;
            write_pdf(tx, &actor, &target, &content, original.as_ref())
        })
        .await
}

/// The transaction half of [`ingest_pdf`], for content already in the blob store.
pub fn write_pdf(
    tx: &Tx<'_>,
    actor: &AuthUser,
    target: &Target,
    content: &Content,
    original: Option<&Original>,
) -> AppResult<Document> {
    match target {
        Target::New(new) => {
            let mid = new.meeting_id.to_string();
            check_target(tx, actor, &mid, new.agenda_item_id)?;
            let doc = insert(tx, Uuid::now_v7(), new, content, original, &actor.id())?;
            let id = doc.id.to_string();
            audit::record(tx, actor, "document.upload", &subject(&mid, &id), None, snapshot(&doc))?;
            Ok(doc)
        }
        Target::Version(doc_id) => {
            let (mid, before) = editable(tx, actor, *doc_id)?;
            let id = before.id.to_string();
            let version = before.version + 1;
            let at = OffsetDateTime::now_utc();
            documents::insert_version(tx, &before.id, version, content, original, &actor.id(), at)?;
            documents::set_current_version(tx, &before.id, version)?;
            feed::record(tx, &mid, EntityKind::Document, &id, None)?;
            let doc = documents::document(tx, &id)?.ok_or_else(|| AppError::not_found("document"))?;
            audit::record(tx, actor, "document.replace", &subject(&mid, &id), snapshot(&before), snapshot(&doc))?;
            Ok(doc)
        }
    }
}

fn subject<'a>(meeting_id: &'a str, id: &'a str) -> Subject<'a> {
    Subject { meeting_id, kind: "document", id }
}

/// Inserts a document with its first version and records the feed change (no audit
/// entry: the demo seeding calls this too).
pub fn insert(
    tx: &Tx<'_>,
    doc_id: Uuid,
    new: &NewDocument,
    content: &Content,
    original: Option<&Original>,
    by: &str,
) -> AppResult<Document> {
    let id = doc_id.to_string();
    let mid = new.meeting_id.to_string();
    let item = new.agenda_item_id.as_ref();
    let position = documents::next_position(tx, &mid, item)?;
    documents::insert(tx, &doc_id, &new.meeting_id, item, &new.title, new.confidential, position)?;
    documents::insert_version(tx, &doc_id, 1, content, original, by, OffsetDateTime::now_utc())?;
    feed::record(tx, &mid, EntityKind::Document, &id, None)?;
    documents::document(tx, &id)?.ok_or_else(|| AppError::not_found("document"))
}

/// Stores a PDF the server made (approved minutes, an issued notice) as a new document
/// of the meeting, with its audit entry (`action`). Its file is already in the blob
/// store; it is checked still there under the writers' turn (see `blobs::sweep`). The
/// caller checked who may do this.
pub fn insert_generated(
    tx: &Tx<'_>,
    actor: &AuthUser,
    blobs: &crate::blobs::BlobStore,
    meeting_id: Uuid,
    title: String,
    content: &Content,
    action: &str,
) -> AppResult<Document> {
    blobs.ensure_blocking(&content.sha256)?;
    let new = NewDocument { meeting_id, agenda_item_id: None, title, confidential: false };
    let doc = insert(tx, Uuid::now_v7(), &new, content, None, &actor.id())?;
    let (mid, id) = (meeting_id.to_string(), doc.id.to_string());
    audit::record(tx, actor, action, &subject(&mid, &id), None, snapshot(&doc))?;
    Ok(doc)
}

/// Checks that the caller may add documents to the meeting and that the agenda item
/// (if any) is one of its items.
pub fn check_target(tx: &Tx<'_>, actor: &AuthUser, mid: &str, agenda: Option<Uuid>) -> AppResult<()> {
    model::editable_meeting(tx, actor, mid)?;
    if let Some(a) = agenda
        && crate::store::meetings::agenda_meeting(tx, &a.to_string())?.as_deref() != Some(mid)
    {
        return Err(AppError::bad_request("agenda_item_id is not an agenda item of this meeting"));
    }
    Ok(())
}

/// The editable document and its meeting id; non-participants get 404.
pub fn editable(tx: &Tx<'_>, actor: &AuthUser, doc_id: Uuid) -> AppResult<(String, Document)> {
    let id = doc_id.to_string();
    let mid = documents::document_meeting(tx, &id)?.ok_or_else(|| AppError::not_found("document"))?;
    model::editable_meeting(tx, actor, &mid).map_err(|e| e.renamed_not_found("document"))?;
    let doc = documents::document(tx, &id)?.ok_or_else(|| AppError::not_found("document"))?;
    Ok((mid, doc))
}

/// Changes a document's title, agenda item, confidential flag or watermark.
pub fn update(tx: &Tx<'_>, actor: &AuthUser, doc_id: Uuid, patch: &DocumentPatch) -> AppResult<Document> {
    let (mid, before) = editable(tx, actor, doc_id)?;
    let id = before.id.to_string();
    let title = match &patch.title {
        Some(t) => super::meetings::text("title", t, 500, true)?,
        None => before.title.clone(),
    };
    let agenda = if patch.detach { None } else { patch.agenda_item_id.or(before.agenda_item_id) };
    check_target(tx, actor, &mid, agenda)?;
    // Moved to another item: it goes last there.
    let position = if agenda == before.agenda_item_id {
        before.position
    } else {
        documents::next_position(tx, &mid, agenda.as_ref())?
    };
    let fields = documents::Fields {
        title: &title,
        agenda_item_id: agenda,
        confidential: patch.confidential.unwrap_or(before.confidential),
        position,
        watermark: patch.watermark.unwrap_or(before.watermark),
        offline_copy: patch.offline_copy.unwrap_or(before.offline_copy),
    };
    documents::update(tx, &before.id, &fields)?;
    feed::record(tx, &mid, EntityKind::Document, &id, None)?;
    let doc = documents::document(tx, &id)?.ok_or_else(|| AppError::not_found("document"))?;
    audit::record(tx, actor, "document.update", &subject(&mid, &id), snapshot(&before), snapshot(&doc))?;
    Ok(doc)
}

/// Puts the documents of one agenda item (or those outside the agenda) in this order;
/// `ids` must name each of them exactly once. Readers get the new order at their sync.
pub fn reorder(
    tx: &Tx<'_>,
    actor: &AuthUser,
    meeting_id: Uuid,
    order: &meeting_protocol::DocumentOrder,
) -> AppResult<Vec<Document>> {
    let mid = meeting_id.to_string();
    check_target(tx, actor, &mid, order.agenda_item_id)?;
    let item = order.agenda_item_id.map(|a| a.to_string());
    let before: Vec<Document> =
        documents::documents_of(tx, &mid)?.into_iter().filter(|d| d.agenda_item_id == order.agenda_item_id).collect();
    let mut wanted = order.document_ids.clone();
    wanted.sort();
    wanted.dedup();
    let mut have: Vec<Uuid> = before.iter().map(|d| d.id).collect();
    have.sort();
    if wanted.len() != order.document_ids.len() || wanted != have {
        return Err(AppError::bad_request(
            "document_ids must list every document of that agenda item (or outside the agenda) exactly once",
        ));
    }
    for (n, doc) in order.document_ids.iter().enumerate() {
        documents::set_position(tx, doc, n as i64 + 1)?;
        feed::record(tx, &mid, EntityKind::Document, &doc.to_string(), None)?;
    }
    let subject_id = item.unwrap_or_else(|| mid.clone());
    let ids = |docs: &[Uuid]| serde_json::json!(docs.iter().map(Uuid::to_string).collect::<Vec<_>>());
    let old: Vec<Uuid> = before.iter().map(|d| d.id).collect();
    audit::record(
        tx,
        actor,
        "documents.reorder",
        &Subject { meeting_id: &mid, kind: "agenda_item", id: &subject_id },
        Some(ids(&old)),
        Some(ids(&order.document_ids)),
    )?;
    Ok(documents::documents_of(tx, &mid)?.into_iter().filter(|d| d.agenda_item_id == order.agenda_item_id).collect())
}

/// Removes a document from its meeting; readers' devices delete their copy.
pub fn delete(tx: &Tx<'_>, actor: &AuthUser, doc_id: Uuid) -> AppResult<()> {
    let (mid, before) = editable(tx, actor, doc_id)?;
    let id = before.id.to_string();
    documents::delete(tx, &before.id)?;
    feed::record(tx, &mid, EntityKind::Document, &id, None)?;
    audit::record(tx, actor, "document.delete", &subject(&mid, &id), snapshot(&before), None)
}

/// A copy of `doc`'s current version as a new document of meeting `mid` (same blob).
pub fn copy_into(
    tx: &Tx<'_>,
    actor: &AuthUser,
    doc: &Document,
    mid: &str,
    agenda_item_id: Option<Uuid>,
) -> AppResult<Document> {
    let original = documents::original(tx, &doc.id, doc.version)?.flatten();
    let new = NewDocument {
        meeting_id: Uuid::parse_str(mid).map_err(|e| AppError::Stored(e.to_string()))?,
        agenda_item_id,
        title: doc.title.clone(),
        confidential: doc.confidential,
    };
    let content = Content {
        sha256: doc.sha256.clone(),
        size: doc.size as u64,
        pages: doc.page_count,
        filename: doc.filename.clone(),
    };
    insert(tx, Uuid::now_v7(), &new, &content, original.as_ref(), &actor.id())
}

/// Every version of a document, oldest first (the secretariat's view).
pub fn versions(tx: &Tx<'_>, actor: &AuthUser, doc_id: Uuid) -> AppResult<Vec<DocumentVersion>> {
    editable(tx, actor, doc_id)?;
    Ok(documents::versions(tx, &doc_id)?)
}

/// The blob name and file name of a version's original office file, for its download.
pub fn original_of(tx: &Tx<'_>, actor: &AuthUser, doc_id: Uuid, version: i64) -> AppResult<(String, String)> {
    editable(tx, actor, doc_id)?;
    match documents::original(tx, &doc_id, version)? {
        None => Err(AppError::not_found("document version")),
        Some(Some(o)) => Ok((o.sha256, o.filename)),
        Some(None) => Err(AppError::not_found("original file (this version was uploaded as a PDF)")),
    }
}

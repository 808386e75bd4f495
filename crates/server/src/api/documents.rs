//! Documents: streamed PDF upload, new versions, metadata edits, deletion.
//!
//! An upload is checked before a byte is stored under a real name: the caller may edit
//! the meeting, the file name is a plain name, the body stays under the size limit, the
//! content starts like a PDF (else 415) and parses (else 422). Only then is the blob
//! committed and the document row written, in one transaction with its feed change.

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use meeting_protocol::{ApiError, Document, DocumentPatch};
use rusqlite::{Transaction, params};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::blobs::Received;
use crate::error::{AppError, AppResult, Json, Path, Query};
use crate::{AppState, feed, model};

/// Query parameters of an upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// Original file name, without directories, e.g. `bao-cao.pdf`.
    pub filename: String,
    /// Title shown to readers; defaults to the file name without `.pdf`.
    pub title: Option<String>,
    /// Agenda item of the same meeting the document belongs to.
    pub agenda_item_id: Option<Uuid>,
    /// Mark the document confidential.
    #[serde(default)]
    pub confidential: bool,
}

/// Query parameters of a new version.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReplaceParams {
    /// File name of the new version.
    pub filename: String,
}

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

/// Counts pages, refusing content that is not a readable PDF.
pub fn inspect_pdf(head: &[u8], path: &std::path::Path) -> AppResult<i64> {
    // The PDF spec lets the header sit anywhere in the first 1024 bytes.
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(AppError::unsupported(
            "only PDF documents are accepted; convert Word or Excel files to PDF before uploading",
        ));
    }
    match lopdf::Document::load(path) {
        Ok(doc) => Ok(doc.get_pages().len() as i64),
        // Password-protected PDFs are legitimate; readers enter the password on opening.
        Err(lopdf::Error::Decryption(_)) | Err(lopdf::Error::UnsupportedSecurityHandler(_)) => Ok(0),
        Err(e) => Err(AppError::unprocessable(format!("the file starts like a PDF but cannot be read: {e}"))),
    }
}

/// Runs the checks that precede reading an upload; when they fail, drains the body
/// first so the client receives the error (see [`crate::blobs::drain`]).
async fn or_drain<T>(checks: impl Future<Output = AppResult<T>>, body: Body) -> AppResult<(T, Body)> {
    match checks.await {
        Ok(v) => Ok((v, body)),
        Err(e) => {
            crate::blobs::drain(body.into_data_stream()).await;
            Err(e)
        }
    }
}

async fn receive_pdf(state: &AppState, body: Body) -> AppResult<(Received, i64)> {
    let received = state.blobs.receive(body.into_data_stream(), state.config.max_upload_bytes).await?;
    let (received, pages) = tokio::task::spawn_blocking(move || {
        let pages = inspect_pdf(&received.head, received.tmp.path());
        (received, pages)
    })
    .await?;
    Ok((received, pages?))
}

fn insert_version(
    tx: &Transaction<'_>,
    doc_id: &str,
    version: i64,
    r: (&str, u64, i64, &str),
    by: &str,
) -> AppResult<()> {
    let (sha, size, pages, filename) = r;
    tx.execute(
        "INSERT INTO document_versions (document_id, version, sha256, size, page_count, filename, uploaded_at, uploaded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![doc_id, version, sha, size as i64, pages, filename, model::fmt_ts(OffsetDateTime::now_utc()), by],
    )?;
    Ok(())
}

/// Adds a document to a meeting. The body is the PDF itself (`application/pdf`).
#[utoipa::path(post, path = "/meetings/{meeting_id}/documents", tag = "documents", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 201, body = Document), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
pub async fn upload_document(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Query(q): Query<UploadParams>,
    body: Body,
) -> AppResult<(StatusCode, Json<Document>)> {
    let checked = async {
        let filename = check_filename(&q.filename)?;
        let default_title = filename.strip_suffix(".pdf").unwrap_or(&filename).to_owned();
        let title = crate::api::meetings::text("title", q.title.as_deref().unwrap_or(&default_title), 500, true)?;
        let (c, mid) = (caller.clone(), meeting_id.to_string());
        state.db.read(move |tx| check_target(tx, &c, &mid, q.agenda_item_id)).await?;
        Ok::<_, AppError>((filename, title))
    };
    let ((filename, title), body) = or_drain(checked, body).await?;
    let (received, pages) = receive_pdf(&state, body).await?;
    let sha = received.sha256.clone();
    let size = received.size;
    let blobs = state.blobs.clone();
    tokio::task::spawn_blocking(move || blobs.commit(received)).await??;

    let doc_id = Uuid::now_v7();
    let doc = state
        .db
        .write(move |tx| {
            let mid = meeting_id.to_string();
            // Checked again: access may have changed while the body streamed in.
            check_target(tx, &caller, &mid, q.agenda_item_id)?;
            let new = NewDocument {
                meeting_id: &mid,
                agenda_item_id: q.agenda_item_id,
                title: &title,
                confidential: q.confidential,
            };
            insert_document(tx, doc_id, &new, (&sha, size, pages, &filename), &caller.id())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(doc)))
}

/// The metadata of a document about to be inserted.
pub(crate) struct NewDocument<'a> {
    pub meeting_id: &'a str,
    pub agenda_item_id: Option<Uuid>,
    pub title: &'a str,
    pub confidential: bool,
}

/// Inserts a document with its first version (content already in the blob store) and
/// records the change.
pub(crate) fn insert_document(
    tx: &Transaction<'_>,
    doc_id: Uuid,
    new: &NewDocument<'_>,
    content: (&str, u64, i64, &str),
    by: &str,
) -> AppResult<Document> {
    let id = doc_id.to_string();
    tx.execute(
        "INSERT INTO documents (id, meeting_id, agenda_item_id, title, confidential, current_version)
         VALUES (?1, ?2, ?3, ?4, ?5, 1)",
        params![id, new.meeting_id, new.agenda_item_id.map(|a| a.to_string()), new.title, new.confidential],
    )?;
    insert_version(tx, &id, 1, content, by)?;
    feed::record(tx, new.meeting_id, "document", &id, None)?;
    model::document(tx, &id)?.ok_or_else(|| AppError::not_found("document"))
}

fn check_target(tx: &Transaction<'_>, caller: &AuthUser, mid: &str, agenda: Option<Uuid>) -> AppResult<()> {
    model::editable_meeting(tx, caller, mid)?;
    if let Some(a) = agenda
        && model::agenda_meeting(tx, &a.to_string())?.as_deref() != Some(mid)
    {
        return Err(AppError::bad_request("agenda_item_id is not an agenda item of this meeting"));
    }
    Ok(())
}

/// The editable document and its meeting id; non-participants get 404.
fn editable_document(tx: &Transaction<'_>, caller: &AuthUser, doc_id: Uuid) -> AppResult<(String, Document)> {
    let id = doc_id.to_string();
    let mid = model::document_meeting(tx, &id)?.ok_or_else(|| AppError::not_found("document"))?;
    model::editable_meeting(tx, caller, &mid).map_err(|e| match e.status() {
        StatusCode::NOT_FOUND => AppError::not_found("document"),
        _ => e,
    })?;
    let doc = model::document(tx, &id)?.ok_or_else(|| AppError::not_found("document"))?;
    Ok((mid, doc))
}

/// One document's current version.
#[utoipa::path(get, path = "/documents/{document_id}", tag = "documents", security(("bearer" = [])),
    params(("document_id" = Uuid, Path)),
    responses((status = 200, body = Document), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_document(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(doc_id): Path<Uuid>,
) -> AppResult<Json<Document>> {
    let doc = state
        .db
        .read(move |tx| {
            let id = doc_id.to_string();
            let mid = model::document_meeting(tx, &id)?.ok_or_else(|| AppError::not_found("document"))?;
            if !model::is_participant(tx, &mid, &caller.id())? {
                return Err(AppError::not_found("document"));
            }
            model::document(tx, &id)?.ok_or_else(|| AppError::not_found("document"))
        })
        .await?;
    Ok(Json(doc))
}

/// Replaces a document's content with a new version; readers' devices fetch it and drop
/// the old one at their next sync. Older versions stay on the server.
#[utoipa::path(put, path = "/documents/{document_id}/content", tag = "documents", security(("bearer" = [])),
    params(("document_id" = Uuid, Path), ReplaceParams),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, body = Document), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
pub async fn replace_document(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(doc_id): Path<Uuid>,
    Query(q): Query<ReplaceParams>,
    body: Body,
) -> AppResult<Json<Document>> {
    let checked = async {
        let filename = check_filename(&q.filename)?;
        let c = caller.clone();
        state.db.read(move |tx| editable_document(tx, &c, doc_id).map(drop)).await?;
        Ok::<_, AppError>(filename)
    };
    let (filename, body) = or_drain(checked, body).await?;
    let (received, pages) = receive_pdf(&state, body).await?;
    let (sha, size) = (received.sha256.clone(), received.size);
    let blobs = state.blobs.clone();
    tokio::task::spawn_blocking(move || blobs.commit(received)).await??;
    let doc = state
        .db
        .write(move |tx| {
            let (mid, doc) = editable_document(tx, &caller, doc_id)?;
            let id = doc.id.to_string();
            let version = doc.version + 1;
            insert_version(tx, &id, version, (&sha, size, pages, &filename), &caller.id())?;
            tx.execute("UPDATE documents SET current_version = ?2 WHERE id = ?1", params![id, version])?;
            feed::record(tx, &mid, "document", &id, None)?;
            model::document(tx, &id)?.ok_or_else(|| AppError::not_found("document"))
        })
        .await?;
    Ok(Json(doc))
}

/// Changes a document's title, agenda item or confidential flag.
#[utoipa::path(patch, path = "/documents/{document_id}", tag = "documents", security(("bearer" = [])),
    params(("document_id" = Uuid, Path)), request_body = DocumentPatch,
    responses((status = 200, body = Document), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn update_document(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(doc_id): Path<Uuid>,
    Json(patch): Json<DocumentPatch>,
) -> AppResult<Json<Document>> {
    let doc = state
        .db
        .write(move |tx| {
            let (mid, doc) = editable_document(tx, &caller, doc_id)?;
            let id = doc.id.to_string();
            let title = match &patch.title {
                Some(t) => crate::api::meetings::text("title", t, 500, true)?,
                None => doc.title,
            };
            let agenda = if patch.detach { None } else { patch.agenda_item_id.or(doc.agenda_item_id) };
            check_target(tx, &caller, &mid, agenda)?;
            tx.execute(
                "UPDATE documents SET title = ?2, agenda_item_id = ?3, confidential = ?4 WHERE id = ?1",
                params![id, title, agenda.map(|a| a.to_string()), patch.confidential.unwrap_or(doc.confidential)],
            )?;
            feed::record(tx, &mid, "document", &id, None)?;
            model::document(tx, &id)?.ok_or_else(|| AppError::not_found("document"))
        })
        .await?;
    Ok(Json(doc))
}

/// Removes a document from its meeting; readers' devices delete their copy.
#[utoipa::path(delete, path = "/documents/{document_id}", tag = "documents", security(("bearer" = [])),
    params(("document_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete_document(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(doc_id): Path<Uuid>,
) -> AppResult<StatusCode> {
    state
        .db
        .write(move |tx| {
            let (mid, doc) = editable_document(tx, &caller, doc_id)?;
            let id = doc.id.to_string();
            tx.execute("DELETE FROM documents WHERE id = ?1", [&id])?;
            feed::record(tx, &mid, "document", &id, None)?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

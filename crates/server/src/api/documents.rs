//! Documents over HTTP: streamed upload of a PDF or an office file, new versions,
//! metadata edits, deletion, version history, the original office file, conversions.
//!
//! An upload is checked before a byte is stored under a real name: the caller may edit
//! the meeting, the file name is a plain name, the body stays under the size limit.
//! Then the content decides: a PDF goes straight through
//! [`crate::core::documents::ingest_pdf`] (201 with the document); an office file is
//! kept and queued for conversion (202 with the conversion to poll); anything else is
//! refused with 415.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use meeting_protocol::{ApiError, Conversion, Document, DocumentOrder, DocumentPatch, DocumentVersion};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::core::conversions;
use crate::core::documents::{self as core, NewDocument, Target, check_filename, looks_like_pdf};
use crate::error::{AppError, AppResult, Json, Path, Query};

/// Query parameters of an upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// Original file name, without directories, e.g. `bao-cao.pdf` or `bao-cao.docx`.
    #[param(min_length = 1, max_length = 255)]
    pub filename: String,
    /// Title shown to readers; defaults to the file name without its extension.
    #[param(min_length = 1, max_length = 500)]
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
#[serde(deny_unknown_fields)]
pub struct ReplaceParams {
    /// File name of the new version (PDF or office file).
    #[param(min_length = 1, max_length = 255)]
    pub filename: String,
}

/// What an upload became: a document at once (PDF), or a conversion under way.
pub enum Uploaded {
    /// The PDF is a document (or its new version) now.
    Document(StatusCode, Document),
    /// The office file was accepted and is being converted.
    Conversion(Conversion),
}

impl IntoResponse for Uploaded {
    fn into_response(self) -> Response {
        match self {
            Self::Document(status, d) => (status, Json(d)).into_response(),
            Self::Conversion(c) => (StatusCode::ACCEPTED, Json(c)).into_response(),
        }
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

/// Receives the body and sends it the way its content says: PDF to ingest, office
/// file to the converter, anything else refused.
async fn route(
    state: &AppState,
    caller: &AuthUser,
    target: Target,
    filename: String,
    body: Body,
    created: StatusCode,
) -> AppResult<Uploaded> {
    let received = state.blobs.receive(body.into_data_stream(), state.config.max_upload_bytes).await?;
    if looks_like_pdf(&received.head) {
        let doc = core::ingest_pdf(state, caller, target, filename, received, None).await?;
        return Ok(Uploaded::Document(created, doc));
    }
    match conversions::office_extension(&filename) {
        Some(ext) => {
            Ok(Uploaded::Conversion(conversions::accept(state, caller, target, filename, ext, received).await?))
        }
        None => Err(AppError::unsupported(format!(
            "{filename} is neither a PDF nor an office file this server converts ({})",
            crate::convert::OFFICE_EXTENSIONS.join(", ").to_uppercase()
        ))),
    }
}

/// Adds a document to a meeting. The body is the file itself: a PDF becomes a document
/// at once (201); an office file (DOC, DOCX, ODT, RTF, XLS, XLSX, ODS, PPT, PPTX, ODP)
/// is converted to PDF on the server (202 with the conversion; poll it).
#[utoipa::path(post, path = "/meetings/{meeting_id}/documents", tag = "documents", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path), UploadParams),
    request_body(content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/octet-stream"))),
    responses((status = 201, body = Document), (status = 202, body = Conversion), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError),
        (status = 429, body = ApiError), (status = 503, body = ApiError)))]
pub async fn upload_document(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Query(q): Query<UploadParams>,
    body: Body,
) -> AppResult<Uploaded> {
    let checked = async {
        let filename = check_filename(&q.filename)?;
        let stem = filename.rsplit_once('.').map_or(filename.as_str(), |(s, _)| s).to_owned();
        let title = crate::core::meetings::text("title", q.title.as_deref().unwrap_or(&stem), 500, true)?;
        let (c, mid) = (caller.clone(), meeting_id.to_string());
        state.db.read(move |tx| core::check_target(tx, &c, &mid, q.agenda_item_id)).await?;
        Ok::<_, AppError>((filename, title))
    };
    let ((filename, title), body) = or_drain(checked, body).await?;
    let target =
        Target::New(NewDocument { meeting_id, agenda_item_id: q.agenda_item_id, title, confidential: q.confidential });
    route(&state, &caller, target, filename, body, StatusCode::CREATED).await
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
            let mid =
                crate::store::documents::document_meeting(tx, &id)?.ok_or_else(|| AppError::not_found("document"))?;
            if !crate::store::meetings::may_see_meeting(tx, &mid, &caller.id())? {
                return Err(AppError::not_found("document"));
            }
            crate::store::documents::document(tx, &id)?.ok_or_else(|| AppError::not_found("document"))
        })
        .await?;
    Ok(Json(doc))
}

/// Replaces a document's content with a new version (the id stays); readers' devices
/// fetch it at their next sync and their marks follow their words. A PDF answers 200
/// with the document; an office file 202 with its conversion. Older versions stay.
#[utoipa::path(put, path = "/documents/{document_id}/content", tag = "documents", security(("bearer" = [])),
    params(("document_id" = Uuid, Path), ReplaceParams),
    request_body(content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/octet-stream"))),
    responses((status = 200, body = Document), (status = 202, body = Conversion), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError),
        (status = 429, body = ApiError), (status = 503, body = ApiError)))]
pub async fn replace_document(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(doc_id): Path<Uuid>,
    Query(q): Query<ReplaceParams>,
    body: Body,
) -> AppResult<Uploaded> {
    let checked = async {
        let filename = check_filename(&q.filename)?;
        let c = caller.clone();
        state.db.read(move |tx| core::editable(tx, &c, doc_id).map(drop)).await?;
        Ok::<_, AppError>(filename)
    };
    let (filename, body) = or_drain(checked, body).await?;
    route(&state, &caller, Target::Version(doc_id), filename, body, StatusCode::OK).await
}

/// Puts the documents of one agenda item (or, without `agenda_item_id`, those outside the
/// agenda) in a new order; the body must list each of them exactly once.
#[utoipa::path(put, path = "/meetings/{meeting_id}/documents/order", tag = "documents", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)), request_body = DocumentOrder,
    responses((status = 200, body = [Document]), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub async fn reorder_documents(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
    Json(order): Json<DocumentOrder>,
) -> AppResult<Json<Vec<Document>>> {
    Ok(Json(state.db.write(move |tx| core::reorder(tx, &caller, meeting_id, &order)).await?))
}

/// Changes a document's title, agenda item or confidential flag.
#[utoipa::path(patch, path = "/documents/{document_id}", tag = "documents", security(("bearer" = [])),
    params(("document_id" = Uuid, Path)), request_body = DocumentPatch,
    responses((status = 200, body = Document), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError), (status = 415, body = ApiError)))]
pub async fn update_document(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(doc_id): Path<Uuid>,
    Json(patch): Json<DocumentPatch>,
) -> AppResult<Json<Document>> {
    Ok(Json(state.db.write(move |tx| core::update(tx, &caller, doc_id, &patch)).await?))
}

/// Removes a document from its meeting; readers' devices delete their copy.
#[utoipa::path(delete, path = "/documents/{document_id}", tag = "documents", security(("bearer" = [])),
    params(("document_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete_document(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(doc_id): Path<Uuid>,
) -> AppResult<StatusCode> {
    state.db.write(move |tx| core::delete(tx, &caller, doc_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every version of a document, oldest first: who uploaded it, when, size, pages, and
/// the office file it was converted from.
#[utoipa::path(get, path = "/documents/{document_id}/versions", tag = "documents", security(("bearer" = [])),
    params(("document_id" = Uuid, Path)),
    responses((status = 200, body = [DocumentVersion]), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn document_versions(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(doc_id): Path<Uuid>,
) -> AppResult<Json<Vec<DocumentVersion>>> {
    Ok(Json(state.db.read(move |tx| core::versions(tx, &caller, doc_id)).await?))
}

/// The office file a version was converted from, as uploaded (the secretariat only).
#[utoipa::path(get, path = "/documents/{document_id}/versions/{version}/original", tag = "documents", security(("bearer" = [])),
    params(("document_id" = Uuid, Path), ("version" = i64, Path, minimum = 1)),
    responses((status = 200, description = "the office file", content_type = "application/octet-stream"),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn download_original(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((doc_id, version)): Path<(Uuid, i64)>,
) -> AppResult<Response> {
    let (sha, name) = state.db.read(move |tx| core::original_of(tx, &caller, doc_id, version)).await?;
    let read = state.blobs.read(&sha, None).await?;
    let len = read.size;
    let mut resp = Body::from_stream(read.stream).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    // RFC 6266/5987: the UTF-8 name percent-encoded, so Vietnamese names survive.
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// One conversion: where the office file is on its way to a PDF, or why it failed.
#[utoipa::path(get, path = "/conversions/{conversion_id}", tag = "documents", security(("bearer" = [])),
    params(("conversion_id" = Uuid, Path)),
    responses((status = 200, body = Conversion), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_conversion(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> AppResult<Json<Conversion>> {
    Ok(Json(state.db.read(move |tx| conversions::get(tx, &caller, id)).await?))
}

/// A meeting's conversions, newest first (the secretariat's upload list).
#[utoipa::path(get, path = "/meetings/{meeting_id}/conversions", tag = "documents", security(("bearer" = [])),
    params(("meeting_id" = Uuid, Path)),
    responses((status = 200, body = [Conversion]), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn meeting_conversions(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(meeting_id): Path<Uuid>,
) -> AppResult<Json<Vec<Conversion>>> {
    Ok(Json(state.db.read(move |tx| conversions::of_meeting(tx, &caller, meeting_id)).await?))
}

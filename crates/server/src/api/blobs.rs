//! `GET /blobs/{sha256}`: document content with HTTP Range, a strong ETag (the hash)
//! and If-Range, so an interrupted download resumes without ever splicing two
//! different contents together.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use meeting_protocol::{ApiError, ErrorCode};

use crate::AppState;
use crate::auth::AuthUser;
use crate::blobs::BlobRead;
use crate::error::{AppError, AppResult, Path};

/// A single byte range resolved against a blob of known size: `start..=end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// Last byte, inclusive.
    pub end: u64,
}

/// Outcome of reading a `Range` header.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable range: send everything (also for multi-range requests, which RFC 9110
    /// lets a server answer in full).
    Full,
    /// Send this part.
    Part(ByteRange),
    /// The range starts past the end.
    Unsatisfiable,
}

/// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n` against a blob of `size` bytes.
pub fn parse_range(value: &str, size: u64) -> RangeRequest {
    let Some(spec) = value.trim().strip_prefix("bytes=") else { return RangeRequest::Full };
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else { return RangeRequest::Full };
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(start), Ok(end)) if start <= end => (start, end.min(size.saturating_sub(1))),
        (Ok(start), Err(_)) if b.is_empty() => (start, size.saturating_sub(1)),
        (Err(_), Ok(n)) if a.is_empty() => {
            if n == 0 {
                return RangeRequest::Unsatisfiable;
            }
            (size.saturating_sub(n), size.saturating_sub(1))
        }
        _ => return RangeRequest::Full,
    };
    if range.0 >= size {
        return RangeRequest::Unsatisfiable;
    }
    RangeRequest::Part(ByteRange { start: range.0, end: range.1 })
}

/// Document content by SHA-256. Served only to participants of a meeting holding a
/// document (any version) with that content; everyone else gets 404.
#[utoipa::path(get, path = "/blobs/{sha256}", tag = "sync", security(("bearer" = [])),
    params(("sha256" = String, Path, description = "lowercase hex SHA-256 of the content"),
        ("Range" = Option<String>, Header, description = "one byte range, e.g. bytes=1000-"),
        ("If-Range" = Option<String>, Header, description = "the ETag the range is relative to")),
    responses(
        (status = 200, description = "whole blob", content_type = "application/pdf"),
        (status = 206, description = "the requested range", content_type = "application/pdf"),
        (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 416, body = ApiError),
        (status = 503, body = ApiError, description = "server_busy: come back after Retry-After")))]
pub async fn get_blob(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(sha256): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    if !meeting_protocol::is_sha256_hex(&sha256) {
        return Err(AppError::not_found("blob"));
    }
    let (uid, sha) = (caller.id(), sha256.clone());
    // The size recorded with the document, not asked of the store: under load every
    // request to a bucket counts.
    let Some(size) = state.db.read(move |tx| Ok(crate::store::documents::readable_blob_size(tx, &uid, &sha)?)).await?
    else {
        return Err(AppError::not_found("blob"));
    };
    let turn = state.blobs.turn().await?;
    let etag = format!("\"{sha256}\"");
    // If-Range with another validator means "the copy I hold is different: send it all".
    let if_range_ok = headers.get(header::IF_RANGE).is_none_or(|v| v.as_bytes() == etag.as_bytes());
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(r) if if_range_ok => parse_range(r, size),
        _ => RangeRequest::Full,
    };

    let mut resp = match range {
        RangeRequest::Unsatisfiable => {
            let body = ApiError {
                code: ErrorCode::RangeNotSatisfiable,
                message: format!("the range starts past the end of the {size}-byte blob"),
            };
            let mut r = (StatusCode::RANGE_NOT_SATISFIABLE, axum::Json(body)).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(r);
        }
        RangeRequest::Full => {
            let read = stored(state.blobs.read_in(turn, &sha256, None).await, &sha256, size)?;
            let mut r = Response::new(Body::from_stream(read.stream));
            r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(size));
            r
        }
        RangeRequest::Part(ByteRange { start, end }) => {
            let read = stored(state.blobs.read_in(turn, &sha256, Some((start, end))).await, &sha256, size)?;
            let len = end - start + 1;
            let mut r = Response::new(Body::from_stream(read.stream));
            *r.status_mut() = StatusCode::PARTIAL_CONTENT;
            r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            r
        }
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Ok(resp)
}

/// The store's answer for a blob a document references: missing, or of another size
/// than recorded, is the store's fault (logged), never sent as if it were the document.
fn stored(read: std::io::Result<BlobRead>, sha256: &str, size: u64) -> AppResult<BlobRead> {
    match read {
        Ok(r) if r.size == size => Ok(r),
        Ok(r) => {
            tracing::error!(%sha256, recorded = size, stored = r.size, "blob in the store has another size than recorded");
            Err(AppError::Stored(format!("blob {sha256} has {} bytes, not {size}", r.size)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::error!(%sha256, "blob referenced by a document is missing from the store");
            Err(AppError::not_found("blob"))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let p = |a, b| RangeRequest::Part(ByteRange { start: a, end: b });
        assert_eq!(parse_range("bytes=0-99", 1000), p(0, 99));
        assert_eq!(parse_range("bytes=500-", 1000), p(500, 999));
        assert_eq!(parse_range("bytes=-100", 1000), p(900, 999));
        assert_eq!(parse_range("bytes=900-5000", 1000), p(900, 999));
        assert_eq!(parse_range("bytes=1000-", 1000), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), RangeRequest::Full);
        assert_eq!(parse_range("items=0-1", 1000), RangeRequest::Full);
        assert_eq!(parse_range("bytes=9-3", 1000), RangeRequest::Full);
    }
}

//! The server's one error type, rendered as the `{code, message}` JSON body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use meeting_protocol::{ApiError, ErrorCode};

/// Every failure a handler can answer with. Internal details are logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A client mistake with a specific, user-facing message.
    #[error("{message}")]
    Client {
        /// HTTP status.
        status: StatusCode,
        /// Stable code.
        code: ErrorCode,
        /// Explanation for the user.
        message: String,
        /// Seconds for a `Retry-After` header.
        retry_after: Option<u64>,
    },
    /// The database failed (or could not be opened, reached or migrated).
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// File system failed (blob store).
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A blocking task panicked or was cancelled.
    #[error("worker: {0}")]
    Join(#[from] tokio::task::JoinError),
    /// Stored data the server wrote itself does not read back (a bug or a damaged
    /// database); the details go to the log, the client gets a plain 500.
    #[error("stored data: {0}")]
    Stored(String),
}

/// Handlers' result type.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    fn client(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client { status, code, message: message.into(), retry_after: None }
    }
    /// 400 with a specific explanation.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::client(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }
    /// 401: no valid token.
    pub fn unauthorized() -> Self {
        Self::client(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "not logged in, or the session has expired or been revoked: log in again",
        )
    }
    /// 401: this device was revoked from elsewhere and must erase what it holds.
    pub fn device_revoked() -> Self {
        Self::client(
            StatusCode::UNAUTHORIZED,
            ErrorCode::DeviceRevoked,
            "this device's access was revoked: its keys and copies of meetings must be erased",
        )
    }
    /// 401 for a failed login, the same whether the user exists or not.
    pub fn invalid_credentials() -> Self {
        Self::client(StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials, "wrong username or password")
    }
    /// 403 with the reason.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::client(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }
    /// 404 naming what was looked for; used too for things the caller may not know exist.
    pub fn not_found(what: &str) -> Self {
        Self::client(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("{what} not found"))
    }
    /// 409 with the reason.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::client(StatusCode::CONFLICT, ErrorCode::Conflict, message)
    }
    /// 413 naming the limit.
    pub fn too_large(limit: u64) -> Self {
        Self::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!("the body is larger than the server accepts ({limit} bytes)"),
        )
    }
    /// 409: the voter's ballot is already cast (ballots are final).
    pub fn already_voted() -> Self {
        Self::client(StatusCode::CONFLICT, ErrorCode::AlreadyVoted, "you have already voted; a ballot is final")
    }
    /// 403: the caller is not among those who may vote in this vote.
    pub fn not_eligible() -> Self {
        Self::client(
            StatusCode::FORBIDDEN,
            ErrorCode::NotEligible,
            "only the voting members present when the vote opened may vote",
        )
    }
    /// 409: the vote takes no more ballots.
    pub fn vote_closed() -> Self {
        Self::client(StatusCode::CONFLICT, ErrorCode::VoteClosed, "the vote is closed")
    }
    /// 415 with the reason.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::client(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedMediaType, message)
    }
    /// 422 with the reason.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::client(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::UnprocessableEntity, message)
    }
    /// 422 `damaged_file` with the reason.
    pub fn damaged(message: impl Into<String>) -> Self {
        Self::client(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::DamagedFile, message)
    }
    /// The error for a failed conversion, with its own code.
    pub fn conversion(e: &crate::convert::ConvertError) -> Self {
        use crate::convert::ConvertError as C;
        let (status, code) = match e {
            C::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::ConverterUnavailable),
            C::Busy => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests),
            C::Damaged(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::DamagedFile),
            C::PasswordProtected(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::PasswordProtected),
            C::Timeout(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ConversionTimeout),
            C::Failed(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ConversionFailed),
        };
        Self::client(status, code, e.to_string())
    }
    /// The same error, but a 404 names `what` (an item's meeting being invisible must
    /// read as the item not existing).
    pub fn renamed_not_found(self, what: &str) -> Self {
        match self.status() {
            StatusCode::NOT_FOUND => Self::not_found(what),
            _ => self,
        }
    }
    /// 429 with a `Retry-After`.
    pub fn too_many(retry_after: u64) -> Self {
        Self::Client {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: ErrorCode::TooManyRequests,
            message: format!("too many failed logins; try again in {retry_after} seconds"),
            retry_after: Some(retry_after),
        }
    }
    /// 503 `server_busy` with a `Retry-After`: as many downloads are under way as the
    /// store allows, and this one waited its turn as long as a client waits for an answer.
    pub fn busy(retry_after: u64) -> Self {
        Self::Client {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: ErrorCode::ServerBusy,
            message: format!("the server is sending as many documents as it can; try again in {retry_after} seconds"),
            retry_after: Some(retry_after),
        }
    }
    /// The database cannot be reached right now (see `store::Error::is_unavailable`).
    fn database_unavailable(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_unavailable())
    }
    /// The code and message a client would receive (internal errors stay vague).
    pub fn code_and_message(&self) -> (ErrorCode, String) {
        let (_, code, message, _) = self.rendered();
        (code, message)
    }
    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.rendered().0
    }
    /// Status, code, message and `Retry-After` of the answer; logs what the client is
    /// not told.
    fn rendered(&self) -> (StatusCode, ErrorCode, String, Option<u64>) {
        match self {
            Self::Client { status, code, message, retry_after } => (*status, *code, message.clone(), *retry_after),
            other if other.database_unavailable() => {
                tracing::warn!(error = %other, "database unavailable");
                let message = "the server cannot reach its database right now; try again shortly".to_owned();
                (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::DatabaseUnavailable, message, Some(DATABASE_RETRY_SECS))
            }
            other => {
                tracing::error!(error = %other, "internal error");
                let message = "internal server error; the details are in the server log".to_owned();
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, message, None)
            }
        }
    }
}

/// `Retry-After` when the database is unreachable: long enough for a restart or a
/// fail-over to begin, short enough that a waiting device hardly notices.
const DATABASE_RETRY_SECS: u64 = 5;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message, retry_after) = self.rendered();
        let mut resp = (status, axum::Json(ApiError { code, message })).into_response();
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl From<axum::extract::rejection::JsonRejection> for AppError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as J;
        match r {
            J::MissingJsonContentType(_) => {
                Self::unsupported("send the body as JSON with Content-Type: application/json")
            }
            J::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::too_large(crate::JSON_BODY_LIMIT as u64)
            }
            other => Self::bad_request(format!("invalid JSON body: {}", other.body_text())),
        }
    }
}

impl From<axum::extract::rejection::PathRejection> for AppError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        // An id that does not parse names nothing that exists.
        Self::client(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("not found: {}", r.body_text()))
    }
}

impl From<axum::extract::rejection::QueryRejection> for AppError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        Self::bad_request(format!("invalid query parameters: {}", r.body_text()))
    }
}

/// `axum::Json` whose rejections are `{code, message}` bodies.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Path` whose rejections are `{code, message}` bodies.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query` whose rejections are `{code, message}` bodies.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

use serde::{Deserialize, Serialize};

/// The body of every non-2xx response.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable identifier clients branch on, e.g. `not_found`, `unsupported_media_type`.
    pub code: ErrorCode,
    /// Human-readable explanation; wording may change, never parse it.
    pub message: String,
}

/// Stable error codes. New codes may be added; clients treat unknown ones as `internal`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or parameters could not be understood (400).
    BadRequest,
    /// No token, or the token is unknown, expired or revoked (401).
    Unauthorized,
    /// This device's session was revoked from elsewhere (the user's other device, or an
    /// admin for a lost laptop): the device must erase its keys and copies (401).
    DeviceRevoked,
    /// Username or password is wrong; deliberately does not say which (401).
    InvalidCredentials,
    /// The caller may see the resource but not change it (403).
    Forbidden,
    /// No such resource, or one the caller may not know about (404).
    NotFound,
    /// The write conflicts with the current state, e.g. a duplicate username (409).
    Conflict,
    /// The body is larger than the server accepts (413).
    PayloadTooLarge,
    /// The upload is neither a PDF nor a supported office file (415).
    UnsupportedMediaType,
    /// The content is of the right type but unusable, e.g. a PDF that cannot be parsed (422).
    UnprocessableEntity,
    /// The file is damaged: a PDF that cannot be parsed, or an office file LibreOffice
    /// cannot open (422).
    DamagedFile,
    /// The office file needs a password to open (Word, Excel, PowerPoint "encrypt with
    /// password"): the sender removes the password and uploads it again (422).
    PasswordProtected,
    /// LibreOffice did not finish converting the file in time; it was stopped (422).
    ConversionTimeout,
    /// LibreOffice failed on the file for another reason (422).
    ConversionFailed,
    /// This server has no converter (LibreOffice is not installed): only PDFs can be
    /// uploaded (503).
    ConverterUnavailable,
    /// The requested byte range lies outside the blob (416).
    RangeNotSatisfiable,
    /// Too many failed logins; retry after the `Retry-After` header (429).
    TooManyRequests,
    /// This voter's ballot in the vote was already cast; a ballot is final (409).
    AlreadyVoted,
    /// The caller may not vote in this vote: not a voting member, or not present when it
    /// opened (403).
    NotEligible,
    /// The vote is closed (or void): no more ballots (409).
    VoteClosed,
    /// The server cannot reach its database right now (restarting, failing over, or
    /// down): retry after the `Retry-After` header; nothing was changed (503).
    DatabaseUnavailable,
    /// The server is sending as many documents at once as its storage allows (an
    /// S3-compatible bucket under many laptops syncing): retry after the `Retry-After`
    /// header; nothing went wrong (503).
    ServerBusy,
    /// A bug or an I/O failure on the server (500).
    Internal,
    /// Any code this client version does not know yet.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The `snake_case` wire name of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::DeviceRevoked => "device_revoked",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::UnprocessableEntity => "unprocessable_entity",
            Self::DamagedFile => "damaged_file",
            Self::PasswordProtected => "password_protected",
            Self::ConversionTimeout => "conversion_timeout",
            Self::ConversionFailed => "conversion_failed",
            Self::ConverterUnavailable => "converter_unavailable",
            Self::RangeNotSatisfiable => "range_not_satisfiable",
            Self::TooManyRequests => "too_many_requests",
            Self::AlreadyVoted => "already_voted",
            Self::NotEligible => "not_eligible",
            Self::VoteClosed => "vote_closed",
            Self::DatabaseUnavailable => "database_unavailable",
            Self::ServerBusy => "server_busy",
            Self::Internal => "internal",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code.as_str())
    }
}

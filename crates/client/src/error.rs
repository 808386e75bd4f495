//! The client's error type. Every variant says what happened and what the user can do;
//! [`ClientError::code`] gives the stable code the desktop UI branches on.

use meeting_protocol::ErrorCode;

/// Result alias of the client crate.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Everything that can go wrong in the client engine.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached (network down, server stopped, wrong address).
    /// Nothing was changed locally; offline data stays usable.
    #[error(
        "server unreachable at {url}: {reason}. Your synced meetings are still available offline; nothing was changed"
    )]
    Unreachable {
        /// The server address.
        url: String,
        /// What the network layer said.
        reason: String,
    },
    /// The connection broke in the middle of a response.
    #[error("the connection to {url} was interrupted: {reason}. Run sync again: downloads resume where they stopped")]
    Interrupted {
        /// The server address.
        url: String,
        /// What the network layer said.
        reason: String,
    },
    /// This profile has no session.
    #[error("this profile is not logged in: run `meeting --profile DIR login --server URL --username NAME`")]
    NotLoggedIn,
    /// The server refused the session (expired, revoked, or the user was disabled).
    #[error("the server no longer accepts this device's session (expired or revoked): log in again")]
    SessionExpired,
    /// Wrong username or password.
    #[error("wrong username or password")]
    InvalidCredentials,
    /// This device's access was revoked (a lost laptop): its keys and copies were
    /// erased.
    #[error("this device's access was revoked: its keys and copies of meetings were erased; log in again")]
    DeviceRevoked,
    /// The server answered with an error; [`ClientError::code`] is the server's own code.
    #[error("the server refused: {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's stable code.
        code: String,
        /// The server's message.
        message: String,
        /// Seconds the server asked the client to wait before trying again
        /// (`Retry-After`), when it did.
        retry_after: Option<u64>,
    },
    /// The server answered something this client cannot understand.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// A downloaded file did not have the content it should: it was discarded.
    #[error(
        "downloaded content of {sha256} does not match its hash (got {actual}); it was discarded and will be fetched again"
    )]
    HashMismatch {
        /// Expected hash.
        sha256: String,
        /// Hash of what arrived.
        actual: String,
    },
    /// Another sync of this profile is running.
    #[error("another sync of this profile is already running; wait for it to finish")]
    Busy,
    /// Something asked for is not on this device.
    #[error("{0}")]
    NotFound(String),
    /// Logging in as someone else would wipe annotations that have not reached the
    /// server yet.
    #[error(
        "{0} annotation change(s) of the previous user have not reached the server yet: log in as that user and sync first, so nothing is lost"
    )]
    UnsyncedAnnotations(usize),
    /// A value given to a command is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// A path given as a meeting's folder is not a folder one can read.
    #[error("{0} is not a folder this device can read")]
    NotAFolder(String),
    /// The device's documents are encrypted and their key is not in memory: the app is
    /// locked (started again, or idle), or the CLI was given no password.
    #[error(
        "this device's documents are locked: enter your password (the app asks for it; the CLI reads MEETING_PASSWORD or asks)"
    )]
    Locked,
    /// The password was changed on the server and changes of this device have not
    /// reached it yet: the new password does not open the old keys, and making new
    /// ones would lose those changes. The device's old password keeps them.
    #[error(
        "your password was changed on the server, and {0} change(s) made on this device have not reached it yet: give this device's old password too, so they are kept"
    )]
    OldPasswordNeeded(usize),
    /// The offline lease of the document's confidentiality level has run out without
    /// contact: its documents were destroyed on this device until the next sync.
    #[error(
        "this document's offline lease has run out: its copy on this device was destroyed; connect to the server and sync to get it back"
    )]
    LeaseExpired,
    /// The PIN is wrong; this many tries are left before the password is needed.
    #[error("wrong PIN: {0} tries left before the password is needed")]
    WrongPin(u32),
    /// No PIN can open the keys now (none set, the app restarted, or too many wrong
    /// tries): the password is needed.
    #[error("the PIN no longer opens this device: enter your password")]
    PinExhausted,
    /// The password does not open this device's keys.
    #[error("the password does not open this device's documents")]
    WrongDevicePassword,
    /// A cached document's encrypted file does not decrypt: truncated, altered or put
    /// under another document's name. It is dropped and fetched again at the next sync.
    #[error(
        "the copy of document {0} on this device is damaged; it was removed and will be downloaded again at the next sync"
    )]
    DamagedCopy(String),
    /// The office allows no offline copy of this document, and the server cannot be
    /// reached now: it opens only while connected.
    #[error(
        "this document has no offline copy (the office's choice): it opens only while connected to the server ({0})"
    )]
    OnlineOnly(String),
    /// The file of keys of this profile is unreadable.
    #[error("the keys of this profile are unreadable ({0}): log in again to make new ones")]
    BadKeys(String),
    /// The PDF engine refused or failed (a damaged document, an export it cannot do).
    #[error(transparent)]
    Pdf(#[from] meeting_pdf::PdfError),
    /// The local database failed.
    #[error("local database: {0}")]
    Database(#[from] rusqlite::Error),
    /// The local database could not be opened or migrated.
    #[error("local database: {0}")]
    Open(#[from] meeting_sqlite::Error),
    /// Reading or writing local files failed (a full disk shows up here).
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// The server's code as scripts see it: its own wire name (`damaged_file`,
/// `password_protected`, …), or `server_error` for the server's failures and for codes
/// this client does not know.
fn server_code(code: &str) -> &'static str {
    match serde_json::from_value::<ErrorCode>(serde_json::Value::String(code.to_owned())) {
        Ok(ErrorCode::Internal | ErrorCode::Unknown) | Err(_) => "server_error",
        Ok(known) => known.as_str(),
    }
}

impl ClientError {
    /// Wraps an I/O error with what we were doing.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }

    /// Stable code for UIs and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreachable { .. } => "server_unreachable",
            Self::Interrupted { .. } => "connection_interrupted",
            Self::NotLoggedIn => "not_logged_in",
            Self::SessionExpired => "session_expired",
            Self::InvalidCredentials => "invalid_credentials",
            Self::DeviceRevoked => "device_revoked",
            Self::Server { code, .. } => server_code(code),
            Self::Protocol(_) => "protocol_error",
            Self::HashMismatch { .. } => "hash_mismatch",
            Self::Busy => "sync_busy",
            Self::NotFound(_) => "not_found",
            Self::UnsyncedAnnotations(_) => "unsynced_annotations",
            Self::Invalid(_) => "invalid",
            Self::NotAFolder(_) => "not_a_folder",
            Self::Locked => "locked",
            Self::WrongDevicePassword => "wrong_device_password",
            Self::OldPasswordNeeded(_) => "old_password_needed",
            Self::LeaseExpired => "lease_expired",
            Self::WrongPin(_) => "wrong_pin",
            Self::PinExhausted => "pin_exhausted",
            Self::DamagedCopy(_) => "damaged_copy",
            Self::OnlineOnly(_) => "online_only",
            Self::BadKeys(_) => "bad_keys",
            Self::Pdf(e) => e.code(),
            Self::Open(meeting_sqlite::Error::WrongKey { .. }) => "database_key",
            Self::Database(_) | Self::Open(_) => "local_database",
            Self::Io { source, .. } if source.raw_os_error() == Some(28) => "disk_full",
            Self::Io { .. } => "local_io",
        }
    }

    /// True when trying again later may succeed without the user changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unreachable { .. } | Self::Interrupted { .. } | Self::HashMismatch { .. } | Self::Busy)
            || matches!(self, Self::Server { status, .. } if *status >= 500)
    }

    /// The server's answer is "not now, come back in this many seconds" (busy, or its
    /// database failing over): nothing is wrong with the request.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Server { status: 429 | 503, retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub(crate) fn from_api(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<meeting_protocol::ApiError>(body) {
            Ok(e) if e.code == ErrorCode::InvalidCredentials => Self::InvalidCredentials,
            Ok(e) if e.code == ErrorCode::DeviceRevoked => Self::DeviceRevoked,
            Ok(e) if status == 401 => {
                let _ = e;
                Self::SessionExpired
            }
            Ok(e) => Self::Server { status, code: e.code.as_str().to_owned(), message: e.message, retry_after: None },
            Err(_) if status == 401 => Self::SessionExpired,
            Err(_) => Self::Server {
                status,
                code: "http".into(),
                message: format!("HTTP {status}: {}", String::from_utf8_lossy(&body[..body.len().min(200)])),
                retry_after: None,
            },
        }
    }
}

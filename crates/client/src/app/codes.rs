//! The one typed list of error codes that cross IPC. The UI's translation table is
//! typed `Record<UiCode, …>` (generated from this enum), so a code without its
//! Vietnamese and English message fails the UI's type check.

use serde::{Deserialize, Serialize};

/// Every error code the app's commands can answer with.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UiCode {
    /// The server cannot be reached; offline data stays usable.
    ServerUnreachable,
    /// The connection broke mid-answer.
    ConnectionInterrupted,
    /// This device has no session.
    NotLoggedIn,
    /// The server no longer accepts the session.
    SessionExpired,
    /// Wrong username or password.
    InvalidCredentials,
    /// The device was revoked: keys and copies erased, log in again.
    DeviceRevoked,
    /// The server answered something this app cannot read.
    ProtocolError,
    /// Downloaded content did not match its hash (it was discarded).
    HashMismatch,
    /// Another sync is running.
    SyncBusy,
    /// No such thing here or on the server.
    NotFound,
    /// Changes wait to be synced (logging in as someone else would lose them).
    UnsyncedAnnotations,
    /// The request itself is not valid.
    Invalid,
    /// The path given as a meeting's folder is not a readable folder.
    NotAFolder,
    /// The device's documents are locked: the password is needed.
    Locked,
    /// The password does not open this device's documents.
    WrongDevicePassword,
    /// The password changed on the server while changes wait: the old one keeps them.
    OldPasswordNeeded,
    /// The PIN is wrong (tries are left).
    WrongPin,
    /// The PIN no longer opens the device: the password is needed.
    PinExhausted,
    /// The offline lease ran out: the document needs a connection to come back.
    LeaseExpired,
    /// The local database does not open with this device's key (replaced or damaged).
    DatabaseKey,
    /// A cached document's encrypted copy is damaged (dropped; fetched again).
    DamagedCopy,
    /// A document with no offline copy, and no connection to open it with.
    OnlineOnly,
    /// The profile's keys are unreadable (log in again).
    BadKeys,
    /// The local database failed.
    LocalDatabase,
    /// The disk is full.
    DiskFull,
    /// Reading or writing a local file failed.
    LocalIo,
    /// The server found the request malformed.
    BadRequest,
    /// The user may not do this.
    Forbidden,
    /// The change conflicts with the current state (e.g. already published).
    Conflict,
    /// The file is larger than the server accepts.
    PayloadTooLarge,
    /// Neither a PDF nor a supported office file.
    UnsupportedMediaType,
    /// The file is damaged.
    DamagedFile,
    /// The office file needs a password to open: remove it and upload again.
    PasswordProtected,
    /// The conversion took too long and was stopped.
    ConversionTimeout,
    /// LibreOffice could not convert the file.
    ConversionFailed,
    /// The server has no converter: PDFs only.
    ConverterUnavailable,
    /// Too many requests or conversions: try again shortly.
    TooManyRequests,
    /// The voter's ballot is already cast (ballots are final).
    AlreadyVoted,
    /// The user may not vote in this vote (not a voting member present when it opened).
    NotEligible,
    /// The vote is closed: no more ballots.
    VoteClosed,
    /// The server cannot reach its database right now; syncing retries by itself.
    DatabaseUnavailable,
    /// The server is sending as many documents as it can; downloads wait and retry.
    ServerBusy,
    /// The server failed (its log has the details).
    ServerError,
    /// The PDF engine is not installed.
    PdfEngineMissing,
    /// The PDF engine could not be loaded.
    PdfEngineLoad,
    /// The document needs its password.
    PasswordRequired,
    /// The document's password is wrong.
    WrongPassword,
    /// The PDF is damaged.
    MalformedPdf,
    /// The PDF's protection is of an unsupported kind.
    UnsupportedSecurity,
    /// No such page.
    PageOutOfRange,
    /// The document is not open.
    NotOpen,
    /// The PDF engine crashed on the document.
    EngineCrashed,
    /// The document crashed the engine repeatedly and is refused.
    DocumentPoisoned,
    /// Superseded by a newer request.
    Cancelled,
    /// The PDF engine could not read or write a file.
    Io,
    /// The document cannot be exported with annotations.
    ExportUnsupported,
    /// The PDF engine failed otherwise.
    Engine,
    /// Anything else (a bug).
    Internal,
}

impl UiCode {
    /// The code for a wire name (an engine's, the server's, or the PDF engine's).
    pub fn parse(name: &str) -> Self {
        let alias = match name {
            "unauthorized" => "session_expired",
            "unprocessable_entity" => "invalid",
            "range_not_satisfiable" | "http" | "unknown" => "server_error",
            other => other,
        };
        serde_json::from_value(serde_json::Value::String(alias.to_owned())).unwrap_or(Self::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::UiCode;

    #[test]
    fn every_server_code_has_its_own_ui_code() {
        for name in [
            "damaged_file",
            "password_protected",
            "conversion_timeout",
            "conversion_failed",
            "converter_unavailable",
            "payload_too_large",
            "unsupported_media_type",
            "conflict",
            "forbidden",
            "already_voted",
            "not_eligible",
            "vote_closed",
            "database_unavailable",
            "server_busy",
        ] {
            assert_ne!(UiCode::parse(name), UiCode::Internal, "{name}");
            assert_ne!(UiCode::parse(name), UiCode::ServerError, "{name}");
        }
        assert_eq!(UiCode::parse("wrong_password"), UiCode::WrongPassword);
        assert_eq!(UiCode::parse("made_up"), UiCode::Internal);
    }
}

//! The engine's error type.

use serde::{Deserialize, Serialize};

/// Everything that can go wrong opening, rendering or reading a PDF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum PdfError {
    /// libpdfium was not found where the app looks for it.
    #[error(
        "the PDF engine (libpdfium.so) was not found; looked in: {0}. Run scripts/fetch-pdfium or set MEETING_PDFIUM"
    )]
    LibraryMissing(String),
    /// libpdfium was found but could not be loaded.
    #[error("the PDF engine could not be loaded: {0}")]
    LibraryLoad(String),
    /// The document is encrypted and needs a password.
    #[error("this document is protected by a password")]
    PasswordRequired,
    /// The password given is not the document's.
    #[error("the password is not correct")]
    WrongPassword,
    /// The file is not a readable PDF.
    #[error("the file is damaged or is not a PDF: {0}")]
    Malformed(String),
    /// The document uses a protection scheme pdfium does not support.
    #[error("this document's protection scheme is not supported")]
    UnsupportedSecurity,
    /// A page number outside the document.
    #[error("page {page} does not exist (the document has {count} pages)")]
    PageOutOfRange {
        /// Requested page, 0-based.
        page: u32,
        /// Number of pages.
        count: u32,
    },
    /// The document handle is not open in the engine.
    #[error("the document is not open")]
    NotOpen,
    /// The engine process stopped while working on this request; it restarts by itself.
    #[error("the PDF engine stopped while reading this document (it may be damaged); the engine has restarted")]
    Crashed,
    /// The same document stopped the engine repeatedly; it is not tried again.
    #[error("this document repeatedly stopped the PDF engine and will not be opened again in this session")]
    Poisoned,
    /// A newer request made this one pointless (the user scrolled on).
    #[error("cancelled: superseded by a newer request")]
    Cancelled,
    /// Reading the file failed.
    #[error("cannot read the file: {0}")]
    Io(String),
    /// The device's encrypted copy of the document does not decrypt (truncated, altered,
    /// or put under another document's name): the copy is dropped and fetched again.
    #[error("the copy of this document on this device is damaged ({0}); it will be downloaded again at the next sync")]
    DamagedCopy(String),
    /// The document cannot be exported this way (the reason says why).
    #[error("cannot export this document: {0}")]
    ExportUnsupported(String),
    /// Invalid arguments (empty search, zero-size render, ...).
    #[error("{0}")]
    Invalid(String),
    /// Anything else pdfium reported.
    #[error("the PDF engine failed: {0}")]
    Engine(String),
}

impl PdfError {
    /// Stable code for UIs and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Self::LibraryMissing(_) => "pdf_engine_missing",
            Self::LibraryLoad(_) => "pdf_engine_load",
            Self::PasswordRequired => "password_required",
            Self::WrongPassword => "wrong_password",
            Self::Malformed(_) => "malformed_pdf",
            Self::UnsupportedSecurity => "unsupported_security",
            Self::PageOutOfRange { .. } => "page_out_of_range",
            Self::NotOpen => "not_open",
            Self::Crashed => "engine_crashed",
            Self::Poisoned => "document_poisoned",
            Self::Cancelled => "cancelled",
            Self::Io(_) => "io",
            Self::DamagedCopy(_) => "damaged_copy",
            Self::ExportUnsupported(_) => "export_unsupported",
            Self::Invalid(_) => "invalid",
            Self::Engine(_) => "engine",
        }
    }
}

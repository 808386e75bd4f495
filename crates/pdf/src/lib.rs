//! The PDF engine of the Paperless Meeting Room, built on pdfium (via pdfium-render).
//!
//! pdfium is not thread-safe and may crash on hostile input, so it lives in a worker
//! *process* with one thread ([`worker`], [`engine`]); the app talks to it through
//! [`PdfService`]: a priority queue with per-view generations (stale renders are
//! dropped), crash recovery with lazy reopening, and a byte-budgeted render cache.
//! Pixels come back raw (RGBA), ready for the webview: no image encoding on the way,
//! and drawn straight into memory the app maps (`pixels`, the workspace's only `unsafe`).
//!
//! Annotated copies ([`export`]) are written by the worker too: lopdf appends an
//! incremental update, the original bytes stay the copy's prefix; [`xfdf`] writes the
//! same marks as XFDF.
//!
//! libpdfium comes from the PyPI wheel `pypdfium2` (`scripts/fetch-pdfium`); see
//! [`locate`] for where it is looked for.

mod cache;
pub mod engine;
mod error;
pub mod export;
pub mod locate;
mod pixels;
pub mod service;
pub mod source;
mod types;
pub mod watermark;
pub mod wire;
pub mod worker;
pub mod xfdf;

pub use error::PdfError;
pub use export::{ExportMode, Markup, MarkupKind};
pub use pixels::Lease;
pub use service::{DocHandle, PdfService, ServiceOptions, Ticket, WorkerCommand};
pub use source::Source;
pub use types::*;

//! Frames between the service and its worker process, over the worker's stdin/stdout:
//! `u32 LE header length, JSON header, u32 LE payload length, payload`. Pixels travel
//! as the raw payload: no image encoding, no base64.

use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::PdfError;
use crate::export::{ExportMode, Markup};
use crate::source::Source;
use crate::types::{DocInfo, PageAnnotation, PageLink, PageText, SearchHit};

const MAX_HEADER: usize = 64 << 20;
const MAX_PAYLOAD: usize = 1 << 30;

/// A request to the worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Op {
    /// Open a file under a handle.
    Open {
        /// Handle chosen by the service.
        doc: u64,
        /// The file, and its key when it is sealed.
        source: Source,
        /// Password, for encrypted documents.
        password: Option<String>,
        /// Words drawn into every rendered page (the viewer's name and the time).
        #[serde(default)]
        watermark: Option<String>,
    },
    /// Forget a document.
    Close {
        /// Handle.
        doc: u64,
    },
    /// Render a page.
    Render {
        /// Handle.
        doc: u64,
        /// Page, 0-based.
        page: u32,
        /// Width in pixels.
        width: u32,
        /// Only these pixel rows, `(top, count)`: the part on screen, first.
        #[serde(default)]
        rows: Option<(u32, u32)>,
        /// The pixel file to draw into (`crate::pixels`); none: send the pixels.
        #[serde(default)]
        slot: Option<u8>,
    },
    /// Text layer of a page.
    Text {
        /// Handle.
        doc: u64,
        /// Page, 0-based.
        page: u32,
    },
    /// Links of a page.
    Links {
        /// Handle.
        doc: u64,
        /// Page, 0-based.
        page: u32,
    },
    /// Search the whole document.
    Search {
        /// Handle.
        doc: u64,
        /// Text to find.
        query: String,
        /// Stop after this many hits.
        limit: usize,
    },
    /// The annotations a page already holds, as pdfium reads them.
    Annotations {
        /// Handle.
        doc: u64,
        /// Page, 0-based.
        page: u32,
    },
    /// An annotated copy of a file (see [`crate::export`]); the bytes come back as the
    /// payload.
    Export {
        /// The original.
        source: Source,
        /// The marks to add.
        marks: Vec<Markup>,
        /// Annotations or flattened.
        mode: ExportMode,
    },
    /// Ends the worker abruptly, as a crash inside pdfium would (tests of recovery).
    #[doc(hidden)]
    Abort,
}

impl Op {
    /// The bytes sent after the request's header: a document held in memory only.
    pub fn payload(&self) -> &[u8] {
        match self {
            Self::Open { source, .. } | Self::Export { source, .. } => {
                source.memory.as_ref().map_or(&[], |m| m.as_slice())
            }
            _ => &[],
        }
    }

    /// Puts a received payload back where [`Op::payload`] took it from (the worker's side).
    pub fn with_payload(mut self, payload: Vec<u8>) -> Self {
        if !payload.is_empty()
            && let Self::Open { source, .. } | Self::Export { source, .. } = &mut self
        {
            source.memory = Some(std::sync::Arc::new(zeroize::Zeroizing::new(payload)));
        }
        self
    }

    /// The document a request is about.
    pub fn doc(&self) -> Option<u64> {
        match self {
            Self::Open { doc, .. }
            | Self::Close { doc }
            | Self::Render { doc, .. }
            | Self::Text { doc, .. }
            | Self::Links { doc, .. }
            | Self::Search { doc, .. }
            | Self::Annotations { doc, .. } => Some(*doc),
            Self::Export { .. } | Self::Abort => None,
        }
    }
}

/// A successful answer; a render's pixels follow as the frame's payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// The document is open.
    Opened(DocInfo),
    /// The document is closed.
    Closed,
    /// Pixels follow as the payload, or wait in the request's pixel file.
    Rendered {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The pixels were drawn into the pixel file the request named, not sent.
        #[serde(default)]
        shared: bool,
    },
    /// A page's text.
    Text(PageText),
    /// Search results.
    Hits(Vec<SearchHit>),
    /// A page's links.
    Links(Vec<PageLink>),
    /// A page's annotations.
    Annotations(Vec<PageAnnotation>),
    /// The annotated copy follows as the payload.
    Exported,
}

/// The worker's answer to one request.
pub type Answer = Result<Reply, PdfError>;

/// Writes one frame and flushes.
pub fn write_frame<T: Serialize>(w: &mut impl Write, header: &T, payload: &[u8]) -> io::Result<()> {
    let json = serde_json::to_vec(header).map_err(io::Error::other)?;
    w.write_all(&(json.len() as u32).to_le_bytes())?;
    w.write_all(&json)?;
    w.write_all(&(payload.len() as u32).to_le_bytes())?;
    w.write_all(payload)?;
    w.flush()
}

fn read_len(r: &mut impl Read, max: usize) -> io::Result<usize> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    let n = u32::from_le_bytes(b) as usize;
    if n > max {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("frame of {n} bytes is too large")));
    }
    Ok(n)
}

/// Reads one frame; `Ok(None)` at a clean end of stream.
pub fn read_frame<T: DeserializeOwned>(r: &mut impl Read) -> io::Result<Option<(T, Vec<u8>)>> {
    let mut first = [0u8; 4];
    match r.read(&mut first[..1])? {
        0 => return Ok(None),
        _ => r.read_exact(&mut first[1..])?,
    }
    let n = u32::from_le_bytes(first) as usize;
    if n > MAX_HEADER {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("header of {n} bytes is too large")));
    }
    let mut json = vec![0u8; n];
    r.read_exact(&mut json)?;
    let header = serde_json::from_slice(&json).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let len = read_len(r, MAX_PAYLOAD)?;
    Ok(Some((header, read_payload(r, len)?)))
}

/// Exactly `len` bytes into a new buffer with room for the frame trailer (see
/// `Bitmap::into_frame`). Not `vec![0; len]`: zero-filling a 15 MB page only to
/// overwrite it costs ~2 ms.
pub(crate) fn read_payload(r: impl Read, len: usize) -> io::Result<Vec<u8>> {
    let mut payload = Vec::with_capacity(len + crate::types::FRAME_TRAILER);
    r.take(len as u64).read_to_end(&mut payload)?;
    if payload.len() != len {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "payload cut short"));
    }
    Ok(payload)
}

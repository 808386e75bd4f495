//! Where a document's bytes come from: a plain file (the user's own, a test's), a
//! sealed file of the device's cache with its key (see `meeting-seal`), or bytes held
//! in memory only (a document the office allows no offline copy of, streamed from the
//! server: it crosses the worker's pipe as a frame's payload and is never written).
//!
//! This is the one door to pdfium for every reader — the viewer, the search index, the
//! carry-over of marks, exports, the CLI: a sealed source is decrypted chunk by chunk as
//! pdfium reads it, inside the worker process, so no plaintext copy is ever written.
//! The key travels to the worker over its stdin pipe and lives only in memory there.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;
use std::sync::Arc;

use meeting_seal::{Key32, SealError, SealedReader};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize as _, Zeroizing};

use crate::PdfError;

/// A document to open.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Source {
    /// The file.
    pub path: String,
    /// Its key and associated data when the file is sealed.
    pub sealed: Option<Sealing>,
    /// The whole document, when it is held in memory only (then `path` only names it).
    /// Not in the JSON header: it travels as the request's payload (see `Op::payload`).
    #[serde(skip)]
    pub memory: Option<Arc<Zeroizing<Vec<u8>>>>,
}

/// Bytes in memory as a reader's backing store.
struct Shared(Arc<Zeroizing<Vec<u8>>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// The key of a sealed file, as it crosses the worker's pipe.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Sealing {
    /// The key, hex (wiped when dropped).
    key: String,
    /// The associated data the file was sealed with (a blob's SHA-256).
    aad: String,
}

impl Drop for Sealing {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("path", &self.path)
            .field("sealed", &self.sealed.is_some())
            .field("memory", &self.memory.as_ref().map(|m| m.len()))
            .finish()
    }
}

impl Source {
    /// A plain PDF file.
    pub fn plain(path: &Path) -> Self {
        Self { path: path.to_string_lossy().into_owned(), sealed: None, memory: None }
    }

    /// A document held in memory only; `name` says which in errors.
    pub fn memory(name: &str, bytes: Zeroizing<Vec<u8>>) -> Self {
        Self { path: name.to_owned(), sealed: None, memory: Some(Arc::new(bytes)) }
    }

    /// A sealed file, with its key and associated data.
    pub fn sealed(path: &Path, key: &Key32, aad: &str) -> Self {
        Self {
            path: path.to_string_lossy().into_owned(),
            sealed: Some(Sealing { key: key.to_hex().to_string(), aad: aad.to_owned() }),
            memory: None,
        }
    }

    /// A reader of the plaintext.
    pub fn reader(&self) -> Result<Box<dyn ReadSeek>, PdfError> {
        if let Some(bytes) = &self.memory {
            return Ok(Box::new(std::io::Cursor::new(Shared(bytes.clone()))));
        }
        let file = File::open(&self.path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PdfError::Io(format!("{}: no such file", self.path)),
            _ => PdfError::Io(format!("{}: {e}", self.path)),
        })?;
        match &self.sealed {
            None => Ok(Box::new(file)),
            Some(s) => {
                let key = Key32::from_hex(&s.key).map_err(|e| PdfError::Invalid(e.to_string()))?;
                Ok(Box::new(SealedReader::open(file, &key, s.aad.as_bytes()).map_err(sealed_error)?))
            }
        }
    }

    /// The whole plaintext, in memory (exports, which rewrite the file whole).
    pub fn read_all(&self) -> Result<Zeroizing<Vec<u8>>, PdfError> {
        let mut out = Zeroizing::new(Vec::new());
        self.reader()?.read_to_end(&mut out).map_err(|e| sealed_error(SealError::from_io(e)))?;
        Ok(out)
    }
}

impl From<&Path> for Source {
    fn from(p: &Path) -> Self {
        Self::plain(p)
    }
}

impl From<&std::path::PathBuf> for Source {
    fn from(p: &std::path::PathBuf) -> Self {
        Self::plain(p)
    }
}

/// `Read + Seek` (+ `Send`, as pdfium-render may ask), boxed.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// A sealed file that does not open is the cache's problem, not the document's: its own
/// error, so the app can drop the copy and fetch it again.
pub fn sealed_error(e: SealError) -> PdfError {
    match e {
        SealError::Io(e) => PdfError::Io(e.to_string()),
        other => PdfError::DamagedCopy(other.to_string()),
    }
}

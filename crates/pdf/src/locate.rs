//! Where libpdfium is looked for. It comes from the PyPI wheel `pypdfium2` (fetched by
//! `scripts/fetch-pdfium` into `.cache/pdfium/`); installs put it next to the binary or
//! in the bundle's resources.

use std::path::{Path, PathBuf};

use crate::PdfError;

/// Environment variable naming the library file (or its directory).
pub const ENV: &str = "MEETING_PDFIUM";

const LIB: &str = "libpdfium.so";

/// Candidate paths, most specific first.
pub fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(v) = std::env::var_os(ENV) {
        let p = PathBuf::from(v);
        out.push(if p.is_dir() { p.join(LIB) } else { p });
    }
    if let Ok(exe) = std::env::current_exe() {
        let dir = exe.parent().map(Path::to_owned).unwrap_or_default();
        out.push(dir.join(LIB));
        out.push(dir.join("../lib").join(LIB));
        out.push(dir.join("../lib/phonghop").join(LIB));
        out.push(dir.join("resources").join(LIB));
        // Development: binaries under target/<profile>[/deps] of a checkout.
        for up in dir.ancestors().take(5) {
            out.push(up.join(".cache/pdfium").join(LIB));
        }
    }
    out
}

/// The first candidate that exists.
pub fn find() -> Result<PathBuf, PdfError> {
    let all = candidates();
    all.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        let searched: Vec<String> = all.iter().map(|p| p.display().to_string()).collect();
        PdfError::LibraryMissing(searched.join(", "))
    })
}

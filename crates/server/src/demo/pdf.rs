//! A small PDF writer for the demo office and the tests: A4 pages of wrapped text in an
//! embedded TrueType font (CIDFontType2, Identity-H) with a ToUnicode map, so viewers
//! render the Vietnamese text exactly and text extraction (search) gets it back.

use std::fmt::Write as _;
use std::io::Write as _;

use meeting_pdf_font::{FontError, Subset};

use crate::official::pdf::{pdf_text, stream, write_objects};

/// Why a PDF could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PdfGenError {
    /// The font cannot draw the text (unreadable, or a glyph missing).
    #[error(transparent)]
    Font(#[from] FontError),
    /// Compressing a stream failed.
    #[error("compression failed: {0}")]
    Io(#[from] std::io::Error),
}

/// One paragraph of the document.
#[derive(Debug, Clone)]
pub enum Block {
    /// A heading in larger type.
    Heading(String),
    /// Body text, wrapped to the page width.
    Paragraph(String),
}

/// A font prepared once (read and compressed) and reused for many documents.
pub struct Font {
    font: meeting_pdf_font::Font,
    compressed: Vec<u8>,
}

impl Font {
    /// Reads and compresses a TrueType font.
    pub fn load(data: Vec<u8>) -> Result<Self, PdfGenError> {
        let compressed = deflate(&data)?;
        Ok(Self { font: meeting_pdf_font::Font::parse(data)?, compressed })
    }
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, PdfGenError> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data)?;
    Ok(enc.finish()?)
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 64.0;

/// Lays `blocks` out on as many A4 pages as they need (at least `min_pages`) and
/// returns the PDF bytes and the page count.
pub fn render(font: &Font, title: &str, blocks: &[Block], min_pages: usize) -> Result<(Vec<u8>, usize), PdfGenError> {
    render_padded(font, title, blocks, min_pages, 0)
}

/// Like [`render`], plus `padding` bytes of incompressible data in an unreferenced
/// stream: a large document (as scanned annexes are) for transfer tests and benchmarks.
pub fn render_padded(
    font: &Font,
    title: &str,
    blocks: &[Block],
    min_pages: usize,
    padding: usize,
) -> Result<(Vec<u8>, usize), PdfGenError> {
    // Documents we make must show every letter: a missing glyph is an error.
    let mut used = Subset::strict();
    let width = PAGE_W - 2.0 * MARGIN;
    // (font size, text) per line; None = paragraph gap.
    let mut lines: Vec<Option<(f32, String)>> = Vec::new();
    for b in blocks {
        let (size, text) = match b {
            Block::Heading(t) => (15.0, t),
            Block::Paragraph(t) => (11.0, t),
        };
        for l in used.wrap(&font.font, text, size, width)? {
            lines.push(Some((size, l)));
        }
        lines.push(None);
    }
    let mut pages: Vec<String> = Vec::new();
    let mut content = String::new();
    let mut y = PAGE_H - MARGIN;
    for line in &lines {
        let lead = line.as_ref().map_or(8.0, |(s, _)| s * 1.45);
        if y - lead < MARGIN + 20.0 {
            pages.push(std::mem::take(&mut content));
            y = PAGE_H - MARGIN;
        }
        y -= lead;
        if let Some((size, text)) = line {
            let _ = writeln!(content, "BT /F1 {size} Tf {MARGIN} {y:.2} Td <{}> Tj ET", used.encode(&font.font, text)?);
        }
    }
    pages.push(content);
    while pages.len() < min_pages {
        pages.push(String::new());
    }
    let total = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        let footer = format!("{title} — Trang {} / {total}", i + 1);
        let _ = writeln!(
            page,
            "BT /F1 9 Tf {MARGIN} {:.2} Td <{}> Tj ET",
            MARGIN - 20.0,
            used.encode(&font.font, &footer)?
        );
    }
    Ok((assemble(font, &used, title, &pages, padding)?, total))
}

/// Deterministic incompressible bytes (xorshift), different per seed.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn assemble(font: &Font, used: &Subset, title: &str, pages: &[String], padding: usize) -> Result<Vec<u8>, PdfGenError> {
    let mut objs: Vec<Vec<u8>> = Vec::new();
    let first_page = 9;
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", first_page + 2 * i)).collect();
    objs.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objs.push(format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()).into_bytes());
    objs.push(b"<< /Type /Font /Subtype /Type0 /BaseFont /DejaVuSans /Encoding /Identity-H /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>".to_vec());
    let mut widths = String::new();
    for (gid, w) in used.widths(&font.font) {
        let _ = write!(widths, "{gid} [{w}] ");
    }
    objs.push(format!("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /DejaVuSans /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R /DW 600 /W [{widths}] /CIDToGIDMap /Identity >>").into_bytes());
    let m = font.font.metrics()?;
    let [x0, y0, x1, y1] = m.bbox;
    objs.push(format!("<< /Type /FontDescriptor /FontName /DejaVuSans /Flags 32 /FontBBox [{x0} {y0} {x1} {y1}] /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 7 0 R >>",
        m.ascent, m.descent, m.ascent).into_bytes());
    objs.push(stream("", used.to_unicode().as_bytes()));
    objs.push(stream(&format!("/Filter /FlateDecode /Length1 {}", font.font.data().len()), &font.compressed));
    objs.push(format!("<< /Title {} /Producer (Paperless Meeting Room demo) >>", pdf_text(title)).into_bytes());
    for (i, content) in pages.iter().enumerate() {
        let content_id = first_page + 2 * i + 1;
        objs.push(format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>").into_bytes());
        objs.push(stream("/Filter /FlateDecode", &deflate(content.as_bytes())?));
    }
    if padding > 0 {
        objs.push(stream("", &noise(padding, title.len() as u64)));
    }
    // Object 8 is the Info dictionary; pages start at 9.
    Ok(write_objects(&objs, 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Option<Font> {
        match crate::demo::load_font() {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("skipping: {e}");
                None
            }
        }
    }

    #[test]
    fn long_text_flows_onto_several_pages_and_lopdf_reads_it() {
        let Some(font) = font() else { return };
        let para = Block::Paragraph("Đồng chí Chủ tịch chỉ đạo đẩy mạnh cải cách hành chính. ".repeat(40));
        let blocks: Vec<Block> = std::iter::repeat_n(para, 12).collect();
        let (bytes, pages) = render(&font, "Báo cáo", &blocks, 1).expect("render");
        assert!(pages >= 3, "{pages} pages");
        let doc = lopdf::Document::load_mem(&bytes).expect("a PDF lopdf can read");
        assert_eq!(doc.get_pages().len(), pages);
    }

    #[test]
    fn vietnamese_text_is_extractable() {
        let Some(font) = font() else { return };
        if std::process::Command::new("pdftotext").arg("-v").output().is_err() {
            eprintln!("skipping: pdftotext (Debian poppler-utils) is not installed");
            return;
        }
        let text = "Hội nghị đồng chí lãnh đạo — Đ đ Ư ư Ơ ơ ỹ Ỵ";
        let (bytes, _) = render(&font, "Thử", &[Block::Paragraph(text.into())], 1).expect("render");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.pdf");
        std::fs::write(&path, bytes).expect("write");
        let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext");
        let extracted = String::from_utf8_lossy(&out.stdout);
        assert!(extracted.contains(text), "extracted: {extracted}");
    }

    #[test]
    fn padding_makes_a_large_valid_file() {
        let Some(font) = font() else { return };
        let (bytes, _) = render_padded(&font, "Lớn", &[Block::Heading("Lớn".into())], 2, 3_000_000).expect("render");
        assert!(bytes.len() > 3_000_000);
        assert_eq!(lopdf::Document::load_mem(&bytes).expect("valid").get_pages().len(), 2);
    }

    #[test]
    fn a_missing_glyph_is_a_clear_error() {
        let Some(font) = font() else { return };
        let r = render(&font, "x", &[Block::Paragraph("\u{10FFFD}".into())], 1);
        assert!(matches!(r, Err(PdfGenError::Font(FontError::MissingGlyph(_)))));
    }
}

//! A small layout engine for administrative documents: A4 pages (NĐ 30: margins 20–25 mm
//! top and bottom, 30–35 mm left, 15–20 mm right), a serif face in regular, bold and
//! italic (Liberation Serif, metric-compatible with Times New Roman), paragraphs
//! aligned left, centred or justified, with a first-line indent, and side-by-side
//! columns for the letterhead and the signatures. Text is embedded as CID fonts with a
//! ToUnicode map, so a reader extracts the Vietnamese words exactly.

use std::fmt::Write as _;
use std::io::Write as _;

use meeting_pdf_font::{Font, FontError, Subset};

use crate::error::{AppError, AppResult};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
/// 30 mm left, 20 mm right, 20 mm top and bottom.
const LEFT: f32 = 85.0;
const RIGHT: f32 = 57.0;
const TOP: f32 = 57.0;
const BOTTOM: f32 = 57.0;
/// The text's width.
pub const WIDTH: f32 = PAGE_W - LEFT - RIGHT;

/// A face of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// Body text.
    Regular,
    /// Titles, headings.
    Bold,
    /// Place and date, notes.
    Italic,
}

/// How a paragraph's lines sit in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left.
    Left,
    /// Centred.
    Center,
    /// Both edges, the last line flush left (body text).
    Justify,
}

/// One paragraph.
#[derive(Debug, Clone)]
pub struct Para {
    /// Its words.
    pub text: String,
    /// Its face.
    pub face: Face,
    /// Size in points.
    pub size: f32,
    /// Alignment.
    pub align: Align,
    /// First-line indent in points.
    pub indent: f32,
    /// Space after, in points.
    pub after: f32,
}

impl Para {
    /// Body text: 13 pt, justified, first line indented 1 cm.
    pub fn body(text: impl Into<String>) -> Self {
        Self { text: text.into(), face: Face::Regular, size: 13.0, align: Align::Justify, indent: 28.0, after: 4.0 }
    }
    /// A centred line.
    pub fn center(text: impl Into<String>, face: Face, size: f32) -> Self {
        Self { text: text.into(), face, size, align: Align::Center, indent: 0.0, after: 0.0 }
    }
    /// A left-aligned line.
    pub fn left(text: impl Into<String>, face: Face, size: f32) -> Self {
        Self { text: text.into(), face, size, align: Align::Left, indent: 0.0, after: 2.0 }
    }
    /// With this much space after.
    pub fn after(mut self, points: f32) -> Self {
        self.after = points;
        self
    }
}

/// A block of the document: a paragraph across the text's width, or columns side by side.
#[derive(Debug, Clone)]
pub enum Block {
    /// A paragraph.
    Para(Para),
    /// Columns (fraction of the width, paragraphs), set side by side from the same line.
    Columns(Vec<(f32, Vec<Para>)>),
    /// Vertical space.
    Space(f32),
}

/// The three faces, read once.
pub struct Fonts {
    faces: [Font; 3],
}

/// Where the serif faces are looked for (Debian's fonts-liberation / fonts-liberation2).
const FONT_DIRS: &[&str] = &["/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation"];

impl Fonts {
    /// Liberation Serif (or the directory in `MEETING_SERIF_FONT_DIR`).
    pub fn load() -> AppResult<Self> {
        let env = std::env::var("MEETING_SERIF_FONT_DIR").ok();
        let dirs = env.iter().map(String::as_str).chain(FONT_DIRS.iter().copied());
        for dir in dirs {
            let read = |name: &str| std::fs::read(std::path::Path::new(dir).join(name));
            if let (Ok(r), Ok(b), Ok(i)) = (
                read("LiberationSerif-Regular.ttf"),
                read("LiberationSerif-Bold.ttf"),
                read("LiberationSerif-Italic.ttf"),
            ) {
                let parse =
                    |d| Font::parse(d).map_err(|e| AppError::Io(std::io::Error::other(format!("font in {dir}: {e}"))));
                return Ok(Self { faces: [parse(r)?, parse(b)?, parse(i)?] });
            }
        }
        Err(AppError::Io(std::io::Error::other(
            "official documents need the Liberation Serif font (Debian fonts-liberation2), or MEETING_SERIF_FONT_DIR",
        )))
    }

    fn font(&self, face: Face) -> &Font {
        &self.faces[face as usize]
    }
}

fn font_error(e: FontError) -> AppError {
    AppError::bad_request(format!("the document has a character its font cannot draw: {e}"))
}

/// Lays the blocks out on A4 pages; the PDF's bytes and its number of pages. Every page
/// gets its number at the top centre from the second on (NĐ 30).
pub fn render(fonts: &Fonts, title: &str, blocks: &[Block]) -> AppResult<(Vec<u8>, usize)> {
    let mut w = Writer {
        fonts,
        used: [Subset::strict(), Subset::strict(), Subset::strict()],
        pages: vec![String::new()],
        y: PAGE_H - TOP,
    };
    for block in blocks {
        match block {
            Block::Para(p) => w.para(p, LEFT, WIDTH)?,
            Block::Space(s) => w.space(*s),
            Block::Columns(cols) => {
                let top = w.y;
                let page = w.pages.len();
                let mut lowest = top;
                let mut x = LEFT;
                for (share, paras) in cols {
                    let width = WIDTH * share;
                    w.y = top;
                    for p in paras {
                        w.para(p, x, width)?;
                    }
                    if w.pages.len() == page {
                        lowest = lowest.min(w.y);
                    }
                    x += width;
                }
                w.y = lowest;
            }
        }
    }
    let total = w.pages.len();
    for i in 1..total {
        let n = format!("{}", i + 1);
        let width = w.used[0].width(fonts.font(Face::Regular), &n, 12.0).map_err(font_error)?;
        let hex = w.used[0].encode(fonts.font(Face::Regular), &n).map_err(font_error)?;
        let _ =
            writeln!(w.pages[i], "BT /F0 12 Tf {:.2} {:.2} Td <{hex}> Tj ET", (PAGE_W - width) / 2.0, PAGE_H - 35.0);
    }
    Ok((assemble(fonts, &w.used, title, &w.pages)?, total))
}

struct Writer<'a> {
    fonts: &'a Fonts,
    used: [Subset; 3],
    pages: Vec<String>,
    y: f32,
}

impl Writer<'_> {
    fn space(&mut self, points: f32) {
        self.y -= points;
    }

    fn newline(&mut self, lead: f32) {
        if self.y - lead < BOTTOM {
            self.pages.push(String::new());
            self.y = PAGE_H - TOP;
        }
        self.y -= lead;
    }

    /// The words in lines: the first no wider than `first`, the others than `width` (a
    /// word wider than that gets a line of its own).
    fn wrap(&self, k: usize, font: &Font, text: &str, size: f32, first: f32, width: f32) -> AppResult<Vec<String>> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let room = if lines.is_empty() { first } else { width };
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if !line.is_empty() && self.used[k].width(font, &candidate, size).map_err(font_error)? > room {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        Ok(lines)
    }

    fn para(&mut self, p: &Para, x: f32, width: f32) -> AppResult<()> {
        let font = self.fonts.font(p.face);
        let k = p.face as usize;
        let lead = p.size * 1.25;
        // Each paragraph of the text is set on its own (a line break in the text is one).
        for (n, part) in p.text.split('\n').enumerate() {
            let lines = self.wrap(k, font, part, p.size, width - p.indent, width)?;
            if lines.is_empty() {
                // An empty line of the text keeps its place.
                if n > 0 {
                    self.newline(lead);
                }
                continue;
            }
            let count = lines.len();
            for (i, line) in lines.iter().enumerate() {
                self.newline(lead);
                let indent = if i == 0 { p.indent } else { 0.0 };
                let room = width - indent;
                let w = self.used[k].width(font, line, p.size).map_err(font_error)?;
                let page = self.pages.len() - 1;
                match p.align {
                    Align::Justify if i + 1 < count && line.contains(' ') => {
                        let words: Vec<&str> = line.split(' ').filter(|s| !s.is_empty()).collect();
                        let mut widths = Vec::with_capacity(words.len());
                        for word in &words {
                            widths.push(self.used[k].width(font, word, p.size).map_err(font_error)?);
                        }
                        let gap = (room - widths.iter().sum::<f32>()) / (words.len() - 1) as f32;
                        let mut at = x + indent;
                        for (word, ww) in words.iter().zip(&widths) {
                            let hex = self.used[k].encode(font, word).map_err(font_error)?;
                            let _ = writeln!(
                                self.pages[page],
                                "BT /F{k} {} Tf {at:.2} {:.2} Td <{hex}> Tj ET",
                                p.size, self.y
                            );
                            at += ww + gap;
                        }
                    }
                    align => {
                        let at = match align {
                            Align::Center => x + (width - w) / 2.0,
                            _ => x + indent,
                        };
                        let hex = self.used[k].encode(font, line).map_err(font_error)?;
                        let _ =
                            writeln!(self.pages[page], "BT /F{k} {} Tf {at:.2} {:.2} Td <{hex}> Tj ET", p.size, self.y);
                    }
                }
            }
        }
        self.y -= p.after;
        Ok(())
    }
}

fn deflate(data: &[u8]) -> AppResult<Vec<u8>> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data)?;
    Ok(enc.finish()?)
}

/// A text string: UTF-16BE with a BOM, hex-encoded (safe for any title).
pub(crate) fn pdf_text(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        let _ = write!(out, "{u:04X}");
    }
    out.push('>');
    out
}

/// Writes the objects: catalog, pages, per face a Type0 font (descendant, descriptor,
/// ToUnicode, the font file), the info dictionary, the pages.
fn assemble(fonts: &Fonts, used: &[Subset; 3], title: &str, pages: &[String]) -> AppResult<Vec<u8>> {
    let mut objs: Vec<Vec<u8>> = Vec::new();
    // 1 catalog, 2 pages, 3 info; per face 5 objects from 4; then two per page.
    let font_base = 4;
    let first_page = font_base + 5 * 3;
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", first_page + 2 * i)).collect();
    objs.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objs.push(format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()).into_bytes());
    objs.push(format!("<< /Title {} /Producer (Phong hop khong giay) >>", pdf_text(title)).into_bytes());
    let names = ["LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic"];
    for (k, name) in names.iter().enumerate() {
        let font = &fonts.faces[k];
        let base = font_base + 5 * k;
        objs.push(format!("<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H /DescendantFonts [{} 0 R] /ToUnicode {} 0 R >>", base + 1, base + 3).into_bytes());
        let mut widths = String::new();
        for (gid, w) in used[k].widths(font) {
            let _ = write!(widths, "{gid} [{w}] ");
        }
        objs.push(format!("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {} 0 R /DW 500 /W [{widths}] /CIDToGIDMap /Identity >>", base + 2).into_bytes());
        let m = font.metrics().map_err(font_error)?;
        let [x0, y0, x1, y1] = m.bbox;
        let flags = if k == 2 { 34 + 64 } else { 34 };
        objs.push(format!("<< /Type /FontDescriptor /FontName /{name} /Flags {flags} /FontBBox [{x0} {y0} {x1} {y1}] /ItalicAngle {} /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 {} 0 R >>",
            if k == 2 { -12 } else { 0 }, m.ascent, m.descent, m.ascent, base + 4).into_bytes());
        objs.push(stream("", used[k].to_unicode().as_bytes()));
        objs.push(stream(&format!("/Filter /FlateDecode /Length1 {}", font.data().len()), &deflate(font.data())?));
    }
    for (i, content) in pages.iter().enumerate() {
        let content_id = first_page + 2 * i + 1;
        let f = |k: usize| font_base + 5 * k;
        objs.push(format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Resources << /Font << /F0 {} 0 R /F1 {} 0 R /F2 {} 0 R >> >> /Contents {content_id} 0 R >>", f(0), f(1), f(2)).into_bytes());
        objs.push(stream("/Filter /FlateDecode", &deflate(content.as_bytes())?));
    }
    Ok(write_objects(&objs, 3))
}

/// The file: numbered objects (the catalog is object 1, `info` the Info dictionary), the
/// cross-reference table and the trailer. Shared with the demo's writer.
pub(crate) fn write_objects(objs: &[Vec<u8>], info: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objs.len());
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1);
    for off in offsets {
        let _ = writeln!(table, "{off:010} 00000 n ");
    }
    let size = objs.len() + 1;
    let _ = write!(table, "trailer\n<< /Size {size} /Root 1 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n");
    out.extend_from_slice(table.as_bytes());
    out
}

/// A stream object's bytes.
pub(crate) fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut o = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    o.extend_from_slice(data);
    o.extend_from_slice(b"\nendstream");
    o
}

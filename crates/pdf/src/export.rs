//! Annotated copies: a document's bytes followed by an *incremental update* that adds the
//! leaders' marks as real PDF annotations (each with its own appearance stream, so every
//! viewer draws them the same way), or draws them into the page content ("flattened").
//!
//! The original bytes are kept as the copy's prefix, untouched: what was signed or
//! checked stays as it was, and a reader that ignores the update sees the original. This
//! is pure Rust (lopdf), but it parses untrusted files, so the service runs it in the
//! worker process like everything else that reads a PDF. Free-text boxes are drawn with
//! an embedded font ([`font`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use lopdf::{Dictionary, Document, IncrementalDocument, Object, ObjectId, Stream, StringFormat};
use serde::{Deserialize, Serialize};

use crate::PdfError;

/// Side of a sticky note's icon, in points.
pub const NOTE_ICON: f32 = 20.0;

/// One mark to write, in the page's unrotated user space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Markup {
    /// Stable id (written as `/NM`, so a later import can recognise it).
    pub id: String,
    /// Page index, 0-based.
    pub page: u32,
    /// What to draw.
    pub kind: MarkupKind,
    /// Colour, each channel 0–1.
    pub color: [f32; 3],
    /// 0 (invisible) to 1 (opaque).
    pub opacity: f32,
    /// The words of a note or comment (`/Contents`).
    pub text: String,
    /// Who made it (`/T`).
    pub author: String,
    /// Last change as a PDF date (`D:YYYYMMDDHHmmSSZ`).
    pub modified: String,
}

/// The shape of a [`Markup`]. Quads are `[x1 y1 x2 y2 x3 y3 x4 y4]` in PDF QuadPoints
/// order: top-left, top-right, bottom-left, bottom-right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MarkupKind {
    /// Highlighted text.
    Highlight(Vec<[f32; 8]>),
    /// Underlined text.
    Underline(Vec<[f32; 8]>),
    /// Struck-out text.
    StrikeOut(Vec<[f32; 8]>),
    /// Pen strokes and their width.
    Ink(Vec<Vec<[f32; 2]>>, f32),
    /// A sticky note whose icon's top-left corner is here.
    Note([f32; 2]),
    /// A text box: left, bottom, right, top.
    FreeText([f32; 4]),
    /// The viewer's words (`text`) across the page, as the viewer's pages carry them
    /// (see `crate::watermark`): drawn into the page's content in either mode, so a
    /// reader cannot hide it as an annotation. Not written to XFDF.
    Watermark,
}

impl Markup {
    /// The rectangle the mark covers (left, bottom, right, top), as written to `/Rect`.
    pub fn rect(&self) -> [f32; 4] {
        appearance(self).1
    }
}

/// How marks are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportMode {
    /// As PDF annotations a reader can select, edit or hide.
    Annotations,
    /// Drawn into the pages: they print everywhere and cannot be removed.
    Flattened,
}

pub(crate) mod font;

fn malformed(e: lopdf::Error) -> PdfError {
    PdfError::Malformed(format!("cannot write an annotated copy: {e}"))
}

/// Returns `original` followed by an update holding `marks`. Marks on pages the document
/// does not have are an error (the caller mixed up documents), not silently dropped.
pub fn annotate(original: &[u8], marks: &[Markup], mode: ExportMode) -> Result<Vec<u8>, PdfError> {
    let prev = Document::load_mem(original).map_err(|e| match e {
        lopdf::Error::Decryption(_) | lopdf::Error::UnsupportedSecurityHandler(_) => {
            PdfError::ExportUnsupported("password-protected documents cannot be exported with annotations yet".into())
        }
        other => malformed(other),
    })?;
    if prev.trailer.has(b"Encrypt") {
        // New objects would have to be encrypted with the document's key.
        return Err(PdfError::ExportUnsupported(
            "password-protected documents cannot be exported with annotations yet".into(),
        ));
    }
    let pages = prev.get_pages();
    let count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    let mut by_page: BTreeMap<u32, Vec<&Markup>> = BTreeMap::new();
    for m in marks {
        if m.page >= count {
            return Err(PdfError::PageOutOfRange { page: m.page, count });
        }
        by_page.entry(m.page).or_default().push(m);
    }
    let mut inc = IncrementalDocument::create_from(original.to_vec(), prev);
    // Words of free-text boxes need a font; its object is written after every
    // appearance, once the glyphs they use are known.
    let words = marks
        .iter()
        .any(|m| matches!(m.kind, MarkupKind::FreeText(_) | MarkupKind::Watermark) && !m.text.trim().is_empty());
    let mut font = if words { font::Embedded::find().map(|f| (f, inc.new_document.new_object_id())) } else { None };
    for (page, marks) in by_page {
        let page_id = pages.get(&(page + 1)).copied().ok_or(PdfError::PageOutOfRange { page, count })?;
        let mut forms: Vec<(ObjectId, &Markup, [f32; 4])> = Vec::with_capacity(marks.len());
        let mut stamps: Vec<(ObjectId, &Markup, [f32; 4])> = Vec::new();
        for m in marks {
            if matches!(m.kind, MarkupKind::Watermark) {
                let Some((f, id)) = font.as_mut() else {
                    return Err(PdfError::Io("no font for the watermark: install fonts-dejavu-core".into()));
                };
                for rect in watermark_bands(media_box(inc.get_prev_documents(), page_id)) {
                    let content = f.draw(&m.text, rect, m.color);
                    stamps.push((
                        inc.new_document.add_object(form(content, rect, m.opacity, false, Some(*id))),
                        m,
                        rect,
                    ));
                }
                continue;
            }
            let (mut content, rect) = appearance(m);
            let mut uses_font = None;
            if let (MarkupKind::FreeText(r), Some((f, id))) = (&m.kind, font.as_mut()) {
                content.push_str(&f.draw(&m.text, *r, m.color));
                uses_font = Some(*id);
            }
            let stream = form(content, rect, m.opacity, is_text_mark(&m.kind), uses_font);
            forms.push((inc.new_document.add_object(stream), m, rect));
        }
        // The watermark always goes into the page's content; the marks as the mode says.
        let into_page = match mode {
            ExportMode::Annotations => {
                if !forms.is_empty() {
                    add_annotations(&mut inc, page_id, &forms)?;
                }
                stamps
            }
            ExportMode::Flattened => {
                forms.extend(stamps);
                forms
            }
        };
        if !into_page.is_empty() {
            draw_into_page(&mut inc, page_id, &into_page)?;
        }
    }
    if let Some((f, id)) = &font {
        f.write(&mut inc.new_document, *id)
            .ok_or_else(|| PdfError::Io("the font for free-text boxes could not be embedded".into()))?;
    }
    let mut out = Vec::with_capacity(original.len() + 4096 * marks.len().min(1024));
    inc.save_to(&mut out).map_err(|e| PdfError::Io(format!("cannot write the annotated copy: {e}")))?;
    Ok(out)
}

fn is_text_mark(kind: &MarkupKind) -> bool {
    matches!(kind, MarkupKind::Highlight(_))
}

/// A PDF text string: UTF-16BE with its byte-order mark, as Vietnamese needs.
fn text(s: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(bytes, StringFormat::Hexadecimal)
}

fn reals(v: impl IntoIterator<Item = f32>) -> Object {
    Object::Array(v.into_iter().map(Object::Real).collect())
}

/// The page's `/Annots` as an owned list (it may be absent, direct or a reference).
fn existing_annots(doc: &Document, page: &Dictionary) -> Vec<Object> {
    match page.get(b"Annots") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(Object::Reference(id)) => doc.get_object(*id).and_then(Object::as_array).cloned().unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn add_annotations(
    inc: &mut IncrementalDocument,
    page_id: ObjectId,
    forms: &[(ObjectId, &Markup, [f32; 4])],
) -> Result<(), PdfError> {
    inc.opt_clone_object_to_new_document(page_id).map_err(malformed)?;
    let page = inc.new_document.get_object(page_id).and_then(Object::as_dict).map_err(malformed)?;
    let mut annots = existing_annots(inc.get_prev_documents(), page);
    for (ap, m, rect) in forms {
        let dict = annotation_dict(m, *rect, *ap, page_id);
        let id = inc.new_document.add_object(dict);
        if let MarkupKind::Note(_) = m.kind {
            // The popup window readers open to show the note's words.
            let popup = Dictionary::from_iter([
                ("Type", Object::Name(b"Annot".to_vec())),
                ("Subtype", Object::Name(b"Popup".to_vec())),
                ("Rect", reals([rect[2], rect[1] - 120.0, rect[2] + 200.0, rect[1]])),
                ("Parent", Object::Reference(id)),
                ("Open", Object::Boolean(false)),
            ]);
            let popup_id = inc.new_document.add_object(popup);
            if let Ok(Object::Dictionary(d)) = inc.new_document.get_object_mut(id) {
                d.set("Popup", Object::Reference(popup_id));
            }
            annots.push(Object::Reference(id));
            annots.push(Object::Reference(popup_id));
        } else {
            annots.push(Object::Reference(id));
        }
    }
    let page = inc.new_document.get_object_mut(page_id).and_then(Object::as_dict_mut).map_err(malformed)?;
    page.set("Annots", Object::Array(annots));
    Ok(())
}

fn annotation_dict(m: &Markup, rect: [f32; 4], ap: ObjectId, page_id: ObjectId) -> Dictionary {
    let subtype: &[u8] = match m.kind {
        MarkupKind::Highlight(_) => b"Highlight",
        MarkupKind::Underline(_) => b"Underline",
        MarkupKind::StrikeOut(_) => b"StrikeOut",
        MarkupKind::Ink(..) => b"Ink",
        MarkupKind::Note(_) => b"Text",
        MarkupKind::FreeText(_) | MarkupKind::Watermark => b"FreeText",
    };
    let [r, g, b] = m.color;
    let mut d = Dictionary::from_iter([
        ("Type", Object::Name(b"Annot".to_vec())),
        ("Subtype", Object::Name(subtype.to_vec())),
        ("Rect", reals(rect)),
        ("P", Object::Reference(page_id)),
        ("NM", text(&m.id)),
        ("T", text(&m.author)),
        ("M", Object::string_literal(m.modified.as_str())),
        ("Contents", text(&m.text)),
        ("C", reals([r, g, b])),
        ("CA", Object::Real(m.opacity)),
        // Print: the marks belong on paper too.
        ("F", Object::Integer(4)),
        ("AP", Object::Dictionary(Dictionary::from_iter([("N", Object::Reference(ap))]))),
    ]);
    match &m.kind {
        MarkupKind::Highlight(q) | MarkupKind::Underline(q) | MarkupKind::StrikeOut(q) => {
            d.set("QuadPoints", reals(q.iter().flatten().copied()));
        }
        MarkupKind::Ink(paths, width) => {
            let list = paths.iter().map(|p| reals(p.iter().flatten().copied())).collect();
            d.set("InkList", Object::Array(list));
            d.set("BS", Object::Dictionary(Dictionary::from_iter([("W", Object::Real(*width))])));
        }
        MarkupKind::Note(_) => {
            d.set("Name", Object::Name(b"Comment".to_vec()));
            d.set("Open", Object::Boolean(false));
        }
        MarkupKind::FreeText(_) | MarkupKind::Watermark => {
            d.set("DA", Object::string_literal(format!("/Helv 12 Tf {r:.3} {g:.3} {b:.3} rg")));
        }
    }
    d
}

/// Draws every mark's appearance into the page, after the page's own content. The page's
/// content is wrapped in `q … Q` first, so whatever state it leaves cannot move the marks.
fn draw_into_page(
    inc: &mut IncrementalDocument,
    page_id: ObjectId,
    forms: &[(ObjectId, &Markup, [f32; 4])],
) -> Result<(), PdfError> {
    let prev = inc.get_prev_documents();
    // A copy of the page's resources: shared dictionaries stay untouched.
    let mut resources = effective_resources(prev, page_id);
    let mut xobjects = match resources.get(b"XObject") {
        Ok(Object::Dictionary(d)) => d.clone(),
        Ok(Object::Reference(id)) => prev.get_dictionary(*id).cloned().unwrap_or_default(),
        _ => Dictionary::new(),
    };
    let mut drawing = String::from("Q\n");
    for (i, (form, _, _)) in forms.iter().enumerate() {
        let name = format!("PhMark{i}");
        xobjects.set(name.as_bytes(), Object::Reference(*form));
        let _ = writeln!(drawing, "q /{name} Do Q");
    }
    resources.set("XObject", Object::Dictionary(xobjects));
    let contents = match prev.get_dictionary(page_id).map_err(malformed)?.get(b"Contents") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(r @ Object::Reference(_)) => vec![r.clone()],
        _ => Vec::new(),
    };
    let open = inc.new_document.add_object(Stream::new(Dictionary::new(), b"q\n".to_vec()));
    let close = inc.new_document.add_object(Stream::new(Dictionary::new(), drawing.into_bytes()));
    let mut all = vec![Object::Reference(open)];
    all.extend(contents);
    all.push(Object::Reference(close));
    inc.opt_clone_object_to_new_document(page_id).map_err(malformed)?;
    let page = inc.new_document.get_object_mut(page_id).and_then(Object::as_dict_mut).map_err(malformed)?;
    page.set("Contents", Object::Array(all));
    page.set("Resources", Object::Dictionary(resources));
    Ok(())
}

/// The page's media box (inherited like resources; A4 when none is readable).
fn media_box(doc: &Document, page_id: ObjectId) -> [f32; 4] {
    inherited(doc, page_id, |n| match n.get(b"MediaBox") {
        Ok(Object::Array(a)) => match a.as_slice() {
            [x0, y0, x1, y1] => match (x0.as_float(), y0.as_float(), x1.as_float(), y1.as_float()) {
                (Ok(x0), Ok(y0), Ok(x1), Ok(y1)) if x1 > x0 && y1 > y0 => Some([x0, y0, x1, y1]),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    })
    .unwrap_or([0.0, 0.0, 595.28, 841.89])
}

/// The first of the page and its ancestors for which `pick` finds a value: PDF's
/// inheritance of page attributes. A hostile parent chain is cut after 64 steps.
fn inherited<T>(doc: &Document, page_id: ObjectId, pick: impl Fn(&Dictionary) -> Option<T>) -> Option<T> {
    let mut node = doc.get_dictionary(page_id).ok();
    for _ in 0..64 {
        let n = node?;
        if let Some(v) = pick(n) {
            return Some(v);
        }
        node = n.get(b"Parent").and_then(Object::as_reference).and_then(|p| doc.get_dictionary(p)).ok();
    }
    None
}

/// Where the watermark's lines go on a page: the bands the viewer's renders use.
fn watermark_bands([x0, y0, x1, y1]: [f32; 4]) -> Vec<[f32; 4]> {
    let (w, h) = (x1 - x0, y1 - y0);
    crate::watermark::BANDS
        .iter()
        .map(|b| {
            let mid = y1 - h * b;
            [x0 + w * 0.14, mid - 9.0, x1 - w * 0.14, mid + 9.0]
        })
        .collect()
}

/// The page's resources: its own, or the nearest ancestor's (PDF inherits the whole
/// dictionary, it does not merge). A hostile parent chain is cut after 64 steps.
fn effective_resources(doc: &Document, page_id: ObjectId) -> Dictionary {
    inherited(doc, page_id, |n| match n.get(b"Resources") {
        Ok(Object::Dictionary(d)) => Some(d.clone()),
        Ok(Object::Reference(id)) => Some(doc.get_dictionary(*id).cloned().unwrap_or_default()),
        _ => None,
    })
    .unwrap_or_default()
}

/// A form XObject in page space (identity matrix, box = the annotation's rectangle).
fn form(content: String, rect: [f32; 4], opacity: f32, multiply: bool, font: Option<ObjectId>) -> Stream {
    let mut gs = Dictionary::from_iter([
        ("Type", Object::Name(b"ExtGState".to_vec())),
        ("CA", Object::Real(opacity)),
        ("ca", Object::Real(opacity)),
    ]);
    if multiply {
        // Highlighter ink darkens the words under it instead of covering them.
        gs.set("BM", Object::Name(b"Multiply".to_vec()));
    }
    let mut resources = Dictionary::from_iter([(
        "ExtGState",
        Object::Dictionary(Dictionary::from_iter([("PhGs", Object::Dictionary(gs))])),
    )]);
    if let Some(f) = font {
        resources.set("Font", Object::Dictionary(Dictionary::from_iter([("PhF", Object::Reference(f))])));
    }
    let dict = Dictionary::from_iter([
        ("Type", Object::Name(b"XObject".to_vec())),
        ("Subtype", Object::Name(b"Form".to_vec())),
        ("BBox", reals(rect)),
        ("Resources", Object::Dictionary(resources)),
    ]);
    Stream::new(dict, format!("/PhGs gs\n{content}").into_bytes())
}

fn bounds(points: impl IntoIterator<Item = [f32; 2]>, pad: f32) -> [f32; 4] {
    let mut r = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
    for [x, y] in points {
        r = [r[0].min(x), r[1].min(y), r[2].max(x), r[3].max(y)];
    }
    if r[0] > r[2] {
        return [0.0, 0.0, 0.0, 0.0];
    }
    [r[0] - pad, r[1] - pad, r[2] + pad, r[3] + pad]
}

fn quad_corners(q: &[f32; 8]) -> [[f32; 2]; 4] {
    [[q[0], q[1]], [q[2], q[3]], [q[4], q[5]], [q[6], q[7]]]
}

/// The content stream drawing a mark, and the rectangle it covers.
fn appearance(m: &Markup) -> (String, [f32; 4]) {
    let [r, g, b] = m.color;
    let mut s = String::new();
    match &m.kind {
        MarkupKind::Highlight(quads) => {
            let _ = writeln!(s, "{r:.3} {g:.3} {b:.3} rg");
            for q in quads {
                let [tl, tr, bl, br] = quad_corners(q);
                let _ = writeln!(
                    s,
                    "{} {} m {} {} l {} {} l {} {} l h f",
                    tl[0], tl[1], tr[0], tr[1], br[0], br[1], bl[0], bl[1]
                );
            }
            (s, bounds(quads.iter().flat_map(quad_corners), 1.0))
        }
        MarkupKind::Underline(quads) | MarkupKind::StrikeOut(quads) => {
            let strike = matches!(m.kind, MarkupKind::StrikeOut(_));
            let _ = writeln!(s, "{r:.3} {g:.3} {b:.3} RG");
            for q in quads {
                let [tl, tr, bl, br] = quad_corners(q);
                let height = ((tl[0] - bl[0]).powi(2) + (tl[1] - bl[1]).powi(2)).sqrt();
                let width = (height / 14.0).max(0.5);
                // Along the quad's own sides, so it follows rotated text.
                let t = if strike { 0.5 } else { width / 2.0 / height.max(0.01) };
                let from = [bl[0] + (tl[0] - bl[0]) * t, bl[1] + (tl[1] - bl[1]) * t];
                let to = [br[0] + (tr[0] - br[0]) * t, br[1] + (tr[1] - br[1]) * t];
                let _ = writeln!(s, "{width} w {} {} m {} {} l S", from[0], from[1], to[0], to[1]);
            }
            (s, bounds(quads.iter().flat_map(quad_corners), 1.0))
        }
        MarkupKind::Ink(paths, width) => {
            let _ = writeln!(s, "{r:.3} {g:.3} {b:.3} RG {width} w 1 J 1 j");
            for path in paths {
                let mut points = path.iter();
                let Some(first) = points.next() else { continue };
                let _ = write!(s, "{} {} m", first[0], first[1]);
                if path.len() == 1 {
                    // A dot: a zero-length line with round caps.
                    let _ = write!(s, " {} {} l", first[0], first[1]);
                }
                for p in points {
                    let _ = write!(s, " {} {} l", p[0], p[1]);
                }
                s.push_str(" S\n");
            }
            (s, bounds(paths.iter().flatten().copied(), width / 2.0 + 1.0))
        }
        MarkupKind::Note([x, y]) => {
            let n = NOTE_ICON;
            let rect = [*x, y - n, x + n, *y];
            let _ = writeln!(
                s,
                "{r:.3} {g:.3} {b:.3} rg 0.2 0.2 0.2 RG 1 w {} {} {} {} re B\n0.3 w",
                x + 1.0,
                y - n + 1.0,
                n - 2.0,
                n - 2.0
            );
            for i in 1..=3 {
                let ly = y - n * i as f32 / 4.0;
                let _ = writeln!(s, "{} {ly} m {} {ly} l S", x + 4.0, x + n - 4.0);
            }
            (s, rect)
        }
        MarkupKind::FreeText(rect) => {
            let [l, bot, right, top] = *rect;
            let _ = writeln!(s, "{r:.3} {g:.3} {b:.3} RG 1 w {l} {bot} {} {} re S", right - l, top - bot);
            (s, *rect)
        }
        // Drawn per page by `annotate`, which knows the page's size.
        MarkupKind::Watermark => (s, [0.0; 4]),
    }
}

/// Writes `bytes` to `out` through a temporary file beside it, fsynced and renamed: a
/// reader (or a crash) never sees half a copy, and a full disk leaves no litter.
pub fn write_whole(out: &Path, bytes: &[u8]) -> Result<u64, PdfError> {
    meeting_seal::write_whole(out, bytes).map_err(|e| PdfError::Io(format!("{}: {e}", out.display())))?;
    Ok(bytes.len() as u64)
}

#[cfg(test)]
mod tests;

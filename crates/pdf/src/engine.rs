//! The pdfium owner: lives on the worker process's one thread and is the only code that
//! calls pdfium. Nothing here is shared across threads; the worker loop calls it in turn.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pdfium_render::prelude::*;

use crate::source::{ReadSeek, Source};
use crate::types::{
    Bitmap, DocInfo, LinkTarget, OutlineItem, PageAnnotation, PageInfo, PageLink, PageText, Rect, SearchHit, TextChar,
};
use crate::{PdfError, locate};

/// Tallest page rendered, in pixels.
const MAX_HEIGHT: u32 = 20_000;

/// The full height in pixels of a page `page_width` × `page_height` points drawn `width`
/// pixels wide (as pdfium-render sizes it), when it is drawn that wide and so can be
/// drawn in bands of rows ([`Engine::render_rows`]); `None` for a page too tall for one
/// bitmap (pdfium-render narrows it, and it is drawn whole) or a degenerate one.
pub fn banded_height(page_width: f32, page_height: f32, width: u32) -> Option<u32> {
    let full = (page_height * (width as f32 / page_width)).round();
    (full.is_finite() && full >= 1.0 && full <= MAX_HEIGHT as f32).then_some(full as u32)
}

/// A document's reader that remembers why a read failed (a sealed chunk that does not
/// decrypt), which pdfium's error codes cannot say.
struct Watched {
    inner: Box<dyn ReadSeek>,
    damage: Arc<Mutex<Option<PdfError>>>,
}

/// pdfium asks for each block with one call and takes a short answer for a failure, so
/// a read fills the buffer unless the file ends.
impl std::io::Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.inner.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.noted(e)),
            }
        }
        Ok(filled)
    }
}

impl Watched {
    /// Remembers a sealed chunk that did not decrypt (reported as invalid data).
    fn noted(&self, e: std::io::Error) -> std::io::Error {
        if e.kind() == std::io::ErrorKind::InvalidData
            && let Ok(mut d) = self.damage.lock()
        {
            *d = Some(PdfError::DamagedCopy(e.to_string()));
        }
        e
    }
}

impl std::io::Seek for Watched {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Pages kept loaded after they were drawn (see [`Engine::kept`]).
const KEPT_PAGES: usize = 2;

/// Open documents by the handle the client chose.
pub struct Engine {
    pdfium: &'static Pdfium,
    /// The pages drawn last, still loaded: `(handle, index, page)`, the most recent last.
    /// pdfium keeps a loaded page's decoded images, and the same page is often drawn
    /// again soon: the cover's band then the whole cover, a page at a new zoom, a page
    /// scrolled back to. freeculture.pdf's cover (a 1366×2048 JPEG with a soft mask)
    /// drew in ~61 ms loaded afresh and ~29 ms still loaded, at 1000 px. Declared before
    /// `docs` so that they are closed before their documents when the engine drops, and
    /// a document's are dropped whenever it is closed or replaced.
    kept: Vec<(u64, u32, PdfPage<'static>)>,
    docs: HashMap<u64, PdfDocument<'static>>,
    /// Why a read of each document's file failed, if one did (see [`Watched`]).
    damage: HashMap<u64, Arc<Mutex<Option<PdfError>>>>,
    /// The watermark drawn into every page of a document, if it has one.
    watermarks: HashMap<u64, String>,
    stamps: crate::watermark::Stamps,
}

fn map_err(e: PdfiumError, had_password: bool) -> PdfError {
    match e {
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::PasswordError) => {
            if had_password {
                PdfError::WrongPassword
            } else {
                PdfError::PasswordRequired
            }
        }
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::FormatError) => {
            PdfError::Malformed("pdfium reports a format error".into())
        }
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::FileError) => {
            PdfError::Malformed("pdfium could not read the file structure".into())
        }
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::SecurityError) => PdfError::UnsupportedSecurity,
        PdfiumError::IoError(e) => PdfError::Io(e.to_string()),
        other => PdfError::Engine(format!("{other:?}")),
    }
}

fn rect(r: PdfRect) -> Rect {
    Rect { left: r.left().value, bottom: r.bottom().value, right: r.right().value, top: r.top().value }
}

impl Engine {
    /// Loads libpdfium. Called once per worker process.
    pub fn load() -> Result<Self, PdfError> {
        let path = locate::find()?;
        let bindings =
            Pdfium::bind_to_library(&path).map_err(|e| PdfError::LibraryLoad(format!("{}: {e:?}", path.display())))?;
        // The engine lives as long as the worker process; leaking it gives documents the
        // 'static borrow pdfium-render wants.
        let pdfium: &'static Pdfium = Box::leak(Box::new(Pdfium::new(bindings)));
        Ok(Self {
            pdfium,
            kept: Vec::new(),
            docs: HashMap::new(),
            damage: HashMap::new(),
            watermarks: HashMap::new(),
            stamps: Default::default(),
        })
    }

    fn doc(&self, handle: u64) -> Result<&PdfDocument<'static>, PdfError> {
        self.docs.get(&handle).ok_or(PdfError::NotOpen)
    }

    fn page(&self, handle: u64, index: u32) -> Result<PdfPage<'static>, PdfError> {
        let doc = self.doc(handle)?;
        let count = u32::try_from(doc.pages().len()).unwrap_or(0);
        if index >= count {
            return Err(PdfError::PageOutOfRange { page: index, count });
        }
        let i = i32::try_from(index).map_err(|_| PdfError::PageOutOfRange { page: index, count })?;
        doc.pages().get(i).map_err(|e| map_err(e, false))
    }

    /// Page `index` of `handle`, loaded now or kept from before (see [`Engine::kept`]).
    fn kept_page(&mut self, handle: u64, index: u32) -> Result<&PdfPage<'static>, PdfError> {
        match self.kept.iter().position(|(h, i, _)| *h == handle && *i == index) {
            Some(at) => {
                let page = self.kept.remove(at);
                self.kept.push(page);
            }
            None => {
                let page = self.page(handle, index)?;
                if self.kept.len() >= KEPT_PAGES {
                    self.kept.remove(0);
                }
                self.kept.push((handle, index, page));
            }
        }
        self.kept.last().map(|(_, _, page)| page).ok_or(PdfError::NotOpen)
    }

    /// Opens a document under `handle` (replacing what was open under it). pdfium reads
    /// it through [`Source::reader`]: a sealed file is decrypted as pdfium asks for its
    /// bytes, never written out.
    /// `watermark`: words drawn into every page this document renders (see
    /// [`crate::watermark`]).
    pub fn open(
        &mut self,
        handle: u64,
        source: &Source,
        password: Option<&str>,
        watermark: Option<&str>,
    ) -> Result<DocInfo, PdfError> {
        // Pages of a document this one replaces go before it does.
        self.kept.retain(|(h, _, _)| *h != handle);
        let damage = Arc::new(Mutex::new(None));
        let reader = Watched { inner: source.reader()?, damage: damage.clone() };
        let loaded = self.pdfium.load_pdf_from_reader(reader, password);
        // pdfium only says "file error" when a read fails; the reader knows why.
        if let Some(why) = damage.lock().ok().and_then(|mut d| d.take()) {
            return Err(why);
        }
        let doc = loaded.map_err(|e| map_err(e, password.is_some()))?;
        let info = info(&doc)?;
        self.docs.insert(handle, doc);
        self.damage.insert(handle, damage);
        match watermark.map(str::trim).filter(|w| !w.is_empty()) {
            Some(w) => self.watermarks.insert(handle, w.to_owned()),
            None => self.watermarks.remove(&handle),
        };
        Ok(info)
    }

    /// A read of the document's file failed since it was opened (a sealed chunk that
    /// does not decrypt, read lazily as pdfium needs the page): whatever pdfium made
    /// of the missing bytes, the answer is that the copy is damaged.
    pub fn damage(&self, handle: u64) -> Option<PdfError> {
        self.damage.get(&handle).and_then(|d| d.lock().ok().and_then(|d| d.clone()))
    }

    /// Forgets a document.
    pub fn close(&mut self, handle: u64) {
        self.kept.retain(|(h, _, _)| *h != handle);
        self.docs.remove(&handle);
        self.damage.remove(&handle);
        self.watermarks.remove(&handle);
    }

    /// Renders a page `width` pixels wide (height follows the page's shape).
    pub fn render(&mut self, handle: u64, index: u32, width: u32) -> Result<Bitmap, PdfError> {
        self.render_rows(handle, index, width, None)
    }

    /// Renders a page `width` pixels wide, or only its pixel rows `top..top + count`
    /// (`rows`): the part of a page on screen, painted before the whole of it. pdfium
    /// skips what falls outside the bitmap, and decodes images only down to the last
    /// row it needs, so a band costs about its share of the page.
    pub fn render_rows(
        &mut self,
        handle: u64,
        index: u32,
        width: u32,
        rows: Option<(u32, u32)>,
    ) -> Result<Bitmap, PdfError> {
        let mut rgba = Vec::new();
        let (width, height) = self.render_into(handle, index, width, rows, &mut rgba)?;
        Ok(Bitmap { width, height, rgba: rgba.into() })
    }

    /// [`render_rows`](Self::render_rows) into `out`, which ends up exactly
    /// `width * height * 4` bytes long; returns the size. pdfium draws straight into
    /// `out`, and a caller that keeps one buffer for every page (the worker does) pays
    /// for neither a fresh bitmap (its page faults) nor a copy out of pdfium's.
    pub fn render_into(
        &mut self,
        handle: u64,
        index: u32,
        width: u32,
        rows: Option<(u32, u32)>,
        out: &mut Vec<u8>,
    ) -> Result<(u32, u32), PdfError> {
        self.render_with(handle, index, width, rows, |len| {
            out.resize(len, 0);
            &mut out[..]
        })
    }

    /// [`render_rows`](Self::render_rows) into the `len` bytes `buffer(len)` gives:
    /// the worker's mapping of a pixel file shared with the service, so the page is
    /// drawn where the app reads it (`crate::pixels`), or a buffer of the caller's.
    pub fn render_with<'b>(
        &mut self,
        handle: u64,
        index: u32,
        width: u32,
        rows: Option<(u32, u32)>,
        buffer: impl FnOnce(usize) -> &'b mut [u8],
    ) -> Result<(u32, u32), PdfError> {
        if width == 0 || width > 10_000 {
            return Err(PdfError::Invalid(format!("render width {width} is outside 1..=10000 pixels")));
        }
        let page = self.kept_page(handle, index)?;
        let config = PdfRenderConfig::new()
            .set_target_width(width as i32)
            .set_maximum_height(MAX_HEIGHT as i32)
            .render_annotations(true)
            .render_form_data(true)
            // pdfium draws BGRA; asking it to swap R and B while drawing avoids a pass.
            .set_reverse_byte_order(true);
        let Some(page_height) = banded_height(page.width().value, page.height().value, width) else {
            // Too tall for one bitmap (pdfium-render narrows it) or degenerate: whole,
            // the way pdfium-render sizes it.
            let bitmap = page.render_with_config(&config).map_err(|e| map_err(e, false))?;
            let (w, h) = (bitmap.width() as u32, bitmap.height() as u32);
            let len = (w as usize) * (h as usize) * 4;
            let bytes = bitmap.as_rgba_bytes();
            let pixels = bytes.get(..len).ok_or_else(|| PdfError::Engine(format!("a {w}x{h} bitmap came short")))?;
            let out = buffer(len);
            out.copy_from_slice(pixels);
            drop(bitmap);
            self.stamp(handle, out, w, h, 0..h)?;
            return Ok((w, h));
        };
        let (top, count) = match rows {
            None => (0, page_height),
            Some((top, count)) => {
                let end = top.saturating_add(count).min(page_height);
                if top >= end {
                    return Err(PdfError::Invalid(format!(
                        "rows {top}+{count} are not on a page {page_height} pixels tall"
                    )));
                }
                (top, end - top)
            }
        };
        let out = buffer((width as usize) * (count as usize) * 4);
        {
            let mut bitmap = PdfBitmap::from_bytes(width as i32, count as i32, PdfBitmapFormat::BGRA, out)
                .map_err(|e| map_err(e, false))?;
            // A band: the page's origin moved up, so the strip holds rows top.. of it.
            page.render_into_bitmap_with_config(&mut bitmap, &config.set_origin(0, -(top as i32)))
                .map_err(|e| map_err(e, false))?;
        }
        self.stamp(handle, out, width, page_height, top..top + count)?;
        Ok((width, count))
    }

    /// Draws the viewer's watermark, if the document has one, into rows `rows` of a
    /// `width` × `height` page.
    fn stamp(
        &mut self,
        handle: u64,
        rgba: &mut [u8],
        width: u32,
        height: u32,
        rows: std::ops::Range<u32>,
    ) -> Result<(), PdfError> {
        if let Some(text) = self.watermarks.get(&handle) {
            let stamp = self.stamps.get(self.pdfium, text, crate::watermark::stamp_width(width))?;
            crate::watermark::apply_rows(&stamp, rgba, width, height, rows);
        }
        Ok(())
    }

    /// The text layer of a page.
    pub fn text(&self, handle: u64, index: u32) -> Result<PageText, PdfError> {
        let page = self.page(handle, index)?;
        let text = page.text().map_err(|e| map_err(e, false))?;
        let mut chars = Vec::new();
        for c in text.chars().iter() {
            if let (Some(ch), Ok(b)) = (c.unicode_char(), c.loose_bounds()) {
                chars.push(TextChar { ch, rect: rect(b) });
            }
        }
        Ok(PageText { text: text.all(), chars, rotation: degrees(&page) })
    }

    /// The links of a page: internal targets and external addresses.
    pub fn links(&self, handle: u64, index: u32) -> Result<Vec<PageLink>, PdfError> {
        let page = self.page(handle, index)?;
        let mut out = Vec::new();
        for link in page.links().iter() {
            let Ok(r) = link.rect() else { continue };
            let page_of = |d: PdfDestination<'_>| d.page_index().ok().and_then(|p| u32::try_from(p).ok());
            let internal = link.destination().and_then(page_of).or_else(|| {
                link.action()
                    .and_then(|a| a.as_local_destination_action().and_then(|l| l.destination().ok().and_then(page_of)))
            });
            let target = match internal {
                Some(page) => LinkTarget::Page { page },
                None => match link.action().and_then(|a| a.as_uri_action().and_then(|u| u.uri().ok())) {
                    Some(uri) => LinkTarget::Uri { uri },
                    None => continue,
                },
            };
            out.push(PageLink { rect: rect(r), target });
        }
        Ok(out)
    }

    /// The annotations a page holds.
    pub fn annotations(&self, handle: u64, index: u32) -> Result<Vec<PageAnnotation>, PdfError> {
        let page = self.page(handle, index)?;
        let mut out = Vec::new();
        for a in page.annotations().iter() {
            let Ok(r) = a.bounds() else { continue };
            let kind = format!("{:?}", a.annotation_type());
            out.push(PageAnnotation { kind: snake(&kind), rect: rect(r), contents: a.contents(), name: a.name() });
        }
        Ok(out)
    }

    /// Every occurrence of `query` (case-insensitive) in the document.
    pub fn search(&self, handle: u64, query: &str, limit: usize) -> Result<Vec<SearchHit>, PdfError> {
        if query.trim().is_empty() {
            return Err(PdfError::Invalid("the search text is empty".into()));
        }
        let doc = self.doc(handle)?;
        let mut hits = Vec::new();
        let options = PdfSearchOptions::new().match_case(false);
        for (i, page) in doc.pages().iter().enumerate() {
            let text = page.text().map_err(|e| map_err(e, false))?;
            let search = text.search(query, &options).map_err(|e| map_err(e, false))?;
            for segments in search.iter(PdfSearchDirection::SearchForward) {
                let rects = segments.iter().map(|s| rect(s.bounds())).collect();
                let matched: String = segments.iter().map(|s| s.text()).collect();
                hits.push(SearchHit { page: i as u32, rects, text: matched });
                if hits.len() >= limit {
                    return Ok(hits);
                }
            }
        }
        Ok(hits)
    }
}

fn info(doc: &PdfDocument<'_>) -> Result<DocInfo, PdfError> {
    // Sizes without loading any page: loading all of a 500-page document just to lay
    // out the scroll height tripled the time to first pixels. Labels and rotation need
    // the page loaded, so only short documents get them up front.
    let count = doc.pages().len();
    let detailed = count <= 64;
    let mut pages = Vec::with_capacity(count.max(0) as usize);
    for i in 0..count {
        // One damaged page must not make the whole document unopenable: fall back to
        // loading it, then to A4; rendering that page later reports its own error.
        let size = doc.pages().page_size(i).ok();
        let loaded = if detailed || size.is_none() { doc.pages().get(i).ok() } else { None };
        let (width, height) = match (size, &loaded) {
            (Some(r), _) => (r.width().value, r.height().value),
            (None, Some(p)) => (p.width().value, p.height().value),
            (None, None) => (595.0, 842.0),
        };
        let rotation = loaded.as_ref().map_or(0, degrees);
        let label = loaded.as_ref().and_then(|p| p.label().map(str::to_owned));
        pages.push(PageInfo { width, height, rotation, label });
    }
    let title =
        doc.metadata().get(PdfDocumentMetadataTagType::Title).map(|t| t.value().to_owned()).filter(|t| !t.is_empty());
    let outline = doc.bookmarks().root().map(|root| outline(root, 0)).unwrap_or_default();
    Ok(DocInfo { pages, outline, title })
}

/// `FreeText` → `free_text`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A page's clockwise display rotation in degrees.
fn degrees(page: &PdfPage<'_>) -> u16 {
    match page.rotation() {
        Ok(PdfPageRenderRotation::Degrees90) => 90,
        Ok(PdfPageRenderRotation::Degrees180) => 180,
        Ok(PdfPageRenderRotation::Degrees270) => 270,
        _ => 0,
    }
}

/// Siblings from `first` on, with their children. Depth and count are bounded: a
/// hostile outline may loop.
fn outline(first: PdfBookmark<'_>, depth: usize) -> Vec<OutlineItem> {
    let mut out = Vec::new();
    if depth > 16 {
        return out;
    }
    let mut next = Some(first);
    while let Some(b) = next {
        if out.len() >= 2000 {
            break;
        }
        let page = b.destination().and_then(|d| d.page_index().ok()).and_then(|p| u32::try_from(p).ok());
        let children = b.first_child().map(|c| outline(c, depth + 1)).unwrap_or_default();
        out.push(OutlineItem { title: b.title().unwrap_or_default(), page, children });
        next = b.next_sibling();
    }
    out
}

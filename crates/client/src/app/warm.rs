//! Opening ahead of the click: the document the reader most likely opens next (the
//! meeting's first, the one presented, the one under the pointer) is opened in the PDF
//! worker while the meeting view is read, and its cover's first screen is drawn at the
//! width the viewer will ask for, so that the click finds the pixels ready.
//!
//! Measured with `bench-reader --trace` on freeculture.pdf (its cover one 1366×2048
//! JPEG with an ICC profile and a soft mask), 5 s after the meeting view showed: the
//! worker drew the cover's first screen in 45–54 ms even with the page still loaded from
//! a small warming render, competing on two cores with WebKit laying out the viewer;
//! the click's band is now a copy of rows already drawn.
//!
//! The UI does the geometry (`ui/src/lib/pages.ts`, the same functions the viewer uses):
//! [`AppCore::warm_document`] answers with the cover's shape, the UI works out the
//! width and rows the viewer will ask for and hands them to [`AppCore::prepare_cover`].
//! A guess that turns out wrong costs nothing but the background render: only a request
//! for the same width and rows within those drawn is answered from them.

use meeting_pdf::{Bitmap, DocHandle, DocInfo, Pixels, Priority};
use serde::{Deserialize, Serialize};

use super::{AppCore, UiResult};

/// A document open in the PDF worker that no viewer has asked for yet.
pub(super) struct Warm {
    pub(super) document_id: String,
    pub(super) handle: DocHandle,
    pub(super) info: DocInfo,
    pub(super) sha256: String,
    /// Its cover's first screen, once [`AppCore::prepare_cover`] drew it.
    pub(super) cover: Option<Cover>,
}

/// Pixel rows of a document's first page drawn ahead (see the module's documentation).
pub(super) struct Cover {
    pub(super) handle: DocHandle,
    /// Width of the page as drawn, in pixels.
    width: u32,
    /// The page's first row these pixels hold.
    top: u32,
    /// The page's full height at `width` (as the worker sizes it).
    page_height: u32,
    /// `width` × `bitmap.height` pixels: rows `top..top + bitmap.height`.
    bitmap: Bitmap,
}

/// Width of the cover drawn to warm a document: pdfium keeps the page's decoded images
/// whatever the width, and a small one costs little beyond the decoding.
const WARM_WIDTH: u32 = 64;

/// What the UI needs to work out the viewer's first request for a document opened
/// ahead: its first page's size and its widest page's width (fit-width zoom fits the
/// widest page), in points.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct CoverShape {
    /// First page's width, points.
    pub width: f32,
    /// First page's height, points.
    pub height: f32,
    /// The widest page's width, points.
    pub widest: f32,
}

impl CoverShape {
    fn of(info: &DocInfo) -> Option<Self> {
        let first = info.pages.first()?;
        let widest = info.pages.iter().map(|p| p.width).fold(first.width, f32::max);
        Some(Self { width: first.width, height: first.height, widest })
    }
}

/// The first page's full height in pixels at `width`, if the worker draws it that wide
/// in bands of rows (not a page too tall for one bitmap: that one is drawn whole and
/// narrower, and is not drawn ahead).
fn page_height(info: &DocInfo, width: u32) -> Option<u32> {
    let p = info.pages.first()?;
    meeting_pdf::engine::banded_height(p.width, p.height, width)
}

impl AppCore {
    /// Opens the offline copy of a document the reader is likely to open next and draws
    /// its cover small, so that the click finds it open with its cover's images decoded
    /// (on freeculture.pdf the cover's first rows took ~66 ms of pdfium cold and ~15 ms
    /// warm). One document at a time, replacing the one before; it is not an open in
    /// the audit until [`AppCore::open_document`] takes it. A document needing a
    /// password, or not on the device, is left alone: the answer is then `None`, else
    /// the cover's shape for [`AppCore::prepare_cover`].
    pub async fn warm_document(&self, document_id: &str) -> UiResult<Option<CoverShape>> {
        let open = self.open.lock().is_ok_and(|o| o.contains_key(document_id));
        if open {
            return Ok(None);
        }
        if let Ok(w) = self.warm.lock()
            && let Some(w) = w.as_ref().filter(|w| w.document_id == document_id)
        {
            return Ok(CoverShape::of(&w.info));
        }
        if self.profile.store()?.document_blob(document_id)?.is_none() {
            return Ok(None);
        }
        let closings = self.closings.load(std::sync::atomic::Ordering::SeqCst);
        let (handle, info, sha256) = self.load(document_id, None).await?;
        if !info.pages.is_empty() {
            // Its pixels are not wanted: dropping the bitmap gives them back at once.
            let _ = self.pdf.render_rows(handle, 0, WARM_WIDTH, None, Priority::Background, None).await;
        }
        let shape = CoverShape::of(&info);
        let warm = Warm { document_id: document_id.to_owned(), handle, info, sha256, cover: None };
        let old = match self.warm.lock() {
            // Checked under the lock `lock` and `logout` take it with after counting:
            // one of them since the start closes this too.
            Ok(mut w) if self.closings.load(std::sync::atomic::Ordering::SeqCst) == closings => w.replace(warm),
            _ => Some(warm),
        };
        if let Some(old) = old {
            self.pdf.close(old.handle);
        }
        Ok(shape)
    }

    /// Draws the first page of the document opened ahead `width` pixels wide, its rows
    /// `rows` (`[top, count]`; all of them without), and keeps the pixels for the
    /// viewer's first request (see the module's documentation). Does nothing unless
    /// `document_id` is the document opened ahead.
    pub async fn prepare_cover(&self, document_id: &str, width: u32, rows: Option<(u32, u32)>) -> UiResult<()> {
        let wanted = |w: &Warm| w.document_id == document_id;
        let Some((handle, page_height)) = self.warm.lock().ok().and_then(|w| {
            let w = w.as_ref().filter(|w| wanted(w))?;
            // The pointer resting on it again asks for the same again.
            let held = w.cover.as_ref().is_some_and(|c| c.span(w.handle.0, 0, width, rows).is_some());
            Some((w.handle, page_height(&w.info, width)?)).filter(|_| !held)
        }) else {
            return Ok(());
        };
        let drawn = self.pdf.render_rows(handle, 0, width, rows, Priority::Background, None).await?;
        // A pixel slot is not kept lent for as long as the reader takes to click.
        let bitmap = Bitmap { width: drawn.width, height: drawn.height, rgba: Pixels::Owned(drawn.rgba.to_vec()) };
        drop(drawn);
        let top = rows.map_or(0, |(top, _)| top);
        if let Ok(mut w) = self.warm.lock()
            && let Some(w) = w.as_mut().filter(|w| wanted(w) && w.handle == handle)
        {
            w.cover = Some(Cover { handle, width, top, page_height, bitmap });
        }
        Ok(())
    }

    /// The warm document, taken out: the one for `document_id` (or whichever, for `None`).
    pub(super) fn take_warm(&self, document_id: Option<&str>) -> Option<Warm> {
        let mut warm = self.warm.lock().ok()?;
        match document_id {
            Some(id) if warm.as_ref().is_some_and(|w| w.document_id != id) => None,
            _ => warm.take(),
        }
    }

    /// Lets the cover drawn ahead go: `handle`'s, or whichever for `None`.
    pub(super) fn forget_cover(&self, handle: Option<u64>) {
        if let Ok(mut c) = self.cover.lock()
            && c.as_ref().is_some_and(|c| handle.is_none_or(|h| c.handle.0 == h))
        {
            c.take();
        }
    }

    /// The viewer's request answered from the cover drawn ahead, when it holds every
    /// row asked for at the same width; the cover is then let go (the whole page the
    /// viewer asks for next comes from the worker).
    pub(super) fn drawn_ahead(&self, handle: u64, page: u32, width: u32, rows: Option<(u32, u32)>) -> Option<Bitmap> {
        let mut held = self.cover.lock().ok()?;
        let answer = held.as_ref()?.rows(handle, page, width, rows)?;
        held.take();
        Some(answer)
    }
}

impl Cover {
    /// The page rows `top..end` a request for rows `rows` (all, for `None`) of page
    /// `page` of `handle` at `width` is, if these pixels hold every one of them.
    fn span(&self, handle: u64, page: u32, width: u32, rows: Option<(u32, u32)>) -> Option<(u32, u32)> {
        if self.handle.0 != handle || page != 0 || self.width != width {
            return None;
        }
        let (top, end) = match rows {
            None => (0, self.page_height),
            // Rows past the page's end are not drawn (the worker clamps them too).
            Some((top, count)) => (top, top.saturating_add(count).min(self.page_height)),
        };
        (top >= self.top && end <= self.top + self.bitmap.height && top < end).then_some((top, end))
    }

    /// The request's rows (see [`Cover::span`]), copied out.
    fn rows(&self, handle: u64, page: u32, width: u32, rows: Option<(u32, u32)>) -> Option<Bitmap> {
        let (top, end) = self.span(handle, page, width, rows)?;
        let row = (width as usize) * 4;
        let (from, to) = ((top - self.top) as usize * row, (end - self.top) as usize * row);
        let rgba = self.bitmap.rgba.get(from..to)?.to_vec();
        Some(Bitmap { width, height: end - top, rgba: Pixels::Owned(rgba) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows 10..30 of a 2-pixel-wide page 50 rows tall, each row's bytes its number.
    fn cover() -> Cover {
        let rgba = (10..30u8).flat_map(|r| [r; 8]).collect();
        Cover {
            handle: DocHandle(7),
            width: 2,
            top: 10,
            page_height: 50,
            bitmap: Bitmap { width: 2, height: 20, rgba: Pixels::Owned(rgba) },
        }
    }

    #[test]
    fn answers_rows_it_holds_at_its_width_and_nothing_else() {
        let c = cover();
        let band = c.rows(7, 0, 2, Some((12, 5))).expect("rows 12..17 are held");
        assert_eq!((band.width, band.height), (2, 5));
        assert_eq!(band.rgba[..8], [12; 8]);
        assert_eq!(band.rgba[32..], [16; 8]);
        assert!(c.rows(7, 0, 2, Some((10, 20))).is_some(), "all it holds");
        assert!(c.rows(7, 0, 2, Some((9, 5))).is_none(), "a row above");
        assert!(c.rows(7, 0, 2, Some((25, 10))).is_none(), "rows below");
        assert!(c.rows(7, 0, 2, None).is_none(), "the whole page");
        assert!(c.rows(7, 0, 3, Some((12, 5))).is_none(), "another width");
        assert!(c.rows(7, 1, 2, Some((12, 5))).is_none(), "another page");
        assert!(c.rows(8, 0, 2, Some((12, 5))).is_none(), "another document");
    }

    #[test]
    fn a_whole_page_held_answers_the_whole_page_and_rows_past_its_end() {
        let rgba = (0..50u8).flat_map(|r| [r; 8]).collect();
        let c = Cover { top: 0, bitmap: Bitmap { width: 2, height: 50, rgba: Pixels::Owned(rgba) }, ..cover() };
        assert_eq!(c.rows(7, 0, 2, None).map(|b| b.height), Some(50));
        let tail = c.rows(7, 0, 2, Some((45, 100))).expect("clamped to the page");
        assert_eq!((tail.height, tail.rgba[0]), (5, 45));
    }
}

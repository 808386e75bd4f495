//! The visible watermark: the viewer's name and the time, drawn into a page's pixels
//! inside the worker, before the bitmap leaves it. (An overlay in the web view could be
//! removed with the inspector or a stylesheet; pixels cannot.)
//!
//! The words are set once per text and page width by pdfium itself, in a one-line page
//! of a scratch document with the Vietnamese-capable font the exports use, rendered
//! black on white; the darkness of that render is the stamp's coverage. Each watermarked
//! page then gets the stamp blended in three bands, in a muted red, at low opacity: the
//! page stays readable, a photo or a screenshot still names who looked at it.

use std::collections::HashMap;
use std::sync::Arc;

use pdfium_render::prelude::*;

use crate::PdfError;

/// Colour and strength of the stamp.
const INK: [f32; 3] = [190.0, 30.0, 30.0];
const OPACITY: f32 = 0.30;
/// Share of the page's width the words take.
const SPAN: f32 = 0.72;
/// Where the bands sit, as shares of the page's height (their middle).
pub const BANDS: [f32; 3] = [0.22, 0.5, 0.78];

/// A text's coverage at one size: 0 (none) to 255 (full ink) per pixel.
#[derive(Debug)]
pub struct Stamp {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height` coverage values.
    pub coverage: Vec<u8>,
}

/// Stamps made so far, by text and width (a page re-rendered at the same zoom reuses
/// its stamp).
#[derive(Default)]
pub struct Stamps {
    font: Option<Vec<u8>>,
    made: HashMap<(String, u32), Arc<Stamp>>,
}

impl Stamps {
    /// The stamp of `text` `width` pixels wide.
    pub fn get(&mut self, pdfium: &Pdfium, text: &str, width: u32) -> Result<Arc<Stamp>, PdfError> {
        if let Some(s) = self.made.get(&(text.to_owned(), width)) {
            return Ok(s.clone());
        }
        if self.font.is_none() {
            self.font = crate::export::font::font_bytes();
        }
        let font = self.font.as_deref().ok_or_else(|| {
            PdfError::Engine("no font for the watermark: install fonts-dejavu-core or set MEETING_EXPORT_FONT".into())
        })?;
        let stamp = Arc::new(make(pdfium, font, text, width)?);
        if self.made.len() > 64 {
            self.made.clear();
        }
        self.made.insert((text.to_owned(), width), stamp.clone());
        Ok(stamp)
    }
}

fn engine(e: PdfiumError) -> PdfError {
    PdfError::Engine(format!("drawing the watermark: {e:?}"))
}

/// Sets `text` on a one-line scratch page and renders it `width` pixels wide.
fn make(pdfium: &Pdfium, font: &[u8], text: &str, width: u32) -> Result<Stamp, PdfError> {
    const SIZE: f32 = 12.0;
    let mut doc = pdfium.create_new_pdf().map_err(engine)?;
    let token = doc.fonts_mut().load_true_type_from_bytes(font, true).map_err(engine)?;
    // The line is set once on a generous page to measure it, then on a page its size.
    let guess = SIZE * 0.8 * text.chars().count().max(1) as f32 + SIZE;
    let right = set_line(&mut doc, token, text, guess, SIZE)?.1;
    let (page, _) = set_line(&mut doc, token, text, right + SIZE / 2.0, SIZE)?;
    let config = PdfRenderConfig::new().set_target_width(width.max(1) as i32).set_reverse_byte_order(true);
    let bitmap = page.render_with_config(&config).map_err(engine)?;
    let (w, h) = (bitmap.width() as u32, bitmap.height() as u32);
    let rgba = bitmap.as_rgba_bytes();
    let coverage = rgba.chunks_exact(4).take((w * h) as usize).map(|p| 255 - p[0].min(p[1]).min(p[2])).collect();
    Ok(Stamp { width: w, height: h, coverage })
}

/// A new page `width` points wide holding `text` on one line; and where the text ends.
fn set_line<'a>(
    doc: &mut PdfDocument<'a>,
    token: PdfFontToken,
    text: &str,
    width: f32,
    size: f32,
) -> Result<(PdfPage<'a>, f32), PdfError> {
    let mut page = doc
        .pages_mut()
        .create_page_at_end(PdfPagePaperSize::Custom(PdfPoints::new(width), PdfPoints::new(size * 1.6)))
        .map_err(engine)?;
    let object = page
        .objects_mut()
        .create_text_object(PdfPoints::new(size / 2.0), PdfPoints::new(size * 0.45), text, token, PdfPoints::new(size))
        .map_err(engine)?;
    let right = object.bounds().map(|b| b.right().value).unwrap_or(width);
    Ok((page, right))
}

/// The stamp's width for a page `page_width` pixels wide.
pub fn stamp_width(page_width: u32) -> u32 {
    ((page_width as f32 * SPAN) as u32).max(1)
}

/// Where the stamp's top-left corners go on a `width` × `height` page.
pub fn positions(stamp: &Stamp, width: u32, height: u32) -> Vec<(u32, u32)> {
    let x = width.saturating_sub(stamp.width) / 2;
    BANDS.iter().map(|b| (x, ((height as f32 * b) as u32).saturating_sub(stamp.height / 2))).collect()
}

/// Blends the stamp into RGBA pixels at each band, for the rows `rows` of a `width` ×
/// `height` page, `rgba` holding those rows only (all of them, or a band rendered
/// first): the stamps fall where they fall on the whole page.
pub fn apply_rows(stamp: &Stamp, rgba: &mut [u8], width: u32, height: u32, rows: std::ops::Range<u32>) {
    let end = rows.end.min(height);
    for (x0, y0) in positions(stamp, width, height) {
        for sy in 0..stamp.height {
            let y = y0 + sy;
            if y >= end {
                break;
            }
            if y < rows.start {
                continue;
            }
            for sx in 0..stamp.width {
                let x = x0 + sx;
                let c = stamp.coverage[(sy * stamp.width + sx) as usize];
                if c == 0 || x >= width {
                    continue;
                }
                let a = OPACITY * f32::from(c) / 255.0;
                let at = (((y - rows.start) * width + x) * 4) as usize;
                for (ch, ink) in rgba[at..at + 3].iter_mut().zip(INK) {
                    *ch = (f32::from(*ch) * (1.0 - a) + ink * a).round() as u8;
                }
            }
        }
    }
}

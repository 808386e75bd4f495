//! What the engine answers with. Geometry is in PDF points in the page's own,
//! unrotated user space (origin bottom-left, y up), as PDF defines it; viewers convert
//! to pixels (and apply the page's rotation) only when drawing.

use serde::{Deserialize, Serialize};

/// A rectangle in page points: left, bottom, right, top.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    /// Left edge.
    pub left: f32,
    /// Bottom edge.
    pub bottom: f32,
    /// Right edge.
    pub right: f32,
    /// Top edge.
    pub top: f32,
}

/// Size and label of one page.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageInfo {
    /// Width in points.
    pub width: f32,
    /// Height in points.
    pub height: f32,
    /// Clockwise rotation to apply when showing the page: 0, 90, 180 or 270 (reported for
    /// documents of up to 64 pages, 0 for longer ones: see `engine::info`).
    pub rotation: u16,
    /// Printed page label ("iv", "A-3"), when the document defines one (documents of up
    /// to 64 pages).
    pub label: Option<String>,
}

/// One entry of the document outline (bookmarks).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlineItem {
    /// Title shown in the outline panel.
    pub title: String,
    /// Target page (0-based), when the entry points into the document.
    pub page: Option<u32>,
    /// Nested entries.
    pub children: Vec<OutlineItem>,
}

/// What opening a document tells: everything a viewer needs before the first render.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocInfo {
    /// Every page's size up front, so a viewer can lay out the whole scroll height.
    pub pages: Vec<PageInfo>,
    /// Outline, possibly empty.
    pub outline: Vec<OutlineItem>,
    /// Title from the document's metadata.
    pub title: Option<String>,
}

/// A rendered page: RGBA, 8 bits per channel, rows top to bottom, no padding.
#[derive(Clone, PartialEq, Eq)]
pub struct Bitmap {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub rgba: Pixels,
}

/// A page's pixel bytes: a buffer of their own, or the memory the worker drew them
/// into, lent until dropped (see the service's pixel slots). Either reads as `[u8]`.
pub enum Pixels {
    /// A buffer of their own.
    Owned(Vec<u8>),
    /// Where the worker drew them; the slot is lent to no other page meanwhile.
    Shared(crate::pixels::Lease),
}

impl std::ops::Deref for Pixels {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Self::Owned(v) => v,
            Self::Shared(l) => l,
        }
    }
}

impl Pixels {
    /// The bytes in a buffer of their own (copied out of a slot).
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            Self::Owned(v) => v,
            Self::Shared(l) => l.to_vec(),
        }
    }
}

impl From<Vec<u8>> for Pixels {
    fn from(v: Vec<u8>) -> Self {
        Self::Owned(v)
    }
}

/// A copy of their own (a lent slot is not lent twice).
impl Clone for Pixels {
    fn clone(&self) -> Self {
        Self::Owned(self.to_vec())
    }
}

impl PartialEq for Pixels {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Pixels {}

impl PartialEq<[u8]> for Pixels {
    fn eq(&self, other: &[u8]) -> bool {
        **self == *other
    }
}

impl PartialEq<&[u8]> for Pixels {
    fn eq(&self, other: &&[u8]) -> bool {
        **self == **other
    }
}

/// Bytes after the pixels in a [`Bitmap::into_frame`] frame; buffers that receive
/// pixels reserve them so that framing never moves the pixels.
pub const FRAME_TRAILER: usize = 8;

impl Bitmap {
    /// The bytes the viewer gets: `[RGBA…][u32 LE width][u32 LE height]`. The size
    /// goes last so that a bitmap nobody else holds (the app renders uncached) becomes
    /// the frame without copying its ~15 MB; a shared one is copied once.
    /// Pixels in a slot are copied once (the IPC answer needs a buffer of its own; the
    /// pixel socket sends [`rgba`](Self::rgba) then [`trailer`](Self::trailer) instead).
    pub fn into_frame(self: std::sync::Arc<Self>) -> Vec<u8> {
        let trailer = self.trailer();
        let mut out = match std::sync::Arc::try_unwrap(self) {
            Ok(Self { rgba: Pixels::Owned(v), .. }) => v,
            Ok(b) => Self::copied(&b.rgba),
            Err(shared) => Self::copied(&shared.rgba),
        };
        out.extend_from_slice(&trailer);
        out
    }

    fn copied(rgba: &[u8]) -> Vec<u8> {
        let mut v = Vec::with_capacity(rgba.len() + FRAME_TRAILER);
        v.extend_from_slice(rgba);
        v
    }

    /// The bytes a frame ends with: width then height, u32 LE.
    pub fn trailer(&self) -> [u8; FRAME_TRAILER] {
        let mut t = [0; FRAME_TRAILER];
        t[..4].copy_from_slice(&self.width.to_le_bytes());
        t[4..].copy_from_slice(&self.height.to_le_bytes());
        t
    }
}

impl std::fmt::Debug for Bitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bitmap({}x{}, {} bytes)", self.width, self.height, self.rgba.len())
    }
}

impl Bitmap {
    /// Share of pixels that are not (near-)white: 0 for a blank page.
    pub fn ink_ratio(&self) -> f64 {
        let px = self.rgba.chunks_exact(4).filter(|p| p[0] < 200 || p[1] < 200 || p[2] < 200).count();
        px as f64 / (self.width as f64 * self.height as f64).max(1.0)
    }
}

/// One character of a page's text layer.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextChar {
    /// The character (generated characters such as line breaks included).
    pub ch: char,
    /// Its box, for selection and highlighting.
    pub rect: Rect,
}

/// The text layer of a page.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageText {
    /// The page's text in reading order, as pdfium extracts it.
    pub text: String,
    /// Every character with its box, in the order of `text`. Boxes are in the page's
    /// unrotated user space, like every rectangle this crate returns.
    pub chars: Vec<TextChar>,
    /// Clockwise rotation the page is shown with (0, 90, 180, 270): what a viewer needs
    /// to place those boxes over the rendered page, for pages of any document (unlike
    /// `PageInfo::rotation`, known up front for short documents only).
    #[serde(default)]
    pub rotation: u16,
}

/// One occurrence of a searched string.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "PdfSearchHit"))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// Page (0-based).
    pub page: u32,
    /// Boxes covering the match (several when it wraps lines).
    pub rects: Vec<Rect>,
    /// The matched text.
    pub text: String,
}

/// Where a link on a page leads.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkTarget {
    /// A page of the same document (0-based).
    Page {
        /// Target page.
        page: u32,
    },
    /// An address outside the document.
    Uri {
        /// The address.
        uri: String,
    },
}

/// A clickable area of a page.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageLink {
    /// The area, in page points.
    pub rect: Rect,
    /// Where it leads.
    pub target: LinkTarget,
}

/// Which work goes first when several renders wait.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    /// Thumbnails and background work.
    Background = 0,
    /// Pages next to the visible ones (prefetch).
    Nearby = 1,
    /// Pages on screen.
    Visible = 2,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Bitmap, FRAME_TRAILER};

    fn bitmap() -> Bitmap {
        let mut rgba = Vec::with_capacity(2 * 3 * 4 + FRAME_TRAILER);
        rgba.extend((0..24).map(|i| i as u8));
        Bitmap { width: 2, height: 3, rgba: rgba.into() }
    }

    #[test]
    fn a_frame_is_the_pixels_then_the_size() {
        let frame = Arc::new(bitmap()).into_frame();
        assert_eq!(&frame[..24], &bitmap().rgba[..]);
        assert_eq!(&frame[24..], &[2, 0, 0, 0, 3, 0, 0, 0]);
    }

    #[test]
    fn an_unshared_bitmap_becomes_its_frame_without_moving() {
        let b = Arc::new(bitmap());
        let pixels = b.rgba.as_ptr();
        assert_eq!(b.clone().into_frame().len(), 32, "a shared bitmap is copied");
        let frame = b.into_frame();
        assert_eq!(frame.as_ptr(), pixels, "the last holder's pixels are reused in place");
    }
}

/// An annotation a page holds, as pdfium reads it (to check exported copies, and to
/// recognise marks written by this app: their `name` is the mark's id).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageAnnotation {
    /// PDF subtype: `highlight`, `ink`, `text`, `free_text`, ...
    pub kind: String,
    /// Where it sits.
    pub rect: Rect,
    /// Its words (`/Contents`).
    pub contents: Option<String>,
    /// Its unique name (`/NM`).
    pub name: Option<String>,
}

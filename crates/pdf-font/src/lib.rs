//! Text in the PDFs this project writes itself — the server's demo documents and the
//! app's annotated copies — drawn with an embedded TrueType font (DejaVu Sans covers
//! Vietnamese) as a composite font: Type0 over CIDFontType2 with Identity-H, so the codes
//! in a content stream are glyph ids, plus a ToUnicode map, so every viewer shows the
//! same letters without substitution and the words can be copied and searched.
//!
//! This crate owns the font bookkeeping both writers need: glyph lookup, widths, word
//! wrapping, the glyphs a document used ([`Subset`]), its `/W` array, its ToUnicode
//! program and the descriptor's metrics. Each caller writes the PDF objects its own way
//! (raw bytes on the server, lopdf objects in the export), so none of that is here.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Why text cannot be drawn with the font.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// The file is not a TrueType font ttf-parser can read.
    #[error("the font cannot be read: {0}")]
    Unreadable(String),
    /// The font lacks a glyph for a character, and the subset was asked to refuse those.
    #[error("the font has no glyph for {0:?} (U+{code:04X})", code = u32::from(*.0))]
    MissingGlyph(char),
}

/// A TrueType font read once, used for any number of documents.
pub struct Font {
    data: Vec<u8>,
    units_per_em: f32,
}

/// The font descriptor's numbers, in thousandths of an em (PDF glyph space).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metrics {
    /// `/FontBBox`: left, bottom, right, top.
    pub bbox: [i64; 4],
    /// `/Ascent` (also used as `/CapHeight`).
    pub ascent: i64,
    /// `/Descent` (negative).
    pub descent: i64,
}

impl Font {
    /// Reads a TrueType font file.
    pub fn parse(data: Vec<u8>) -> Result<Self, FontError> {
        let units_per_em = f32::from(ttf_parser::Face::parse(&data, 0).map_err(unreadable)?.units_per_em());
        Ok(Self { data, units_per_em })
    }

    /// The font file, to embed (as `/FontFile2`, `/Length1` = its length).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    // Parsing only reads the table directory; `parse` checked it already.
    fn face(&self) -> Result<ttf_parser::Face<'_>, FontError> {
        ttf_parser::Face::parse(&self.data, 0).map_err(unreadable)
    }

    /// From font units to thousandths of an em.
    fn thousandths(&self, v: f32) -> i64 {
        (v * 1000.0 / self.units_per_em).round() as i64
    }

    /// What the font descriptor says about the font's size.
    pub fn metrics(&self) -> Result<Metrics, FontError> {
        let face = self.face()?;
        let b = face.global_bounding_box();
        let t = |v: i16| self.thousandths(f32::from(v));
        Ok(Metrics {
            bbox: [t(b.x_min), t(b.y_min), t(b.x_max), t(b.y_max)],
            ascent: t(face.ascender()),
            descent: t(face.descender()),
        })
    }

    /// Height above the baseline of the tallest letters at `size` points.
    pub fn ascent(&self, size: f32) -> Result<f32, FontError> {
        Ok(f32::from(self.face()?.ascender()) * size / self.units_per_em)
    }
}

fn unreadable(e: ttf_parser::FaceParsingError) -> FontError {
    FontError::Unreadable(e.to_string())
}

/// The glyphs one document used: what its `/W` array and ToUnicode map must list.
#[derive(Debug, Default)]
pub struct Subset {
    /// glyph id → (character, advance in font units)
    used: BTreeMap<u16, (char, u16)>,
    lenient: bool,
}

impl Subset {
    /// A character the font lacks is an error ([`FontError::MissingGlyph`]): documents
    /// we make must show every letter.
    pub fn strict() -> Self {
        Self::default()
    }

    /// A character the font lacks is drawn as the font's "missing" box: a reader's note
    /// must export whatever it holds.
    pub fn lenient() -> Self {
        Self { lenient: true, ..Self::default() }
    }

    /// (character, glyph id, advance) for each character of `s`.
    fn glyphs(&self, face: &ttf_parser::Face<'_>, s: &str) -> Result<Vec<(char, u16, u16)>, FontError> {
        s.chars()
            .map(|c| {
                let gid = match face.glyph_index(c) {
                    Some(g) => g,
                    None if self.lenient => ttf_parser::GlyphId(0),
                    None => return Err(FontError::MissingGlyph(c)),
                };
                Ok((c, gid.0, face.glyph_hor_advance(gid).unwrap_or(0)))
            })
            .collect()
    }

    /// Width of `s` at `size` points.
    pub fn width(&self, font: &Font, s: &str, size: f32) -> Result<f32, FontError> {
        let face = font.face()?;
        let units: u32 = self.glyphs(&face, s)?.iter().map(|g| u32::from(g.2)).sum();
        Ok(units as f32 * size / font.units_per_em)
    }

    /// The words of one paragraph in lines no wider than `width` at `size` points (a
    /// word longer than that gets a line of its own); no lines for an empty paragraph.
    pub fn wrap(&self, font: &Font, text: &str, size: f32, width: f32) -> Result<Vec<String>, FontError> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if !line.is_empty() && self.width(font, &candidate, size)? > width {
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

    /// `s` as a content-stream hex string of glyph ids (for `Tj`, without the `<>`),
    /// noting the glyphs as used.
    pub fn encode(&mut self, font: &Font, s: &str) -> Result<String, FontError> {
        let face = font.face()?;
        let mut hex = String::with_capacity(s.len() * 4);
        for (c, gid, adv) in self.glyphs(&face, s)? {
            self.used.entry(gid).or_insert((c, adv));
            let _ = write!(hex, "{gid:04X}");
        }
        Ok(hex)
    }

    /// The `/W` array's entries: each used glyph with its width in thousandths of an em.
    pub fn widths(&self, font: &Font) -> Vec<(u16, i64)> {
        self.used.iter().map(|(gid, (_, adv))| (*gid, font.thousandths(f32::from(*adv)))).collect()
    }

    /// The ToUnicode CMap program: glyph id → character, so the words can be copied and
    /// searched. (The missing-glyph box maps to nothing.)
    pub fn to_unicode(&self) -> String {
        let mut cmap = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let used: Vec<_> = self.used.iter().filter(|(gid, _)| **gid != 0).collect();
        // A bfchar block holds at most 100 entries.
        for chunk in used.chunks(100) {
            let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
            for (gid, (c, _)) in chunk {
                let utf16: String = c.encode_utf16(&mut [0; 2]).iter().map(|u| format!("{u:04X}")).collect();
                let _ = writeln!(cmap, "<{gid:04X}> <{utf16}>");
            }
            cmap.push_str("endbfchar\n");
        }
        cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        cmap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEJAVU: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    fn font() -> Option<Font> {
        match std::fs::read(DEJAVU) {
            Ok(data) => Some(Font::parse(data).expect("DejaVu Sans parses")),
            Err(e) => {
                eprintln!("skipping: {DEJAVU}: {e} (Debian fonts-dejavu-core)");
                None
            }
        }
    }

    #[test]
    fn not_a_font_is_a_clear_error() {
        assert!(matches!(Font::parse(b"%PDF-1.7".to_vec()), Err(FontError::Unreadable(_))));
    }

    #[test]
    fn encoded_glyphs_are_listed_with_their_widths_and_characters() {
        let Some(font) = font() else { return };
        let mut s = Subset::strict();
        let hex = s.encode(&font, "Đồng đồng").expect("Vietnamese is covered");
        assert_eq!(hex.len(), 9 * 4, "four hex digits per character");
        // Đ ồ n g space đ: six different glyphs (the repeated ones once).
        assert_eq!(s.widths(&font).len(), 6);
        assert!(s.widths(&font).iter().all(|(_, w)| *w > 0 && *w < 1000));
        let cmap = s.to_unicode();
        assert!(cmap.contains("<0110>"), "Đ (U+0110) is in the ToUnicode map: {cmap}");
        assert!(cmap.contains("<1ED3>"), "ồ (U+1ED3) too");
    }

    #[test]
    fn a_missing_glyph_is_refused_or_drawn_as_a_box() {
        let Some(font) = font() else { return };
        let lacking = "\u{10FFFD}";
        assert!(matches!(Subset::strict().encode(&font, lacking), Err(FontError::MissingGlyph(_))));
        let mut lenient = Subset::lenient();
        assert_eq!(lenient.encode(&font, lacking).expect("drawn"), "0000");
        assert!(!lenient.to_unicode().contains("beginbfchar"), "the box maps to no character");
    }

    #[test]
    fn lines_wrap_at_word_breaks_within_the_width() {
        let Some(font) = font() else { return };
        let s = Subset::strict();
        let text = "Đề nghị đẩy nhanh tiến độ giải ngân vốn đầu tư công trong quý IV";
        let lines = s.wrap(&font, text, 12.0, 120.0).expect("wrap");
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(lines.join(" "), text, "no word lost or split");
        for l in &lines[..lines.len() - 1] {
            assert!(s.width(&font, l, 12.0).expect("width") <= 120.0, "{l:?}");
        }
        assert!(s.wrap(&font, "  ", 12.0, 120.0).expect("wrap").is_empty());
        let metrics = font.metrics().expect("metrics");
        assert!(metrics.ascent > 0 && metrics.descent < 0 && metrics.bbox[2] > metrics.bbox[0]);
    }
}

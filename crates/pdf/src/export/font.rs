//! Words in an exported copy: a free-text box's appearance is drawn with an embedded
//! TrueType font (DejaVu Sans: it covers Vietnamese) as a composite font (see
//! `meeting-pdf-font`, which the server's demo documents use too), so every viewer shows
//! the same letters without font substitution.

use std::io::Write as _;

use lopdf::{Dictionary, Object, ObjectId, Stream};
use meeting_pdf_font::{Font, Subset};

/// Where the font is looked for, after `MEETING_EXPORT_FONT` (Debian: fonts-dejavu-core).
const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];

/// Font size of free-text boxes, in points (the app shows them at the same size).
pub const SIZE: f32 = 12.0;

/// The bytes of the installed font (`MEETING_EXPORT_FONT`, else the usual places): the
/// exports' free text and the watermark are drawn with it.
pub fn font_bytes() -> Option<Vec<u8>> {
    let env = std::env::var("MEETING_EXPORT_FONT").ok();
    env.iter().map(String::as_str).chain(FONT_PATHS.iter().copied()).find_map(|p| std::fs::read(p).ok())
}

/// A TrueType font and the glyphs used so far.
pub struct Embedded {
    font: Font,
    // A reader's note exports whatever it holds: a letter the font lacks is a box.
    used: Subset,
}

impl Embedded {
    /// The font, if one is installed.
    pub fn find() -> Option<Self> {
        let font = Font::parse(font_bytes()?).ok()?;
        Some(Self { font, used: Subset::lenient() })
    }

    /// Content-stream operators drawing `text` inside `rect` (wrapped at word breaks;
    /// lines that do not fit are left out), as font resource `/PhF`.
    pub fn draw(&mut self, text: &str, rect: [f32; 4], rgb: [f32; 3]) -> String {
        let [left, bottom, right, top] = rect;
        let room = (right - left - 8.0).max(SIZE);
        let mut lines: Vec<String> = Vec::new();
        for paragraph in text.split('\n') {
            // (A lenient subset draws every character: wrapping cannot fail.)
            let wrapped = self.used.wrap(&self.font, paragraph, SIZE, room).unwrap_or_default();
            // An empty paragraph is a blank line, as the note shows it.
            if wrapped.is_empty() {
                lines.push(String::new());
            }
            lines.extend(wrapped);
        }
        let [r, g, b] = rgb;
        let mut out = format!("BT /PhF {SIZE} Tf {r:.3} {g:.3} {b:.3} rg\n");
        let mut y = top - 3.0 - self.font.ascent(SIZE).unwrap_or(SIZE);
        for line in lines {
            if y < bottom + 1.0 {
                break;
            }
            let hex = self.used.encode(&self.font, &line).unwrap_or_default();
            out.push_str(&format!("1 0 0 1 {} {y} Tm <{hex}> Tj\n", left + 4.0));
            y -= SIZE * 1.25;
        }
        out.push_str("ET\n");
        out
    }

    /// Adds the font (with the widths of every glyph drawn) to `doc` as object `id`,
    /// reserved before the appearances that use it were written.
    pub fn write(&self, doc: &mut lopdf::Document, id: ObjectId) -> Option<()> {
        let data = self.font.data();
        let mut compressed = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        compressed.write_all(data).ok()?;
        let file = Stream::new(
            Dictionary::from_iter([
                ("Length1", Object::Integer(data.len() as i64)),
                ("Filter", Object::Name(b"FlateDecode".to_vec())),
            ]),
            compressed.finish().ok()?,
        );
        let file = doc.add_object(file);
        let m = self.font.metrics().ok()?;
        let descriptor = doc.add_object(Dictionary::from_iter([
            ("Type", Object::Name(b"FontDescriptor".to_vec())),
            ("FontName", Object::Name(b"DejaVuSans".to_vec())),
            ("Flags", Object::Integer(32)),
            ("FontBBox", Object::Array(m.bbox.iter().map(|v| Object::Integer(*v)).collect())),
            ("ItalicAngle", Object::Integer(0)),
            ("Ascent", Object::Integer(m.ascent)),
            ("Descent", Object::Integer(m.descent)),
            ("CapHeight", Object::Integer(m.ascent)),
            ("StemV", Object::Integer(80)),
            ("FontFile2", Object::Reference(file)),
        ]));
        let mut widths = Vec::new();
        for (gid, w) in self.used.widths(&self.font) {
            widths.push(Object::Integer(i64::from(gid)));
            widths.push(Object::Array(vec![Object::Integer(w)]));
        }
        let cid = doc.add_object(Dictionary::from_iter([
            ("Type", Object::Name(b"Font".to_vec())),
            ("Subtype", Object::Name(b"CIDFontType2".to_vec())),
            ("BaseFont", Object::Name(b"DejaVuSans".to_vec())),
            (
                "CIDSystemInfo",
                Object::Dictionary(Dictionary::from_iter([
                    ("Registry", Object::string_literal("Adobe")),
                    ("Ordering", Object::string_literal("Identity")),
                    ("Supplement", Object::Integer(0)),
                ])),
            ),
            ("FontDescriptor", Object::Reference(descriptor)),
            ("W", Object::Array(widths)),
            ("CIDToGIDMap", Object::Name(b"Identity".to_vec())),
        ]));
        let to_unicode = doc.add_object(Stream::new(Dictionary::new(), self.used.to_unicode().into_bytes()));
        let font = Dictionary::from_iter([
            ("Type", Object::Name(b"Font".to_vec())),
            ("Subtype", Object::Name(b"Type0".to_vec())),
            ("BaseFont", Object::Name(b"DejaVuSans".to_vec())),
            ("Encoding", Object::Name(b"Identity-H".to_vec())),
            ("DescendantFonts", Object::Array(vec![Object::Reference(cid)])),
            ("ToUnicode", Object::Reference(to_unicode)),
        ]);
        doc.objects.insert(id, Object::Dictionary(font));
        Some(())
    }
}

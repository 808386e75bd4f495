//! Words in an exported copy: a free-text box's appearance is drawn with an embedded
//! TrueType font (DejaVu Sans: it covers Vietnamese), as a composite font whose codes
//! are glyph ids, so every viewer shows the same letters without font substitution.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use lopdf::{Dictionary, Object, ObjectId, Stream};

/// Where the font is looked for, after `MEETING_EXPORT_FONT` (Debian: fonts-dejavu-core).
const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];

/// Font size of free-text boxes, in points (the app shows them at the same size).
pub const SIZE: f32 = 12.0;

/// A TrueType font and the glyphs used so far.
pub struct Embedded {
    data: Vec<u8>,
    /// glyph id → (character, advance in font units)
    used: BTreeMap<u16, (char, u16)>,
}

impl Embedded {
    /// The font, if one is installed.
    pub fn find() -> Option<Self> {
        let env = std::env::var("MEETING_EXPORT_FONT").ok();
        env.iter().map(String::as_str).chain(FONT_PATHS.iter().copied()).find_map(|p| {
            let data = std::fs::read(p).ok()?;
            ttf_parser::Face::parse(&data, 0).ok()?;
            Some(Self { data, used: BTreeMap::new() })
        })
    }

    fn face(&self) -> Option<ttf_parser::Face<'_>> {
        ttf_parser::Face::parse(&self.data, 0).ok()
    }

    /// Content-stream operators drawing `text` inside `rect` (wrapped at word breaks;
    /// lines that do not fit are left out), as font resource `/PhF`.
    pub fn draw(&mut self, text: &str, rect: [f32; 4], rgb: [f32; 3]) -> String {
        // Parsed from the field (not through `self.face()`): `self.used` is written below.
        let Ok(face) = ttf_parser::Face::parse(&self.data, 0) else { return String::new() };
        let unit = SIZE / f32::from(face.units_per_em());
        let ascent = f32::from(face.ascender()) * unit;
        let mut glyphs: Vec<(char, u16, u16)> = Vec::new();
        let width_of = |s: &str, glyphs: &mut Vec<(char, u16, u16)>| -> f32 {
            glyphs.clear();
            let mut w = 0.0;
            for c in s.chars() {
                let gid = face.glyph_index(c).map_or(0, |g| g.0);
                let adv = face.glyph_hor_advance(ttf_parser::GlyphId(gid)).unwrap_or(0);
                glyphs.push((c, gid, adv));
                w += f32::from(adv) * unit;
            }
            w
        };
        let [left, bottom, right, top] = rect;
        let room = (right - left - 8.0).max(SIZE);
        let mut lines: Vec<String> = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
                if !line.is_empty() && width_of(&candidate, &mut glyphs) > room {
                    lines.push(std::mem::replace(&mut line, word.to_owned()));
                } else {
                    line = candidate;
                }
            }
            lines.push(line);
        }
        let [r, g, b] = rgb;
        let mut out = format!("BT /PhF {SIZE} Tf {r:.3} {g:.3} {b:.3} rg\n");
        let mut y = top - 3.0 - ascent;
        for line in lines {
            if y < bottom + 1.0 {
                break;
            }
            width_of(&line, &mut glyphs);
            let mut hex = String::with_capacity(glyphs.len() * 4);
            for (c, gid, adv) in &glyphs {
                self.used.entry(*gid).or_insert((*c, *adv));
                let _ = write!(hex, "{gid:04X}");
            }
            let _ = writeln!(out, "1 0 0 1 {} {y} Tm <{hex}> Tj", left + 4.0);
            y -= SIZE * 1.25;
        }
        out.push_str("ET\n");
        out
    }

    /// Adds the font (with the widths of every glyph drawn) to `doc` as object `id`,
    /// reserved before the appearances that use it were written.
    pub fn write(&self, doc: &mut lopdf::Document, id: ObjectId) -> Option<()> {
        let face = self.face()?;
        let unit = 1000.0 / f32::from(face.units_per_em());
        let mut compressed = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        compressed.write_all(&self.data).ok()?;
        let file = Stream::new(
            Dictionary::from_iter([
                ("Length1", Object::Integer(self.data.len() as i64)),
                ("Filter", Object::Name(b"FlateDecode".to_vec())),
            ]),
            compressed.finish().ok()?,
        );
        let file = doc.add_object(file);
        let b = face.global_bounding_box();
        let scaled = |v: i16| Object::Integer((f32::from(v) * unit) as i64);
        let descriptor = doc.add_object(Dictionary::from_iter([
            ("Type", Object::Name(b"FontDescriptor".to_vec())),
            ("FontName", Object::Name(b"DejaVuSans".to_vec())),
            ("Flags", Object::Integer(32)),
            ("FontBBox", Object::Array(vec![scaled(b.x_min), scaled(b.y_min), scaled(b.x_max), scaled(b.y_max)])),
            ("ItalicAngle", Object::Integer(0)),
            ("Ascent", scaled(face.ascender())),
            ("Descent", scaled(face.descender())),
            ("CapHeight", scaled(face.ascender())),
            ("StemV", Object::Integer(80)),
            ("FontFile2", Object::Reference(file)),
        ]));
        let mut widths = Vec::new();
        for (gid, (_, adv)) in &self.used {
            widths.push(Object::Integer(i64::from(*gid)));
            widths.push(Object::Array(vec![Object::Integer((f32::from(*adv) * unit) as i64)]));
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
        let to_unicode = doc.add_object(self.to_unicode());
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

    /// Glyph id → character, so the words can be copied and searched in the copy.
    fn to_unicode(&self) -> Stream {
        let mut cmap = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let used: Vec<_> = self.used.iter().filter(|(gid, _)| **gid != 0).collect();
        for chunk in used.chunks(100) {
            let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
            for (gid, (c, _)) in chunk {
                let mut utf16 = String::new();
                for u in c.encode_utf16(&mut [0; 2]) {
                    let _ = write!(utf16, "{u:04X}");
                }
                let _ = writeln!(cmap, "<{gid:04X}> <{utf16}>");
            }
            cmap.push_str("endbfchar\n");
        }
        cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        Stream::new(Dictionary::new(), cmap.into_bytes())
    }
}

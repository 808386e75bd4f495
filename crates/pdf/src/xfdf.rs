//! XFDF: the XML exchange format for PDF annotations (ISO 19444-1), which Acrobat,
//! Foxit, PDF-XChange and most document systems import. The same [`Markup`]s as the
//! annotated copy, so both exports always agree.

use std::fmt::Write as _;

use crate::export::{Markup, MarkupKind};

/// Escapes text for XML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

fn list(v: impl IntoIterator<Item = f32>) -> String {
    v.into_iter().map(|x| format!("{x}")).collect::<Vec<_>>().join(",")
}

/// The XFDF document for `marks` on the PDF called `file_name`.
pub fn xfdf(file_name: &str, marks: &[Markup]) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xfdf xmlns=\"http://ns.adobe.com/xfdf/\" xml:space=\"preserve\">\n",
    );
    let _ = writeln!(x, "  <f href=\"{}\"/>\n  <annots>", esc(file_name));
    for m in marks.iter().filter(|m| !matches!(m.kind, MarkupKind::Watermark)) {
        let tag = match m.kind {
            MarkupKind::Highlight(_) => "highlight",
            MarkupKind::Underline(_) => "underline",
            MarkupKind::StrikeOut(_) => "strikeout",
            MarkupKind::Ink(..) => "ink",
            MarkupKind::Note(_) => "text",
            MarkupKind::FreeText(_) | MarkupKind::Watermark => "freetext",
        };
        let [r, g, b] = m.color.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8);
        let _ = write!(
            x,
            "    <{tag} page=\"{}\" rect=\"{}\" color=\"#{r:02X}{g:02X}{b:02X}\" opacity=\"{}\" name=\"{}\" title=\"{}\" date=\"{}\" flags=\"print\"",
            m.page,
            list(m.rect()),
            m.opacity,
            esc(&m.id),
            esc(&m.author),
            esc(&m.modified)
        );
        let mut inner = String::new();
        match &m.kind {
            MarkupKind::Highlight(q) | MarkupKind::Underline(q) | MarkupKind::StrikeOut(q) => {
                let _ = write!(x, " coords=\"{}\"", list(q.iter().flatten().copied()));
            }
            MarkupKind::Ink(paths, width) => {
                let _ = write!(x, " width=\"{width}\"");
                inner.push_str("      <inklist>\n");
                for p in paths {
                    let points: Vec<String> = p.iter().map(|[px, py]| format!("{px},{py}")).collect();
                    let _ = writeln!(inner, "        <gesture>{}</gesture>", points.join(";"));
                }
                inner.push_str("      </inklist>\n");
            }
            MarkupKind::Note(_) => x.push_str(" icon=\"Comment\""),
            MarkupKind::FreeText(_) | MarkupKind::Watermark => {}
        }
        x.push_str(">\n");
        if !m.text.is_empty() {
            let _ = writeln!(x, "      <contents>{}</contents>", esc(&m.text));
        }
        x.push_str(&inner);
        let _ = writeln!(x, "    </{tag}>");
    }
    x.push_str("  </annots>\n</xfdf>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(kind: MarkupKind, text: &str) -> Markup {
        Markup {
            id: "0193-a".into(),
            page: 2,
            kind,
            color: [1.0, 0.831, 0.0],
            opacity: 0.4,
            text: text.into(),
            author: "Trần Thị B".into(),
            modified: "D:20261123080000Z".into(),
        }
    }

    #[test]
    fn every_kind_is_written_with_its_geometry_and_escaped_words() {
        let marks = [
            mark(
                MarkupKind::Highlight(vec![[1.0, 20.0, 30.0, 20.0, 1.0, 10.0, 30.0, 10.0]]),
                "Số liệu <quý III> & \"kế hoạch\"",
            ),
            mark(MarkupKind::Ink(vec![vec![[1.0, 2.0], [3.0, 4.0]]], 2.5), ""),
            mark(MarkupKind::Note([100.0, 200.0]), "Đồng ý\u{1}"),
        ];
        let x = xfdf("báo cáo & kế hoạch.pdf", &marks);
        assert!(x.contains("<f href=\"báo cáo &amp; kế hoạch.pdf\"/>"));
        assert!(x.contains("<highlight page=\"2\" rect=\"0,9,31,21\" color=\"#FFD400\" opacity=\"0.4\" name=\"0193-a\" title=\"Trần Thị B\""));
        assert!(x.contains("coords=\"1,20,30,20,1,10,30,10\""));
        assert!(x.contains("<contents>Số liệu &lt;quý III&gt; &amp; &quot;kế hoạch&quot;</contents>"));
        assert!(x.contains("<gesture>1,2;3,4</gesture>"));
        assert!(x.contains("<text page=\"2\" rect=\"100,180,120,200\""), "{x}");
        assert!(x.contains("<contents>Đồng ý</contents>"), "control characters are dropped");
        assert_eq!(x.matches("<contents>").count(), 2, "no empty contents for the ink stroke");
    }
}

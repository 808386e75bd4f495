//! Text marks: from a run of characters on a page to the boxes a highlight covers and the
//! anchor that finds the same words again in a new version of the document.
//!
//! Positions count the page's text-layer characters (`PageText::chars`, generated line
//! breaks included), so the app's selection and a re-anchoring agree on what "offset 120"
//! means.

use meeting_pdf::{PageText, TextChar};
use meeting_protocol::{Point, Quad, TextAnchor};

/// Characters of context kept on each side of a quote.
const CONTEXT: usize = 32;

/// The page's characters, as anchors count them.
pub fn page_chars(text: &PageText) -> Vec<char> {
    text.chars.iter().map(|c| c.ch).collect()
}

/// Boxes over `chars`: one quad per line, following the text's own direction.
pub fn quads(chars: &[TextChar]) -> Vec<Quad> {
    let mut out: Vec<Quad> = Vec::new();
    let mut line: Option<(f32, f32, f32, f32)> = None;
    let push = |out: &mut Vec<Quad>, (l, b, r, t): (f32, f32, f32, f32)| {
        out.push(Quad {
            points: [Point { x: l, y: t }, Point { x: r, y: t }, Point { x: l, y: b }, Point { x: r, y: b }],
        });
    };
    for c in chars {
        let rc = c.rect;
        // Line breaks and spaces with no extent carry no box of their own.
        if c.ch.is_whitespace() && (rc.right - rc.left <= 0.01 || rc.top - rc.bottom <= 0.01) {
            continue;
        }
        line = match line {
            Some((l, b, r, t)) => {
                let mid = (rc.bottom + rc.top) / 2.0;
                let same_line = mid > b && mid < t && rc.left >= l - 1.0;
                if same_line {
                    Some((l.min(rc.left), b.min(rc.bottom), r.max(rc.right), t.max(rc.top)))
                } else {
                    push(&mut out, (l, b, r, t));
                    Some((rc.left, rc.bottom, rc.right, rc.top))
                }
            }
            None => Some((rc.left, rc.bottom, rc.right, rc.top)),
        };
    }
    if let Some(l) = line {
        push(&mut out, l);
    }
    out
}

/// The anchor of characters `start..end` of a page.
pub fn anchor(chars: &[char], start: usize, end: usize) -> TextAnchor {
    let end = end.min(chars.len());
    let start = start.min(end);
    TextAnchor {
        quote: chars[start..end].iter().collect(),
        prefix: chars[start.saturating_sub(CONTEXT)..start].iter().collect(),
        suffix: chars[end..(end + CONTEXT).min(chars.len())].iter().collect(),
        position: u32::try_from(start).unwrap_or(u32::MAX),
    }
}

/// Quads and anchor of characters `start..end` of a page, or `None` for an empty range.
pub fn text_mark(text: &PageText, start: usize, end: usize) -> Option<(Vec<Quad>, TextAnchor)> {
    let end = end.min(text.chars.len());
    if start >= end {
        return None;
    }
    let q = quads(&text.chars[start..end]);
    if q.is_empty() {
        return None;
    }
    Some((q, anchor(&page_chars(text), start, end)))
}

/// Where `needle` occurs in `hay`.
fn occurrences(hay: &[char], needle: &[char]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return Vec::new();
    }
    (0..=hay.len() - needle.len()).filter(|&i| hay[i..i + needle.len()] == *needle).collect()
}

/// How many characters agree, walking from the quote outwards.
fn agree(a: impl Iterator<Item = char>, b: impl Iterator<Item = char>) -> usize {
    a.zip(b).take_while(|(x, y)| x == y).count()
}

/// Finds an anchor's words in a document's pages (`pages[i]` = characters of page `i`):
/// the occurrence whose surroundings agree best, then the nearest to where they were.
/// `None` when the words are gone.
pub fn locate(pages: &[Vec<char>], anchor: &TextAnchor, page_hint: u32) -> Option<(u32, usize)> {
    let quote: Vec<char> = anchor.quote.chars().collect();
    let prefix: Vec<char> = anchor.prefix.chars().collect();
    let suffix: Vec<char> = anchor.suffix.chars().collect();
    let mut best: Option<((usize, i64), u32, usize)> = None;
    for (p, chars) in pages.iter().enumerate() {
        let page = u32::try_from(p).unwrap_or(u32::MAX);
        for at in occurrences(chars, &quote) {
            let context = agree(prefix.iter().rev().copied(), chars[..at].iter().rev().copied())
                + agree(suffix.iter().copied(), chars[at + quote.len()..].iter().copied());
            // Same page and near the old offset wins among equal contexts.
            let distance = (i64::from(page) - i64::from(page_hint)).abs() * 100_000
                + (at as i64 - i64::from(anchor.position)).abs();
            let score = (context, -distance);
            if best.as_ref().is_none_or(|(s, ..)| score > *s) {
                best = Some((score, page, at));
            }
        }
    }
    best.map(|(_, page, at)| (page, at))
}

#[cfg(test)]
mod tests {
    use meeting_pdf::Rect;

    use super::*;

    /// One line of text per string, 10 pt per character, lines 20 pt apart.
    fn page(lines: &[&str]) -> PageText {
        let mut chars = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let top = 800.0 - 20.0 * i as f32;
            for (j, ch) in line.chars().enumerate() {
                let left = 50.0 + 10.0 * j as f32;
                chars.push(TextChar { ch, rect: Rect { left, bottom: top - 12.0, right: left + 10.0, top } });
            }
            let zero = Rect { left: 0.0, bottom: 0.0, right: 0.0, top: 0.0 };
            chars.push(TextChar { ch: '\n', rect: zero });
        }
        PageText { text: String::new(), chars, rotation: 0 }
    }

    #[test]
    fn a_mark_over_two_lines_gets_one_quad_per_line_and_its_context() {
        let text = page(&["Đồng chí Chủ tịch", "chỉ đạo cải cách"]);
        let chars = page_chars(&text);
        let start = 9; // "Chủ tịch\nchỉ đạo"
        let (q, a) = text_mark(&text, start, start + 16).expect("a mark");
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].points[0], Point { x: 140.0, y: 800.0 }, "top-left of 'C'");
        assert_eq!(q[1].points[3], Point { x: 120.0, y: 768.0 }, "bottom-right of 'đạo'");
        assert_eq!(a.quote, "Chủ tịch\nchỉ đạo");
        assert_eq!(a.prefix, "Đồng chí ");
        assert_eq!(a.suffix, " cải cách\n");
        assert_eq!(a.position, 9);
        assert_eq!(chars.len(), 35);
        assert!(text_mark(&text, 5, 5).is_none());
    }

    #[test]
    fn words_are_found_again_after_text_is_inserted_before_them() {
        let old = page_chars(&page(&["Mở đầu.", "Đề nghị tăng ngân sách cho y tế."]));
        let anchor = anchor(&old, 16, 30);
        assert_eq!(anchor.quote, "tăng ngân sách");
        let new = vec![
            page_chars(&page(&["Đoạn mới chèn vào: tăng ngân sách là cần.", "Mở đầu."])),
            page_chars(&page(&["Đề nghị tăng ngân sách cho y tế."])),
        ];
        // The words occur twice, the nearer one on the old page; the context picks the
        // right one.
        assert_eq!(locate(&new, &anchor, 0), Some((1, 8)));
        assert!(locate(&new, &TextAnchor { quote: "giáo dục".into(), ..anchor }, 0).is_none());
    }
}

/// Where `words` first occur in a page's characters, compared folded (case, diacritics,
/// đ → d) as the app's find does: "cai cach" finds "Cải cách". The range is in the
/// page's own characters (folding maps one char to one char).
pub fn find_words(chars: &[char], words: &str) -> Option<(usize, usize)> {
    let needle: Vec<char> = words.trim().chars().map(crate::fold::fold_char).collect();
    if needle.is_empty() {
        return None;
    }
    let hay: Vec<char> = chars.iter().map(|c| crate::fold::fold_char(*c)).collect();
    hay.windows(needle.len()).position(|w| w == needle.as_slice()).map(|at| (at, at + needle.len()))
}

#[cfg(test)]
mod find_tests {
    #[test]
    fn words_are_found_folded_in_the_page_characters() {
        let page: Vec<char> = "Đẩy mạnh Cải cách hành chính".chars().collect();
        assert_eq!(super::find_words(&page, "cai cach"), Some((9, 17)));
        assert_eq!(super::find_words(&page, "day manh"), Some((0, 8)));
        assert_eq!(super::find_words(&page, "CẢI CÁCH HÀNH"), Some((9, 22)));
        assert_eq!(super::find_words(&page, "  "), None);
        assert_eq!(super::find_words(&page, "ngân sách"), None);
    }
}

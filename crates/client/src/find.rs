//! Find in one document, folded like the search index: "cai cach" highlights
//! "cải cách", "dong" highlights "Đồng". Works on the engine's text layer (characters
//! with boxes), so each hit comes with rectangles to highlight.

use meeting_pdf::{DocHandle, PdfError, PdfService, Rect, SearchHit, TextChar};

use crate::fold::fold_char;

/// Every occurrence of `query` in the document, in page order (at most 1000).
pub async fn find(pdf: &PdfService, doc: DocHandle, query: &str) -> Result<Vec<SearchHit>, PdfError> {
    let needle = normalise(query);
    if needle.iter().all(|c| *c == ' ') {
        return Err(PdfError::Invalid("type something to find".into()));
    }
    let mut hits = Vec::new();
    let mut page = 0;
    loop {
        let text = match pdf.text(doc, page).await {
            Ok(t) => t,
            Err(PdfError::PageOutOfRange { .. }) => return Ok(hits),
            Err(e) => return Err(e),
        };
        hits.extend(find_on_page(page, &text.chars, &needle));
        if hits.len() >= 1000 {
            hits.truncate(1000);
            return Ok(hits);
        }
        page += 1;
    }
}

/// Folds `chars`, collapsing whitespace runs to one space and dropping lone combining
/// marks; returns the folded chars and, for each, the index of the char it came from.
fn collapse(chars: impl Iterator<Item = char>) -> (Vec<char>, Vec<usize>) {
    let (mut out, mut origin) = (Vec::new(), Vec::new());
    for (i, c) in chars.enumerate() {
        let f = if c.is_whitespace() { ' ' } else { fold_char(c) };
        if f == '\u{200B}' || (f == ' ' && out.last() == Some(&' ')) {
            continue;
        }
        out.push(f);
        origin.push(i);
    }
    (out, origin)
}

/// The query folded and collapsed, without leading or trailing space.
fn normalise(query: &str) -> Vec<char> {
    let (mut out, _) = collapse(query.chars());
    while out.last() == Some(&' ') {
        out.pop();
    }
    if out.first() == Some(&' ') {
        out.remove(0);
    }
    out
}

fn find_on_page(page: u32, chars: &[TextChar], needle: &[char]) -> Vec<SearchHit> {
    // The page's text folded and collapsed, remembering which char each position is.
    let (hay, origin) = collapse(chars.iter().map(|c| c.ch));
    let mut hits = Vec::new();
    let mut at = 0;
    while needle.len() <= hay.len() && at + needle.len() <= hay.len() {
        if hay[at..at + needle.len()] == *needle {
            let first = origin[at];
            let last = origin[at + needle.len() - 1];
            let matched = &chars[first..=last];
            hits.push(SearchHit { page, rects: line_rects(matched), text: matched.iter().map(|c| c.ch).collect() });
            at += needle.len();
        } else {
            at += 1;
        }
    }
    hits
}

/// One rectangle per line of the matched characters.
fn line_rects(chars: &[TextChar]) -> Vec<Rect> {
    let mut rects: Vec<Rect> = Vec::new();
    for c in chars.iter().filter(|c| !c.ch.is_whitespace() && c.rect.right > c.rect.left) {
        let r = c.rect;
        match rects.last_mut() {
            // Same line: vertical overlap of more than half the char's height.
            Some(l) if (l.top.min(r.top) - l.bottom.max(r.bottom)) > 0.5 * (r.top - r.bottom) => {
                l.left = l.left.min(r.left);
                l.right = l.right.max(r.right);
                l.top = l.top.max(r.top);
                l.bottom = l.bottom.min(r.bottom);
            }
            _ => rects.push(r),
        }
    }
    rects
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(lines: &[&str]) -> Vec<TextChar> {
        let mut out = Vec::new();
        for (l, line) in lines.iter().enumerate() {
            let top = 800.0 - 20.0 * l as f32;
            for (i, ch) in line.chars().enumerate() {
                let left = 50.0 + 6.0 * i as f32;
                out.push(TextChar { ch, rect: Rect { left, right: left + 5.0, top, bottom: top - 10.0 } });
            }
            out.push(TextChar { ch: '\r', rect: Rect { left: 0.0, right: 0.0, top: 0.0, bottom: 0.0 } });
            out.push(TextChar { ch: '\n', rect: Rect { left: 0.0, right: 0.0, top: 0.0, bottom: 0.0 } });
        }
        out
    }

    #[test]
    fn finds_without_diacritics_across_a_line_break() {
        let chars = layout(&["Đẩy mạnh cải", "cách hành chính. Đồng chí"]);
        let hits = find_on_page(2, &chars, &normalise("cai cach"));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].page, 2);
        assert_eq!(hits[0].rects.len(), 2, "one box per line");
        assert!(hits[0].text.starts_with("cải") && hits[0].text.ends_with("cách"));
        let dong = find_on_page(0, &chars, &normalise("DONG"));
        assert_eq!(dong.len(), 1);
        assert_eq!(dong[0].text, "Đồng");
    }
}

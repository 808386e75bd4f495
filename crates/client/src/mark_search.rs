//! Finding words in the marks on this device: a note's own words and the words a
//! highlight, underline or strike-out covers, folded like the document index (see
//! [`crate::fold`]), so "giai ngan" finds "giải ngân" and "dong" finds "đồng".
//!
//! Marks are matched by a scan rather than an index: a device holds thousands of them,
//! not millions, and a note changes on every edit, from the app, from sync and from
//! carry-over alike — one index to keep right on every one of those paths would cost
//! more than reading the rows.

use serde::Serialize;

use crate::annotations::LocalAnnotation;
use crate::error::{ClientError, Result};
use crate::search::{snippet, terms};
use crate::store::Store;

/// One mark whose words match a query.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct MarkHit {
    /// The mark, with its sync state and author.
    pub mark: LocalAnnotation,
    /// The meeting's title.
    pub meeting_title: String,
    /// Where the mark is: its document's title, or its agenda item's for a note on an item.
    pub place: String,
    /// The matching words, from the original (with diacritics).
    pub snippet: String,
    /// Char range of the match inside `snippet`.
    pub highlight: (usize, usize),
}

/// True when `text`'s words (cut and folded as a query's are, by [`terms`]) hold the
/// query's words one after another, the last one possibly cut short (as it is being
/// typed) — what the page index matches too.
pub fn matches(text: &str, query: &[String]) -> bool {
    let Some((last, whole)) = query.split_last() else { return false };
    let words = terms(text);
    words
        .windows(query.len())
        .any(|w| w.iter().zip(whole).all(|(a, b)| a == b) && w[whole.len()].starts_with(last.as_str()))
}

impl Store {
    /// Marks whose note words or covered words match `query` (diacritics and case
    /// ignored), most recently changed first, optionally within one meeting.
    pub fn search_marks(&self, query: &str, meeting_id: Option<&str>, limit: usize) -> Result<Vec<MarkHit>> {
        let words = terms(query);
        if words.is_empty() {
            return Err(ClientError::NotFound("type a word to search for".into()));
        }
        let phrase = words.join(" ");
        let mut found: Vec<(LocalAnnotation, String)> = Vec::new();
        for m in self.annotations(meeting_id)? {
            let quote = m.annotation.anchor.as_ref().map(|a| a.quote.as_str()).unwrap_or_default();
            // A note's own words first: they are what its author wrote.
            let text = [m.annotation.text.as_str(), quote].into_iter().find(|t| matches(t, &words));
            if let Some(text) = text {
                let text = text.to_owned();
                found.push((m, text));
            }
        }
        found.sort_by_key(|(m, _)| std::cmp::Reverse(m.annotation.updated_at));
        found.truncate(limit);
        let mut hits = Vec::with_capacity(found.len());
        for (mark, text) in found {
            let a = &mark.annotation;
            let place = match (a.document_id, a.agenda_item_id) {
                (Some(doc), _) => self.document_title(&doc.to_string())?,
                (None, Some(item)) => self.title_of("agenda_items", &item.to_string())?,
                (None, None) => None,
            };
            let (snippet, highlight) = snippet(&text, &phrase);
            hits.push(MarkHit {
                meeting_title: self.title_of("meetings", &a.meeting_id.to_string())?.unwrap_or_default(),
                place: place.unwrap_or_default(),
                snippet,
                highlight,
                mark,
            });
        }
        Ok(hits)
    }

    /// The `title` in the JSON of a row of `table` (a fixed table name, never input).
    fn title_of(&self, table: &'static str, id: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension as _;
        let sql = format!("SELECT json_extract(data, '$.title') FROM {table} WHERE id = ?1");
        Ok(self.conn().query_row(&sql, [id], |r| r.get::<_, Option<String>>(0)).optional()?.flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Vec<String> {
        terms(s)
    }

    #[test]
    fn words_match_folded_in_order_the_last_as_a_prefix() {
        let note = "Đề nghị làm rõ tiến độ giải ngân vốn đầu tư công";
        assert!(matches(note, &q("giai ngan")));
        assert!(matches(note, &q("GIẢI NGÂN")));
        assert!(matches(note, &q("de nghi lam")));
        assert!(matches(note, &q("dau t")), "the last word may be cut short");
        assert!(!matches(note, &q("ngan giai")), "words in the query's order");
        assert!(!matches(note, &q("gia ngan")), "only the last word is a prefix");
        assert!(!matches(note, &q("tien do giai ngan von dau tu cong nam")));
        assert!(!matches("", &q("dong")));
    }

    #[test]
    fn d_with_stroke_folds_to_d() {
        assert!(matches("Đồng chí Chủ tịch", &q("dong chi")));
        assert!(matches("đồng", &q("Đồng")));
    }
}

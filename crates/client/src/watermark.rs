//! Which documents carry the visible watermark, and its words: the viewer's name and
//! the time, drawn into the pixels by the PDF worker (`meeting_pdf::watermark`) and into
//! exported copies. On unless the office turned it off for the meeting or the document;
//! always on for confidential documents (`Document::watermarked`).

use meeting_protocol::{Document, Meeting};
use rusqlite::OptionalExtension as _;
use time::OffsetDateTime;

use crate::Result;
use crate::store::{Store, parse};

/// Vietnam's one time zone (UTC+7): the offices this is made for. (The OS's zone cannot
/// be read safely from a multi-threaded process.)
const ICT: time::UtcOffset = time::macros::offset!(+7);

impl Store {
    /// The words to stamp on a document's pages for this viewer now, or `None` when the
    /// document carries no watermark.
    pub fn watermark_for(&self, document_id: &str) -> Result<Option<String>> {
        let row: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT d.data, m.data FROM documents d JOIN meetings m ON m.id = d.meeting_id WHERE d.id = ?1",
                [document_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((doc, meeting)) = row else { return Ok(None) };
        let (doc, meeting): (Document, Meeting) = (parse(&doc)?, parse(&meeting)?);
        if !doc.watermarked(&meeting) {
            return Ok(None);
        }
        let who = match (self.meta("display_name")?, self.meta("username")?) {
            (Some(name), _) if !name.trim().is_empty() => name,
            (_, Some(user)) => user,
            _ => String::new(),
        };
        Ok(Some(words(&who, OffsetDateTime::now_utc())))
    }
}

/// "Nguyễn Văn An · 03/12/2026 14:05" (the time in Vietnam).
pub fn words(who: &str, at: OffsetDateTime) -> String {
    let t = at.to_offset(ICT);
    format!("{who} · {:02}/{:02}/{} {:02}:{:02}", t.day(), u8::from(t.month()), t.year(), t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_name_the_viewer_and_the_time_in_vietnam() {
        let at = time::macros::datetime!(2026-12-03 07:05 UTC);
        assert_eq!(super::words("Nguyễn Văn An", at), "Nguyễn Văn An · 03/12/2026 14:05");
    }
}

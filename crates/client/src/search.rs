//! Offline search across the documents on this device: page text is extracted with the
//! PDF engine after a document's content is verified, folded (see [`crate::fold`]) and
//! indexed with SQLite FTS5; queries are folded the same way.

use meeting_pdf::{PdfError, PdfService};
use rusqlite::{OptionalExtension as _, params};
use serde::Serialize;

use crate::error::{ClientError, Result};
use crate::fold::{fold, fold_aligned};
use crate::store::Store;

/// One search result: a page of a document.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    /// Meeting of the document.
    pub meeting_id: String,
    /// Meeting title.
    pub meeting_title: String,
    /// Document id.
    pub document_id: String,
    /// Document title.
    pub document_title: String,
    /// Page, 0-based.
    pub page: u32,
    /// Text around the match, from the original (with diacritics).
    pub snippet: String,
    /// Char range of the match inside `snippet`.
    pub highlight: (usize, usize),
}

/// What indexing did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexReport {
    /// Documents indexed.
    pub indexed: usize,
    /// Pages indexed.
    pub pages: usize,
    /// Encrypted documents left unindexed (no password on file).
    pub needs_password: usize,
    /// Documents whose text could not be extracted.
    pub failed: usize,
}

/// Words of a query, folded; punctuation separates words.
pub(crate) fn terms(query: &str) -> Vec<String> {
    fold(query).split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

impl Store {
    /// Verified blobs that have no text index yet.
    pub fn unindexed_blobs(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare(
            "SELECT b.sha256 FROM blobs b WHERE b.sha256 NOT IN (SELECT sha256 FROM text_index) ORDER BY b.sha256",
        )?;
        Ok(stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores the text of every page of a blob, replacing what was there.
    pub fn index_pages(&mut self, sha256: &str, pages: &[String]) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        delete_index(&tx, sha256)?;
        for (i, text) in pages.iter().enumerate() {
            tx.execute(
                "INSERT INTO page_text (sha256, page, text) VALUES (?1, ?2, ?3)",
                params![sha256, i as i64, text],
            )?;
            let rowid = tx.last_insert_rowid();
            tx.execute("INSERT INTO page_fts (rowid, folded) VALUES (?1, ?2)", params![rowid, fold(text)])?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO text_index (sha256, state, pages) VALUES (?1, 'indexed', ?2)",
            params![sha256, pages.len() as i64],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records that a blob could not be indexed, so it is not retried every sync.
    pub fn mark_unindexable(&self, sha256: &str, needs_password: bool, error: &str) -> Result<()> {
        let state = if needs_password { "needs_password" } else { "failed" };
        self.conn().execute(
            "INSERT OR REPLACE INTO text_index (sha256, state, error) VALUES (?1, ?2, ?3)",
            params![sha256, state, error],
        )?;
        Ok(())
    }

    /// Drops the text of content no document references any more, or only documents
    /// with no offline copy (their words are not kept either).
    pub fn prune_index(&mut self) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        let stale: Vec<String> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT sha256 FROM text_index WHERE sha256 NOT IN (SELECT sha256 FROM documents WHERE {})",
                crate::store::KEPT
            ))?;
            stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
        };
        for sha in stale {
            delete_index(&tx, &sha)?;
            tx.execute("DELETE FROM text_index WHERE sha256 = ?1", [&sha])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Pages matching `query` (diacritics and case ignored; the last word may be a
    /// prefix), best first, optionally within one meeting.
    pub fn search(&self, query: &str, meeting_id: Option<&str>, limit: usize) -> Result<Vec<SearchHit>> {
        let words = terms(query);
        if words.is_empty() {
            return Err(ClientError::NotFound("type a word to search for".into()));
        }
        let fts = format!("\"{}\"*", words.join(" "));
        let mut stmt = self.conn().prepare(
            "SELECT d.meeting_id, m.data, d.id, d.data, t.page, t.text
               FROM page_fts f
               JOIN page_text t ON t.rowid = f.rowid
               JOIN documents d ON d.sha256 = t.sha256
               JOIN meetings m ON m.id = d.meeting_id
              WHERE page_fts MATCH ?1 AND (?2 IS NULL OR d.meeting_id = ?2)
              ORDER BY f.rank, d.meeting_id, d.id, t.page
              LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![fts, meeting_id, limit as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let phrase = words.join(" ");
        let mut hits = Vec::new();
        for row in rows {
            let (meeting_id, meeting, document_id, document, page, text) = row?;
            let title = |json: &str| {
                serde_json::from_str::<serde_json::Value>(json)
                    .ok()
                    .and_then(|v| v["title"].as_str().map(str::to_owned))
                    .unwrap_or_default()
            };
            let (snippet, highlight) = snippet(&text, &phrase);
            hits.push(SearchHit {
                meeting_id,
                meeting_title: title(&meeting),
                document_id,
                document_title: title(&document),
                page: page as u32,
                snippet,
                highlight,
            });
        }
        Ok(hits)
    }

    /// The indexing state of a blob, if any.
    pub fn index_state(&self, sha256: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT state FROM text_index WHERE sha256 = ?1", [sha256], |r| r.get(0))
            .optional()?)
    }
}

fn delete_index(tx: &rusqlite::Transaction<'_>, sha256: &str) -> Result<()> {
    tx.execute("DELETE FROM page_fts WHERE rowid IN (SELECT rowid FROM page_text WHERE sha256 = ?1)", [sha256])?;
    tx.execute("DELETE FROM page_text WHERE sha256 = ?1", [sha256])?;
    Ok(())
}

/// About 160 characters of `text` around the first occurrence of the folded `phrase`,
/// whitespace collapsed, with the match's char range in the result.
pub(crate) fn snippet(text: &str, phrase: &str) -> (String, (usize, usize)) {
    // Collapse whitespace runs (pdfium ends lines with \r\n) before folding, so the
    // folded copy stays aligned with what is shown.
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        let c = if c.is_whitespace() { ' ' } else { c };
        if !(c == ' ' && chars.last() == Some(&' ')) {
            chars.push(c);
        }
    }
    let folded: Vec<char> = fold_aligned(&chars.iter().collect::<String>()).chars().collect();
    let needle: Vec<char> = phrase.chars().collect();
    let (at, len) = match folded.windows(needle.len().max(1)).position(|w| w == needle.as_slice()) {
        Some(at) => (at, needle.len()),
        None => (0, 0),
    };
    let start = at.saturating_sub(60);
    let end = (at + len + 100).min(chars.len());
    let prefix = if start > 0 { "…" } else { "" };
    let suffix = if end < chars.len() { "…" } else { "" };
    let body: String = chars[start..end].iter().collect();
    let hl = (prefix.chars().count() + at - start, prefix.chars().count() + at - start + len);
    (format!("{prefix}{body}{suffix}"), hl)
}

/// Extracts and indexes the text of every verified blob not indexed yet.
pub async fn index_missing(
    store: &mut Store,
    blobs: &crate::blobs::BlobCache,
    pdf: &PdfService,
) -> Result<IndexReport> {
    let mut report = IndexReport::default();
    for sha in store.unindexed_blobs()? {
        // A locked profile or a vanished file: not this document's fault; next time.
        let source = match blobs.source(&sha) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(%sha, error = %e, "cannot open a document to index it");
                continue;
            }
        };
        match extract(pdf, source).await {
            Ok(pages) => {
                report.pages += pages.len();
                store.index_pages(&sha, &pages)?;
                report.indexed += 1;
            }
            Err(e @ (PdfError::PasswordRequired | PdfError::WrongPassword)) => {
                store.mark_unindexable(&sha, true, &e.to_string())?;
                report.needs_password += 1;
            }
            Err(e) => {
                tracing::warn!(%sha, error = %e, "cannot extract text");
                store.mark_unindexable(&sha, false, &e.to_string())?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

async fn extract(pdf: &PdfService, source: meeting_pdf::Source) -> std::result::Result<Vec<String>, PdfError> {
    let (doc, info) = pdf.open(source, None).await?;
    let mut pages = Vec::with_capacity(info.pages.len());
    for p in 0..info.pages.len() as u32 {
        match pdf.text(doc, p).await {
            Ok(t) => pages.push(t.text),
            Err(e) => {
                pdf.close(doc);
                return Err(e);
            }
        }
    }
    pdf.close(doc);
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_collapse_line_breaks() {
        let (s, _) = snippet("Độc lập - Tự \r\ndo - Hạnh phúc", "tu do");
        assert_eq!(s, "Độc lập - Tự do - Hạnh phúc");
    }

    #[test]
    fn snippets_come_from_the_original_text() {
        let text = "Mở đầu. Đồng chí Chủ tịch chỉ đạo đẩy mạnh cải cách hành chính trong toàn tỉnh.";
        let (s, (a, b)) = snippet(text, "cai cach hanh chinh");
        let hit: String = s.chars().skip(a).take(b - a).collect();
        assert_eq!(hit, "cải cách hành chính");
    }

    #[test]
    fn query_terms_are_folded_words() {
        assert_eq!(terms("  Cải-cách, ĐỒNG!"), vec!["cai", "cach", "dong"]);
        assert!(terms(" ,.; ").is_empty());
    }
}

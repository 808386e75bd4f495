//! Annotated copies of a document on this device: the leader's marks (and those shared
//! with them) written into a copy of the cached PDF, or flattened into its pages, and as
//! XFDF. The cached original is only read: it stays byte-identical, as its hash demands.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use meeting_pdf::{ExportMode, Markup, MarkupKind, PdfService};
use meeting_protocol::{Annotation, Quad, Shape};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::annotations::LocalAnnotation;
use crate::{ClientError, Profile, Result};

/// What an export wrote.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportReport {
    /// The annotated PDF.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub pdf: PathBuf,
    /// Its size.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    /// Annotations written.
    pub annotations: usize,
    /// Annotations left out: drawn on another version of the document and not (yet)
    /// placed on this one, or waiting for review.
    pub left_out: usize,
    /// The XFDF file, when one was asked for.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub xfdf: Option<PathBuf>,
}

/// `#rrggbb` → channels 0–1 (anything else: the highlighter's yellow).
fn color(hex: &str) -> [f32; 3] {
    let channel = |i: usize| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
    match (hex.len(), channel(1), channel(3), channel(5)) {
        (7, Some(r), Some(g), Some(b)) => [r, g, b].map(|c| f32::from(c) / 255.0),
        _ => [1.0, 0.83, 0.0],
    }
}

fn pdf_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn quads(q: &[Quad]) -> Vec<[f32; 8]> {
    q.iter()
        .map(|q| {
            let [a, b, c, d] = q.points;
            [a.x, a.y, b.x, b.y, c.x, c.y, d.x, d.y]
        })
        .collect()
}

/// The mark to write for an annotation, if it is a page mark.
fn markup(a: &Annotation, author: &str) -> Option<Markup> {
    let kind = match &a.shape {
        Shape::Highlight { quads: q } => MarkupKind::Highlight(quads(q)),
        Shape::Underline { quads: q } => MarkupKind::Underline(quads(q)),
        Shape::StrikeOut { quads: q } => MarkupKind::StrikeOut(quads(q)),
        Shape::Ink { paths, width } => {
            MarkupKind::Ink(paths.iter().map(|p| p.points.iter().map(|pt| [pt.x, pt.y]).collect()).collect(), *width)
        }
        Shape::Note { at } => MarkupKind::Note([at.x, at.y]),
        Shape::FreeText { rect } => MarkupKind::FreeText(*rect),
        Shape::ItemNote => return None,
    };
    Some(Markup {
        id: a.id.to_string(),
        page: a.page?,
        kind,
        color: color(&a.color),
        opacity: a.opacity.clamp(0.0, 1.0),
        text: a.text.clone(),
        author: author.to_owned(),
        modified: pdf_date(a.updated_at),
    })
}

/// One watermark mark per page (drawn into each page's content by the worker).
fn watermark(words: &str, pages: u32) -> Vec<Markup> {
    (0..pages)
        .map(|page| Markup {
            id: format!("watermark-{page}"),
            page,
            kind: MarkupKind::Watermark,
            color: [0.75, 0.12, 0.12],
            opacity: 0.3,
            text: words.to_owned(),
            author: String::new(),
            modified: pdf_date(OffsetDateTime::now_utc()),
        })
        .collect()
}

/// The marks of `document_id` at version `sha256`, and how many of its annotations
/// were left out (another version, or waiting for review).
pub fn markups(
    list: &[LocalAnnotation],
    document_id: &str,
    sha256: &str,
    names: &HashMap<uuid::Uuid, String>,
) -> (Vec<Markup>, usize) {
    let mut left_out = 0;
    let mut marks = Vec::new();
    for a in list.iter().map(|l| &l.annotation) {
        if a.deleted || a.document_id.map(|d| d.to_string()).as_deref() != Some(document_id) {
            continue;
        }
        if a.needs_review || a.document_sha256.as_deref() != Some(sha256) {
            left_out += 1;
            continue;
        }
        let author = names.get(&a.author_id).cloned().unwrap_or_else(|| a.author_id.to_string());
        marks.extend(markup(a, &author));
    }
    (marks, left_out)
}

/// Writes an annotated copy of a document on this device to `out` (and XFDF to `xfdf`).
pub async fn export_document(
    profile: &Profile,
    pdf: &PdfService,
    document_id: &str,
    out: &Path,
    mode: ExportMode,
    xfdf: Option<&Path>,
) -> Result<ExportReport> {
    let (source, marks, stamps, left_out) = {
        let store = profile.store()?;
        let not_here = || ClientError::NotFound(format!("document {document_id} is not on this device: sync first"));
        let (meeting_id, _, _) = store.document_target(document_id)?.ok_or_else(not_here)?;
        let sha = store.document_blob(document_id)?.ok_or_else(not_here)?;
        let meeting = meeting_id.to_string();
        let names: HashMap<_, _> = store
            .meeting(&meeting)?
            .map(|m| m.participants.into_iter().map(|p| (p.user_id, p.display_name)).collect())
            .unwrap_or_default();
        let (marks, left_out) = markups(&store.annotations(Some(&meeting))?, document_id, &sha, &names);
        // The copy carries the watermark its pages carry on screen.
        let stamps = match store.watermark_for(document_id)? {
            Some(words) => watermark(&words, store.document_pages(document_id)?),
            None => Vec::new(),
        };
        (profile.blobs()?.source(&sha)?, marks, stamps, left_out)
    };
    // The one deliberate plaintext: the copy the user asked for, where they chose.
    let all = marks.iter().chain(&stamps).cloned().collect();
    let bytes = pdf.export(source, all, mode, out).await?;
    let xfdf = match xfdf {
        Some(path) => {
            let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            meeting_pdf::export::write_whole(path, meeting_pdf::xfdf::xfdf(&name, &marks).as_bytes())?;
            Some(path.to_owned())
        }
        None => None,
    };
    Ok(ExportReport { pdf: out.to_owned(), bytes, annotations: marks.len(), left_out, xfdf })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_dates_are_written_the_pdf_way() {
        assert_eq!(color("#ff8000"), [1.0, 128.0 / 255.0, 0.0]);
        assert_eq!(color("red"), [1.0, 0.83, 0.0], "an unreadable colour falls back to yellow");
        assert_eq!(color("#ff80"), [1.0, 0.83, 0.0]);
        let t = time::macros::datetime!(2026-11-23 15:04:05 +07:00);
        assert_eq!(pdf_date(t), "D:20261123080405Z");
    }
}

//! The app's annotation commands: list, draw, mark text, edit, delete, export.

use std::path::PathBuf;

use meeting_pdf::{DocHandle, ExportMode};
use meeting_protocol::Shape;

use super::{AppCore, UiResult};
use crate::ClientError;
use crate::annotations::LocalAnnotation;
use crate::drafts::AnnotationDraft;
use crate::export::ExportReport;

impl AppCore {
    /// A document's annotations on this device.
    pub fn document_annotations(&self, document_id: &str) -> UiResult<Vec<LocalAnnotation>> {
        Ok(self.profile.store()?.document_annotations(document_id)?)
    }

    /// Every annotation of a meeting on this device (the panel's "whole meeting" list).
    pub fn meeting_annotations(&self, meeting_id: &str) -> UiResult<Vec<LocalAnnotation>> {
        Ok(self.profile.store()?.annotations(Some(meeting_id))?)
    }

    /// Saves a new or changed annotation (saved at once; sent on the next sync).
    pub fn save_annotation(&self, draft: AnnotationDraft) -> UiResult<LocalAnnotation> {
        Ok(self.profile.store()?.save_draft(draft)?)
    }

    /// Marks characters `start..end` of a page (a highlight, underline or strike-out as
    /// the draft's shape says): the boxes and the anchor come from the page's text.
    pub async fn mark_text(
        &self,
        mut draft: AnnotationDraft,
        handle: u64,
        start: usize,
        end: usize,
    ) -> UiResult<LocalAnnotation> {
        let page = draft.page.ok_or_else(|| ClientError::Invalid("a text mark needs its page".into()))?;
        let text = self.pdf.text(DocHandle(handle), page).await?;
        let (quads, anchor) = crate::anchor::text_mark(&text, start, end)
            .ok_or_else(|| ClientError::Invalid("no words are selected".into()))?;
        draft.shape = match draft.shape {
            Shape::Underline { .. } => Shape::Underline { quads },
            Shape::StrikeOut { .. } => Shape::StrikeOut { quads },
            _ => Shape::Highlight { quads },
        };
        draft.anchor = Some(anchor);
        self.save_annotation(draft)
    }

    /// Writes an annotated copy of a document, and the same annotations as XFDF beside
    /// it, into the export folder (see [`export_dir`]), named after the document.
    pub async fn export_document(&self, document_id: &str, flatten: bool) -> UiResult<ExportReport> {
        let title = self
            .profile
            .store()?
            .document_title(document_id)?
            .ok_or_else(|| ClientError::NotFound(format!("document {document_id} is not on this device")))?;
        let dir = export_dir();
        std::fs::create_dir_all(&dir).map_err(ClientError::io(format!("creating {}", dir.display())))?;
        let suffix = if flatten { "ban-in" } else { "ghi-chu" };
        let out = dir.join(format!("{} ({suffix}).pdf", file_stem(&title)));
        let xfdf = out.with_extension("xfdf");
        let mode = if flatten { ExportMode::Flattened } else { ExportMode::Annotations };
        Ok(crate::export::export_document(&self.profile, &self.pdf, document_id, &out, mode, Some(&xfdf)).await?)
    }
}

/// Where exported copies go: `PHONGHOP_EXPORT_DIR`, else `~/Documents/PhongHop`.
pub fn export_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("PHONGHOP_EXPORT_DIR") {
        return d.into();
    }
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join("Documents/PhongHop")
}

/// A document title as a file name: Vietnamese letters kept, path separators and
/// characters other systems refuse replaced.
pub(crate) fn file_stem(title: &str) -> String {
    let cleaned: String =
        title.chars().map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '-' } else { c }).collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() { "tai-lieu".into() } else { trimmed.chars().take(120).collect() }
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_become_safe_file_names() {
        assert_eq!(super::file_stem("Báo cáo KT-XH 9/2026: \"dự thảo\""), "Báo cáo KT-XH 9-2026- -dự thảo-");
        assert_eq!(super::file_stem("../.."), "-..");
        assert_eq!(super::file_stem("  "), "tai-lieu");
    }
}

//! Carry-over: when a document gets a new version, this device moves its user's own
//! marks onto it. Text marks are found again by their words (quote, surroundings and old
//! position as hints, see [`crate::anchor`]); pen strokes and notes keep their page and
//! place. Whatever cannot be placed with certainty is kept, on the new version, flagged
//! `needs_review` and listed — never dropped.
//!
//! Every device of the user does this on its own, and they must not fight: the result is
//! a pure function of the annotation and the two versions, and the change's op id is
//! derived from the annotation id and the new version, so the server takes the first
//! device's push and answers the others as duplicates (no conflict copies).

use std::collections::BTreeMap;

use meeting_pdf::{DocHandle, PdfService};
use meeting_protocol::{Annotation, Shape};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::anchor;
use crate::store::Store;
use crate::{BlobCache, Result};

/// What a carry-over run did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarryReport {
    /// Marks placed on a new version of their document.
    pub moved: usize,
    /// Marks moved to a new version that a person should check (words gone, or a mark
    /// not tied to words).
    pub needs_review: usize,
}

/// The op id of carrying `annotation` over to `sha256`: the same on every device.
pub fn carry_op_id(annotation: Uuid, sha256: &str) -> Uuid {
    let digest = Sha256::digest(format!("carry-over {annotation} {sha256}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The annotation as it should be on the new version whose pages' text is `pages`.
pub fn carried(a: &Annotation, sha256: &str, pages: &[meeting_pdf::PageText]) -> Annotation {
    let mut next = a.clone();
    next.document_sha256 = Some(sha256.to_owned());
    let last_page = u32::try_from(pages.len().saturating_sub(1)).unwrap_or(0);
    let is_text_mark = matches!(a.shape, Shape::Highlight { .. } | Shape::Underline { .. } | Shape::StrikeOut { .. });
    let placed = match (&a.anchor, is_text_mark) {
        (Some(old), true) => {
            let chars: Vec<Vec<char>> = pages.iter().map(anchor::page_chars).collect();
            anchor::locate(&chars, old, a.page.unwrap_or(0)).and_then(|(page, at)| {
                let end = at + old.quote.chars().count();
                let (quads, anchor) = anchor::text_mark(&pages[page as usize], at, end)?;
                next.page = Some(page);
                next.anchor = Some(anchor);
                next.shape = match &a.shape {
                    Shape::Underline { .. } => Shape::Underline { quads },
                    Shape::StrikeOut { .. } => Shape::StrikeOut { quads },
                    _ => Shape::Highlight { quads },
                };
                Some(())
            })
        }
        _ => None,
    };
    if placed.is_none() {
        next.needs_review = true;
        next.page = a.page.map(|p| p.min(last_page));
    } else {
        next.needs_review = false;
    }
    next
}

/// Moves this user's marks on superseded versions onto the current ones available here.
pub async fn carry_over(store: &mut Store, blobs: &BlobCache, pdf: &PdfService) -> Result<CarryReport> {
    let mut report = CarryReport::default();
    let mut by_document: BTreeMap<String, (String, Vec<Annotation>)> = BTreeMap::new();
    for (a, sha) in store.superseded_annotations()? {
        let Some(doc) = a.document_id else { continue };
        by_document.entry(doc.to_string()).or_insert_with(|| (sha, Vec::new())).1.push(a);
    }
    for (_, (sha, marks)) in by_document {
        let opened = match blobs.source(&sha) {
            Ok(source) => pdf.open(source, None).await.map_err(crate::ClientError::from),
            Err(e) => Err(e),
        };
        let (handle, info) = match opened {
            Ok(ok) => ok,
            Err(e) => {
                // A protected or damaged new version: try again on a later sync.
                tracing::warn!(%sha, error = %e, "cannot read a new document version for carry-over");
                continue;
            }
        };
        let pages = page_texts(pdf, handle, info.pages.len()).await;
        pdf.close(handle);
        let Some(pages) = pages else { continue };
        for a in marks {
            let next = carried(&a, &sha, &pages);
            if next.needs_review {
                report.needs_review += 1;
            } else {
                report.moved += 1;
            }
            store.save_annotation_as(&next, carry_op_id(a.id, &sha))?;
        }
    }
    Ok(report)
}

async fn page_texts(pdf: &PdfService, handle: DocHandle, count: usize) -> Option<Vec<meeting_pdf::PageText>> {
    let mut pages = Vec::with_capacity(count);
    for p in 0..count {
        match pdf.text(handle, u32::try_from(p).ok()?).await {
            Ok(t) => pages.push(t),
            Err(e) => {
                tracing::warn!(page = p, error = %e, "no text for carry-over");
                return None;
            }
        }
    }
    Some(pages)
}

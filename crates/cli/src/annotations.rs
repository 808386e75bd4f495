//! `meeting annotations …`: annotations on this device, for scripts and tests. Changes
//! are saved at once and reach the server on the next `meeting sync`.

use clap::Subcommand;
use meeting_protocol::{Annotation, Point, Shape, Visibility};
use time::OffsetDateTime;
use uuid::Uuid;

use meeting_client::annotations::SyncState;
use meeting_client::store::Store;
use meeting_client::{ClientError, Profile};

/// The `annotations` subcommands.
#[derive(Debug, Subcommand)]
pub enum AnnotationsCommand {
    /// List the annotations on this device (offline), with whether the server has them.
    List {
        /// Only this meeting (id or a unique prefix).
        #[arg(long)]
        meeting: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Find marks by their words: a note's words or the words a highlight covers
    /// (offline; "giai ngan" finds "giải ngân").
    Search(crate::SearchArgs),
    /// Add a sticky note to a page of a document (saved now, sent on the next sync).
    AddNote {
        /// The document's id.
        document_id: String,
        /// Page number, from 1.
        page: u32,
        /// The note's words.
        text: String,
        /// Who else may see it: private, secretariat or participants.
        #[arg(long, default_value = "private")]
        visibility: String,
        /// Print the saved annotation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Highlight words of a document (the first place they occur, or on one page).
    Highlight {
        /// The document's id.
        document_id: String,
        /// The words, with or without diacritics ("cai cach" finds "cải cách").
        #[arg(long)]
        find: String,
        /// Only on this page (from 1).
        #[arg(long)]
        page: Option<u32>,
        /// A comment on the highlight.
        #[arg(long, default_value = "")]
        text: String,
        /// Who else may see it: private, secretariat or participants.
        #[arg(long, default_value = "private")]
        visibility: String,
        /// Print the saved annotation as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn visibility(v: &str) -> Result<Visibility, ClientError> {
    Visibility::parse(v)
        .ok_or_else(|| ClientError::Invalid(format!("visibility {v:?}: say private, secretariat or participants")))
}

fn new_annotation(store: &Store, document_id: &str, page: u32, shape: Shape) -> Result<Annotation, ClientError> {
    let (meeting_id, sha256, pages) = store
        .document_target(document_id)?
        .ok_or_else(|| ClientError::NotFound(format!("document {document_id} is not on this device: sync first")))?;
    if i64::from(page) >= pages {
        return Err(ClientError::Invalid(format!("page {}: the document has pages 1 to {pages}", page + 1)));
    }
    let author_id = store.meta("user_id")?.and_then(|u| Uuid::parse_str(&u).ok()).ok_or(ClientError::NotLoggedIn)?;
    let now = OffsetDateTime::now_utc();
    Ok(Annotation {
        id: Uuid::now_v7(),
        meeting_id,
        document_id: Uuid::parse_str(document_id).ok(),
        agenda_item_id: None,
        document_sha256: Some(sha256),
        page: Some(page),
        shape,
        color: "#ffd400".into(),
        opacity: 1.0,
        text: String::new(),
        anchor: None,
        author_id,
        visibility: Visibility::Private,
        created_at: now,
        updated_at: now,
        version: 0,
        deleted: false,
        needs_review: false,
    })
}

/// The first place `words` occur in the document (on `only` page, if given), typed with
/// or without diacritics: the engine's folded comparison, as the app's find.
async fn find_words(
    profile: &Profile,
    store: &Store,
    document_id: &str,
    words: &str,
    only: Option<u32>,
) -> Result<(u32, meeting_pdf::PageText, usize, usize), ClientError> {
    let sha = store.document_blob(document_id)?.ok_or_else(|| {
        ClientError::NotFound(format!("document {document_id} is not available offline yet: sync first"))
    })?;
    let pdf = meeting_client::pdf_service()?;
    let (doc, info) = pdf.open(profile.blobs()?.source(&sha)?, None).await?;
    for p in 0..info.pages.len() as u32 {
        if only.is_some_and(|o| o != p) {
            continue;
        }
        let text = pdf.text(doc, p).await?;
        let chars = meeting_client::anchor::page_chars(&text);
        if let Some((start, end)) = meeting_client::anchor::find_words(&chars, words) {
            return Ok((p, text, start, end));
        }
    }
    Err(ClientError::NotFound(format!("{words:?} does not occur in document {document_id}")))
}

pub(crate) async fn run(profile: &Profile, command: AnnotationsCommand) -> Result<(), ClientError> {
    let mut store = profile.store()?;
    match command {
        AnnotationsCommand::List { meeting, json } => {
            let meeting = meeting.map(|m| store.resolve_meeting_id(&m)).transpose()?;
            let list = store.annotations(meeting.as_deref())?;
            if json {
                return crate::print_json(&list);
            }
            if list.is_empty() {
                println!("No annotations on this device.");
            }
            for a in &list {
                let state = match a.sync {
                    SyncState::Synced => "synced",
                    SyncState::Saved => "saved on this device",
                    SyncState::Refused => "refused by the server",
                };
                let page = a.annotation.page.map_or(String::new(), |p| format!(" page {}", p + 1));
                let copy = if a.conflict_of.is_some() { " (conflict copy)" } else { "" };
                let review = if a.annotation.needs_review {
                    " (needs review: its place on the new version is not certain)"
                } else {
                    ""
                };
                println!(
                    "{}{page} [{}, {state}]{copy}{review}: {}",
                    a.annotation.id,
                    a.annotation.visibility.as_str(),
                    a.annotation.text
                );
            }
        }
        AnnotationsCommand::Search(crate::SearchArgs { query, meeting, limit, json }) => {
            let meeting = meeting.map(|m| store.resolve_meeting_id(&m)).transpose()?;
            let hits = store.search_marks(&query, meeting.as_deref(), limit)?;
            if json {
                return crate::print_json(&hits);
            }
            if hits.is_empty() {
                println!("No mark on this device mentions {query:?}.");
            }
            for h in &hits {
                let page = h.mark.annotation.page.map_or(String::new(), |p| format!(", page {}", p + 1));
                println!("{} — {}{page} ({})\n    {}", h.meeting_title, h.place, h.mark.annotation.id, h.snippet);
            }
        }
        AnnotationsCommand::AddNote { document_id, page, text, visibility: v, json } => {
            let page = page.checked_sub(1).ok_or_else(|| ClientError::Invalid("pages count from 1".into()))?;
            let mut note = new_annotation(&store, &document_id, page, Shape::Note { at: Point { x: 36.0, y: 72.0 } })?;
            note.text = text;
            note.visibility = visibility(&v)?;
            store.save_annotation(&note)?;
            if json {
                return crate::print_json(&note);
            }
            println!("Saved note {} (sent to the server on the next sync).", note.id);
        }
        AnnotationsCommand::Highlight { document_id, find, page, text, visibility: v, json } => {
            let only = page.map(|p| p.saturating_sub(1));
            let (page, page_text, start, end) = find_words(profile, &store, &document_id, &find, only).await?;
            let (quads, anchor) = meeting_client::anchor::text_mark(&page_text, start, end)
                .ok_or_else(|| ClientError::Invalid(format!("{find:?} has no visible characters to highlight")))?;
            let mut mark = new_annotation(&store, &document_id, page, Shape::Highlight { quads })?;
            mark.anchor = Some(anchor);
            mark.text = text;
            mark.opacity = 0.4;
            mark.visibility = visibility(&v)?;
            store.save_annotation(&mark)?;
            if json {
                return crate::print_json(&mark);
            }
            println!("Saved highlight {} on page {} (sent on the next sync).", mark.id, page + 1);
        }
    }
    Ok(())
}

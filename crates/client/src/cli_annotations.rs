//! `meeting annotations …`: annotations on this device, for scripts and tests. Changes
//! are saved at once and reach the server on the next `meeting sync`.

use clap::Subcommand;
use meeting_protocol::{Annotation, Point, Shape, Visibility};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::annotations::SyncState;
use crate::{ClientError, Profile};

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
}

pub(crate) fn run(profile: &Profile, command: AnnotationsCommand) -> Result<(), ClientError> {
    let mut store = profile.store()?;
    match command {
        AnnotationsCommand::List { meeting, json } => {
            let meeting = meeting.map(|m| store.resolve_meeting_id(&m)).transpose()?;
            let list = store.annotations(meeting.as_deref())?;
            if json {
                return crate::cli::print_json(&list);
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
                println!(
                    "{}{page} [{}, {state}]{copy}: {}",
                    a.annotation.id,
                    a.annotation.visibility.as_str(),
                    a.annotation.text
                );
            }
        }
        AnnotationsCommand::AddNote { document_id, page, text, visibility, json } => {
            let visibility = Visibility::parse(&visibility).ok_or_else(|| {
                ClientError::Invalid(format!("visibility {visibility:?}: say private, secretariat or participants"))
            })?;
            let (meeting_id, sha256, pages) = store.document_target(&document_id)?.ok_or_else(|| {
                ClientError::NotFound(format!("document {document_id} is not on this device: sync first"))
            })?;
            if page == 0 || i64::from(page) > pages {
                return Err(ClientError::Invalid(format!("page {page}: the document has pages 1 to {pages}")));
            }
            let author_id =
                store.meta("user_id")?.and_then(|u| Uuid::parse_str(&u).ok()).ok_or(ClientError::NotLoggedIn)?;
            let now = OffsetDateTime::now_utc();
            let note = Annotation {
                id: Uuid::now_v7(),
                meeting_id,
                document_id: Uuid::parse_str(&document_id).ok(),
                agenda_item_id: None,
                document_sha256: Some(sha256),
                page: Some(page - 1),
                shape: Shape::Note { at: Point { x: 36.0, y: 36.0 } },
                color: "#ffd400".into(),
                opacity: 1.0,
                text,
                anchor: None,
                author_id,
                visibility,
                created_at: now,
                updated_at: now,
                version: 0,
                deleted: false,
                needs_review: false,
            };
            store.save_annotation(&note)?;
            if json {
                return crate::cli::print_json(&note);
            }
            println!("Saved note {} (sent to the server on the next sync).", note.id);
        }
    }
    Ok(())
}

//! `meeting prepare …`: the secretary workspace from the command line, for scripts and
//! tests. The names and flags here are a contract (scripts depend on them): change them
//! only together with the README.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use clap::Subcommand;
use meeting_protocol::{AgendaItemInput, Conversion, ConversionState, Meeting, MeetingInput, ParticipantRole};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::print_json;
use meeting_client::prepare::{Prepare, Uploaded};
use meeting_client::{ClientError, Profile};

/// The `prepare` subcommands.
#[derive(Debug, Subcommand)]
pub enum PrepareCommand {
    /// Create a draft meeting (nobody but its secretariat sees it until `publish`).
    Create {
        /// Title, e.g. "Phiên họp thường kỳ tháng 12".
        #[arg(long)]
        title: String,
        /// Start, RFC 3339, e.g. 2026-12-10T08:00:00+07:00.
        #[arg(long)]
        starts_at: String,
        /// Room or place.
        #[arg(long)]
        location: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add a participant (or change their role, or remove them with --remove).
    Participant {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// Login name from the office directory.
        username: String,
        /// Role in the meeting.
        #[arg(long, default_value = "member", value_parser = ["member", "chair", "organizer"])]
        role: String,
        /// Remove the participant instead.
        #[arg(long)]
        remove: bool,
    },
    /// Append an agenda item.
    Item {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// Title of the item.
        #[arg(long)]
        title: String,
        /// Who presents it: a person or a body, e.g. "Sở Kế hoạch và Đầu tư".
        #[arg(long)]
        presenter: Option<String>,
        /// Planned start, HH:MM.
        #[arg(long)]
        time: Option<String>,
        /// Planned length in minutes.
        #[arg(long)]
        minutes: Option<i64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Upload a PDF or an office file (DOC, DOCX, ODT, RTF, XLS, XLSX, ODS, PPT, PPTX,
    /// ODP); waits for the conversion and prints the document, or fails with the reason.
    Upload {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// The file.
        file: PathBuf,
        /// Agenda item: its number (1, 2, …) or id.
        #[arg(long)]
        item: Option<String>,
        /// Title shown to readers (default: the file name).
        #[arg(long)]
        title: Option<String>,
        /// Mark the document confidential.
        #[arg(long)]
        confidential: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Turn the watermark (the viewer's name and the time on every page shown, printed
    /// or exported) on or off for a meeting's documents, or with --document for one
    /// document. Confidential documents always carry it.
    Watermark {
        /// Meeting id (or unique prefix), or with --document a document id.
        target: String,
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        state: String,
        /// TARGET is a document.
        #[arg(long)]
        document: bool,
    },
    /// Allow (on) or forbid (off) devices an offline copy of a document: with off it
    /// opens only while connected, streamed into memory, and copies already on devices
    /// are removed at their next sync.
    OfflineCopy {
        /// Document id.
        document: String,
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Replace a document with a new version (PDF or office file); waits like upload.
    Replace {
        /// The document's id.
        document: String,
        /// The new file.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Publish a draft: every participant receives the meeting at their next sync.
    Publish {
        /// Meeting id or a unique prefix.
        meeting: String,
    },
    /// Take a meeting back to draft: it leaves leaders' devices at their next sync.
    Unpublish {
        /// Meeting id or a unique prefix.
        meeting: String,
    },
    /// Cancel a published meeting; participants see it marked cancelled.
    Cancel {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// Why, shown to every participant.
        #[arg(long)]
        reason: String,
    },
    /// Link the meeting to a folder and keep them in step: subfolders "NN - title" are
    /// agenda items, their files the items' documents; new files upload, changed ones
    /// become new versions, renames follow, deletions wait for `prepare deletions`.
    Watch {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// The folder.
        dir: PathBuf,
        /// Poll the folder instead of waiting for file events (network shares).
        #[arg(long)]
        poll: bool,
        /// Seconds a file must stay unchanged before it is taken.
        #[arg(long, default_value_t = 3.0)]
        stable_secs: f64,
        /// Seconds between polls.
        #[arg(long, default_value_t = 2.0)]
        poll_secs: f64,
        /// Reconcile once (wait for files being written), then stop.
        #[arg(long)]
        once: bool,
        /// Print one JSON object per event.
        #[arg(long)]
        json: bool,
    },
    /// Files gone from the meeting's folder whose documents wait for confirmation;
    /// --confirm removes them from the meeting, --keep keeps their documents.
    Deletions {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// Remove the document of this file (path inside the folder); repeatable.
        #[arg(long)]
        confirm: Vec<String>,
        /// Keep the document of this file in the meeting and forget the file; repeatable.
        #[arg(long, conflicts_with = "confirm")]
        keep: Vec<String>,
        /// Remove every waiting one.
        #[arg(long, conflicts_with_all = ["confirm", "keep"])]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A meeting's audit trail: every change, who made it and when.
    Audit {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// Print JSON (with the values before and after).
        #[arg(long)]
        json: bool,
    },
    /// Who opened the meeting's documents, when, on which device (as their devices
    /// reported with their syncs; opens made offline arrive when they reconnect).
    Opens {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn state_line(c: &Conversion) {
    let what = match c.state {
        ConversionState::Queued => "đang chờ chuyển đổi / waiting for conversion",
        ConversionState::Converting => "đang chuyển sang PDF / converting to PDF",
        ConversionState::Ready => "đã chuyển xong / converted",
        ConversionState::Failed => "chuyển đổi thất bại / conversion failed",
    };
    eprintln!("{}: {what}", c.filename);
}

fn quiet(_: &Conversion) {}

fn print_uploaded(u: &Uploaded, json: bool) -> Result<(), ClientError> {
    if json {
        return print_json(u);
    }
    let d = &u.document;
    let from = d.original_filename.as_deref().map(|o| format!(" (from {o})")).unwrap_or_default();
    println!("{}  {}  v{}  {} pages{from}", d.id, d.title, d.version, d.page_count);
    Ok(())
}

fn print_meeting(m: &Meeting, json: bool) -> Result<(), ClientError> {
    if json {
        return print_json(m);
    }
    println!("{}  {}  [{}]", m.id, m.title, m.status.as_str());
    Ok(())
}

/// Runs one `prepare` subcommand.
pub async fn run(profile: &Profile, command: PrepareCommand) -> Result<(), ClientError> {
    let p = Prepare::new(profile)?;
    let progress: &(dyn Fn(&Conversion) + Sync) = if std::io::stderr().is_terminal() { &state_line } else { &quiet };
    match command {
        PrepareCommand::Create { title, starts_at, location, json } => {
            let starts_at = OffsetDateTime::parse(&starts_at, &Rfc3339).map_err(|e| {
                ClientError::NotFound(format!(
                    "--starts-at {starts_at:?} is not an RFC 3339 time like 2026-12-10T08:00:00+07:00: {e}"
                ))
            })?;
            let input = MeetingInput { title: Some(title), location, starts_at: Some(starts_at), ..Default::default() };
            print_meeting(&p.create_meeting(&input).await?, json)?;
        }
        PrepareCommand::Participant { meeting, username, role, remove } => {
            let (mid, uid) = (p.resolve_meeting(&meeting).await?, p.user_id(&username).await?);
            if remove {
                p.remove_participant(mid, uid).await?;
            } else {
                let role = ParticipantRole::parse(&role).unwrap_or(ParticipantRole::Member);
                p.set_participant(mid, uid, role).await?;
            }
        }
        PrepareCommand::Item { meeting, title, presenter, time, minutes, json } => {
            let mid = p.resolve_meeting(&meeting).await?;
            let input =
                AgendaItemInput { title: Some(title), presenter, planned_time: time, duration_minutes: minutes };
            let item = p.add_item(mid, &input).await?;
            if json {
                print_json(&item)?;
            } else {
                println!("{}  {}. {}", item.id, item.position, item.title);
            }
        }
        PrepareCommand::Upload { meeting, file, item, title, confidential, json } => {
            let mid = p.resolve_meeting(&meeting).await?;
            let item = match item {
                Some(i) => Some(p.resolve_item(mid, &i).await?),
                None => None,
            };
            let u = p.upload(mid, &file, item, title.as_deref(), confidential, progress).await?;
            print_uploaded(&u, json)?;
        }
        PrepareCommand::Watermark { target, state, document } => {
            let on = state == "on";
            if document {
                let id = uuid::Uuid::parse_str(target.trim())
                    .map_err(|_| ClientError::NotFound(format!("{target} is not a document id")))?;
                let patch = meeting_protocol::DocumentPatch { watermark: Some(on), ..Default::default() };
                let d = p.update_document(id, &patch).await?;
                let note = if d.confidential { " (confidential: it keeps the watermark)" } else { "" };
                eprintln!("Watermark {state} for “{}”{note}.", d.title);
            } else {
                let mid = p.resolve_meeting(&target).await?;
                let input = MeetingInput { watermark: Some(on), ..Default::default() };
                let m = p.update_meeting(mid, &input).await?;
                eprintln!("Watermark {state} for the documents of “{}” (confidential ones keep it).", m.title);
            }
        }
        PrepareCommand::OfflineCopy { document, state } => {
            let id = uuid::Uuid::parse_str(document.trim())
                .map_err(|_| ClientError::NotFound(format!("{document} is not a document id")))?;
            let patch = meeting_protocol::DocumentPatch { offline_copy: Some(state == "on"), ..Default::default() };
            let d = p.update_document(id, &patch).await?;
            if d.offline_copy {
                eprintln!("“{}”: devices may keep an offline copy.", d.title);
            } else {
                eprintln!("“{}”: no offline copy; it opens only while connected.", d.title);
            }
        }
        PrepareCommand::Replace { document, file, json } => {
            let id = uuid::Uuid::parse_str(document.trim())
                .map_err(|_| ClientError::NotFound(format!("{document} is not a document id")))?;
            print_uploaded(&p.replace(id, &file, progress).await?, json)?;
        }
        PrepareCommand::Publish { meeting } => {
            print_meeting(&p.publish(p.resolve_meeting(&meeting).await?).await?, false)?
        }
        PrepareCommand::Unpublish { meeting } => {
            print_meeting(&p.unpublish(p.resolve_meeting(&meeting).await?).await?, false)?;
        }
        PrepareCommand::Cancel { meeting, reason } => {
            print_meeting(&p.cancel(p.resolve_meeting(&meeting).await?, &reason).await?, false)?;
        }
        PrepareCommand::Watch { meeting, dir, poll, stable_secs, poll_secs, once, json } => {
            let mid = p.resolve_meeting(&meeting).await?;
            let secs = |s: f64| std::time::Duration::from_secs_f64(s.clamp(0.1, 3600.0));
            let opts = meeting_client::hotfolder::watch::WatchOptions {
                poll,
                stable: secs(stable_secs),
                poll_interval: secs(poll_secs),
                once,
            };
            let print = move |e: &meeting_client::hotfolder::watch::WatchEvent| {
                if json {
                    if let Ok(s) = serde_json::to_string(e) {
                        println!("{s}");
                    }
                } else {
                    eprintln!("{}", watch_line(e));
                }
            };
            let run = meeting_client::hotfolder::watch::watch(profile, mid, &dir, &opts, &print);
            tokio::select! {
                r = run => r?,
                _ = tokio::signal::ctrl_c() => eprintln!("Đã dừng theo dõi / stopped watching."),
            }
        }
        PrepareCommand::Deletions { meeting, confirm, keep, all, json } => {
            use meeting_client::hotfolder::deletions::{Settle, settle};
            let mid = p.resolve_meeting(&meeting).await?;
            let (paths, how) = if keep.is_empty() { (confirm, Settle::Remove) } else { (keep, Settle::Keep) };
            let left = if all || !paths.is_empty() {
                settle(profile, &p, mid, (!all).then_some(paths.as_slice()), how).await?
            } else {
                meeting_client::hotfolder::deletions::waiting(profile, mid)?
            };
            if json {
                print_json(&left)?;
            } else {
                for t in &left {
                    println!(
                        "{}  (document {}, gone since {})",
                        t.path,
                        t.document_id,
                        t.missing_since.as_deref().unwrap_or("")
                    );
                }
            }
        }
        PrepareCommand::Audit { meeting, json } => {
            let entries = p.audit(p.resolve_meeting(&meeting).await?).await?;
            if json {
                print_json(&entries)?;
            } else {
                for e in entries {
                    let at = e.at.format(&Rfc3339).unwrap_or_default();
                    println!("{at}  {:<12}  {:<20}  {} {}", e.actor_username, e.action, e.entity_kind, e.entity_id);
                }
            }
        }
        PrepareCommand::Opens { meeting, json } => {
            let opens = p.opens(p.resolve_meeting(&meeting).await?).await?;
            if json {
                print_json(&opens)?;
            } else {
                for o in opens {
                    let version = o.version.map(|v| format!("v{v}")).unwrap_or_else(|| "v?".into());
                    let device = o.device_name.as_deref().unwrap_or("");
                    println!("{}  {:<24} {:<24} {} {}", o.opened_at, o.display_name, device, o.document_title, version);
                }
            }
        }
    }
    Ok(())
}

/// `meeting opinions MEETING`: from this device's store (after marking one handled or
/// open on the server and syncing, when asked to).
pub async fn opinions(
    profile: &Profile,
    meeting: &str,
    set: Option<(String, bool)>,
    json: bool,
) -> Result<(), ClientError> {
    if let Some((id, handled)) = set {
        let id = uuid::Uuid::parse_str(id.trim())
            .map_err(|_| ClientError::NotFound(format!("{id} is not an annotation id")))?;
        Prepare::new(profile)?.set_handled(id, handled).await?;
        let opts = meeting_client::SyncOptions {
            pdf: Some(meeting_client::pdf_service()?),
            ..meeting_client::SyncOptions::default()
        };
        meeting_client::sync(profile, &opts, &|_| {}).await?;
    }
    let store = profile.store()?;
    let mid = store.resolve_meeting_id(meeting)?;
    let list = meeting_client::opinions::local(&store, &mid)?;
    if json {
        return print_json(&list);
    }
    let mut group = None;
    for o in &list {
        let g = (o.agenda_item_title.clone(), o.document_title.clone());
        if group.as_ref() != Some(&g) {
            println!(
                "\n{} — {}",
                g.0.as_deref().unwrap_or("(ngoài chương trình / not on the agenda)"),
                g.1.as_deref().unwrap_or("(ghi chú / note)")
            );
            group = Some(g);
        }
        let done = match &o.state {
            Some(s) if s.handled => format!("[đã xử lý / handled — {}]", s.by_name),
            _ => "[chưa xử lý / open]".to_owned(),
        };
        let page = o.page.map(|p| format!("p.{p} ")).unwrap_or_default();
        let quote = o.quote.as_deref().map(|q| format!("«{q}» ")).unwrap_or_default();
        println!("  {page}{quote}{}  — {}  {done}  {}", o.annotation.text, o.author_name, o.annotation.id);
    }
    Ok(())
}

fn watch_line(e: &meeting_client::hotfolder::watch::WatchEvent) -> String {
    use meeting_client::hotfolder::watch::WatchEvent as W;
    match e {
        W::Watching { dir, poll } => {
            format!("Đang theo dõi / watching {dir}{}", if *poll { " (thăm dò định kỳ / polling)" } else { "" })
        }
        W::ItemCreated { folder } => format!("+ mục / item: {folder}"),
        W::ItemRenamed { from, to } => format!("~ mục / item: {from} → {to}"),
        W::Reordered => "~ thứ tự chương trình / agenda order".to_owned(),
        W::Uploaded { path, .. } => format!("+ tài liệu / document: {path}"),
        W::NewVersion { path, version, .. } => format!("~ phiên bản / version {version}: {path}"),
        W::Renamed { from, to } => format!("~ đổi tên / renamed: {from} → {to}"),
        W::Missing { path } => format!("? đã xoá khỏi thư mục, chờ xác nhận / gone, waiting for confirmation: {path}"),
        W::Failed { path, code, message } => format!("! {path}: {message} ({code})"),
        W::Rescan => "~ đọc lại toàn bộ thư mục / reading the whole folder again".to_owned(),
    }
}

//! The `meeting` command line: the client engine (`meeting-client`) for scripts, tests
//! and people. Flags, progress bars and password prompts live here only, so the desktop
//! binary links none of them; everything the commands do is the engine's, the same
//! functions the app calls.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use meeting_client::keystore::KeystoreState;
use meeting_client::store::LocalDocument;
use meeting_client::{ClientError, Profile, SyncOptions, SyncProgress};

mod admin;
mod annotations;
mod conclusions;
mod minutes;
mod passwords;
mod pdf;
mod prepare;
mod room;
mod tasks;

#[derive(Debug, Parser)]
#[command(name = "meeting", version, about = "Paperless Meeting Room client: sync meetings for offline reading")]
struct Cli {
    /// Profile directory (session, local database, documents).
    #[arg(long, global = true, env = "MEETING_PROFILE")]
    profile: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// What to search for, in documents (`meeting search`) or in marks (`meeting annotations search`).
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Words to find.
    pub query: String,
    /// Only in this meeting (id or a unique prefix).
    #[arg(long)]
    pub meeting: Option<String>,
    /// Most hits to show.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Log in; the password is read from standard input when it is not a terminal.
    Login {
        /// Server address, e.g. http://10.0.0.5:8080.
        #[arg(long)]
        server: String,
        /// Login name.
        #[arg(long)]
        username: String,
        /// The password was changed on the server while changes made on this device
        /// wait to be sent: also give this device's old password (read from
        /// `MEETING_OLD_PASSWORD`, or asked on the terminal) so they are kept.
        #[arg(long)]
        keep_changes: bool,
    },
    /// End this device's session.
    Logout,
    /// Bring meetings and documents up to date.
    Sync {
        /// Print a JSON summary instead of text.
        #[arg(long)]
        json: bool,
        /// Downloads in parallel.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
    },
    /// Stay live on a meeting: the server wakes this device at every change it may see,
    /// and each one is synced at once; prints what happens, one line per event (one JSON
    /// object a line with --json). Reconnects by itself; stops with Ctrl-C, or when the
    /// session ends.
    Live {
        /// Meeting id (or unique prefix).
        meeting: String,
        /// One JSON object a line.
        #[arg(long)]
        json: bool,
    },
    /// List meetings on this device.
    Meetings {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a meeting's agenda and documents (id or a unique prefix of it).
    Show {
        /// Meeting id.
        meeting_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Re-hash every cached document; exits non-zero on any mismatch.
    Verify {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Search the documents on this device (offline; "cai cach" finds "cải cách").
    Search(SearchArgs),
    /// Annotations on this device: list them, add a note or a highlight.
    Annotations {
        #[command(subcommand)]
        command: crate::annotations::AnnotationsCommand,
    },
    /// Write a copy of a document with the annotations on this device (the cached
    /// original is not changed).
    Export {
        /// The document's id.
        document_id: String,
        /// Where to write the annotated PDF.
        #[arg(long)]
        out: PathBuf,
        /// Draw the annotations into the pages instead of adding PDF annotations.
        #[arg(long)]
        flatten: bool,
        /// Also write the annotations as XFDF to this file.
        #[arg(long)]
        xfdf: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Prepare meetings (secretaries and admins): drafts, agenda, participants,
    /// documents from PDF and office files, publishing, the audit trail.
    Prepare {
        #[command(subcommand)]
        command: crate::prepare::PrepareCommand,
    },
    /// A meeting's opinions (marks leaders shared with the secretariat), grouped by
    /// agenda item and document, as this device has them after its last sync.
    Opinions {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// Mark this opinion (annotation id) handled on the server first.
        #[arg(long, value_name = "ANNOTATION_ID")]
        handled: Option<String>,
        /// Open this opinion (annotation id) again on the server first.
        #[arg(long, value_name = "ANNOTATION_ID", conflicts_with = "handled")]
        reopen: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check in to a meeting in session (present in the room, or --online).
    Checkin {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// Taking part from elsewhere.
        #[arg(long)]
        online: bool,
    },
    /// Ask to speak on the current item (or --withdraw the request).
    Speak {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// Withdraw your request instead.
        #[arg(long)]
        withdraw: bool,
        /// A point of order: to the front of the queue.
        #[arg(long, conflicts_with = "withdraw")]
        point_of_order: bool,
    },
    /// Votes: open, cast, close, show.
    Vote {
        #[command(subcommand)]
        command: crate::room::VoteCommand,
    },
    /// Show every follower this document at PAGE (from 1; 0 stops presenting).
    Present {
        /// Document id or a unique prefix.
        document: String,
        /// Page, from 1.
        page: u32,
    },
    /// The meeting room as the server has it now: attendance, quorum, speakers, votes.
    Room {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The chair: give the floor (to the first of the queue, or --speaker), or --end it.
    Floor {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// The request to speak to give the floor to.
        #[arg(long)]
        speaker: Option<String>,
        /// End the floor instead.
        #[arg(long, conflicts_with = "speaker")]
        end: bool,
    },
    /// The chair: set the agenda item under discussion (none without ITEM).
    Current {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// Agenda item id or a unique prefix.
        item: Option<String>,
    },
    /// The secretariat: record participants' attendance.
    Attend {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// Login names.
        #[arg(required = true)]
        usernames: Vec<String>,
        /// present, online or absent.
        #[arg(long, default_value = "present", value_parser = ["present", "online", "absent"])]
        status: String,
        /// Why absent.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// The chair: the share of voting members that makes a quorum, in percent.
    Quorum {
        /// Meeting id or a unique prefix.
        meeting: String,
        /// 1–100.
        percent: u32,
    },
    /// The conclusion notice (thông báo kết luận): draft, show, issue; late ones.
    Conclusions {
        #[command(subcommand)]
        command: crate::conclusions::ConclusionsCommand,
    },
    /// Minutes (biên bản): draft from the room's record, show, edit, approve, export.
    Minutes {
        #[command(subcommand)]
        command: crate::minutes::MinutesCommand,
    },
    /// Tasks given to units: add, list, report, confirm, return, extend, stats, digest.
    Tasks {
        #[command(subcommand)]
        command: crate::tasks::TasksCommand,
    },
    /// Admins: every user's device sessions; revoke a lost laptop's.
    Admin {
        #[command(subcommand)]
        command: crate::admin::AdminCommand,
    },
    /// Inspect or render a PDF file with the app's engine (no window).
    Pdf {
        #[command(subcommand)]
        command: crate::pdf::PdfCommand,
    },
}

/// Runs the command line; the binary's whole `main`.
pub fn main() -> ExitCode {
    // The binary doubles as its own PDF engine process; nothing else may touch stdout.
    if std::env::args_os().nth(1).is_some_and(|a| a == meeting_client::PDF_WORKER_ARG) {
        return meeting_pdf::worker::run();
    }
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("meeting: error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A script reads the code first: the server's own (`damaged_file`,
    // `password_protected`, …) when the server refused, never a generic one.
    let json = std::env::args().any(|a| a == "--json");
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            if json {
                let body = serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } });
                print_line(&serde_json::to_string_pretty(&body).unwrap_or_default());
            }
            eprintln!("meeting: error [{}]: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}

/// One live event: a JSON line (flushed at once, for scripts that wait on it) or text.
fn print_live(e: &meeting_client::live::LiveEvent, json: bool) {
    use meeting_client::live::LiveEvent;
    let line = if json {
        serde_json::to_string(e).unwrap_or_default()
    } else {
        match e {
            LiveEvent::Connected { head } => format!("connected (feed at {head})"),
            LiveEvent::Synced { cursor, changes } => format!("synced: {changes} changes (feed at {cursor})"),
            LiveEvent::Disconnected { reason, retry_ms } => {
                format!("disconnected: {reason}; retrying in {retry_ms} ms")
            }
        }
    };
    print_line(&line);
}

/// Prints one line and flushes it at once (scripts wait on each).
fn print_line(line: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

pub(crate) fn print_json<T: Serialize>(v: &T) -> Result<(), ClientError> {
    let s = serde_json::to_string_pretty(v).map_err(|e| ClientError::Protocol(e.to_string()))?;
    println!("{s}");
    Ok(())
}

async fn run(cli: Cli) -> Result<ExitCode, ClientError> {
    let profile = Profile::open(&cli.profile.unwrap_or_else(Profile::default_dir))?;
    // Documents are encrypted on the device; commands that read them need the password.
    profile.set_password_prompt(std::sync::Arc::new(crate::passwords::device_password));
    match cli.command {
        Command::Login { server, username, keep_changes } => {
            let password = crate::passwords::read_password()?;
            let old = if keep_changes { Some(crate::passwords::old_password()?) } else { None };
            let resp = profile.login_keeping(&server, &username, &password, old.as_ref().map(|p| p.as_str())).await?;
            eprintln!("Logged in as {} ({}).", resp.user.display_name, resp.user.username);
            match profile.keystore_state() {
                KeystoreState::Holds => eprintln!(
                    "Khóa của máy được giữ trong kho khóa của hệ điều hành: lần sau không cần mật khẩu.\n\
                     The device's key is kept in the OS keystore: no password is needed next time."
                ),
                KeystoreState::Unavailable => eprintln!(
                    "Máy này không có kho khóa của hệ điều hành: mỗi lần đọc tài liệu cần mật khẩu (hoặc MEETING_PASSWORD).\n\
                     There is no OS keystore here: reading documents asks for the password (or MEETING_PASSWORD) each time."
                ),
                KeystoreState::Off => {}
            }
        }
        Command::Logout => {
            profile.logout().await?;
            eprintln!("Logged out.");
        }
        Command::Sync { json, parallel } => return sync(&profile, json, parallel).await,
        Command::Live { meeting, json } => {
            // A first sync, so that a meeting only on the server is found.
            meeting_client::sync(&profile, &SyncOptions::default(), &|_| {}).await?;
            let id = profile.store()?.resolve_meeting_id(&meeting)?;
            eprintln!("Live on meeting {id}; Ctrl-C stops.");
            let watch = crate::room::RoomWatch::new(id);
            let print = |e: &meeting_client::live::LiveEvent| {
                print_live(e, json);
                if matches!(e, meeting_client::live::LiveEvent::Synced { .. })
                    && let Some(line) = watch.line(&profile, json)
                {
                    print_line(&line);
                }
            };
            meeting_client::live::run(&profile, &SyncOptions::default(), &print).await?;
        }
        Command::Search(SearchArgs { query, meeting, limit, json }) => {
            let store = profile.store()?;
            let meeting = meeting.map(|m| store.resolve_meeting_id(&m)).transpose()?;
            let hits = store.search(&query, meeting.as_deref(), limit)?;
            if json {
                print_json(&hits)?;
            } else if hits.is_empty() {
                println!("No document on this device mentions {query:?}.");
            }
            for h in hits.iter().filter(|_| !json) {
                println!("{} — {} (page {})\n    {}", h.meeting_title, h.document_title, h.page + 1, h.snippet);
            }
        }
        Command::Pdf { command } => return crate::pdf::run(command).await,
        Command::Export { document_id, out, flatten, xfdf, json } => {
            let mode = if flatten { meeting_pdf::ExportMode::Flattened } else { meeting_pdf::ExportMode::Annotations };
            let pdf = crate::pdf::service()?;
            let report =
                meeting_client::export::export_document(&profile, &pdf, &document_id, &out, mode, xfdf.as_deref())
                    .await?;
            if json {
                print_json(&report)?;
            } else {
                eprintln!("Wrote {} ({} annotations, {} bytes).", out.display(), report.annotations, report.bytes);
                if report.left_out > 0 {
                    eprintln!(
                        "{} annotation(s) were drawn on another version of this document and are not in the copy.",
                        report.left_out
                    );
                }
            }
        }
        Command::Annotations { command } => crate::annotations::run(&profile, command).await?,
        Command::Prepare { command } => crate::prepare::run(&profile, command).await?,
        Command::Admin { command } => crate::admin::run(&profile, command).await?,
        Command::Tasks { command } => crate::tasks::run(&profile, command).await?,
        Command::Minutes { command } => crate::minutes::run(&profile, command).await?,
        Command::Conclusions { command } => crate::conclusions::run(&profile, command).await?,
        Command::Checkin { meeting, online } => crate::room::checkin(&profile, &meeting, online).await?,
        Command::Speak { meeting, withdraw, point_of_order } => {
            crate::room::speak(&profile, &meeting, withdraw, point_of_order).await?;
        }
        Command::Vote { command } => crate::room::vote(&profile, command).await?,
        Command::Present { document, page } => crate::room::present(&profile, &document, page).await?,
        Command::Room { meeting, json } => crate::room::room(&profile, &meeting, json).await?,
        Command::Floor { meeting, speaker, end } => {
            crate::room::floor(&profile, &meeting, speaker.as_deref(), end).await?;
        }
        Command::Current { meeting, item } => crate::room::current(&profile, &meeting, item.as_deref()).await?,
        Command::Attend { meeting, usernames, status, reason } => {
            crate::room::attend(&profile, &meeting, &usernames, &status, &reason).await?;
        }
        Command::Quorum { meeting, percent } => crate::room::quorum(&profile, &meeting, percent).await?,
        Command::Opinions { meeting, handled, reopen, json } => {
            crate::prepare::opinions(
                &profile,
                &meeting,
                handled.map(|h| (h, true)).or(reopen.map(|r| (r, false))),
                json,
            )
            .await?;
        }
        Command::Meetings { json } => {
            let meetings = profile.store()?.meetings()?;
            if json {
                print_json(&meetings)?;
            } else if meetings.is_empty() {
                println!("No meetings on this device yet: run `meeting sync`.");
            }
            for m in meetings.iter().filter(|_| !json) {
                let when = m
                    .meeting
                    .starts_at
                    .format(&time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"))
                    .unwrap_or_default();
                let badge = if m.ready_offline {
                    "ready offline".to_owned()
                } else {
                    format!("{}/{} offline", m.documents_offline, m.documents)
                };
                println!("{}  {when} UTC  {}  [{badge}]", &m.meeting.id.to_string()[..13], m.meeting.title);
            }
        }
        Command::Show { meeting_id, json } => {
            let store = profile.store()?;
            let id = store.resolve_meeting_id(&meeting_id)?;
            let m = store
                .meeting(&id)?
                .ok_or_else(|| ClientError::NotFound(format!("no meeting {meeting_id} on this device")))?;
            if json {
                print_json(&m)?;
            } else {
                println!("{}\n{} — {}", m.meeting.title, m.meeting.location, m.meeting.starts_at);
                println!(
                    "{}",
                    if m.ready_offline {
                        "Ready offline."
                    } else {
                        "Not every document is available offline: run `meeting sync`."
                    }
                );
                for a in &m.agenda {
                    println!(
                        "\n{}. {} — {} ({} {}′)",
                        a.item.position, a.item.title, a.item.presenter, a.item.planned_time, a.item.duration_minutes
                    );
                    a.documents.iter().for_each(print_doc);
                }
                if !m.other_documents.is_empty() {
                    println!("\nOther documents:");
                    m.other_documents.iter().for_each(print_doc);
                }
            }
        }
        Command::Verify { json } => {
            let report = meeting_client::verify(&profile)?;
            if json {
                print_json(&report)?;
            } else {
                println!("Checked {} documents: {} intact.", report.checked, report.ok);
                for sha in &report.corrupt {
                    println!("CORRUPT {sha}: removed; the next sync fetches it again");
                }
                for sha in &report.missing {
                    println!("MISSING {sha}: the next sync fetches it again");
                }
            }
            if !report.is_clean() {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_doc(d: &LocalDocument) {
    let state = if d.available_offline { "✓ offline" } else { "✗ not downloaded" };
    let conf = if d.document.confidential { " [MẬT]" } else { "" };
    println!(
        "   - {}{conf} ({} pages, v{}, {} KB) {state}",
        d.document.title,
        d.document.page_count,
        d.document.version,
        d.document.size / 1024
    );
}

async fn sync(profile: &Profile, json: bool, parallel: usize) -> Result<ExitCode, ClientError> {
    let bar = (!json && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b
    });
    let progress = |p: &SyncProgress| {
        if let Some(b) = &bar {
            match p {
                SyncProgress::Pulling { changes } => b.set_message(format!("changes: {changes}")),
                SyncProgress::Downloading { done_bytes, total_bytes, done_files, total_files } => {
                    b.set_length(*total_bytes);
                    b.set_position(*done_bytes);
                    b.set_message(format!("documents {done_files}/{total_files}"));
                }
            }
        }
    };
    let opts = SyncOptions { parallel, pdf: Some(crate::pdf::service()?), ..SyncOptions::default() };
    let report = meeting_client::sync(profile, &opts, &progress).await;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = report?;
    if json {
        print_json(&report)?;
    } else {
        if report.index.needs_password + report.index.failed > 0 {
            eprintln!(
                "note: {} documents are password-protected and {} could not be read; they are available but not searchable",
                report.index.needs_password, report.index.failed
            );
        }
        println!(
            "Synced: {} changes, {} documents downloaded ({} bytes), {} removed{}.",
            report.changes_applied,
            report.blobs_downloaded,
            report.bytes_downloaded,
            report.blobs_removed,
            if report.meetings_purged > 0 {
                format!(", {} meetings removed", report.meetings_purged)
            } else {
                String::new()
            }
        );
    }
    if report.failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for f in &report.failed {
            eprintln!("meeting: could not download {} [{}]: {}", f.sha256, f.code, f.error);
        }
        eprintln!(
            "meeting: {} documents are not available offline yet; run `meeting sync` again to resume.",
            report.failed.len()
        );
        Ok(ExitCode::FAILURE)
    }
}

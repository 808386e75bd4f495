//! `meeting minutes …`: the minutes (biên bản) from the command line. `draft`, `show`,
//! `edit`, `approve` and `export` are a contract (scripts depend on their names and
//! flags). MEETING is an id or a unique prefix of one on this device.

use clap::Subcommand;
use meeting_client::minutes::MinutesCalls;
use meeting_client::{ClientError, Profile};
use meeting_protocol::{AttendanceStatus, Minutes, MinutesEdit, MinutesState};

use crate::print_json;

/// The `minutes` subcommands.
#[derive(Debug, Subcommand)]
pub enum MinutesCommand {
    /// Make the draft from what the room recorded (again: the record is refreshed, the
    /// text written so far kept; after an approval: the next version, a correction).
    Draft {
        /// Meeting id (or unique prefix).
        meeting: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the minutes (a draft: the secretariat and the chair).
    Show {
        /// Meeting id (or unique prefix).
        meeting: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the secretary's text of an agenda item: its conclusion, the course of the
    /// discussion, the opinions.
    Edit {
        /// Meeting id (or unique prefix).
        meeting: String,
        /// The agenda item: its number from 1, or its id (or a unique prefix).
        #[arg(long)]
        item: String,
        /// The chair's conclusion on it.
        #[arg(long)]
        conclusion: Option<String>,
        /// The course of the discussion.
        #[arg(long)]
        discussion: Option<String>,
        /// The summary of opinions.
        #[arg(long)]
        opinions: Option<String>,
    },
    /// The chair approves the minutes: locked, and a PDF document of the meeting every
    /// participant receives with the next sync.
    Approve {
        /// Meeting id (or unique prefix).
        meeting: String,
    },
    /// Write the minutes as a PDF in the layout of Nghị định 30/2020/NĐ-CP.
    Export {
        /// Meeting id (or unique prefix).
        meeting: String,
        /// Where to write it.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

fn hhmm(t: time::OffsetDateTime) -> String {
    let t = meeting_protocol::office_time(t);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn print_minutes(m: &Minutes) {
    let state = match m.state {
        MinutesState::Draft => "dự thảo / draft",
        MinutesState::Approved => "đã phê duyệt / approved",
    };
    println!("BIÊN BẢN — {} (phiên bản {}, {state})", m.title, m.version);
    if let Some(c) = &m.chair {
        println!("Chủ trì: {}", c.name);
    }
    for p in &m.people {
        let status = match p.status {
            Some(AttendanceStatus::Present) => "có mặt".to_owned(),
            Some(AttendanceStatus::Online) => "trực tuyến".to_owned(),
            Some(AttendanceStatus::Absent) => {
                format!("vắng mặt{}", if p.reason.is_empty() { String::new() } else { format!(" ({})", p.reason) })
            }
            None => "không ghi nhận".to_owned(),
        };
        println!("  - {}: {status}", p.name);
    }
    println!("{}", m.presence_sentence());
    for i in &m.items {
        println!("{}. {}", i.position, i.title);
        for s in &i.speeches {
            let secs = s.seconds.map(|x| format!(" ({}′{:02}″)", x / 60, x % 60)).unwrap_or_default();
            println!("   {} {}{secs}", hhmm(s.started_at), s.name);
        }
        for v in &i.votes {
            let counts: Vec<String> = v.counts.iter().map(|(c, n)| format!("{c}: {n}")).collect();
            let kind = if v.secret { "kín" } else { "công khai" };
            println!(
                "   Biểu quyết ({kind}): {} — {} — {}",
                v.question,
                counts.join("; "),
                if v.passed { "thông qua" } else { "không thông qua" }
            );
        }
        if !i.conclusion.is_empty() {
            println!("   Kết luận: {}", i.conclusion);
        }
    }
    if m.state == MinutesState::Approved {
        println!("Mã kiểm tra / content hash: {}", m.content_hash);
    }
}

/// Runs `meeting minutes …`.
pub async fn run(profile: &Profile, command: MinutesCommand) -> Result<(), ClientError> {
    match command {
        MinutesCommand::Draft { meeting, json } => {
            let id = crate::room::meeting_id(profile, &meeting).await?;
            let m = MinutesCalls::new(profile)?.draft(id).await?;
            if json {
                print_json(&m)?;
            } else {
                println!("Đã lập dự thảo biên bản (phiên bản {}) / Draft made.", m.version);
                print_minutes(&m);
            }
        }
        MinutesCommand::Show { meeting, json } => {
            let id = crate::room::meeting_id(profile, &meeting).await?;
            let m = MinutesCalls::new(profile)?.show(id).await?;
            if json { print_json(&m)? } else { print_minutes(&m) }
        }
        MinutesCommand::Edit { meeting, item, conclusion, discussion, opinions } => {
            let id = crate::room::meeting_id(profile, &meeting).await?;
            let calls = MinutesCalls::new(profile)?;
            let m = calls.show(id).await?;
            let found: Vec<_> = m
                .items
                .iter()
                .filter(|i| i.position.to_string() == item || i.item_id.to_string().starts_with(&item))
                .collect();
            let target = match found.as_slice() {
                [one] => one.item_id,
                [] => return Err(ClientError::Invalid(format!("the minutes have no agenda item {item:?}"))),
                _ => {
                    return Err(ClientError::Invalid(format!(
                        "several agenda items match {item:?}: give more of the id"
                    )));
                }
            };
            let edit =
                MinutesEdit { item_id: Some(target), discussion, opinions_text: opinions, conclusion, number: None };
            calls.edit(id, &edit).await?;
            println!("Đã sửa biên bản / Minutes edited.");
        }
        MinutesCommand::Approve { meeting } => {
            let id = crate::room::meeting_id(profile, &meeting).await?;
            let m = MinutesCalls::new(profile)?.approve(id).await?;
            println!(
                "Đã phê duyệt biên bản (phiên bản {}) / Minutes approved; mã kiểm tra {}",
                m.version, m.content_hash
            );
        }
        MinutesCommand::Export { meeting, out } => {
            let id = crate::room::meeting_id(profile, &meeting).await?;
            let pdf = MinutesCalls::new(profile)?.pdf(id).await?;
            std::fs::write(&out, pdf).map_err(|e| {
                ClientError::Invalid(format!("không ghi được {} / cannot write {}: {e}", out.display(), out.display()))
            })?;
            println!("Đã ghi {} / Written.", out.display());
        }
    }
    Ok(())
}

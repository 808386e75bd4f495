//! `meeting conclusions …`: the conclusion notice (thông báo kết luận) from the command
//! line. `draft`, `show` and `issue` are a contract (scripts depend on them).

use clap::Subcommand;
use meeting_client::minutes::MinutesCalls;
use meeting_client::{ClientError, Profile};
use meeting_protocol::{Conclusion, ConclusionEdit, ConclusionState, Signer};

use crate::print_json;

/// The `conclusions` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConclusionsCommand {
    /// Draft the notice from the minutes' conclusions (again: refreshed, the signer and
    /// recipients kept). Due the 5th working day after the meeting.
    Draft {
        /// Meeting id (or unique prefix).
        meeting: String,
        /// The signer: authority prefix (TM., KT., Q., TL., TUQ. …), title and name,
        /// separated by '|': "TL. CHỦ TỊCH|CHÁNH VĂN PHÒNG|Trần Văn Dũng".
        #[arg(long)]
        signer: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the notice (a draft: the secretariat).
    Show {
        /// Meeting id (or unique prefix).
        meeting: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Issue the notice with its number (the office's register gives it): a PDF document
    /// of the meeting, and the number in the tasks its points gave.
    Issue {
        /// Meeting id (or unique prefix).
        meeting: String,
        /// Number and symbol, e.g. 12/TB-UBND.
        #[arg(long)]
        number: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Your meetings whose notice is late (not issued within 5 working days).
    Late {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn day(d: time::Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

fn print(c: &Conclusion) {
    let state = match c.state {
        ConclusionState::Draft => "dự thảo / draft".to_owned(),
        ConclusionState::Issued => format!("số {} / issued", c.number),
    };
    println!("THÔNG BÁO KẾT LUẬN — {} ({state}); hạn ban hành / due {}", c.title, day(c.deadline));
    for p in &c.points {
        let head = if p.item_title.is_empty() { String::new() } else { format!("{}: ", p.item_title) };
        println!("  {}. {head}{}", p.number, p.text);
    }
    println!("Nơi nhận: {}", c.recipients.join("; "));
    println!("{} {} {}", c.signer.authority, c.signer.title, c.signer.name);
}

/// Runs `meeting conclusions …`.
pub async fn run(profile: &Profile, command: ConclusionsCommand) -> Result<(), ClientError> {
    let calls = MinutesCalls::new(profile)?;
    match command {
        ConclusionsCommand::Draft { meeting, signer, json } => {
            let id = crate::room::meeting_id(profile, &meeting).await?;
            let mut c = calls.draft_conclusion(id).await?;
            if let Some(s) = signer {
                let parts: Vec<&str> = s.split('|').map(str::trim).collect();
                let [authority, title, name] = parts.as_slice() else {
                    return Err(ClientError::Invalid("--signer is \"AUTHORITY|TITLE|NAME\"".into()));
                };
                let signer = Signer { authority: (*authority).into(), title: (*title).into(), name: (*name).into() };
                c = calls.edit_conclusion(id, &ConclusionEdit { signer: Some(signer), ..Default::default() }).await?;
            }
            if json { print_json(&c)? } else { print(&c) }
        }
        ConclusionsCommand::Show { meeting, json } => {
            let id = crate::room::meeting_id(profile, &meeting).await?;
            let c = calls.conclusion(id).await?;
            if json { print_json(&c)? } else { print(&c) }
        }
        ConclusionsCommand::Issue { meeting, number, json } => {
            let id = crate::room::meeting_id(profile, &meeting).await?;
            let c = calls.issue_conclusion(id, &number).await?;
            if json {
                print_json(&c)?;
            } else {
                println!("Đã ban hành thông báo số {} / Notice issued.", c.number);
            }
        }
        ConclusionsCommand::Late { json } => {
            let late = calls.late_conclusions().await?;
            if json {
                print_json(&late)?;
            } else if late.is_empty() {
                println!("Không có thông báo kết luận nào chậm / No late notice.");
            } else {
                for l in &late {
                    let state =
                        l.issued_on.map_or_else(|| "chưa ban hành".to_owned(), |d| format!("ban hành {}", day(d)));
                    println!(
                        "{}  hạn {} · {state} · trễ {} ngày làm việc",
                        l.title,
                        day(l.deadline),
                        l.working_days_late
                    );
                }
            }
        }
    }
    Ok(())
}

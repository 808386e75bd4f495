//! `meeting tasks …`: the tasks conclusions give units, from the command line. The names
//! and flags are a contract (scripts and mail gateways depend on them): `add`, `list`,
//! `report`, `confirm`, `return`, `extend`, `stats`, `digest`; `--unit` takes a unit's
//! code; the JSON of `stats` names its buckets `on_time`, `late`, `in_progress`,
//! `overdue`, `no_deadline`.
//!
//! Reading (`list`, `stats`, `digest`) asks the server and falls back to this device's
//! copy, as of its last sync, when the server cannot be reached; a progress note written
//! offline waits on the device and is sent once by the next sync.

use clap::Subcommand;
use meeting_client::tasks::TaskCalls;
use meeting_client::{ClientError, Profile};
use meeting_protocol::{
    BucketCounts, Task, TaskBucket, TaskInput, TaskReport, TaskSource, TaskStats, office_day, parse_day,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::print_json;

/// The `tasks` subcommands.
#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// Give a task to a unit (the office).
    Add {
        /// What is to be done.
        #[arg(long)]
        content: String,
        /// The lead unit's code (SKHDT).
        #[arg(long)]
        unit: String,
        /// A co-operating unit's code (repeat for each).
        #[arg(long = "co-unit")]
        co_units: Vec<String>,
        /// The deadline, YYYY-MM-DD (none: a task without a deadline).
        #[arg(long)]
        deadline: Option<String>,
        /// The meeting and the point of its conclusion notice the task comes from.
        #[arg(long, num_args = 2, value_names = ["MEETING", "POINT"])]
        from_conclusion: Option<Vec<String>>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The tasks you follow (every task for the office, your unit's for its staff).
    List {
        /// Only those a unit (by code) leads or co-operates on.
        #[arg(long)]
        unit: Option<String>,
        /// Only one bucket: on_time, late, in_progress, overdue, no_deadline.
        #[arg(long, value_parser = ["on_time", "late", "in_progress", "overdue", "no_deadline"])]
        bucket: Option<String>,
        /// Only the overdue ones (the same as --bucket overdue).
        #[arg(long, conflicts_with = "bucket")]
        overdue: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A progress note on a task, or (--done) the report that it is done. Offline, the
    /// note waits on this device and goes with the next sync.
    Report {
        /// Task id (or a unique prefix of one on this device).
        task: String,
        /// The note.
        #[arg(long)]
        progress: String,
        /// The work is done: the office is asked to confirm.
        #[arg(long)]
        done: bool,
    },
    /// Confirm the report waiting on a task (the office).
    Confirm {
        /// Task id (or prefix).
        task: String,
    },
    /// Return the report waiting on a task, with the reason (the office): not done.
    Return {
        /// Task id (or prefix).
        task: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Move a task's deadline later, with the reason (the office).
    Extend {
        /// Task id (or prefix).
        task: String,
        /// The new deadline, YYYY-MM-DD.
        #[arg(long)]
        deadline: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// The follow-up figures: on time, late, in progress, overdue, no deadline.
    Stats {
        /// First day of the period (tasks assigned from it), YYYY-MM-DD.
        #[arg(long)]
        from: Option<String>,
        /// Last day of the period.
        #[arg(long)]
        to: Option<String>,
        /// One lead unit, by code.
        #[arg(long)]
        unit: Option<String>,
        /// Print JSON.
        #[arg(long, conflicts_with = "xlsx")]
        json: bool,
        /// Write the figures as a spreadsheet (per unit, per month) to FILE.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<std::path::PathBuf>,
    },
    /// Reminders: tasks due within 7 days, due today, and overdue (for a script or a mail
    /// gateway).
    Digest {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn day(what: &str, text: &str) -> Result<Date, ClientError> {
    parse_day(text.trim()).ok_or_else(|| {
        ClientError::Invalid(format!("{what} {text:?}: hãy viết ngày dạng YYYY-MM-DD / write the day as YYYY-MM-DD"))
    })
}

fn vn(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// The task named by a whole id or a unique prefix of a task on this device.
fn task_id(profile: &Profile, given: &str) -> Result<Uuid, ClientError> {
    if let Ok(id) = Uuid::parse_str(given) {
        return Ok(id);
    }
    let tasks = profile.store()?.tasks()?;
    let found: Vec<Uuid> = tasks.iter().map(|t| t.id).filter(|id| id.to_string().starts_with(given)).collect();
    match found.as_slice() {
        [id] => Ok(*id),
        [] => Err(ClientError::Invalid(format!("no task on this device starts with {given:?} (run `meeting sync`)"))),
        _ => Err(ClientError::Invalid(format!("several tasks start with {given:?}: give more of the id"))),
    }
}

fn bucket_vi(b: TaskBucket) -> &'static str {
    match b {
        TaskBucket::OnTime => "hoàn thành đúng hạn",
        TaskBucket::Late => "hoàn thành quá hạn",
        TaskBucket::InProgress => "đang thực hiện trong hạn",
        TaskBucket::Overdue => "đang thực hiện quá hạn",
        TaskBucket::NoDeadline => "không có thời hạn",
    }
}

fn print_task(t: &Task, today: Date) {
    let deadline = t.deadline.map_or_else(|| "không thời hạn".to_owned(), vn);
    println!("{}  [{}] {} · hạn {} · {}", t.id, t.lead_unit.code, t.content, deadline, bucket_vi(t.bucket(today)));
}

/// Reads from the server, or from the device when the server cannot be reached (saying
/// so on stderr, with the time of the last sync).
async fn or_offline<T>(
    profile: &Profile,
    online: impl std::future::Future<Output = Result<T, ClientError>>,
    offline: impl FnOnce() -> Result<T, ClientError>,
) -> Result<T, ClientError> {
    match online.await {
        Err(ClientError::Unreachable { .. } | ClientError::Interrupted { .. }) => {
            let at = profile.store()?.synced_at()?;
            let when = at.map_or_else(|| "chưa đồng bộ / never synced".to_owned(), |t| t.to_string());
            eprintln!(
                "Không kết nối được máy chủ: số liệu trên máy này, tính đến lần đồng bộ {when} / offline: this device's copy, as of {when}"
            );
            offline()
        }
        other => other,
    }
}

fn print_counts(c: &BucketCounts) {
    println!(
        "{}/{} hoàn thành đúng hạn, {} trễ hạn ({} hoàn thành quá hạn, {} đang quá hạn), {} đang thực hiện trong hạn, {} không có thời hạn",
        c.on_time,
        c.total,
        c.behind(),
        c.late,
        c.overdue,
        c.in_progress,
        c.no_deadline
    );
}

/// Runs `meeting tasks …`.
pub async fn run(profile: &Profile, command: TasksCommand) -> Result<(), ClientError> {
    let today = office_day(OffsetDateTime::now_utc());
    match command {
        TasksCommand::Add { content, unit, co_units, deadline, from_conclusion, json } => {
            let source = match from_conclusion.as_deref() {
                Some([meeting, point]) => TaskSource::Conclusion {
                    meeting_id: crate::room::meeting_id(profile, meeting).await?,
                    number: String::new(),
                    point: point
                        .parse()
                        .map_err(|_| ClientError::Invalid(format!("point {point:?} is a number from 1")))?,
                },
                _ => TaskSource::Other,
            };
            let deadline = deadline.as_deref().map(|d| day("deadline", d)).transpose()?;
            let input = TaskInput { content, source, lead_unit: unit, co_units, deadline, leader_id: None };
            let task = TaskCalls::new(profile)?.create(&input).await?;
            if json {
                print_json(&task)?;
            } else {
                println!("Đã giao nhiệm vụ / Task assigned: {}", task.id);
                print_task(&task, today);
            }
        }
        TasksCommand::List { unit, bucket, overdue, json } => {
            let bucket =
                if overdue { Some(TaskBucket::Overdue) } else { bucket.as_deref().and_then(TaskBucket::parse) };
            let calls = TaskCalls::new(profile)?;
            let tasks = or_offline(profile, calls.list(unit.as_deref(), bucket), || {
                let as_of = profile.store()?.synced_at()?.map_or(today, office_day);
                let code = unit.as_deref();
                Ok(profile
                    .store()?
                    .tasks()?
                    .into_iter()
                    .filter(|t| {
                        code.is_none_or(|c| {
                            t.lead_unit.code.eq_ignore_ascii_case(c)
                                || t.co_units.iter().any(|u| u.code.eq_ignore_ascii_case(c))
                        })
                    })
                    .filter(|t| bucket.is_none_or(|b| t.bucket(as_of) == b))
                    .collect())
            })
            .await?;
            if json {
                print_json(&tasks)?;
            } else if tasks.is_empty() {
                println!("Không có nhiệm vụ nào / No tasks.");
            } else {
                for t in &tasks {
                    print_task(t, today);
                }
            }
        }
        TasksCommand::Report { task, progress, done } => {
            let id = task_id(profile, &task)?;
            let note = TaskReport { id: Uuid::now_v7(), text: progress, done };
            match TaskCalls::new(profile)?.report(id, &note).await {
                Ok(t) => {
                    println!("Đã gửi / Sent.");
                    print_task(&t, today);
                }
                // Kept and sent by the next sync; if the server did get it and only the
                // answer was lost, the note's id makes the second send harmless.
                Err(ClientError::Unreachable { .. } | ClientError::Interrupted { .. }) => {
                    profile.store()?.queue_task_report(id, &note)?;
                    println!(
                        "Đã lưu trên máy này, sẽ gửi khi đồng bộ / Saved on this device: sent with the next sync."
                    );
                }
                Err(e) => return Err(e),
            }
        }
        TasksCommand::Confirm { task } => {
            let t = TaskCalls::new(profile)?.review(task_id(profile, &task)?, true, "").await?;
            println!("Đã xác nhận hoàn thành / Confirmed done.");
            print_task(&t, today);
        }
        TasksCommand::Return { task, reason } => {
            let t = TaskCalls::new(profile)?.review(task_id(profile, &task)?, false, &reason).await?;
            println!("Đã trả lại báo cáo / Report returned.");
            print_task(&t, today);
        }
        TasksCommand::Extend { task, deadline, reason } => {
            let d = day("deadline", &deadline)?;
            let t = TaskCalls::new(profile)?.extend(task_id(profile, &task)?, d, &reason).await?;
            println!("Đã gia hạn đến {} / Deadline moved to {d}.", vn(d));
            print_task(&t, today);
        }
        TasksCommand::Stats { from, to, unit, json, xlsx } => {
            let from = from.as_deref().map(|d| day("from", d)).transpose()?;
            let to = to.as_deref().map(|d| day("to", d)).transpose()?;
            let calls = TaskCalls::new(profile)?;
            let stats: TaskStats = or_offline(profile, calls.stats(from, to, unit.as_deref()), || {
                profile.store()?.task_stats(from, to, unit.as_deref())
            })
            .await?;
            if let Some(path) = xlsx {
                let bytes = meeting_client::tasks_export::stats_xlsx(&stats)?;
                std::fs::write(&path, bytes).map_err(|e| {
                    ClientError::Invalid(format!(
                        "không ghi được {} / cannot write {}: {e}",
                        path.display(),
                        path.display()
                    ))
                })?;
                println!("Đã ghi bảng tính {} / Spreadsheet written.", path.display());
            } else if json {
                print_json(&stats)?;
            } else {
                println!("Tính đến ngày {} / As of {}", vn(stats.as_of), stats.as_of);
                print_counts(&stats.all);
                for u in &stats.units {
                    print!("  {:<10} ", u.unit.code);
                    print_counts(&u.counts);
                }
            }
        }
        TasksCommand::Digest { json } => {
            let calls = TaskCalls::new(profile)?;
            let tasks = or_offline(profile, calls.list(None, None), || profile.store()?.tasks()).await?;
            let digest = crate::tasks::digest(&tasks, today);
            if json {
                print_json(&digest)?;
            } else {
                for (title, list) in [
                    ("Quá hạn / Overdue", &digest.overdue),
                    ("Đến hạn hôm nay / Due today", &digest.due_today),
                    ("Đến hạn trong 7 ngày / Due within 7 days", &digest.due_soon),
                ] {
                    println!("{title}: {}", list.len());
                    for t in list {
                        print_task(t, today);
                    }
                }
            }
        }
    }
    Ok(())
}

/// The reminders: overdue tasks, those due today, those due within the next 7 days
/// (not done, or reported and waiting for the office).
#[derive(Debug, serde::Serialize)]
pub struct Digest {
    /// Not done, the deadline passed.
    pub overdue: Vec<Task>,
    /// Not done, due today.
    pub due_today: Vec<Task>,
    /// Not done, due in 1 to 7 days.
    pub due_soon: Vec<Task>,
}

fn digest(tasks: &[Task], today: Date) -> Digest {
    let mut d = Digest { overdue: Vec::new(), due_today: Vec::new(), due_soon: Vec::new() };
    for t in tasks {
        let Some(deadline) = t.deadline else { continue };
        if t.state == meeting_protocol::TaskState::Completed {
            continue;
        }
        let days = (deadline - today).whole_days();
        match days {
            ..0 => d.overdue.push(t.clone()),
            0 => d.due_today.push(t.clone()),
            1..=7 => d.due_soon.push(t.clone()),
            _ => {}
        }
    }
    d
}

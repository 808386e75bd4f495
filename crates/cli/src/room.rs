//! The meeting room from the command line: check in, ask to speak, vote, present, and
//! for the chair and the secretariat the current item, attendance, the floor, the
//! quorum and opening and closing votes. `checkin`, `speak`, `vote open|cast|close|show`
//! and `present` are a contract (scripts depend on their names and flags).
//!
//! Ids may be given whole or as a unique prefix of an id on this device; an id not on
//! the device yet (just created on the server) is looked up again after a sync.

use std::sync::Mutex;

use clap::Subcommand;
use meeting_protocol::{AttendanceStatus, Room, SpeakerState, Vote, VoteInput, VoteStatus, VoteThreshold};
use uuid::Uuid;

use crate::print_json;
use meeting_client::room::{RoomCalls, choice_index};
use meeting_client::store::Store;
use meeting_client::{ClientError, Profile, SyncOptions};

/// The `vote` subcommands.
#[derive(Debug, Subcommand)]
pub enum VoteCommand {
    /// Open a vote on an agenda item (the chair or the secretariat). Who may vote: the
    /// chair and members present or online now.
    Open {
        /// Agenda item id (or unique prefix).
        item: String,
        /// The question put, e.g. "Thông qua Tờ trình số 12".
        #[arg(long)]
        question: String,
        /// A choice (repeat for each; the first is "for"). Default: Đồng ý, Không đồng ý, Không biểu quyết.
        #[arg(long = "choice")]
        choices: Vec<String>,
        /// A secret ballot: nobody, the server included, can tell who chose what.
        #[arg(long)]
        secret: bool,
        /// What passing needs, counted against those present: more than half, or two thirds.
        #[arg(long, default_value = "half", value_parser = ["half", "two-thirds"])]
        threshold: String,
        /// Close by itself after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        duration: Option<u32>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cast your ballot: CHOICE is its number from 1 or its text ("dong y" is "Đồng ý").
    /// Final once cast; needs the server now (a ballot is never queued).
    Cast {
        /// Vote id (or unique prefix).
        vote: String,
        /// The choice.
        choice: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Close a vote and count it (the chair or the secretariat).
    Close {
        /// Vote id (or unique prefix).
        vote: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a vote as the server has it now: who may vote, who has, the result.
    Show {
        /// Vote id (or unique prefix).
        vote: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn uuid(s: &str) -> Result<Uuid, ClientError> {
    Uuid::parse_str(s).map_err(|_| ClientError::Protocol(format!("{s} is not an id")))
}

/// Runs `find` on the store; if the id is not there, syncs once and tries again.
async fn find<T>(profile: &Profile, find: impl Fn(&Store) -> Result<T, ClientError>) -> Result<T, ClientError> {
    let first = {
        let store = profile.store()?;
        find(&store)
    };
    match first {
        Err(ClientError::NotFound(_)) => {
            meeting_client::sync(profile, &SyncOptions::default(), &|_| {}).await?;
            let store = profile.store()?;
            find(&store)
        }
        other => other,
    }
}

pub(crate) async fn meeting_id(profile: &Profile, given: &str) -> Result<Uuid, ClientError> {
    let id = find(profile, |s| s.resolve_meeting_id(given)).await?;
    uuid(&id)
}

async fn vote_id(profile: &Profile, given: &str) -> Result<Uuid, ClientError> {
    if let Ok(id) = Uuid::parse_str(given.trim()) {
        return Ok(id);
    }
    let (id, _) = find(profile, |s| s.resolve_vote(given)).await?;
    uuid(&id)
}

fn me(profile: &Profile) -> Result<Uuid, ClientError> {
    let id = profile.store()?.meta("user_id")?.ok_or(ClientError::NotLoggedIn)?;
    uuid(&id)
}

/// `meeting checkin MEETING`: records the caller present (or online).
pub async fn checkin(profile: &Profile, meeting: &str, online: bool) -> Result<(), ClientError> {
    let mid = meeting_id(profile, meeting).await?;
    let status = if online { AttendanceStatus::Online } else { AttendanceStatus::Present };
    let rows = RoomCalls::new(profile)?.attend(mid, Vec::new(), status, "").await?;
    let order = rows.first().map_or(0, |a| a.order);
    eprintln!("Đã điểm danh (thứ tự {order}) / Checked in (arrival {order}).");
    Ok(())
}

/// `meeting attend MEETING --status S USERNAME…`: the secretariat records others' attendance.
pub async fn attend(
    profile: &Profile,
    meeting: &str,
    usernames: &[String],
    status: &str,
    reason: &str,
) -> Result<(), ClientError> {
    let mid = meeting_id(profile, meeting).await?;
    let status = AttendanceStatus::parse(status).ok_or_else(|| ClientError::Invalid(format!("status {status}?")))?;
    let local = profile.store()?.meeting(&mid.to_string())?.ok_or_else(|| ClientError::NotFound(mid.to_string()))?;
    let mut ids = Vec::new();
    for name in usernames {
        let p = local.participants.iter().find(|p| &p.username == name).ok_or_else(|| {
            ClientError::NotFound(format!("{name} không dự cuộc họp này / does not take part in this meeting"))
        })?;
        ids.push(p.user_id);
    }
    let rows = RoomCalls::new(profile)?.attend(mid, ids, status, reason).await?;
    eprintln!("Đã ghi {} người / Recorded {}.", rows.len(), rows.len());
    Ok(())
}

/// `meeting speak MEETING [--withdraw] [--point-of-order]`.
pub async fn speak(profile: &Profile, meeting: &str, withdraw: bool, point_of_order: bool) -> Result<(), ClientError> {
    let mid = meeting_id(profile, meeting).await?;
    let calls = RoomCalls::new(profile)?;
    if withdraw {
        match calls.withdraw_own(mid, me(profile)?).await? {
            Some(_) => eprintln!("Đã rút đăng ký phát biểu / Request to speak withdrawn."),
            None => eprintln!("Bạn không đăng ký phát biểu / You had not asked to speak."),
        }
        return Ok(());
    }
    let s = calls.speak(mid, point_of_order).await?;
    let room = calls.room(mid).await?;
    let place = room.speakers.iter().filter(|x| x.state == SpeakerState::Waiting).position(|x| x.id == s.id);
    match (s.state, place) {
        (SpeakerState::Speaking, _) => eprintln!("Bạn đang phát biểu / You have the floor."),
        (_, Some(i)) => {
            eprintln!("Đã đăng ký phát biểu, thứ {} / Asked to speak, number {} in the queue.", i + 1, i + 1)
        }
        _ => eprintln!("Đã đăng ký phát biểu / Asked to speak."),
    }
    Ok(())
}

/// `meeting floor MEETING [--speaker ID] [--end]`: the chair gives or ends the floor.
pub async fn floor(profile: &Profile, meeting: &str, speaker: Option<&str>, end: bool) -> Result<(), ClientError> {
    let mid = meeting_id(profile, meeting).await?;
    let calls = RoomCalls::new(profile)?;
    if end {
        calls.end_floor(mid).await?;
        eprintln!("Đã kết thúc phần phát biểu / Floor ended.");
        return Ok(());
    }
    let s = calls.give_floor(mid, speaker.map(uuid).transpose()?).await?;
    eprintln!("{} đang phát biểu / {} has the floor.", s.display_name, s.display_name);
    Ok(())
}

/// `meeting current MEETING [ITEM]`: the chair sets the item under discussion (none without ITEM).
pub async fn current(profile: &Profile, meeting: &str, item: Option<&str>) -> Result<(), ClientError> {
    let mid = meeting_id(profile, meeting).await?;
    let item = match item {
        Some(i) => Some(uuid(&find(profile, |s| s.resolve_item(i)).await?.0)?),
        None => None,
    };
    RoomCalls::new(profile)?.set_current_item(mid, item).await?;
    eprintln!("Đã đặt nội dung đang thảo luận / Current item set.");
    Ok(())
}

/// `meeting quorum MEETING PERCENT`.
pub async fn quorum(profile: &Profile, meeting: &str, percent: u32) -> Result<(), ClientError> {
    let mid = meeting_id(profile, meeting).await?;
    RoomCalls::new(profile)?.set_quorum(mid, percent).await?;
    eprintln!("Túc số: {percent}% / Quorum: {percent}%.");
    Ok(())
}

/// `meeting present DOCUMENT PAGE` (PAGE from 1; 0 stops presenting).
pub async fn present(profile: &Profile, document: &str, page: u32) -> Result<(), ClientError> {
    let (did, mid) = find(profile, |s| s.resolve_document(document)).await?;
    let calls = RoomCalls::new(profile)?;
    if page == 0 {
        calls.stop_presenting(uuid(&mid)?).await?;
        eprintln!("Đã dừng trình chiếu / Presentation stopped.");
    } else {
        calls.present(uuid(&mid)?, uuid(&did)?, page - 1).await?;
        eprintln!("Đang trình chiếu trang {page} / Presenting page {page}.");
    }
    Ok(())
}

/// `meeting room MEETING [--json]`: the room as the server has it now.
pub async fn room(profile: &Profile, meeting: &str, json: bool) -> Result<(), ClientError> {
    let mid = meeting_id(profile, meeting).await?;
    let room = RoomCalls::new(profile)?.room(mid).await?;
    if json {
        return print_json(&room);
    }
    let q = if room.quorum { "đủ túc số / quorum" } else { "chưa đủ túc số / no quorum" };
    println!("Có mặt / Present: {}/{} ({q}, {}%)", room.present, room.members, room.state.quorum_percent);
    for a in &room.attendance {
        println!("  {:>3}. {} — {}", a.order, a.display_name, a.status.as_str());
    }
    for s in room.speakers.iter().filter(|s| matches!(s.state, SpeakerState::Waiting | SpeakerState::Speaking)) {
        let poo = if s.point_of_order { " (thủ tục / point of order)" } else { "" };
        println!("  {} {}{poo} [{}]", if s.state == SpeakerState::Speaking { "▶" } else { "·" }, s.display_name, s.id);
    }
    for v in &room.votes {
        print_vote(v);
    }
    Ok(())
}

fn print_vote(v: &Vote) {
    let status = match v.status {
        VoteStatus::Open => "đang biểu quyết / open",
        VoteStatus::Closed => "đã kết thúc / closed",
        VoteStatus::Void => "không hợp lệ / void",
    };
    let kind = if v.secret { "bỏ phiếu kín / secret" } else { "công khai / named" };
    println!(
        "{} [{}] — {status}, {kind}; {}/{} đã bỏ phiếu / voted",
        v.question,
        v.id,
        v.voted.len(),
        v.eligible.len()
    );
    match &v.result {
        Some(r) => {
            for (i, c) in v.choices.iter().enumerate() {
                println!("  {}. {c}: {}", i + 1, r.counts.get(i).copied().unwrap_or(0));
            }
            let verdict = if r.passed { "THÔNG QUA / PASSED" } else { "KHÔNG THÔNG QUA / NOT PASSED" };
            println!("  {verdict} ({} phiếu / ballots, {} có quyền / eligible)", r.ballots, r.eligible);
            for b in &r.named {
                println!("    {} — {}", b.display_name, v.choices.get(b.choice as usize).map_or("?", String::as_str));
            }
        }
        None => {
            for (i, c) in v.choices.iter().enumerate() {
                println!("  {}. {c}", i + 1);
            }
            if !v.void_reason.is_empty() {
                println!("  {}", v.void_reason);
            }
        }
    }
}

/// `meeting vote …`.
pub async fn vote(profile: &Profile, command: VoteCommand) -> Result<(), ClientError> {
    let calls = RoomCalls::new(profile)?;
    let (v, json) = match command {
        VoteCommand::Open { item, question, choices, secret, threshold, duration, json } => {
            let (item, _) = find(profile, |s| s.resolve_item(&item)).await?;
            let input = VoteInput {
                question,
                choices: (!choices.is_empty()).then_some(choices),
                secret,
                threshold: VoteThreshold::parse(&threshold).unwrap_or_default(),
                duration_seconds: duration,
            };
            let v = calls.open_vote(uuid(&item)?, &input).await?;
            if !json {
                // The id on stdout alone, for scripts: `VOTE=$(meeting vote open …)`.
                println!("{}", v.id);
                eprintln!("Đã mở biểu quyết / Vote opened: {} người có quyền / may vote.", v.eligible.len());
                return Ok(());
            }
            (v, json)
        }
        VoteCommand::Cast { vote, choice, json } => {
            let id = vote_id(profile, &vote).await?;
            let current = calls.vote(id).await?;
            let index = choice_index(&current.choices, &choice)?;
            let v = calls.cast(id, index).await?;
            let name = &current.choices[index as usize];
            eprintln!("Đã bỏ phiếu: {name} / Ballot cast: {name}.");
            if !json {
                return Ok(());
            }
            (v, json)
        }
        VoteCommand::Close { vote, json } => (calls.close_vote(vote_id(profile, &vote).await?).await?, json),
        VoteCommand::Show { vote, json } => (calls.vote(vote_id(profile, &vote).await?).await?, json),
    };
    if json {
        print_json(&v)
    } else {
        print_vote(&v);
        Ok(())
    }
}

/// `meeting live`'s room lines: after each sync, the meeting's room when it changed, as
/// `{"event":"room","room":…}` (JSON) or a short line.
pub struct RoomWatch {
    meeting: String,
    last: Mutex<Option<Room>>,
}

impl RoomWatch {
    /// Watches `meeting`'s room on this device.
    pub fn new(meeting: String) -> Self {
        Self { meeting, last: Mutex::new(None) }
    }

    /// The line to print after a sync, if the room changed.
    pub fn line(&self, profile: &Profile, json: bool) -> Option<String> {
        let room = profile.store().ok()?.room(&self.meeting).ok()??;
        let mut last = self.last.lock().ok()?;
        if last.as_ref() == Some(&room) {
            return None;
        }
        *last = Some(room.clone());
        if json {
            return serde_json::to_string(&serde_json::json!({ "event": "room", "room": room })).ok();
        }
        let presenting = room.state.presentation.as_ref().map_or(String::new(), |p| {
            format!(
                "; {} trình chiếu trang {} / presents page {}",
                p.presenter_name,
                p.page_index + 1,
                p.page_index + 1
            )
        });
        let open = room
            .votes
            .iter()
            .find(|v| v.status == VoteStatus::Open)
            .map_or(String::new(), |v| format!("; biểu quyết / vote: {}", v.question));
        Some(format!("room: {}/{} có mặt / present{presenting}{open}", room.present, room.members))
    }
}

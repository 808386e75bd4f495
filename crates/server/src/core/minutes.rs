//! Minutes (biên bản): a draft built from what the room recorded, the secretary's text
//! per agenda item, the chair's approval that locks a version, and corrections as new
//! versions. Who: the meeting's secretariat drafts and edits; its chair approves; every
//! participant reads approved minutes (drafts: the secretariat and the chair).
//!
//! The record is never typed: each draft rebuilds it from the room (attendance, speakers,
//! votes, opinions, and the times items were taken up, from the audit trail of the
//! current item), keeping the text already written; so a draft made during the meeting
//! and again after it is exact both times.

use std::collections::HashMap;

use meeting_protocol::{
    AttendanceStatus, Minutes, MinutesEdit, MinutesItem, MinutesOpinion, MinutesPerson, MinutesSpeech, MinutesState,
    MinutesVote, ParticipantRole, Role, VoteStatus,
};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, Subject, snapshot};
use super::documents::Content;
use super::meetings::text;
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::model;
use crate::store::{self, Tx};

/// Whether the caller writes the meeting's minutes: its secretariat (organizers, and
/// secretaries and admins taking part).
fn require_secretariat(tx: &Tx<'_>, actor: &AuthUser, mid: &str) -> AppResult<()> {
    model::secretariat_meeting(tx, actor, mid, "minutes").map(drop)
}

/// The record of the meeting as the room kept it, with no text yet; the opinions are
/// those `reader` (the secretariat member drafting) may see.
pub fn record(tx: &Tx<'_>, reader: &str, mid: &str) -> AppResult<Minutes> {
    let meeting = store::meetings::meeting(tx, mid)?.ok_or_else(|| AppError::not_found("meeting"))?;
    let attendance: HashMap<Uuid, (AttendanceStatus, String)> =
        super::room::attendance_of(tx, mid)?.into_iter().map(|a| (a.user_id, (a.status, a.reason))).collect();
    let people: Vec<MinutesPerson> = store::meetings::participants_of(tx, mid)?
        .into_iter()
        .map(|p| {
            let (status, reason) =
                attendance.get(&p.user_id).cloned().map_or((None, String::new()), |(s, r)| (Some(s), r));
            MinutesPerson { user_id: p.user_id, name: p.display_name, role: p.role, status, reason }
        })
        .collect();
    let state = super::room::live_state(tx, mid)?;
    let (members, present) = super::room::quorum_counts(tx, mid)?;
    let agenda = store::meetings::agenda_of(tx, mid)?;

    // When each item was taken up: the audit trail of the current item, in order. An item
    // ends when another is taken up or none is current any more.
    let mut spans: HashMap<Uuid, (OffsetDateTime, Option<OffsetDateTime>)> = HashMap::new();
    let mut current: Option<Uuid> = None;
    for e in audit::history(tx, mid)?.into_iter().filter(|e| e.action == "room.current_item") {
        let next = e
            .after
            .as_ref()
            .and_then(|a| a.get("current_item_id"))
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok());
        if next == current {
            continue;
        }
        if let Some(ended) = current.and_then(|c| spans.get_mut(&c)) {
            ended.1 = Some(e.at);
        }
        if let Some(n) = next {
            // Taken up again later: the first start and the last end count.
            spans.entry(n).and_modify(|s| s.1 = None).or_insert((e.at, None));
        }
        current = next;
    }

    let mut speeches: HashMap<Option<Uuid>, Vec<MinutesSpeech>> = HashMap::new();
    let mut spoken: Vec<_> =
        super::speakers::speakers_of(tx, mid)?.into_iter().filter(|s| s.started_at.is_some()).collect();
    spoken.sort_by_key(|s| (s.started_at, s.position));
    for s in spoken {
        let Some(started_at) = s.started_at else { continue };
        let seconds = s.ended_at.map(|e| u32::try_from((e - started_at).whole_seconds().max(0)).unwrap_or(u32::MAX));
        speeches.entry(s.agenda_item_id).or_default().push(MinutesSpeech {
            name: s.display_name,
            point_of_order: s.point_of_order,
            started_at,
            seconds,
        });
    }
    let mut votes: HashMap<Uuid, Vec<MinutesVote>> = HashMap::new();
    let mut all_votes = super::votes::votes_of(tx, mid)?;
    all_votes.sort_by_key(|v| (v.opened_at, v.id));
    for v in all_votes.into_iter().filter(|v| v.status != VoteStatus::Open) {
        let (counts, ballots, eligible, passed, named) = match &v.result {
            Some(r) => (
                v.choices.iter().cloned().zip(r.counts.iter().copied()).collect(),
                r.ballots,
                r.eligible,
                r.passed,
                // A secret vote's result has no names, by construction; never look for any.
                if v.secret {
                    Vec::new()
                } else {
                    r.named
                        .iter()
                        .map(|b| {
                            (b.display_name.clone(), v.choices.get(b.choice as usize).cloned().unwrap_or_default())
                        })
                        .collect()
                },
            ),
            None => (Vec::new(), 0, 0, false, Vec::new()),
        };
        votes.entry(v.agenda_item_id).or_default().push(MinutesVote {
            question: v.question,
            secret: v.secret,
            counts,
            ballots,
            eligible,
            passed,
            void_reason: v.void_reason,
            named,
        });
    }
    let mut opinions: HashMap<Option<Uuid>, Vec<MinutesOpinion>> = HashMap::new();
    for o in super::opinions::of_meeting(tx, reader, mid)? {
        opinions.entry(o.agenda_item_id).or_default().push(MinutesOpinion {
            author: o.author_name,
            document: o.document_title.unwrap_or_default(),
            quote: o.quote.unwrap_or_default(),
            text: o.annotation.text,
        });
    }

    let items = agenda
        .into_iter()
        .map(|a| {
            let (started_at, ended_at) = spans.get(&a.id).map_or((None, None), |s| (Some(s.0), s.1));
            MinutesItem {
                item_id: a.id,
                position: a.position,
                title: a.title,
                presenter: a.presenter,
                planned_time: a.planned_time,
                planned_minutes: u32::try_from(a.duration_minutes).unwrap_or(0),
                started_at,
                ended_at,
                speeches: speeches.remove(&Some(a.id)).unwrap_or_default(),
                votes: votes.remove(&a.id).unwrap_or_default(),
                opinions: opinions.remove(&Some(a.id)).unwrap_or_default(),
                discussion: String::new(),
                opinions_text: String::new(),
                conclusion: String::new(),
            }
        })
        .collect();
    let chair = people.iter().find(|p| p.role == ParticipantRole::Chair).cloned();
    let secretaries = people.iter().filter(|p| p.role == ParticipantRole::Organizer).cloned().collect();
    Ok(Minutes {
        meeting_id: meeting.id,
        version: 1,
        state: MinutesState::Draft,
        number: String::new(),
        title: meeting.title,
        location: meeting.location,
        starts_at: meeting.starts_at,
        chair,
        secretaries,
        people,
        present,
        members,
        quorum_percent: state.quorum_percent,
        quorum: meeting_protocol::has_quorum(members, present, state.quorum_percent),
        items,
        other_opinions: opinions.remove(&None).unwrap_or_default(),
        conclusion: String::new(),
        recorded_at: OffsetDateTime::now_utc(),
        content_hash: String::new(),
        approved_by: None,
        approved_at: None,
        document_id: None,
    })
}

/// Carries the text already written (per item, by id; the minutes' own) onto a fresh
/// record.
fn keep_text(mut fresh: Minutes, old: &Minutes) -> Minutes {
    for item in &mut fresh.items {
        if let Some(o) = old.items.iter().find(|o| o.item_id == item.item_id) {
            item.discussion.clone_from(&o.discussion);
            item.opinions_text.clone_from(&o.opinions_text);
            item.conclusion.clone_from(&o.conclusion);
        }
    }
    fresh.number.clone_from(&old.number);
    fresh.conclusion.clone_from(&old.conclusion);
    fresh
}

/// Makes (or refreshes) the draft from the record: the text written so far is kept.
/// After an approval, the next version starts from the approved text (a correction).
pub fn draft(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Minutes> {
    let mid = meeting_id.to_string();
    require_secretariat(tx, actor, &mid)?;
    let fresh = record(tx, &actor.id(), &mid)?;
    let before = store::minutes::latest(tx, &mid)?;
    let minutes = match &before {
        None => fresh,
        Some(old) if old.state == MinutesState::Draft => Minutes { version: old.version, ..keep_text(fresh, old) },
        Some(old) => Minutes { version: old.version + 1, ..keep_text(fresh, old) },
    };
    let at = OffsetDateTime::now_utc();
    store::minutes::put(tx, &minutes, at)?;
    let action = match &before {
        Some(old) if old.state == MinutesState::Approved => "minutes.correction",
        Some(_) => "minutes.redrafted",
        None => "minutes.drafted",
    };
    audited(tx, actor, action, before.as_ref(), &minutes)?;
    Ok(minutes)
}

fn audited(tx: &Tx<'_>, actor: &AuthUser, action: &str, before: Option<&Minutes>, after: &Minutes) -> AppResult<()> {
    let mid = after.meeting_id.to_string();
    let id = format!("{mid}:{}", after.version);
    let subject = Subject { meeting_id: &mid, kind: "minutes", id: &id };
    audit::record(tx, actor, action, &subject, before.and_then(snapshot), snapshot(after))
}

/// The latest version as the caller may read it: drafts for the secretariat and the
/// chair; approved minutes for every participant (the latest approved one while a
/// correction is being drafted).
pub fn show(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Minutes> {
    let mid = meeting_id.to_string();
    model::visible_meeting(tx, actor, &mid)?;
    let uid = actor.id();
    let writer = store::meetings::is_secretariat(tx, &mid, &uid)?
        || store::meetings::role_of(tx, &mid, &uid)? == Some(ParticipantRole::Chair);
    let versions = store::minutes::versions(tx, &mid)?;
    let found = if writer {
        versions.into_iter().next_back()
    } else {
        versions.into_iter().rev().find(|m| m.state == MinutesState::Approved)
    };
    found.ok_or_else(|| AppError::not_found("minutes"))
}

/// Every version, for the secretariat and the chair (the history of corrections).
pub fn versions(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Vec<Minutes>> {
    let latest = show(tx, actor, meeting_id)?;
    if latest.state == MinutesState::Draft || store::meetings::is_secretariat(tx, &meeting_id.to_string(), &actor.id())?
    {
        return Ok(store::minutes::versions(tx, &meeting_id.to_string())?);
    }
    Ok(vec![latest])
}

/// Changes the secretary's text of the draft.
pub fn edit(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid, e: &MinutesEdit) -> AppResult<Minutes> {
    let mid = meeting_id.to_string();
    require_secretariat(tx, actor, &mid)?;
    let before =
        store::minutes::latest(tx, &mid)?.ok_or_else(|| AppError::not_found("minutes (make a draft first)"))?;
    if before.state == MinutesState::Approved {
        return Err(AppError::conflict("the minutes are approved: make a draft again to correct them"));
    }
    let mut after = before.clone();
    let field = |name: &str, v: &Option<String>| v.as_deref().map(|t| text(name, t, 20_000, false)).transpose();
    match e.item_id {
        Some(item) => {
            let it =
                after.items.iter_mut().find(|i| i.item_id == item).ok_or_else(|| AppError::not_found("agenda item"))?;
            if let Some(t) = field("discussion", &e.discussion)? {
                it.discussion = t;
            }
            if let Some(t) = field("opinions", &e.opinions_text)? {
                it.opinions_text = t;
            }
            if let Some(t) = field("conclusion", &e.conclusion)? {
                it.conclusion = t;
            }
        }
        None => {
            if let Some(t) = field("conclusion", &e.conclusion)? {
                after.conclusion = t;
            }
            if let Some(t) = e.number.as_deref() {
                after.number = text("number", t, 50, false)?;
            }
            if e.discussion.is_some() || e.opinions_text.is_some() {
                return Err(AppError::bad_request("discussion and opinions belong to an agenda item: give item_id"));
            }
        }
    }
    store::minutes::put(tx, &after, OffsetDateTime::now_utc())?;
    audited(tx, actor, "minutes.edited", Some(&before), &after)?;
    Ok(after)
}

/// The hash that locks approved minutes: SHA-256 of their JSON with the approval's own
/// fields empty (anyone can recompute it from the stored minutes).
pub fn content_hash(m: &Minutes) -> AppResult<String> {
    let mut m = m.clone();
    m.content_hash.clear();
    m.approved_by = None;
    m.approved_at = None;
    m.document_id = None;
    m.state = MinutesState::Draft;
    let json = serde_json::to_vec(&m).map_err(|e| AppError::Stored(format!("minutes do not serialise: {e}")))?;
    Ok(hex::encode(Sha256::digest(&json)))
}

/// The approval of the latest draft as it will be stored, checked but not written: the
/// chair (or an admin) approves a draft.
fn approval(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Minutes> {
    let mid = meeting_id.to_string();
    model::visible_meeting(tx, actor, &mid)?;
    let chair = store::meetings::role_of(tx, &mid, &actor.id())? == Some(ParticipantRole::Chair);
    if !chair && actor.user.role != Role::Admin {
        return Err(AppError::forbidden("the meeting's chair approves its minutes"));
    }
    let draft = store::minutes::latest(tx, &mid)?.ok_or_else(|| AppError::not_found("minutes (make a draft first)"))?;
    if draft.state == MinutesState::Approved {
        return Err(AppError::conflict("these minutes are already approved"));
    }
    let mut approved = draft.clone();
    approved.content_hash = content_hash(&draft)?;
    approved.state = MinutesState::Approved;
    approved.approved_by = Some(actor.user.id);
    approved.approved_at = Some(OffsetDateTime::now_utc());
    Ok(approved)
}

/// The chair approves the draft: locked from now on by its content hash; its PDF (in the
/// layout of NĐ 30) becomes a document of the meeting, which every participant's device
/// receives with its next sync and reads offline.
pub async fn approve(state: &AppState, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Minutes> {
    let a = actor.clone();
    let approved = state.db.read(move |tx| approval(tx, &a, meeting_id)).await?;
    // The PDF and its file first (outside the write turn: a few hundred milliseconds).
    let (m, blobs) = (approved.clone(), state.blobs.clone());
    let content = tokio::task::spawn_blocking(move || -> AppResult<Content> {
        let (pdf, pages) = crate::official::minutes_pdf(&m)?;
        let sha256 = blobs.put_blocking(&pdf)?;
        let filename = format!("bien-ban-v{}.pdf", m.version);
        Ok(Content { sha256, size: pdf.len() as u64, pages: i64::try_from(pages).unwrap_or(i64::MAX), filename })
    })
    .await??;
    let (actor, blobs) = (actor.clone(), state.blobs.clone());
    state
        .db
        .write(move |tx| {
            let mid = meeting_id.to_string();
            // The draft may have changed while its PDF was made: approve what is stored.
            let now = store::minutes::latest(tx, &mid)?;
            let unchanged = match &now {
                Some(d) if d.state == MinutesState::Draft => content_hash(d)? == approved.content_hash,
                _ => false,
            };
            if !unchanged {
                return Err(AppError::conflict(
                    "the draft changed while it was being approved: review it and approve again",
                ));
            }
            let title = format!("Biên bản cuộc họp (phiên bản {})", approved.version);
            let doc = super::documents::insert_generated(
                tx,
                &actor,
                &blobs,
                meeting_id,
                title,
                &content,
                "document.minutes",
            )?;
            let mut approved = approved;
            approved.document_id = Some(doc.id);
            store::minutes::put(tx, &approved, OffsetDateTime::now_utc())?;
            audited(tx, &actor, "minutes.approved", now.as_ref(), &approved)?;
            Ok(approved)
        })
        .await
}

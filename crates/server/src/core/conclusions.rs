//! The conclusion notice (thông báo kết luận): drafted from the chair's conclusions in
//! the minutes, edited by the secretariat (points, signer, recipients), issued with its
//! number — then a PDF document of the meeting in the layout of NĐ 30, and the number
//! written into the tasks its points gave. Due the 5th working day after the meeting
//! (the office's holidays skip); the late ones are listed for the secretariat.

use std::collections::BTreeSet;

use meeting_protocol::{
    Conclusion, ConclusionEdit, ConclusionPoint, ConclusionState, LateConclusion, MeetingStatus, MinutesState, Role,
    Signer, add_working_days, office_day, working_days_between,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::audit::{self, Subject, snapshot};
use super::documents::Content;
use super::meetings::text;
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::model;
use crate::store::{self, Tx};

/// Working days the office has to issue a notice after the meeting.
pub const WORKING_DAYS: u32 = 5;

fn holidays(tx: &Tx<'_>) -> AppResult<BTreeSet<Date>> {
    Ok(store::units::holidays(tx)?.into_iter().map(|h| h.day).collect())
}

/// The notice's deadline for a meeting held at `at`.
pub fn deadline(tx: &Tx<'_>, at: OffsetDateTime) -> AppResult<Date> {
    Ok(add_working_days(office_day(at), WORKING_DAYS, &holidays(tx)?))
}

fn require_secretariat(tx: &Tx<'_>, actor: &AuthUser, mid: &str) -> AppResult<()> {
    model::secretariat_meeting(tx, actor, mid, "conclusion notice").map(drop)
}

/// "Đồng chí Nguyễn Văn An — Chủ tịch UBND tỉnh" → ("Nguyễn Văn An", "Chủ tịch UBND tỉnh").
fn name_and_title(display: &str) -> (String, String) {
    let (name, title) = display.split_once(" — ").unwrap_or((display, ""));
    (name.trim_start_matches("Đồng chí").trim().to_owned(), title.trim().to_owned())
}

fn audited(
    tx: &Tx<'_>,
    actor: &AuthUser,
    action: &str,
    before: Option<&Conclusion>,
    after: &Conclusion,
) -> AppResult<()> {
    let mid = after.meeting_id.to_string();
    let subject = Subject { meeting_id: &mid, kind: "conclusion", id: &mid };
    audit::record(tx, actor, action, &subject, before.and_then(snapshot), snapshot(after))
}

/// Makes (or refreshes) the draft: the points from the minutes' conclusions (approved
/// minutes first), the recipients from the units the meeting gave tasks to; a signer and
/// recipients already edited are kept.
pub fn draft(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Conclusion> {
    let mid = meeting_id.to_string();
    let meeting = model::secretariat_meeting(tx, actor, &mid, "conclusion notice")?;
    let before = store::conclusions::get(tx, &mid)?;
    if before.as_ref().is_some_and(|c| c.state == ConclusionState::Issued) {
        return Err(AppError::conflict("the notice is issued"));
    }
    let versions = store::minutes::versions(tx, &mid)?;
    let minutes = versions.iter().rev().find(|m| m.state == MinutesState::Approved).or(versions.last());
    let mut points = Vec::new();
    if let Some(m) = minutes {
        for item in m.items.iter().filter(|i| !i.conclusion.trim().is_empty()) {
            points.push(ConclusionPoint {
                number: points.len() as u32 + 1,
                item_id: Some(item.item_id),
                item_title: item.title.clone(),
                text: item.conclusion.trim().to_owned(),
            });
        }
        if !m.conclusion.trim().is_empty() {
            points.push(ConclusionPoint {
                number: points.len() as u32 + 1,
                item_id: None,
                item_title: String::new(),
                text: m.conclusion.trim().to_owned(),
            });
        }
    }
    let chair = store::meetings::participants_of(tx, &mid)?
        .into_iter()
        .find(|p| p.role == meeting_protocol::ParticipantRole::Chair)
        .map(|p| p.display_name);
    let chair_text = chair.as_deref().map_or_else(String::new, |c| {
        let (name, title) = name_and_title(c);
        if title.is_empty() { format!("đồng chí {name}") } else { format!("đồng chí {name}, {title}") }
    });
    let mut units: Vec<String> = Vec::new();
    let ids = store::tasks::of_meeting(tx, &mid)?;
    for t in store::tasks::load(tx, store::tasks::Which::Ids(&ids))? {
        for u in std::iter::once(&t.lead_unit).chain(&t.co_units) {
            if !units.contains(&u.name) {
                units.push(u.name.clone());
            }
        }
    }
    let (signer, recipients) = match &before {
        Some(c) => {
            let mut r = c.recipients.clone();
            for u in units {
                if !r.iter().any(|x| x.contains(&u)) {
                    let at = r.iter().position(|x| x.starts_with("Lưu")).unwrap_or(r.len());
                    r.insert(at, u);
                }
            }
            (c.signer.clone(), r)
        }
        None => {
            let mut r = vec!["Chủ tịch, các Phó Chủ tịch UBND tỉnh".to_owned()];
            r.extend(units);
            r.push("Lưu: VT".to_owned());
            (
                Signer {
                    authority: "TL. CHỦ TỊCH".into(), title: "CHÁNH VĂN PHÒNG".into(), name: String::new()
                },
                r,
            )
        }
    };
    let notice = Conclusion {
        meeting_id,
        title: meeting.title,
        meeting_at: meeting.starts_at,
        chair: chair_text,
        state: ConclusionState::Draft,
        number: String::new(),
        points,
        signer,
        recipients,
        deadline: deadline(tx, meeting.starts_at)?,
        issued_on: None,
        document_id: None,
    };
    store::conclusions::put(tx, &notice, OffsetDateTime::now_utc())?;
    audited(
        tx,
        actor,
        if before.is_some() { "conclusion.redrafted" } else { "conclusion.drafted" },
        before.as_ref(),
        &notice,
    )?;
    Ok(notice)
}

/// The notice as the caller may read it (a draft: the secretariat).
pub fn show(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Conclusion> {
    let mid = meeting_id.to_string();
    model::visible_meeting(tx, actor, &mid)?;
    let c = store::conclusions::get(tx, &mid)?.ok_or_else(|| AppError::not_found("conclusion notice"))?;
    if c.state == ConclusionState::Draft && !store::meetings::is_secretariat(tx, &mid, &actor.id())? {
        return Err(AppError::not_found("conclusion notice"));
    }
    Ok(c)
}

/// Changes the draft's points, signer or recipients.
pub fn edit(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid, e: &ConclusionEdit) -> AppResult<Conclusion> {
    let mid = meeting_id.to_string();
    require_secretariat(tx, actor, &mid)?;
    let before =
        store::conclusions::get(tx, &mid)?.ok_or_else(|| AppError::not_found("conclusion notice (draft it first)"))?;
    if before.state == ConclusionState::Issued {
        return Err(AppError::conflict("the notice is issued"));
    }
    let mut after = before.clone();
    if let Some(points) = &e.points {
        after.points = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Ok(ConclusionPoint {
                    number: i as u32 + 1,
                    item_id: p.item_id,
                    item_title: text("item title", &p.item_title, 500, false)?,
                    text: text("point", &p.text, 10_000, true)?,
                })
            })
            .collect::<AppResult<_>>()?;
    }
    if let Some(s) = &e.signer {
        after.signer = Signer {
            authority: text("authority", &s.authority, 100, false)?,
            title: text("title", &s.title, 100, true)?,
            name: text("name", &s.name, 100, false)?,
        };
    }
    if let Some(r) = &e.recipients {
        after.recipients = r.iter().map(|x| text("recipient", x, 300, true)).collect::<AppResult<_>>()?;
    }
    store::conclusions::put(tx, &after, OffsetDateTime::now_utc())?;
    audited(tx, actor, "conclusion.edited", Some(&before), &after)?;
    Ok(after)
}

/// Issues the notice with its number: a PDF document of the meeting, the number written
/// into the tasks of its points (and announced to their units).
pub async fn issue(state: &AppState, actor: &AuthUser, meeting_id: Uuid, number: &str) -> AppResult<Conclusion> {
    let number = text("number", number, 50, true)?;
    let (a, mid) = (actor.clone(), meeting_id.to_string());
    let mut notice = state
        .db
        .read(move |tx| {
            require_secretariat(tx, &a, &mid)?;
            let c = store::conclusions::get(tx, &mid)?
                .ok_or_else(|| AppError::not_found("conclusion notice (draft it first)"))?;
            if c.state == ConclusionState::Issued {
                return Err(AppError::conflict("the notice is issued"));
            }
            if c.points.is_empty() {
                return Err(AppError::bad_request("the notice has no point: write the chair's conclusions first"));
            }
            if c.signer.name.trim().is_empty() {
                return Err(AppError::bad_request("the notice needs its signer's name"));
            }
            Ok(c)
        })
        .await?;
    notice.number = number;
    notice.state = ConclusionState::Issued;
    notice.issued_on = Some(office_day(OffsetDateTime::now_utc()));
    let (n, blobs) = (notice.clone(), state.blobs.clone());
    let content = tokio::task::spawn_blocking(move || -> AppResult<Content> {
        let (pdf, pages) = crate::official::conclusion_pdf(&n)?;
        let sha256 = blobs.put_blocking(&pdf)?;
        Ok(Content {
            sha256,
            size: pdf.len() as u64,
            pages: i64::try_from(pages).unwrap_or(i64::MAX),
            filename: "thong-bao-ket-luan.pdf".into(),
        })
    })
    .await??;
    let (actor, blobs) = (actor.clone(), state.blobs.clone());
    state
        .db
        .write(move |tx| {
            let mid = meeting_id.to_string();
            let before = store::conclusions::get(tx, &mid)?.ok_or_else(|| AppError::not_found("conclusion notice"))?;
            if before.state == ConclusionState::Issued {
                return Err(AppError::conflict("the notice is issued"));
            }
            let title = format!("Thông báo kết luận số {}", notice.number);
            let doc = super::documents::insert_generated(
                tx,
                &actor,
                &blobs,
                meeting_id,
                title,
                &content,
                "document.conclusion",
            )?;
            notice.document_id = Some(doc.id);
            store::conclusions::put(tx, &notice, OffsetDateTime::now_utc())?;
            audited(tx, &actor, "conclusion.issued", Some(&before), &notice)?;
            for task in store::tasks::set_conclusion_number(tx, &mid, &notice.number, OffsetDateTime::now_utc())? {
                super::tasks::announce_by_id(tx, &task)?;
            }
            Ok(notice)
        })
        .await
}

/// The caller's meetings whose notice is late: held (published, not cancelled, started),
/// not issued by the deadline, or issued after it. For secretaries and admins.
pub fn late(tx: &Tx<'_>, actor: &AuthUser) -> AppResult<Vec<LateConclusion>> {
    actor.require_role(&[Role::Secretary, Role::Admin])?;
    let today = office_day(OffsetDateTime::now_utc());
    let now = OffsetDateTime::now_utc();
    let days = holidays(tx)?;
    let notices = store::conclusions::all(tx)?;
    let mut out = Vec::new();
    for m in store::meetings::meetings_of(tx, &actor.id())? {
        if m.status != MeetingStatus::Published || m.starts_at > now {
            continue;
        }
        let notice = notices.iter().find(|c| c.meeting_id == m.id);
        let due = notice.map_or_else(|| add_working_days(office_day(m.starts_at), WORKING_DAYS, &days), |c| c.deadline);
        let issued_on = notice.and_then(|c| c.issued_on);
        let until = issued_on.unwrap_or(today);
        if until > due {
            out.push(LateConclusion {
                meeting_id: m.id,
                title: m.title,
                meeting_at: m.starts_at,
                deadline: due,
                issued_on,
                working_days_late: working_days_between(due, until, &days),
            });
        }
    }
    out.sort_by_key(|l| (l.issued_on.is_some(), l.deadline));
    Ok(out)
}

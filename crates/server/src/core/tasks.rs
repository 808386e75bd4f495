//! Tasks (nhiệm vụ): given to a lead unit (with co-operating units) by a conclusion, a
//! meeting or anything else; the units post progress and report them done; the office
//! confirms or returns a report and extends deadlines with a reason. Every change is in
//! the audit trail (under the scope `tasks`) and in the feed.
//!
//! Who sees a task: the office's leaders, secretaries and admins see every task; a
//! unit's staff (role `unit`) see the tasks their unit leads or co-operates on, and
//! nothing else of the office. In the feed a task travels in scopes instead of a meeting
//! (`change_log.meeting_id`): `tasks` and `unit:ID` of each unit involved, before and
//! after the change, so a unit taken off a task gets its delete.
//!
//! Days (deadlines, "done on", "assigned on") are the office's days, in Việt Nam's time
//! (UTC+7), whatever the server's clock zone.

use meeting_protocol::{
    Entity, EntityKind, Role, StatRow, Task, TaskBucket, TaskEvent, TaskEventKind, TaskExtension, TaskInput,
    TaskReport, TaskReview, TaskSource, TaskState, TaskStats, Unit, UnitInput,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::audit::{self, Subject, snapshot};
use super::meetings::text;
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::feed;
use crate::store::{self, Tx};

/// The audit trail's and the feed's scope for every task.
pub const OFFICE_SCOPE: &str = "tasks";

/// The feed scope of one unit's tasks.
pub fn unit_scope(unit: &Uuid) -> String {
    format!("unit:{unit}")
}

/// Today in the office (Việt Nam, UTC+7).
pub fn office_today() -> Date {
    meeting_protocol::office_day(OffsetDateTime::now_utc())
}

/// The feed's tasks: every task for the office, a unit's for its staff.
pub const FEED: feed::kinds::Kind = feed::kinds::Kind {
    load: |tx, reader, _, id| {
        let Ok(id) = Uuid::parse_str(id) else { return Ok(None) };
        let Some(task) = store::tasks::get(tx, &id)? else { return Ok(None) };
        Ok(may_read(tx, reader, &task)?.then(|| Entity::Task(Box::new(task))))
    },
    // The page's tasks only (a scope holds every task of years); in a unit's scope only
    // those that still involve the unit, so a unit taken off a task gets its delete.
    whole: Some(|tx, scope, keys| {
        let ids: Vec<Uuid> = keys.iter().filter_map(|k| Uuid::parse_str(k).ok()).collect();
        let unit = scope.strip_prefix("unit:").map(Uuid::parse_str);
        let tasks = store::tasks::load(tx, store::tasks::Which::Ids(&ids))?;
        Ok(tasks
            .into_iter()
            .filter(|t| match &unit {
                None => true,
                Some(Ok(u)) => t.involves(*u),
                Some(Err(_)) => false,
            })
            .map(|t| Entity::Task(Box::new(t)))
            .collect())
    }),
    // Tasks are not re-announced with a meeting: they are read through their scopes.
    grant: |_, _, _| Ok(Vec::new()),
};

/// Whether the user of `reader` (an id) may read the task now.
fn may_read(tx: &Tx<'_>, reader: &str, task: &Task) -> AppResult<bool> {
    let Some(user) = store::users::by_id(tx, reader)? else { return Ok(false) };
    if user.role.follows_all_tasks() {
        return Ok(true);
    }
    Ok(store::units::of_user(tx, reader)?.is_some_and(|u| task.involves(u)))
}

/// The caller's unit when they act for one; an error for a unit role without one.
fn caller_unit(tx: &Tx<'_>, caller: &AuthUser) -> AppResult<Option<Uuid>> {
    let unit = store::units::of_user(tx, &caller.id())?;
    if caller.user.role == Role::Unit && unit.is_none() {
        return Err(AppError::forbidden("this account acts for no unit"));
    }
    Ok(unit)
}

/// A task the caller may read (404 otherwise: a unit does not learn of others' tasks).
pub fn visible(tx: &Tx<'_>, caller: &AuthUser, id: Uuid) -> AppResult<Task> {
    let task = store::tasks::get(tx, &id)?.ok_or_else(|| AppError::not_found("task"))?;
    if !may_read(tx, &caller.id(), &task)? {
        return Err(AppError::not_found("task"));
    }
    Ok(task)
}

/// Records a task's change for every scope that reads it, before and after.
fn announce(tx: &Tx<'_>, before: Option<&Task>, after: &Task) -> AppResult<()> {
    let mut scopes = vec![OFFICE_SCOPE.to_owned()];
    for t in before.into_iter().chain(Some(after)) {
        for unit in std::iter::once(&t.lead_unit).chain(&t.co_units) {
            let scope = unit_scope(&unit.id);
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
    }
    let id = after.id.to_string();
    for scope in scopes {
        feed::record(tx, &scope, EntityKind::Task, &id, None)?;
    }
    Ok(())
}

/// Announces a task changed by another part of the core (a notice's number written in).
pub(crate) fn announce_by_id(tx: &Tx<'_>, id: &Uuid) -> AppResult<()> {
    let task = reread(tx, id)?;
    announce(tx, None, &task)
}

fn audited(tx: &Tx<'_>, actor: &AuthUser, action: &str, before: Option<&Task>, after: &Task) -> AppResult<()> {
    let id = after.id.to_string();
    let subject = Subject { meeting_id: OFFICE_SCOPE, kind: "task", id: &id };
    audit::record(tx, actor, action, &subject, before.and_then(snapshot), snapshot(after))
}

fn reread(tx: &Tx<'_>, id: &Uuid) -> AppResult<Task> {
    store::tasks::get(tx, id)?.ok_or_else(|| AppError::Stored(format!("task {id} vanished")))
}

fn event(kind: TaskEventKind, text: String, by: &AuthUser, id: Uuid, at: OffsetDateTime) -> TaskEvent {
    TaskEvent {
        id,
        kind,
        text,
        by: by.user.id,
        by_name: by.user.display_name.clone(),
        at,
        previous_deadline: None,
        deadline: None,
    }
}

fn unit_by_code(tx: &Tx<'_>, code: &str) -> AppResult<Unit> {
    store::units::by_code(tx, code.trim())?.ok_or_else(|| {
        AppError::bad_request(format!("no unit has the code {:?} (see `meeting-server units list`)", code.trim()))
    })
}

/// Adds a unit (admins).
pub fn add_unit(tx: &Tx<'_>, input: &UnitInput, at: OffsetDateTime) -> AppResult<Unit> {
    let code = input.code.trim().to_uppercase();
    if !(2..=20).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(AppError::bad_request("a unit's code is 2 to 20 letters, digits, '-' or '_' (SKHDT)"));
    }
    let unit = Unit { id: Uuid::now_v7(), code, name: text("name", &input.name, 200, true)? };
    if !store::units::insert(tx, &unit, at)? {
        return Err(AppError::conflict(format!("a unit with the code {} exists", unit.code)));
    }
    Ok(unit)
}

/// Gives a new task to its unit (the office: secretaries and admins).
pub fn create(tx: &Tx<'_>, actor: &AuthUser, input: &TaskInput) -> AppResult<Task> {
    actor.require_role(&[Role::Secretary, Role::Admin])?;
    let content = text("content", &input.content, 4000, true)?;
    let lead = unit_by_code(tx, &input.lead_unit)?;
    let mut co = Vec::new();
    for code in &input.co_units {
        let unit = unit_by_code(tx, code)?;
        if unit.id != lead.id && !co.contains(&unit.id) {
            co.push(unit.id);
        }
    }
    let mut source = input.source.clone();
    match &mut source {
        TaskSource::Conclusion { meeting_id, number, point } => {
            if *point == 0 {
                return Err(AppError::bad_request("a conclusion's points are numbered from 1"));
            }
            let m = meeting_id.to_string();
            if !store::meetings::may_see_meeting(tx, &m, &actor.id())? {
                return Err(AppError::not_found("meeting"));
            }
            // Once the notice is written, a point must be one of its points; its number
            // comes from the notice (an issued one), not from the caller.
            if let Some(notice) = store::conclusions::get(tx, &m)? {
                if *point as usize > notice.points.len() {
                    return Err(AppError::bad_request(format!(
                        "the conclusion notice has {} points; there is no point {point}",
                        notice.points.len()
                    )));
                }
                *number = notice.number;
            } else {
                *number = String::new();
            }
        }
        TaskSource::Meeting { meeting_id, agenda_item_id } => {
            let m = meeting_id.to_string();
            if !store::meetings::may_see_meeting(tx, &m, &actor.id())? {
                return Err(AppError::not_found("meeting"));
            }
            if let Some(item) = agenda_item_id
                && store::meetings::agenda_item(tx, &item.to_string())?.is_none_or(|a| a.meeting_id != *meeting_id)
            {
                return Err(AppError::bad_request("the agenda item is not one of the meeting's"));
            }
        }
        TaskSource::Other => {}
    }
    if let Some(leader) = input.leader_id {
        let ok = store::users::by_id(tx, &leader.to_string())?.is_some_and(|u| u.role == Role::Leader);
        if !ok {
            return Err(AppError::bad_request("the leader in charge must be a leader of the office"));
        }
    }
    let today = office_today();
    if input.deadline.is_some_and(|d| d < today) {
        return Err(AppError::bad_request("the deadline is before today"));
    }
    let id = Uuid::now_v7();
    let at = OffsetDateTime::now_utc();
    let uid = actor.id();
    store::tasks::insert(
        tx,
        &store::tasks::NewTask {
            id,
            content: &content,
            source: &source,
            lead_unit: &lead.id,
            co_units: &co,
            deadline: input.deadline,
            leader_id: input.leader_id,
            assigned_on: today,
            created_by: &uid,
            at,
        },
    )?;
    let mut assigned = event(TaskEventKind::Assigned, String::new(), actor, Uuid::now_v7(), at);
    assigned.deadline = input.deadline;
    store::tasks::add_event(tx, &id, &assigned)?;
    let task = reread(tx, &id)?;
    announce(tx, None, &task)?;
    audited(tx, actor, "task.created", None, &task)?;
    Ok(task)
}

/// A progress note, or a report that the work is done, from the unit (a lead or
/// co-operating unit's staff; the office may record one received on paper). The note's
/// id makes sending it twice safe: the second is answered with the task as it is.
pub fn report(tx: &Tx<'_>, actor: &AuthUser, id: Uuid, input: &TaskReport) -> AppResult<Task> {
    let before = visible(tx, actor, id)?;
    if let Some(task) = store::tasks::event_task(tx, &input.id)? {
        if task != id {
            return Err(AppError::conflict("this note's id belongs to another task"));
        }
        return Ok(before);
    }
    let unit = caller_unit(tx, actor)?;
    let office = actor.user.role == Role::Secretary || actor.user.role == Role::Admin;
    if input.done && !office && unit != Some(before.lead_unit.id) {
        return Err(AppError::forbidden("only the lead unit reports the task done"));
    }
    if !office && unit.is_none() {
        return Err(AppError::forbidden("progress is reported by the task's units"));
    }
    if before.state == TaskState::Completed {
        return Err(AppError::conflict("the task is completed; nothing more is reported on it"));
    }
    let text = text("text", &input.text, 4000, !input.done)?;
    let at = OffsetDateTime::now_utc();
    let kind = if input.done { TaskEventKind::Reported } else { TaskEventKind::Progress };
    store::tasks::add_event(tx, &id, &event(kind, text, actor, input.id, at))?;
    let (state, done_on) =
        if input.done { (TaskState::Reported, Some(office_today())) } else { (before.state, before.done_on) };
    store::tasks::set_state(tx, &id, state, done_on, before.deadline, at)?;
    let after = reread(tx, &id)?;
    announce(tx, Some(&before), &after)?;
    audited(tx, actor, if input.done { "task.reported" } else { "task.progress" }, Some(&before), &after)?;
    Ok(after)
}

/// The office confirms a report (the task is completed on the day it was reported) or
/// returns it with a reason (not done).
pub fn review(tx: &Tx<'_>, actor: &AuthUser, id: Uuid, input: &TaskReview) -> AppResult<Task> {
    actor.require_role(&[Role::Secretary, Role::Admin])?;
    let before = visible(tx, actor, id)?;
    if before.state != TaskState::Reported {
        return Err(AppError::conflict("no report is waiting on this task"));
    }
    let at = OffsetDateTime::now_utc();
    let (kind, state, done_on, reason) = if input.confirm {
        (TaskEventKind::Confirmed, TaskState::Completed, before.done_on, text("reason", &input.reason, 2000, false)?)
    } else {
        (TaskEventKind::Returned, TaskState::Open, None, text("reason", &input.reason, 2000, true)?)
    };
    store::tasks::add_event(tx, &id, &event(kind, reason, actor, Uuid::now_v7(), at))?;
    store::tasks::set_state(tx, &id, state, done_on, before.deadline, at)?;
    let after = reread(tx, &id)?;
    announce(tx, Some(&before), &after)?;
    audited(tx, actor, if input.confirm { "task.confirmed" } else { "task.returned" }, Some(&before), &after)?;
    Ok(after)
}

/// The office moves a deadline, with the reason; the previous one stays in the history.
pub fn extend(tx: &Tx<'_>, actor: &AuthUser, id: Uuid, input: &TaskExtension) -> AppResult<Task> {
    actor.require_role(&[Role::Secretary, Role::Admin])?;
    let before = visible(tx, actor, id)?;
    if before.state == TaskState::Completed {
        return Err(AppError::conflict("the task is completed"));
    }
    let reason = text("reason", &input.reason, 2000, true)?;
    if before.deadline.is_some_and(|d| input.deadline <= d) {
        return Err(AppError::bad_request("an extension moves the deadline later"));
    }
    let at = OffsetDateTime::now_utc();
    let mut e = event(TaskEventKind::Extended, reason, actor, Uuid::now_v7(), at);
    e.previous_deadline = before.deadline;
    e.deadline = Some(input.deadline);
    store::tasks::add_event(tx, &id, &e)?;
    store::tasks::set_state(tx, &id, before.state, before.done_on, Some(input.deadline), at)?;
    let after = reread(tx, &id)?;
    announce(tx, Some(&before), &after)?;
    audited(tx, actor, "task.extended", Some(&before), &after)?;
    Ok(after)
}

/// What a list of tasks is narrowed to.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Tasks a unit (by code) leads or co-operates on.
    pub unit: Option<String>,
    /// Tasks in this bucket today.
    pub bucket: Option<TaskBucket>,
}

/// The tasks the caller may read, narrowed.
pub fn list(tx: &Tx<'_>, caller: &AuthUser, filter: &Filter) -> AppResult<Vec<Task>> {
    let own = caller_unit(tx, caller)?;
    let asked = filter.unit.as_deref().map(|code| unit_by_code(tx, code)).transpose()?;
    let tasks = match (caller.user.role.follows_all_tasks(), own, &asked) {
        (true, _, Some(unit)) => store::tasks::load(tx, store::tasks::Which::Unit(&unit.id))?,
        (true, _, None) => store::tasks::load(tx, store::tasks::Which::All)?,
        (false, Some(own), Some(unit)) if unit.id != own => Vec::new(),
        (false, Some(own), _) => store::tasks::load(tx, store::tasks::Which::Unit(&own))?,
        (false, None, _) => return Err(AppError::forbidden("this account follows no tasks")),
    };
    let today = office_today();
    Ok(tasks.into_iter().filter(|t| filter.bucket.is_none_or(|b| t.bucket(today) == b)).collect())
}

/// The figures of the tasks assigned in `from..=to`, judged today, for the office's
/// leaders and staff (a unit's staff: their unit's, as lead unit).
pub fn stats(
    tx: &Tx<'_>,
    caller: &AuthUser,
    from: Option<Date>,
    to: Option<Date>,
    unit: Option<&str>,
) -> AppResult<TaskStats> {
    let own = caller_unit(tx, caller)?;
    let unit = match (caller.user.role.follows_all_tasks(), unit.map(|c| unit_by_code(tx, c)).transpose()?) {
        (true, asked) => asked.map(|u| u.id),
        (false, Some(asked)) if Some(asked.id) != own => {
            return Err(AppError::forbidden("a unit sees its own figures"));
        }
        (false, _) => own,
    };
    let rows: Vec<StatRow> = store::tasks::slim(tx, from, to, unit.as_ref())?;
    Ok(TaskStats::compute(&rows, &store::units::all(tx)?, from, to, office_today()))
}

/// Moves a user to act for a unit (or none): the tasks they could read and can read now
/// are announced to them, so their device drops the old unit's and gets the new one's.
/// The rows go in a scope they read *now* (the feed shows nothing else to them); each
/// resolves to the task or to its delete for them.
pub fn set_user_unit(tx: &Tx<'_>, user: &Uuid, unit: Option<&Uuid>) -> AppResult<()> {
    let uid = user.to_string();
    let before = store::units::of_user(tx, &uid)?;
    store::units::set_user_unit(tx, user, unit)?;
    let Some(scope) = store::feed::task_scopes_of(tx, &uid)?.into_iter().next() else { return Ok(()) };
    for u in before.iter().chain(unit) {
        for task in store::tasks::load(tx, store::tasks::Which::Unit(u))? {
            feed::record(tx, &scope, EntityKind::Task, &task.id.to_string(), Some(&uid))?;
        }
    }
    Ok(())
}

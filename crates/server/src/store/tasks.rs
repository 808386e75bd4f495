//! Tasks' rows: the task (`tasks`), its co-operating units (`task_units`) and its
//! history (`task_events`). A list of tasks is read in three queries whatever its length
//! (heads, co-units, events), so the 10,000 tasks of three years load in one go for a
//! laptop's first sync. The rules are in [`crate::core::tasks`].

use std::collections::HashMap;

use meeting_protocol::{StatRow, Task, TaskEvent, TaskEventKind, TaskSource, TaskState, Unit};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::sql::{Row, ToValue as _, Tx, Value, params, placeholders};
use super::{Error, StoreResult};

/// Which tasks to read.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    /// Every task of the office.
    All,
    /// Those a unit leads or co-operates on.
    Unit(&'a Uuid),
    /// These.
    Ids(&'a [Uuid]),
}

impl Which<'_> {
    /// The condition on `tasks` (aliased `t`) and its parameters.
    fn filter(self) -> (String, Vec<Value>) {
        match self {
            Which::All => ("1 = 1".to_owned(), Vec::new()),
            Which::Unit(u) => (
                "(t.lead_unit_id = ?1 OR t.id IN (SELECT task_id FROM task_units WHERE unit_id = ?1))".to_owned(),
                vec![Value::Text(u.to_string())],
            ),
            Which::Ids([]) => ("1 = 0".to_owned(), Vec::new()),
            Which::Ids(ids) => (
                format!("t.id IN ({})", placeholders(1, ids.len())),
                ids.iter().map(|i| Value::Text(i.to_string())).collect(),
            ),
        }
    }
}

const HEAD: &str = "SELECT t.id, t.content, t.source, t.meeting_id, t.agenda_item_id, t.source_number, t.point,
    u.id, u.code, u.name, t.deadline, t.leader_id, COALESCE(l.display_name, ''), t.state, t.done_on, t.assigned_on,
    t.updated_at
    FROM tasks t JOIN units u ON u.id = t.lead_unit_id LEFT JOIN users l ON l.id = t.leader_id";

fn source_of(r: &Row<'_>) -> StoreResult<TaskSource> {
    let kind: String = r.get(2)?;
    let meeting: Option<Uuid> = r.get(3)?;
    Ok(match (kind.as_str(), meeting) {
        ("conclusion", Some(meeting_id)) => {
            let point: Option<i64> = r.get(6)?;
            let point = u32::try_from(point.unwrap_or(0))
                .map_err(|_| Error::Decode { column: 6, message: "a point out of range".into() })?;
            TaskSource::Conclusion { meeting_id, number: r.get(5)?, point }
        }
        ("meeting", Some(meeting_id)) => TaskSource::Meeting { meeting_id, agenda_item_id: r.get(4)? },
        // A source meeting deleted since: the task stays, from "elsewhere".
        ("conclusion" | "meeting" | "other", _) => TaskSource::Other,
        _ => return Err(Error::Decode { column: 2, message: format!("{kind:?} is not a task's source") }),
    })
}

fn head_row(r: &Row<'_>) -> StoreResult<Task> {
    Ok(Task {
        id: r.get(0)?,
        content: r.get(1)?,
        source: source_of(r)?,
        lead_unit: Unit { id: r.get(7)?, code: r.get(8)?, name: r.get(9)? },
        co_units: Vec::new(),
        deadline: r.get(10)?,
        leader_id: r.get(11)?,
        leader_name: r.get(12)?,
        state: r.get_parsed(13, "a task's state", TaskState::parse)?,
        done_on: r.get(14)?,
        assigned_on: r.get(15)?,
        events: Vec::new(),
        updated_at: r.get(16)?,
    })
}

fn event_row(r: &Row<'_>) -> StoreResult<(Uuid, TaskEvent)> {
    Ok((
        r.get(0)?,
        TaskEvent {
            id: r.get(1)?,
            kind: r.get_parsed(2, "a task event's kind", TaskEventKind::parse)?,
            text: r.get(3)?,
            by: r.get(4)?,
            by_name: r.get(5)?,
            at: r.get(6)?,
            previous_deadline: r.get(7)?,
            deadline: r.get(8)?,
        },
    ))
}

/// The tasks, whole, by assignment day then id.
pub fn load(tx: &Tx<'_>, which: Which<'_>) -> StoreResult<Vec<Task>> {
    let (cond, values) = which.filter();
    let mut tasks: Vec<Task> =
        tx.query_map(&format!("{HEAD} WHERE {cond} ORDER BY t.assigned_on, t.id"), values.clone(), head_row)?;
    if tasks.is_empty() {
        return Ok(tasks);
    }
    let at: HashMap<Uuid, usize> = tasks.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    let sub = format!("SELECT t.id FROM tasks t WHERE {cond}");
    let co: Vec<(Uuid, Unit)> = tx.query_map(
        &format!(
            "SELECT tu.task_id, u.id, u.code, u.name FROM task_units tu JOIN units u ON u.id = tu.unit_id
             WHERE tu.task_id IN ({sub}) ORDER BY u.code"
        ),
        values.clone(),
        |r| Ok((r.get(0)?, Unit { id: r.get(1)?, code: r.get(2)?, name: r.get(3)? })),
    )?;
    for (task, unit) in co {
        if let Some(&i) = at.get(&task) {
            tasks[i].co_units.push(unit);
        }
    }
    let events: Vec<(Uuid, TaskEvent)> = tx.query_map(
        &format!(
            "SELECT e.task_id, e.id, e.kind, e.text, e.by_user, COALESCE(us.display_name, ''), e.at,
                    e.previous_deadline, e.deadline
             FROM task_events e LEFT JOIN users us ON us.id = e.by_user
             WHERE e.task_id IN ({sub}) ORDER BY e.at, e.id"
        ),
        values,
        event_row,
    )?;
    for (task, event) in events {
        if let Some(&i) = at.get(&task) {
            tasks[i].events.push(event);
        }
    }
    Ok(tasks)
}

/// One task, whole.
pub fn get(tx: &Tx<'_>, id: &Uuid) -> StoreResult<Option<Task>> {
    Ok(load(tx, Which::Ids(std::slice::from_ref(id)))?.pop())
}

/// What the figures need of each task assigned in `from..=to` (either end open), of one
/// lead unit or all: five columns, not the whole task.
pub fn slim(tx: &Tx<'_>, from: Option<Date>, to: Option<Date>, unit: Option<&Uuid>) -> StoreResult<Vec<StatRow>> {
    // Conditions only for what is given: PostgreSQL cannot type a parameter that is
    // only ever compared with NULL.
    let mut conds = vec!["1 = 1".to_owned()];
    let mut values: Vec<Value> = Vec::new();
    for (cond, value) in [
        ("assigned_on >= ", from.map(|d| d.to_value())),
        ("assigned_on <= ", to.map(|d| d.to_value())),
        ("lead_unit_id = ", unit.map(|u| u.to_value())),
    ] {
        if let Some(v) = value {
            values.push(v);
            conds.push(format!("{cond}?{}", values.len()));
        }
    }
    tx.query_map(
        &format!("SELECT lead_unit_id, deadline, state, done_on, assigned_on FROM tasks WHERE {}", conds.join(" AND ")),
        values,
        |r| {
            Ok(StatRow {
                lead_unit: r.get(0)?,
                deadline: r.get(1)?,
                state: r.get_parsed(2, "a task's state", TaskState::parse)?,
                done_on: r.get(3)?,
                assigned_on: r.get(4)?,
            })
        },
    )
}

/// A new task's row.
pub struct NewTask<'a> {
    /// Its id.
    pub id: Uuid,
    /// What is to be done.
    pub content: &'a str,
    /// Where it was decided.
    pub source: &'a TaskSource,
    /// The unit in charge.
    pub lead_unit: &'a Uuid,
    /// Co-operating units.
    pub co_units: &'a [Uuid],
    /// The deadline.
    pub deadline: Option<Date>,
    /// The leader in charge.
    pub leader_id: Option<Uuid>,
    /// The day it was assigned.
    pub assigned_on: Date,
    /// Who entered it.
    pub created_by: &'a str,
    /// When.
    pub at: OffsetDateTime,
}

/// Writes a new task and its co-operating units.
pub fn insert(tx: &Tx<'_>, t: &NewTask<'_>) -> StoreResult<()> {
    let (kind, meeting, item, number, point) = match t.source {
        TaskSource::Conclusion { meeting_id, number, point } => {
            ("conclusion", Some(*meeting_id), None, number.as_str(), Some(i64::from(*point)))
        }
        TaskSource::Meeting { meeting_id, agenda_item_id } => ("meeting", Some(*meeting_id), *agenda_item_id, "", None),
        TaskSource::Other => ("other", None, None, "", None),
    };
    tx.execute(
        "INSERT INTO tasks (id, content, source, meeting_id, agenda_item_id, source_number, point, lead_unit_id,
                            deadline, leader_id, state, done_on, assigned_on, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'open', NULL, ?11, ?12, ?13)",
        params![
            t.id,
            t.content,
            kind,
            meeting,
            item,
            number,
            point,
            t.lead_unit,
            t.deadline,
            t.leader_id,
            t.assigned_on,
            t.created_by,
            t.at
        ],
    )?;
    for unit in t.co_units {
        tx.execute(
            "INSERT INTO task_units (task_id, unit_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![t.id, unit],
        )?;
    }
    Ok(())
}

/// Sets a task's state, the day it was reported done and its deadline.
pub fn set_state(
    tx: &Tx<'_>,
    id: &Uuid,
    state: TaskState,
    done_on: Option<Date>,
    deadline: Option<Date>,
    at: OffsetDateTime,
) -> StoreResult<()> {
    tx.execute(
        "UPDATE tasks SET state = ?2, done_on = ?3, deadline = ?4, updated_at = ?5 WHERE id = ?1",
        params![id, state.as_str(), done_on, deadline, at],
    )?;
    Ok(())
}

/// Appends an event unless one of its id is there; whether it was added.
pub fn add_event(tx: &Tx<'_>, task: &Uuid, e: &TaskEvent) -> StoreResult<bool> {
    let n = tx.execute(
        "INSERT INTO task_events (id, task_id, kind, text, by_user, at, previous_deadline, deadline)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING",
        params![e.id, task, e.kind.as_str(), e.text, e.by, e.at, e.previous_deadline, e.deadline],
    )?;
    Ok(n > 0)
}

/// The task an event id belongs to, if it is recorded (a note sent again).
pub fn event_task(tx: &Tx<'_>, event: &Uuid) -> StoreResult<Option<Uuid>> {
    tx.query_opt("SELECT task_id FROM task_events WHERE id = ?1", [event], |r| r.get(0))
}

/// The tasks a meeting gave (from its notice's points, or from the meeting itself).
pub fn of_meeting(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<Uuid>> {
    tx.query_map("SELECT id FROM tasks WHERE meeting_id = ?1 ORDER BY id", [meeting_id], |r| r.get(0))
}

/// Writes the notice's number into the tasks of its points (once it is issued).
pub fn set_conclusion_number(
    tx: &Tx<'_>,
    meeting_id: &str,
    number: &str,
    at: OffsetDateTime,
) -> StoreResult<Vec<Uuid>> {
    let ids: Vec<Uuid> =
        tx.query_map("SELECT id FROM tasks WHERE meeting_id = ?1 AND source = 'conclusion'", [meeting_id], |r| {
            r.get(0)
        })?;
    tx.execute(
        "UPDATE tasks SET source_number = ?2, updated_at = ?3 WHERE meeting_id = ?1 AND source = 'conclusion'",
        params![meeting_id, number, at],
    )?;
    Ok(ids)
}

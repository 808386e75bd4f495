//! Tasks on the device: the tasks the user follows, as the feed brought them (JSON rows
//! of `entities`, kind `task`), the figures computed from them exactly as the server
//! computes its own ([`TaskStats::compute`]), judged on the day of the last sync so
//! that offline they equal the server's at that sync; and progress notes written
//! offline, kept in `task_outbox` and sent with the next sync (each once, by its id).
//!
//! The office's decisions (a new task, confirming or returning a report, a new deadline)
//! go to the server directly ([`TaskCalls`]): they are the office's, at its desk.

use meeting_protocol::{
    StatRow, Task, TaskBucket, TaskExtension, TaskInput, TaskReport, TaskReview, TaskStats, Unit, iso_day, office_day,
};
use reqwest::Method;
use rusqlite::params;
use serde::de::DeserializeOwned;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::Profile;
use crate::api::{Api, urlencode};
use crate::error::{ClientError, Result};
use crate::store::{Store, parse};

impl Store {
    /// Every task on the device, by assignment day.
    pub fn tasks(&self) -> Result<Vec<Task>> {
        let mut stmt = self.conn().prepare_cached("SELECT data FROM entities WHERE kind = 'task'")?;
        let rows = stmt.query_map([], |r| parse::<Task>(&r.get::<_, String>(0)?))?;
        let mut tasks: Vec<Task> = rows.collect::<std::result::Result<_, _>>()?;
        tasks.sort_by_key(|t| (t.assigned_on, t.id));
        Ok(tasks)
    }

    /// When this device last finished a sync (the figures are "as of" it).
    pub fn synced_at(&self) -> Result<Option<OffsetDateTime>> {
        Ok(self
            .meta("synced_at")?
            .and_then(|t| OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()))
    }

    pub(crate) fn set_synced_at(&self, at: OffsetDateTime) -> Result<()> {
        let text = at
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.set_meta("synced_at", Some(&text))
    }

    /// The figures of the tasks on the device assigned in `from..=to`, of one lead unit
    /// (by code) or all, judged on the day of the last sync (today, never synced).
    pub fn task_stats(&self, from: Option<Date>, to: Option<Date>, unit: Option<&str>) -> Result<TaskStats> {
        let tasks = self.tasks()?;
        let mut units: Vec<Unit> = Vec::new();
        for t in &tasks {
            for u in std::iter::once(&t.lead_unit).chain(&t.co_units) {
                if !units.iter().any(|x| x.id == u.id) {
                    units.push(u.clone());
                }
            }
        }
        let unit =
            match unit {
                Some(code) => {
                    Some(units.iter().find(|u| u.code.eq_ignore_ascii_case(code)).map(|u| u.id).ok_or_else(|| {
                        ClientError::Invalid(format!("no task on this device is led by a unit {code}"))
                    })?)
                }
                None => None,
            };
        let rows: Vec<StatRow> =
            tasks.iter().filter(|t| unit.is_none_or(|u| t.lead_unit.id == u)).map(StatRow::from).collect();
        let as_of = office_day(self.synced_at()?.unwrap_or_else(OffsetDateTime::now_utc));
        Ok(TaskStats::compute(&rows, &units, from, to, as_of))
    }

    /// Keeps a progress note (or a report that the task is done) to send with the next
    /// sync (its id makes sending it again harmless).
    pub fn queue_task_report(&self, task: Uuid, note: &TaskReport) -> Result<()> {
        let at = OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.conn().execute(
            "INSERT INTO task_outbox (id, task_id, text, done, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO NOTHING",
            params![note.id.to_string(), task.to_string(), note.text, note.done, at],
        )?;
        Ok(())
    }

    /// Notes waiting to be sent, oldest first: (task, report).
    pub fn pending_task_reports(&self) -> Result<Vec<(Uuid, TaskReport)>> {
        let mut stmt = self.conn().prepare("SELECT id, task_id, text, done FROM task_outbox ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, bool>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, task, text, done) = row?;
            if let (Ok(id), Ok(task)) = (Uuid::parse_str(&id), Uuid::parse_str(&task)) {
                out.push((task, TaskReport { id, text, done }));
            }
        }
        Ok(out)
    }

    fn forget_task_report(&self, id: Uuid) -> Result<()> {
        self.conn().execute("DELETE FROM task_outbox WHERE id = ?1", [id.to_string()])?;
        Ok(())
    }

    /// Stores a task as the server answered it (so the device shows it at once).
    fn put_task(&self, task: &Task) -> Result<()> {
        let data = crate::store::json(task)?;
        self.conn().execute(
            "INSERT OR REPLACE INTO entities (kind, id, meeting_id, data) VALUES ('task', ?1, NULL, ?2)",
            params![task.id.to_string(), data],
        )?;
        Ok(())
    }
}

/// What sending the outbox did.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaskPushReport {
    /// Notes the server now has.
    pub sent: u32,
    /// Notes the server refused (the task completed meanwhile, or no longer the user's):
    /// dropped, with the reason in the log.
    pub refused: u32,
}

/// Sends every waiting note, oldest first. A note leaves the device once the server
/// answered for it; an unreachable server keeps the rest for the next sync.
pub async fn push(store: &mut Store, api: &Api) -> Result<TaskPushReport> {
    let mut report = TaskPushReport::default();
    for (task, note) in store.pending_task_reports()? {
        let body = serde_json::to_value(&note).map_err(|e| ClientError::Protocol(e.to_string()))?;
        match api.call_json::<Task>(Method::POST, &format!("/tasks/{task}/reports"), Some(body)).await {
            Ok(t) => {
                store.put_task(&t)?;
                store.forget_task_report(note.id)?;
                report.sent += 1;
            }
            Err(e @ ClientError::Server { status, .. })
                if (400..500).contains(&status) && status != 401 && status != 429 =>
            {
                tracing::warn!(task = %task, note = %note.id, error = %e, "a task note was refused and dropped");
                store.forget_task_report(note.id)?;
                report.refused += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

/// The task calls on the server.
pub struct TaskCalls {
    api: Api,
}

fn body<T: serde::Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

impl TaskCalls {
    /// The calls on `profile`'s session.
    pub fn new(profile: &Profile) -> Result<Self> {
        let store = profile.store()?;
        Ok(Self { api: profile.api(&store)? })
    }

    async fn call<T: DeserializeOwned>(&self, method: Method, path: &str, b: Option<serde_json::Value>) -> Result<T> {
        self.api.call_json(method, path, b).await
    }

    /// Gives a task to a unit.
    pub async fn create(&self, input: &TaskInput) -> Result<Task> {
        self.call(Method::POST, "/tasks", body(input)).await
    }

    /// The tasks the user follows as the server has them now, narrowed.
    pub async fn list(&self, unit: Option<&str>, bucket: Option<TaskBucket>) -> Result<Vec<Task>> {
        let mut query = Vec::new();
        if let Some(u) = unit {
            query.push(format!("unit={}", urlencode(u)));
        }
        if let Some(b) = bucket {
            query.push(format!("bucket={}", b.as_str()));
        }
        let q = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
        self.call(Method::GET, &format!("/tasks{q}"), None).await
    }

    /// Sends a note now.
    pub async fn report(&self, task: Uuid, note: &TaskReport) -> Result<Task> {
        self.call(Method::POST, &format!("/tasks/{task}/reports"), body(note)).await
    }

    /// Confirms (true) or returns (false, with a reason) the report waiting on a task.
    pub async fn review(&self, task: Uuid, confirm: bool, reason: &str) -> Result<Task> {
        let input = TaskReview { confirm, reason: reason.to_owned() };
        self.call(Method::POST, &format!("/tasks/{task}/review"), body(&input)).await
    }

    /// Moves a deadline later.
    pub async fn extend(&self, task: Uuid, deadline: Date, reason: &str) -> Result<Task> {
        let input = TaskExtension { deadline, reason: reason.to_owned() };
        self.call(Method::POST, &format!("/tasks/{task}/extension"), body(&input)).await
    }

    /// The server's figures now.
    pub async fn stats(&self, from: Option<Date>, to: Option<Date>, unit: Option<&str>) -> Result<TaskStats> {
        let mut query = Vec::new();
        if let Some(f) = from {
            query.push(format!("from={}", iso_day(f)));
        }
        if let Some(t) = to {
            query.push(format!("to={}", iso_day(t)));
        }
        if let Some(u) = unit {
            query.push(format!("unit={}", urlencode(u)));
        }
        let q = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
        self.call(Method::GET, &format!("/tasks/stats{q}"), None).await
    }
}

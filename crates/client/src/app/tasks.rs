//! The tasks screen: every task the user follows and the follow-up figures, from this
//! device's copy (so it opens offline), judged on the day of the last sync and stamped
//! with it; and a progress note, kept in the outbox when the server is out of reach.

use meeting_protocol::{Task, TaskBucket, TaskReport, TaskStats, parse_day};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AppCore, UiResult};
use crate::error::ClientError;
use crate::tasks::TaskCalls;

/// One task as the screen lists it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskRow {
    /// The task.
    #[serde(flatten)]
    pub task: Task,
    /// Its bucket on the day of the figures.
    pub bucket: TaskBucket,
}

/// The tasks screen.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TasksView {
    /// The tasks of the period, by assignment day, latest first.
    pub tasks: Vec<TaskRow>,
    /// The figures of the period.
    pub stats: TaskStats,
    /// When this device last synced (the figures are as of then); `None`: never.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub synced_at: Option<String>,
}

/// What sending a note did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteSent {
    /// The server has it.
    Sent,
    /// Kept on this device; the next sync sends it.
    Queued,
}

impl AppCore {
    /// The tasks screen for tasks assigned in `from..=to` (`YYYY-MM-DD`, either open).
    pub fn tasks_view(&self, from: Option<&str>, to: Option<&str>) -> UiResult<TasksView> {
        let day = |what: &str, v: Option<&str>| {
            v.filter(|s| !s.is_empty())
                .map(|s| parse_day(s).ok_or_else(|| ClientError::Invalid(format!("{what}: {s:?} is not a day"))))
                .transpose()
        };
        let (from, to) = (day("from", from)?, day("to", to)?);
        let store = self.profile.store()?;
        let synced = store.synced_at()?;
        let stats = store.task_stats(from, to, None)?;
        let mut tasks: Vec<TaskRow> = store
            .tasks()?
            .into_iter()
            .filter(|t| from.is_none_or(|f| t.assigned_on >= f) && to.is_none_or(|x| t.assigned_on <= x))
            .map(|task| TaskRow { bucket: task.bucket(stats.as_of), task })
            .collect();
        tasks.sort_by_key(|t| std::cmp::Reverse((t.task.assigned_on, t.task.id)));
        let synced_at = synced.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok());
        Ok(TasksView { tasks, stats, synced_at })
    }

    /// A progress note (or, `done`, the report that the task is done): sent now, or kept
    /// for the next sync when the server cannot be reached.
    pub async fn report_task(&self, task: &str, text: &str, done: bool) -> UiResult<NoteSent> {
        let task = Uuid::parse_str(task).map_err(|_| ClientError::Invalid(format!("task {task:?}")))?;
        let note = TaskReport { id: Uuid::now_v7(), text: text.to_owned(), done };
        match TaskCalls::new(&self.profile)?.report(task, &note).await {
            Ok(_) => Ok(NoteSent::Sent),
            Err(ClientError::Unreachable { .. } | ClientError::Interrupted { .. }) => {
                self.profile.store()?.queue_task_report(task, &note)?;
                Ok(NoteSent::Queued)
            }
            Err(e) => Err(e.into()),
        }
    }
}

//! Units of the province (sở, ban, ngành, UBND huyện) and the tasks the Committee's
//! conclusions give them, followed until done.
//!
//! A task's follow-up bucket is derived, never typed: from its deadline, whether the
//! office confirmed it done (and the day the unit reported it), and today
//! ([`TaskBucket::of`]). Server, CLI and app use this one function, so a laptop offline
//! shows the figures the server would have shown at its last sync.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::calendar::{day_format, opt_day_format};

/// A unit of the province that receives tasks.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unit {
    /// Its id.
    pub id: Uuid,
    /// Short code, unique in the office (`SKHDT`); scripts name units by it.
    pub code: String,
    /// Full name ("Sở Kế hoạch và Đầu tư").
    pub name: String,
}

/// A new unit.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitInput {
    /// Short code: letters and digits, 2–20 characters.
    pub code: String,
    /// Full name.
    pub name: String,
}

/// Where a task was decided.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskSource {
    /// A point of a meeting's conclusion notice (thông báo kết luận).
    Conclusion {
        /// The meeting.
        meeting_id: Uuid,
        /// The notice's number and symbol (`12/TB-UBND`), empty before it is issued.
        number: String,
        /// The point, from 1.
        point: u32,
    },
    /// A meeting (and one of its items), without a notice.
    Meeting {
        /// The meeting.
        meeting_id: Uuid,
        /// The agenda item, if one.
        agenda_item_id: Option<Uuid>,
    },
    /// Anything else (a directive, a letter).
    Other,
}

impl TaskSource {
    /// The meeting the task comes from, if any.
    pub fn meeting_id(&self) -> Option<Uuid> {
        match self {
            Self::Conclusion { meeting_id, .. } | Self::Meeting { meeting_id, .. } => Some(*meeting_id),
            Self::Other => None,
        }
    }
}

/// Where a task stands in its unit's and the office's hands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Being carried out (also after the office returned a report).
    Open,
    /// The unit reported it done; the office has yet to confirm or return it.
    Reported,
    /// The office confirmed it done.
    Completed,
}

impl TaskState {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Reported => "reported",
            Self::Completed => "completed",
        }
    }

    /// Parses the database name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "reported" => Some(Self::Reported),
            "completed" => Some(Self::Completed),
            _ => None,
        }
    }
}

/// The follow-up buckets a provincial office reports in.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskBucket {
    /// Hoàn thành đúng hạn: confirmed done, reported on or before the deadline.
    OnTime,
    /// Hoàn thành quá hạn: confirmed done, reported after the deadline.
    Late,
    /// Đang thực hiện trong hạn: not (confirmed) done, the deadline not passed.
    InProgress,
    /// Đang thực hiện quá hạn: not (confirmed) done, the deadline passed.
    Overdue,
    /// Không có thời hạn.
    NoDeadline,
}

impl TaskBucket {
    /// Every bucket, in the order reports list them.
    pub const ALL: [TaskBucket; 5] = [Self::OnTime, Self::Late, Self::InProgress, Self::Overdue, Self::NoDeadline];

    /// The bucket of a task with this `deadline` and `state`, reported done on
    /// `done_on`, seen on `today`. A report the office has not confirmed, or returned,
    /// is not done. The day counted is the unit's report, not the office's confirmation:
    /// a unit is not late because the office read its report a week later.
    pub fn of(deadline: Option<Date>, state: TaskState, done_on: Option<Date>, today: Date) -> Self {
        let Some(deadline) = deadline else { return Self::NoDeadline };
        match (state, done_on) {
            (TaskState::Completed, Some(done)) if done <= deadline => Self::OnTime,
            (TaskState::Completed, Some(_)) => Self::Late,
            _ if today <= deadline => Self::InProgress,
            _ => Self::Overdue,
        }
    }

    /// The JSON and CLI name (`on_time`, `late`, `in_progress`, `overdue`, `no_deadline`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnTime => "on_time",
            Self::Late => "late",
            Self::InProgress => "in_progress",
            Self::Overdue => "overdue",
            Self::NoDeadline => "no_deadline",
        }
    }

    /// Parses the JSON and CLI name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// What happened to a task.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskEventKind {
    /// Given to its unit.
    Assigned,
    /// A progress note from the unit.
    Progress,
    /// The unit reported it done.
    Reported,
    /// The office confirmed the report.
    Confirmed,
    /// The office returned the report, with a reason: not done.
    Returned,
    /// The deadline moved, with a reason (the previous one is kept in the event).
    Extended,
}

impl TaskEventKind {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::Progress => "progress",
            Self::Reported => "reported",
            Self::Confirmed => "confirmed",
            Self::Returned => "returned",
            Self::Extended => "extended",
        }
    }

    /// Parses the database name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Assigned, Self::Progress, Self::Reported, Self::Confirmed, Self::Returned, Self::Extended]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One entry of a task's history.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskEvent {
    /// Its id (for a progress note sent from a device: the id the device gave it, so a
    /// note sent twice after a lost answer is kept once).
    pub id: Uuid,
    /// What happened.
    pub kind: TaskEventKind,
    /// The note, the report, the reason.
    pub text: String,
    /// Who did it.
    pub by: Uuid,
    /// Their name.
    pub by_name: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: OffsetDateTime,
    /// For an extension: the deadline before it.
    #[serde(with = "opt_day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub previous_deadline: Option<Date>,
    /// For an extension: the new deadline.
    #[serde(with = "opt_day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub deadline: Option<Date>,
}

/// A task and its history.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    /// Its id.
    pub id: Uuid,
    /// What is to be done.
    pub content: String,
    /// Where it was decided.
    pub source: TaskSource,
    /// The unit in charge.
    pub lead_unit: Unit,
    /// Units that co-operate.
    pub co_units: Vec<Unit>,
    /// The deadline, if one.
    #[serde(with = "opt_day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub deadline: Option<Date>,
    /// The leader in charge, if named.
    pub leader_id: Option<Uuid>,
    /// Their name.
    pub leader_name: String,
    /// Where it stands.
    pub state: TaskState,
    /// The day the unit reported it done (the report waiting or confirmed; cleared when
    /// the office returns it).
    #[serde(with = "opt_day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub done_on: Option<Date>,
    /// The day it was assigned (periods of the figures count from it).
    #[serde(with = "day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub assigned_on: Date,
    /// Its history, oldest first.
    pub events: Vec<TaskEvent>,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub updated_at: OffsetDateTime,
}

impl Task {
    /// Its bucket on `today`.
    pub fn bucket(&self, today: Date) -> TaskBucket {
        TaskBucket::of(self.deadline, self.state, self.done_on, today)
    }

    /// Whether `unit` leads or co-operates on it.
    pub fn involves(&self, unit: Uuid) -> bool {
        self.lead_unit.id == unit || self.co_units.iter().any(|u| u.id == unit)
    }
}

/// A new task.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskInput {
    /// What is to be done.
    pub content: String,
    /// Where it was decided (a conclusion's number is filled in by the server).
    pub source: TaskSource,
    /// The unit in charge, by code.
    pub lead_unit: String,
    /// Co-operating units, by code.
    #[serde(default)]
    pub co_units: Vec<String>,
    /// The deadline, if one.
    #[serde(default, with = "opt_day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub deadline: Option<Date>,
    /// The leader in charge, if named.
    #[serde(default)]
    pub leader_id: Option<Uuid>,
}

/// A unit's progress note or report, from a device: `id` makes sending it twice safe.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskReport {
    /// The note's id, made by the device (UUIDv7).
    pub id: Uuid,
    /// The note.
    pub text: String,
    /// The work is done: the office is asked to confirm.
    #[serde(default)]
    pub done: bool,
}

/// The office's answer to a report: confirm it, or return it with a reason.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskReview {
    /// Confirmed (true) or returned (false).
    pub confirm: bool,
    /// Why it is returned (required then).
    #[serde(default)]
    pub reason: String,
}

/// A new deadline and why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskExtension {
    /// The new deadline.
    #[serde(with = "day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub deadline: Date,
    /// Why.
    pub reason: String,
}

/// The count of tasks in each bucket.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BucketCounts {
    /// Hoàn thành đúng hạn.
    pub on_time: u32,
    /// Hoàn thành quá hạn.
    pub late: u32,
    /// Đang thực hiện trong hạn.
    pub in_progress: u32,
    /// Đang thực hiện quá hạn.
    pub overdue: u32,
    /// Không có thời hạn.
    pub no_deadline: u32,
    /// All of them.
    pub total: u32,
}

impl BucketCounts {
    /// Counts one more task in `bucket`.
    pub fn add(&mut self, bucket: TaskBucket) {
        match bucket {
            TaskBucket::OnTime => self.on_time += 1,
            TaskBucket::Late => self.late += 1,
            TaskBucket::InProgress => self.in_progress += 1,
            TaskBucket::Overdue => self.overdue += 1,
            TaskBucket::NoDeadline => self.no_deadline += 1,
        }
        self.total += 1;
    }

    /// The count in one bucket.
    pub fn get(&self, bucket: TaskBucket) -> u32 {
        match bucket {
            TaskBucket::OnTime => self.on_time,
            TaskBucket::Late => self.late,
            TaskBucket::InProgress => self.in_progress,
            TaskBucket::Overdue => self.overdue,
            TaskBucket::NoDeadline => self.no_deadline,
        }
    }

    /// Tasks past their deadline, done or not ("trễ hạn").
    pub fn behind(&self) -> u32 {
        self.late + self.overdue
    }
}

/// What the figures need of one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatRow {
    /// The unit in charge (tasks count for their lead unit).
    pub lead_unit: Uuid,
    /// The deadline.
    pub deadline: Option<Date>,
    /// Where it stands.
    pub state: TaskState,
    /// The day it was reported done.
    pub done_on: Option<Date>,
    /// The day it was assigned (the period is of these days).
    pub assigned_on: Date,
}

impl From<&Task> for StatRow {
    fn from(t: &Task) -> Self {
        Self {
            lead_unit: t.lead_unit.id,
            deadline: t.deadline,
            state: t.state,
            done_on: t.done_on,
            assigned_on: t.assigned_on,
        }
    }
}

/// One unit's figures.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitCounts {
    /// The unit.
    pub unit: Unit,
    /// Its tasks in each bucket.
    #[serde(flatten)]
    pub counts: BucketCounts,
}

/// One month's figures (tasks assigned that month).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthCounts {
    /// `YYYY-MM`.
    pub month: String,
    /// Its tasks in each bucket.
    #[serde(flatten)]
    pub counts: BucketCounts,
}

/// The follow-up figures of a period: all units, each unit, each month.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskStats {
    /// First day of the period (tasks assigned from it), if bounded.
    #[serde(with = "opt_day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub from: Option<Date>,
    /// Last day of the period, if bounded.
    #[serde(with = "opt_day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub to: Option<Date>,
    /// The day the buckets were judged on (in progress or overdue depends on it).
    #[serde(with = "day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub as_of: Date,
    /// Every task of the period.
    #[serde(flatten)]
    pub all: BucketCounts,
    /// Per lead unit, units with tasks only, by code.
    pub units: Vec<UnitCounts>,
    /// Per month of assignment, in order.
    pub months: Vec<MonthCounts>,
}

impl TaskStats {
    /// The figures of `rows` assigned in `from..=to`, judged on `as_of`; `units` names
    /// the lead units (a unit missing from it is left out of `units`, still counted).
    pub fn compute(rows: &[StatRow], units: &[Unit], from: Option<Date>, to: Option<Date>, as_of: Date) -> Self {
        use std::collections::BTreeMap;
        let mut all = BucketCounts::default();
        let mut per_unit: BTreeMap<Uuid, BucketCounts> = BTreeMap::new();
        let mut per_month: BTreeMap<(i32, u8), BucketCounts> = BTreeMap::new();
        for r in rows {
            if from.is_some_and(|f| r.assigned_on < f) || to.is_some_and(|t| r.assigned_on > t) {
                continue;
            }
            let b = TaskBucket::of(r.deadline, r.state, r.done_on, as_of);
            all.add(b);
            per_unit.entry(r.lead_unit).or_default().add(b);
            per_month.entry((r.assigned_on.year(), u8::from(r.assigned_on.month()))).or_default().add(b);
        }
        let mut units: Vec<UnitCounts> = units
            .iter()
            .filter_map(|u| per_unit.get(&u.id).map(|c| UnitCounts { unit: u.clone(), counts: *c }))
            .collect();
        units.sort_by(|a, b| a.unit.code.cmp(&b.unit.code));
        let months = per_month
            .into_iter()
            .map(|((y, m), counts)| MonthCounts { month: format!("{y:04}-{m:02}"), counts })
            .collect();
        Self { from, to, as_of, all, units, months }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn buckets_follow_deadline_confirmation_and_today() {
        use TaskBucket::*;
        use TaskState::*;
        let deadline = Some(date!(2026 - 12 - 15));
        let cases = [
            // (deadline, state, reported done on, today) → bucket
            (deadline, Completed, Some(date!(2026 - 12 - 10)), date!(2026 - 12 - 20), OnTime),
            (deadline, Completed, Some(date!(2026 - 12 - 15)), date!(2026 - 12 - 20), OnTime),
            (deadline, Completed, Some(date!(2026 - 12 - 16)), date!(2026 - 12 - 20), Late),
            // Confirmed after the deadline, reported before it: on time.
            (deadline, Completed, Some(date!(2026 - 12 - 14)), date!(2027 - 01 - 30), OnTime),
            (deadline, Open, None, date!(2026 - 12 - 15), InProgress),
            (deadline, Open, None, date!(2026 - 12 - 16), Overdue),
            // Reported but not confirmed yet: not done.
            (deadline, Reported, Some(date!(2026 - 12 - 10)), date!(2026 - 12 - 12), InProgress),
            (deadline, Reported, Some(date!(2026 - 12 - 10)), date!(2026 - 12 - 18), Overdue),
            // Returned (open again): not done.
            (deadline, Open, None, date!(2026 - 12 - 18), Overdue),
            (None, Open, None, date!(2030 - 01 - 01), NoDeadline),
            (None, Completed, Some(date!(2026 - 12 - 10)), date!(2026 - 12 - 12), NoDeadline),
        ];
        for (deadline, state, done_on, today, want) in cases {
            assert_eq!(
                TaskBucket::of(deadline, state, done_on, today),
                want,
                "{deadline:?} {state:?} {done_on:?} {today}"
            );
        }
        for b in TaskBucket::ALL {
            assert_eq!(TaskBucket::parse(b.as_str()), Some(b));
            assert_eq!(serde_json::to_value(b).expect("json"), b.as_str());
        }
    }

    #[test]
    fn an_office_of_63_tasks_reads_62_on_time_and_none_late() {
        let unit = |code: &str| Unit { id: Uuid::now_v7(), code: code.into(), name: format!("Sở {code}") };
        let units = [unit("SKHDT"), unit("STC"), unit("SXD")];
        let mut rows = Vec::new();
        for i in 0..63u8 {
            let assigned_on =
                date!(2022 - 01 - 10).replace_month(time::Month::try_from(1 + i % 12).expect("month")).expect("day");
            let last = i == 62;
            // The last one is due after the day the figures are judged on.
            let deadline =
                if last { Some(date!(2023 - 01 - 31)) } else { assigned_on.checked_add(time::Duration::days(30)) };
            rows.push(StatRow {
                lead_unit: units[usize::from(i % 3)].id,
                deadline,
                state: if last { TaskState::Reported } else { TaskState::Completed },
                done_on: if last { None } else { assigned_on.checked_add(time::Duration::days(20)) },
                assigned_on,
            });
        }
        let stats = TaskStats::compute(
            &rows,
            &units,
            Some(date!(2022 - 01 - 01)),
            Some(date!(2022 - 12 - 31)),
            date!(2022 - 12 - 31),
        );
        assert_eq!((stats.all.on_time, stats.all.total, stats.all.behind()), (62, 63, 0), "{:?}", stats.all);
        assert_eq!(stats.all.in_progress, 1, "the last one, reported in time but not yet confirmed");
        assert_eq!(stats.units.iter().map(|u| u.counts.total).sum::<u32>(), 63);
        assert_eq!(stats.months.len(), 12);
        assert_eq!(stats.months[0].month, "2022-01");
        let json = serde_json::to_value(&stats).expect("json");
        for name in ["on_time", "late", "in_progress", "overdue", "no_deadline"] {
            assert!(json.get(name).is_some(), "the figures name their buckets {name}: {json}");
        }
        // A year later nothing was confirmed: the waiting one is overdue now.
        let later = TaskStats::compute(&rows, &units, None, None, date!(2023 - 12 - 31));
        assert_eq!((later.all.on_time, later.all.overdue), (62, 1));
    }
}

//! Units, holidays and tasks over HTTP. The rules (who sees and changes what) are in
//! [`crate::core::tasks`]; these handlers read parameters and pick a transaction.

use axum::extract::State;
use meeting_protocol::{
    ApiError, Holiday, Role, Task, TaskBucket, TaskExtension, TaskInput, TaskReport, TaskReview, TaskStats, Unit,
    UnitInput, parse_day,
};
use serde::Deserialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::core::tasks::{self, Filter};
use crate::error::{AppError, AppResult, Json, Path, Query};

/// The province's units, by code (everyone logged in: tasks name them).
#[utoipa::path(get, path = "/units", tag = "tasks", security(("bearer" = [])),
    responses((status = 200, body = [Unit]), (status = 401, body = ApiError)))]
pub async fn list_units(State(state): State<AppState>, _caller: AuthUser) -> AppResult<Json<Vec<Unit>>> {
    Ok(Json(state.db.read(|tx| Ok(crate::store::units::all(tx)?)).await?))
}

/// Adds a unit (admins).
#[utoipa::path(post, path = "/units", tag = "tasks", security(("bearer" = [])), request_body = UnitInput,
    responses((status = 200, body = Unit), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn add_unit(
    State(state): State<AppState>,
    caller: AuthUser,
    Json(input): Json<UnitInput>,
) -> AppResult<Json<Unit>> {
    caller.require_role(&[Role::Admin])?;
    Ok(Json(state.db.write(move |tx| tasks::add_unit(tx, &input, OffsetDateTime::now_utc())).await?))
}

/// The office's holidays, by day.
#[utoipa::path(get, path = "/holidays", tag = "tasks", security(("bearer" = [])),
    responses((status = 200, body = [Holiday]), (status = 401, body = ApiError)))]
pub async fn list_holidays(State(state): State<AppState>, _caller: AuthUser) -> AppResult<Json<Vec<Holiday>>> {
    Ok(Json(state.db.read(|tx| Ok(crate::store::units::holidays(tx)?)).await?))
}

/// Adds (or renames) a holiday (admins).
#[utoipa::path(post, path = "/holidays", tag = "tasks", security(("bearer" = [])), request_body = Holiday,
    responses((status = 200, body = [Holiday]), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError)))]
pub async fn put_holiday(
    State(state): State<AppState>,
    caller: AuthUser,
    Json(mut h): Json<Holiday>,
) -> AppResult<Json<Vec<Holiday>>> {
    caller.require_role(&[Role::Admin])?;
    h.name = crate::core::meetings::text("name", &h.name, 200, false)?;
    Ok(Json(
        state
            .db
            .write(move |tx| {
                crate::store::units::put_holiday(tx, &h)?;
                Ok(crate::store::units::holidays(tx)?)
            })
            .await?,
    ))
}

/// Filters of a task list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TaskListParams {
    /// A unit's code: tasks it leads or co-operates on.
    pub unit: Option<String>,
    /// `on_time`, `late`, `in_progress`, `overdue` or `no_deadline` (as of today).
    pub bucket: Option<String>,
}

/// The tasks the caller follows (every task for the office, a unit's for its staff).
#[utoipa::path(get, path = "/tasks", tag = "tasks", security(("bearer" = [])), params(TaskListParams),
    responses((status = 200, body = [Task]), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError)))]
pub async fn list_tasks(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(q): Query<TaskListParams>,
) -> AppResult<Json<Vec<Task>>> {
    let bucket = q
        .bucket
        .as_deref()
        .map(|b| {
            TaskBucket::parse(b).ok_or_else(|| {
                AppError::bad_request("bucket is one of on_time, late, in_progress, overdue, no_deadline")
            })
        })
        .transpose()?;
    let filter = Filter { unit: q.unit, bucket };
    Ok(Json(state.db.read(move |tx| tasks::list(tx, &caller, &filter)).await?))
}

/// Gives a task to a unit (secretaries and admins).
#[utoipa::path(post, path = "/tasks", tag = "tasks", security(("bearer" = [])), request_body = TaskInput,
    responses((status = 200, body = Task), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn create_task(
    State(state): State<AppState>,
    caller: AuthUser,
    Json(input): Json<TaskInput>,
) -> AppResult<Json<Task>> {
    Ok(Json(state.db.write(move |tx| tasks::create(tx, &caller, &input)).await?))
}

/// One task and its history.
#[utoipa::path(get, path = "/tasks/{task_id}", tag = "tasks", security(("bearer" = [])),
    params(("task_id" = Uuid, Path)),
    responses((status = 200, body = Task), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_task(State(state): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> AppResult<Json<Task>> {
    Ok(Json(state.db.read(move |tx| tasks::visible(tx, &caller, id)).await?))
}

/// A progress note, or the report that the task is done (`done`), from its unit.
/// Sending the same note (same `id`) again changes nothing.
#[utoipa::path(post, path = "/tasks/{task_id}/reports", tag = "tasks", security(("bearer" = [])),
    params(("task_id" = Uuid, Path)), request_body = TaskReport,
    responses((status = 200, body = Task), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn report_task(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Json(input): Json<TaskReport>,
) -> AppResult<Json<Task>> {
    Ok(Json(state.db.write(move |tx| tasks::report(tx, &caller, id, &input)).await?))
}

/// The office confirms the report waiting on a task, or returns it with a reason.
#[utoipa::path(post, path = "/tasks/{task_id}/review", tag = "tasks", security(("bearer" = [])),
    params(("task_id" = Uuid, Path)), request_body = TaskReview,
    responses((status = 200, body = Task), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn review_task(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Json(input): Json<TaskReview>,
) -> AppResult<Json<Task>> {
    Ok(Json(state.db.write(move |tx| tasks::review(tx, &caller, id, &input)).await?))
}

/// The office moves a task's deadline later, with the reason.
#[utoipa::path(post, path = "/tasks/{task_id}/extension", tag = "tasks", security(("bearer" = [])),
    params(("task_id" = Uuid, Path)), request_body = TaskExtension,
    responses((status = 200, body = Task), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn extend_task(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Json(input): Json<TaskExtension>,
) -> AppResult<Json<Task>> {
    Ok(Json(state.db.write(move |tx| tasks::extend(tx, &caller, id, &input)).await?))
}

/// The period and unit of the figures.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsParams {
    /// First day of the period (`YYYY-MM-DD`): tasks assigned from it.
    pub from: Option<String>,
    /// Last day of the period.
    pub to: Option<String>,
    /// One lead unit, by code.
    pub unit: Option<String>,
}

fn day(name: &str, value: Option<&str>) -> AppResult<Option<Date>> {
    value
        .map(|v| parse_day(v).ok_or_else(|| AppError::bad_request(format!("{name} is a day written YYYY-MM-DD"))))
        .transpose()
}

/// The follow-up figures: the four buckets and no deadline, per unit and per month.
#[utoipa::path(get, path = "/tasks/stats", tag = "tasks", security(("bearer" = [])), params(StatsParams),
    responses((status = 200, body = TaskStats), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError)))]
pub async fn task_stats(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(q): Query<StatsParams>,
) -> AppResult<Json<TaskStats>> {
    let (from, to) = (day("from", q.from.as_deref())?, day("to", q.to.as_deref())?);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(AppError::bad_request("from is after to"));
    }
    Ok(Json(state.db.read(move |tx| tasks::stats(tx, &caller, from, to, q.unit.as_deref())).await?))
}

//! IPC commands of the tasks screen (`AppCore::tasks_view`, `report_task`).

use meeting_client::app::{NoteSent, TasksView, UiResult};

use crate::commands::Core;

/// The tasks the user follows and the figures, from this device (offline too).
#[tauri::command]
pub async fn tasks_view(core: Core<'_>, from: Option<String>, to: Option<String>) -> UiResult<TasksView> {
    core.tasks_view(from.as_deref(), to.as_deref())
}

/// A progress note on a task, or the report that it is done: sent now, or kept for the
/// next sync.
#[tauri::command]
pub async fn report_task(core: Core<'_>, task: String, text: String, done: bool) -> UiResult<NoteSent> {
    core.report_task(&task, &text, done).await
}

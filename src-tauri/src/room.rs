//! IPC commands of the meeting room in session: each forwards to `AppCore::room_*`.

use meeting_client::app::{RoomView, UiResult};
use meeting_client::live::LiveEvent;
use meeting_protocol::{Attendance, AttendanceStatus, LiveState, Speaker, Vote, VoteInput};
use tauri::ipc::Channel;

use crate::commands::Core;

#[tauri::command]
pub async fn room(core: Core<'_>, meeting: String) -> UiResult<RoomView> {
    core.room(&meeting)
}

/// Runs until `room_live_stop`: the live channel's events stream through `events`.
#[tauri::command]
pub async fn room_live(core: Core<'_>, events: Channel<LiveEvent>) -> UiResult<()> {
    core.room_live(&|e| drop(events.send(e.clone()))).await
}

#[tauri::command]
pub async fn room_live_stop(core: Core<'_>) -> UiResult<()> {
    core.room_live_stop();
    Ok(())
}

#[tauri::command]
pub async fn room_checkin(core: Core<'_>, meeting: String, online: bool) -> UiResult<Vec<Attendance>> {
    core.room_checkin(&meeting, online).await
}

#[tauri::command]
pub async fn room_attend(
    core: Core<'_>,
    meeting: String,
    user_ids: Vec<String>,
    status: AttendanceStatus,
    reason: String,
) -> UiResult<Vec<Attendance>> {
    core.room_attend(&meeting, &user_ids, status, &reason).await
}

#[tauri::command]
pub async fn room_speak(core: Core<'_>, meeting: String, point_of_order: bool) -> UiResult<Speaker> {
    core.room_speak(&meeting, point_of_order).await
}

#[tauri::command]
pub async fn room_withdraw(core: Core<'_>, speaker: String) -> UiResult<Speaker> {
    core.room_withdraw(&speaker).await
}

#[tauri::command]
pub async fn room_give_floor(core: Core<'_>, meeting: String, speaker: Option<String>) -> UiResult<Speaker> {
    core.room_give_floor(&meeting, speaker.as_deref()).await
}

#[tauri::command]
pub async fn room_end_floor(core: Core<'_>, meeting: String) -> UiResult<()> {
    core.room_end_floor(&meeting).await
}

#[tauri::command]
pub async fn room_set_item(core: Core<'_>, meeting: String, item: Option<String>) -> UiResult<LiveState> {
    core.room_set_item(&meeting, item.as_deref()).await
}

#[tauri::command]
pub async fn room_present(core: Core<'_>, meeting: String, document: String, page: u32) -> UiResult<LiveState> {
    core.room_present(&meeting, &document, page).await
}

#[tauri::command]
pub async fn room_stop_presenting(core: Core<'_>, meeting: String) -> UiResult<LiveState> {
    core.room_stop_presenting(&meeting).await
}

#[tauri::command]
pub async fn room_open_vote(core: Core<'_>, item: String, input: VoteInput) -> UiResult<Vote> {
    core.room_open_vote(&item, input).await
}

#[tauri::command]
pub async fn room_cast(core: Core<'_>, vote: String, choice: u32) -> UiResult<Vote> {
    core.room_cast(&vote, choice).await
}

#[tauri::command]
pub async fn room_close_vote(core: Core<'_>, vote: String) -> UiResult<Vote> {
    core.room_close_vote(&vote).await
}

#[tauri::command]
pub async fn room_set_quorum(core: Core<'_>, meeting: String, percent: u32) -> UiResult<LiveState> {
    core.room_set_quorum(&meeting, percent).await
}

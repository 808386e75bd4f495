//! The meeting room in session, for the app: the room as this device has it (read from
//! the local store, so it shows offline as last seen), the live channel that keeps it
//! current, and the actions (check in, ask to speak, vote, present; for the chair and
//! the secretariat the current item, attendance, the floor and votes).
//!
//! Actions go to the server at once and are never queued: offline they fail with
//! `server_unreachable`, which the UI turns into "voting needs a connection". Their
//! effect comes back through the feed, woken by the live channel, like everyone else's.

use meeting_protocol::{Attendance, AttendanceStatus, LiveState, ParticipantRole, Room, Speaker, Vote, VoteInput};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AppCore, UiResult};
use crate::live::LiveEvent;
use crate::room::RoomCalls;
use crate::{ClientError, SyncOptions};

/// The room as the app shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoomView {
    /// Current item, presenter, attendance, speakers, votes, quorum.
    pub room: Room,
    /// The user of this device.
    pub me: Uuid,
    /// Whether they run the room (the chair, or of the secretariat): the control panel.
    pub presiding: bool,
    /// Whether they are a voting member (chair or member).
    pub voting_member: bool,
}

fn id(s: &str) -> UiResult<Uuid> {
    Uuid::parse_str(s.trim()).map_err(|_| ClientError::Invalid(format!("{s} is not an id")).into())
}

impl AppCore {
    fn room_calls(&self) -> UiResult<RoomCalls> {
        Ok(RoomCalls::new(&self.profile)?)
    }

    /// The meeting's room as this device has it.
    pub fn room(&self, meeting: &str) -> UiResult<RoomView> {
        let store = self.profile.store()?;
        let local = store.meeting(meeting)?.ok_or_else(|| ClientError::NotFound(format!("meeting {meeting}")))?;
        let room = store.room(meeting)?.ok_or_else(|| ClientError::NotFound(format!("meeting {meeting}")))?;
        let me = store.meta("user_id")?.and_then(|u| Uuid::parse_str(&u).ok()).ok_or(ClientError::NotLoggedIn)?;
        let office_role = store.meta("role")?.unwrap_or_default();
        let role = local.participants.iter().find(|p| p.user_id == me).map(|p| p.role);
        // The server's rule (`core::room::presiding`): the chair, the organizers, and
        // the secretaries and admins taking part. The server checks again on each action.
        let presiding = matches!(role, Some(ParticipantRole::Chair | ParticipantRole::Organizer))
            || (role.is_some() && matches!(office_role.as_str(), "secretary" | "admin"));
        let voting_member = matches!(role, Some(ParticipantRole::Chair | ParticipantRole::Member));
        Ok(RoomView { room, me, presiding, voting_member })
    }

    /// Keeps this device live until [`AppCore::room_live_stop`] (or another call of this):
    /// the server wakes it at each change it may see and it syncs at once; `on_event`
    /// hears each connection change and sync. Returns when stopped, or with the error
    /// that ends the session (revoked, expired, locked).
    pub async fn room_live(&self, on_event: &(dyn Fn(&LiveEvent) + Sync)) -> UiResult<()> {
        self.live_stop.notify_waiters();
        let stopped = self.live_stop.notified();
        let opts = SyncOptions { pdf: Some(self.pdf.clone()), ..SyncOptions::default() };
        tokio::select! {
            r = crate::live::run(&self.profile, &opts, on_event) => match r {
                Err(ClientError::DeviceRevoked) => {
                    self.hot.stop_all();
                    self.lock();
                    Err(ClientError::DeviceRevoked.into())
                }
                other => Ok(other?),
            },
            () = stopped => Ok(()),
        }
    }

    /// Stops [`AppCore::room_live`].
    pub fn room_live_stop(&self) {
        self.live_stop.notify_waiters();
    }

    /// Checks the user in (present, or online).
    pub async fn room_checkin(&self, meeting: &str, online: bool) -> UiResult<Vec<Attendance>> {
        let status = if online { AttendanceStatus::Online } else { AttendanceStatus::Present };
        Ok(self.room_calls()?.attend(id(meeting)?, Vec::new(), status, "").await?)
    }

    /// Records others' attendance (the chair, the secretariat).
    pub async fn room_attend(
        &self,
        meeting: &str,
        user_ids: &[String],
        status: AttendanceStatus,
        reason: &str,
    ) -> UiResult<Vec<Attendance>> {
        let users = user_ids.iter().map(|u| id(u)).collect::<UiResult<Vec<_>>>()?;
        Ok(self.room_calls()?.attend(id(meeting)?, users, status, reason).await?)
    }

    /// Asks to speak.
    pub async fn room_speak(&self, meeting: &str, point_of_order: bool) -> UiResult<Speaker> {
        Ok(self.room_calls()?.speak(id(meeting)?, point_of_order).await?)
    }

    /// Withdraws a request to speak (one's own; the chair any).
    pub async fn room_withdraw(&self, speaker: &str) -> UiResult<Speaker> {
        Ok(self.room_calls()?.withdraw(id(speaker)?).await?)
    }

    /// Gives the floor (the first of the queue without `speaker`).
    pub async fn room_give_floor(&self, meeting: &str, speaker: Option<&str>) -> UiResult<Speaker> {
        let speaker = speaker.map(id).transpose()?;
        Ok(self.room_calls()?.give_floor(id(meeting)?, speaker).await?)
    }

    /// Ends the floor.
    pub async fn room_end_floor(&self, meeting: &str) -> UiResult<()> {
        Ok(self.room_calls()?.end_floor(id(meeting)?).await?)
    }

    /// Sets (or clears) the item under discussion.
    pub async fn room_set_item(&self, meeting: &str, item: Option<&str>) -> UiResult<LiveState> {
        let item = item.map(id).transpose()?;
        Ok(self.room_calls()?.set_current_item(id(meeting)?, item).await?)
    }

    /// Sets the quorum, in percent of the voting members.
    pub async fn room_set_quorum(&self, meeting: &str, percent: u32) -> UiResult<LiveState> {
        Ok(self.room_calls()?.set_quorum(id(meeting)?, percent).await?)
    }

    /// Shows the followers `document` at `page` (from 0).
    pub async fn room_present(&self, meeting: &str, document: &str, page: u32) -> UiResult<LiveState> {
        Ok(self.room_calls()?.present(id(meeting)?, id(document)?, page).await?)
    }

    /// Ends the presentation.
    pub async fn room_stop_presenting(&self, meeting: &str) -> UiResult<LiveState> {
        Ok(self.room_calls()?.stop_presenting(id(meeting)?).await?)
    }

    /// Opens a vote on an agenda item.
    pub async fn room_open_vote(&self, item: &str, input: VoteInput) -> UiResult<Vote> {
        Ok(self.room_calls()?.open_vote(id(item)?, &input).await?)
    }

    /// Casts the user's ballot: sent now or not at all.
    pub async fn room_cast(&self, vote: &str, choice: u32) -> UiResult<Vote> {
        Ok(self.room_calls()?.cast(id(vote)?, choice).await?)
    }

    /// Closes and counts a vote.
    pub async fn room_close_vote(&self, vote: &str) -> UiResult<Vote> {
        Ok(self.room_calls()?.close_vote(id(vote)?).await?)
    }
}

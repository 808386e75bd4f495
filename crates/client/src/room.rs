//! The meeting room in session as this device has it, and the calls that run it.
//!
//! The feed brings the room's entities (live state, attendance, speakers, votes) like any
//! other; they are kept as JSON in `entities` (see `kinds`), so the room shows offline as it was
//! last seen and [`Store::room`] builds the same [`Room`] the server's
//! `GET /meetings/{id}/room` answers. Every change goes to the server directly
//! ([`RoomCalls`]): the room is live by nature, and a ballot in particular is never
//! queued to be sent later: offline, casting fails with `server_unreachable`.

use meeting_protocol::{
    Attendance, AttendanceInput, AttendanceStatus, BallotInput, CurrentItemInput, FloorInput, LiveState,
    ParticipantRole, PresentInput, QuorumInput, Room, SpeakRequest, Speaker, SpeakerState, Vote, VoteInput, has_quorum,
    sort_speakers,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::Profile;
use crate::api::Api;
use crate::error::{ClientError, Result};
use crate::store::{Store, parse};

impl Store {
    fn live_rows<T: DeserializeOwned>(&self, meeting_id: &str, kind: &str) -> Result<Vec<T>> {
        let mut stmt = self.conn().prepare_cached("SELECT data FROM entities WHERE meeting_id = ?1 AND kind = ?2")?;
        let rows = stmt.query_map([meeting_id, kind], |r| parse::<T>(&r.get::<_, String>(0)?))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The meeting's room as last synced (`None`: the meeting is not on this device).
    pub fn room(&self, meeting_id: &str) -> Result<Option<Room>> {
        let Some(meeting) = self.meeting(meeting_id)? else { return Ok(None) };
        let mid = meeting.meeting.id;
        let state = self.live_rows::<LiveState>(meeting_id, "live_state")?.into_iter().next().unwrap_or(LiveState {
            meeting_id: mid,
            current_item_id: None,
            quorum_percent: 50,
            presentation: None,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        });
        let voting: Vec<Uuid> = meeting
            .participants
            .iter()
            .filter(|p| matches!(p.role, ParticipantRole::Chair | ParticipantRole::Member))
            .map(|p| p.user_id)
            .collect();
        let mut attendance: Vec<Attendance> = self
            .live_rows::<Attendance>(meeting_id, "attendance")?
            .into_iter()
            .filter(|a| meeting.participants.iter().any(|p| p.user_id == a.user_id))
            .collect();
        attendance.sort_by_key(|a| a.order);
        let present = attendance.iter().filter(|a| a.status.is_there() && voting.contains(&a.user_id)).count();
        let mut speakers: Vec<Speaker> = self.live_rows(meeting_id, "speaker")?;
        sort_speakers(&mut speakers);
        let mut votes: Vec<Vote> = self.live_rows(meeting_id, "vote")?;
        votes.sort_by_key(|v| std::cmp::Reverse((v.opened_at, v.id)));
        let (members, present) = (count(voting.len()), count(present));
        Ok(Some(Room {
            quorum: has_quorum(members, present, state.quorum_percent),
            state,
            attendance,
            speakers,
            votes,
            members,
            present,
        }))
    }

    fn resolve(&self, what: &str, sql: &str, id_or_prefix: &str) -> Result<(String, String)> {
        let prefix = id_or_prefix.trim().to_lowercase();
        let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let mut stmt = self.conn().prepare(sql)?;
        let rows: Vec<(String, String)> =
            stmt.query_map([escaped], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        match rows.as_slice() {
            [one] if !prefix.is_empty() => Ok(one.clone()),
            [] | [_] => Err(ClientError::NotFound(format!("no {what} with id {id_or_prefix:?} on this device"))),
            _ => Err(ClientError::NotFound(format!("{id_or_prefix:?} matches several {what}s; give more of the id"))),
        }
    }

    /// An agenda item's id and its meeting's, from its id or a unique prefix.
    pub fn resolve_item(&self, id_or_prefix: &str) -> Result<(String, String)> {
        let sql = "SELECT id, meeting_id FROM agenda_items WHERE id LIKE ?1 || '%' ESCAPE '\\' LIMIT 2";
        self.resolve("agenda item", sql, id_or_prefix)
    }

    /// A document's id and its meeting's, from its id or a unique prefix.
    pub fn resolve_document(&self, id_or_prefix: &str) -> Result<(String, String)> {
        let sql = "SELECT id, meeting_id FROM documents WHERE id LIKE ?1 || '%' ESCAPE '\\' LIMIT 2";
        self.resolve("document", sql, id_or_prefix)
    }

    /// A vote's id and its meeting's, from its id or a unique prefix.
    pub fn resolve_vote(&self, id_or_prefix: &str) -> Result<(String, String)> {
        let sql = "SELECT id, meeting_id FROM entities WHERE kind = 'vote' AND id LIKE ?1 || '%' ESCAPE '\\' LIMIT 2";
        self.resolve("vote", sql, id_or_prefix)
    }

    /// One vote as last synced.
    pub fn vote(&self, vote_id: &str) -> Result<Option<Vote>> {
        let mut stmt = self.conn().prepare_cached("SELECT data FROM entities WHERE kind = 'vote' AND id = ?1")?;
        let mut rows = stmt.query_map([vote_id], |r| parse::<Vote>(&r.get::<_, String>(0)?))?;
        Ok(rows.next().transpose()?)
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Which choice `given` names: its number from 1, or its text (accents and case aside,
/// "dong y" is "Đồng ý").
pub fn choice_index(choices: &[String], given: &str) -> Result<u32> {
    let g = given.trim();
    if let Ok(n) = g.parse::<usize>() {
        if (1..=choices.len()).contains(&n) {
            return Ok(count(n - 1));
        }
    } else {
        let folded = crate::fold::fold(g);
        if let Some(i) = choices.iter().position(|c| crate::fold::fold(c) == folded) {
            return Ok(count(i));
        }
    }
    let list: Vec<String> = choices.iter().enumerate().map(|(i, c)| format!("{} = {c}", i + 1)).collect();
    Err(ClientError::Invalid(format!("\"{g}\" không phải một lựa chọn ({}) / not a choice", list.join(", "))))
}

/// The room's calls, on one profile's session.
#[derive(Debug, Clone)]
pub struct RoomCalls {
    api: Api,
}

fn body<T: serde::Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

impl RoomCalls {
    /// The calls on `profile`'s session.
    pub fn new(profile: &Profile) -> Result<Self> {
        let store = profile.store()?;
        Ok(Self { api: profile.api(&store)? })
    }

    async fn call<T: DeserializeOwned>(&self, method: Method, path: &str, b: Option<serde_json::Value>) -> Result<T> {
        self.api.call_json(method, path, b).await
    }

    /// The room as the server has it now.
    pub async fn room(&self, meeting: Uuid) -> Result<Room> {
        self.call(Method::GET, &format!("/meetings/{meeting}/room"), None).await
    }

    /// Sets (or clears) the item under discussion.
    pub async fn set_current_item(&self, meeting: Uuid, item_id: Option<Uuid>) -> Result<LiveState> {
        self.call(Method::PUT, &format!("/meetings/{meeting}/current-item"), body(&CurrentItemInput { item_id })).await
    }

    /// Sets the quorum, in percent of the voting members.
    pub async fn set_quorum(&self, meeting: Uuid, percent: u32) -> Result<LiveState> {
        self.call(Method::PUT, &format!("/meetings/{meeting}/quorum"), body(&QuorumInput { percent })).await
    }

    /// Shows `document` at `page_index` (from 0) to the followers.
    pub async fn present(&self, meeting: Uuid, document_id: Uuid, page_index: u32) -> Result<LiveState> {
        let input = PresentInput { document_id, page_index };
        self.call(Method::PUT, &format!("/meetings/{meeting}/presentation"), body(&input)).await
    }

    /// Ends the presentation.
    pub async fn stop_presenting(&self, meeting: Uuid) -> Result<LiveState> {
        self.call(Method::DELETE, &format!("/meetings/{meeting}/presentation"), None).await
    }

    /// Records attendance: the caller's own (no `user_ids`) or, for the secretariat, others'.
    pub async fn attend(
        &self,
        meeting: Uuid,
        user_ids: Vec<Uuid>,
        status: AttendanceStatus,
        reason: &str,
    ) -> Result<Vec<Attendance>> {
        let input = AttendanceInput { user_ids, status, reason: reason.to_owned() };
        self.call(Method::PUT, &format!("/meetings/{meeting}/attendance"), body(&input)).await
    }

    /// Asks to speak.
    pub async fn speak(&self, meeting: Uuid, point_of_order: bool) -> Result<Speaker> {
        self.call(Method::POST, &format!("/meetings/{meeting}/speakers"), body(&SpeakRequest { point_of_order })).await
    }

    /// Withdraws a request to speak.
    pub async fn withdraw(&self, speaker: Uuid) -> Result<Speaker> {
        self.call(Method::DELETE, &format!("/speakers/{speaker}"), None).await
    }

    /// Withdraws the caller's live request in the meeting, if there is one.
    pub async fn withdraw_own(&self, meeting: Uuid, me: Uuid) -> Result<Option<Speaker>> {
        let room = self.room(meeting).await?;
        let live = room
            .speakers
            .iter()
            .find(|s| s.user_id == me && matches!(s.state, SpeakerState::Waiting | SpeakerState::Speaking));
        match live {
            Some(s) => Ok(Some(self.withdraw(s.id).await?)),
            None => Ok(None),
        }
    }

    /// Gives the floor (the first of the queue when `speaker_id` is `None`).
    pub async fn give_floor(&self, meeting: Uuid, speaker_id: Option<Uuid>) -> Result<Speaker> {
        self.call(Method::PUT, &format!("/meetings/{meeting}/floor"), body(&FloorInput { speaker_id })).await
    }

    /// Ends the floor.
    pub async fn end_floor(&self, meeting: Uuid) -> Result<()> {
        let _: serde_json::Value = self.call(Method::DELETE, &format!("/meetings/{meeting}/floor"), None).await?;
        Ok(())
    }

    /// Opens a vote on an agenda item.
    pub async fn open_vote(&self, item: Uuid, input: &VoteInput) -> Result<Vote> {
        self.call(Method::POST, &format!("/agenda/{item}/votes"), body(input)).await
    }

    /// A vote as the server has it now.
    pub async fn vote(&self, vote: Uuid) -> Result<Vote> {
        self.call(Method::GET, &format!("/votes/{vote}"), None).await
    }

    /// Casts the caller's ballot (index into the vote's choices). Final, and never queued.
    pub async fn cast(&self, vote: Uuid, choice: u32) -> Result<Vote> {
        self.call(Method::POST, &format!("/votes/{vote}/ballots"), body(&BallotInput { choice })).await
    }

    /// Closes and counts a vote.
    pub async fn close_vote(&self, vote: Uuid) -> Result<Vote> {
        self.call(Method::POST, &format!("/votes/{vote}/close"), None).await
    }
}

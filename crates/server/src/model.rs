//! Deciding who may see or change a meeting (the rows are in
//! [`crate::store::meetings`] and [`crate::store::documents`]).

use crate::store::{Tx, documents, meetings};
use meeting_protocol::{Meeting, MeetingDetail, Role};

use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};

/// Everything in a meeting.
pub fn meeting_detail(tx: &Tx<'_>, meeting: Meeting) -> AppResult<MeetingDetail> {
    let id = meeting.id.to_string();
    Ok(MeetingDetail {
        agenda: meetings::agenda_of(tx, &id)?,
        participants: meetings::participants_of(tx, &id)?,
        documents: documents::documents_of(tx, &id)?,
        meeting,
    })
}

/// The meeting, if the caller may see it. Unknown and invisible meetings answer alike
/// (404), so a non-participant learns nothing, not even that the meeting exists.
pub fn visible_meeting(tx: &Tx<'_>, caller: &AuthUser, meeting_id: &str) -> AppResult<Meeting> {
    if !meetings::may_see_meeting(tx, meeting_id, &caller.id())? {
        return Err(AppError::not_found("meeting"));
    }
    meetings::meeting(tx, meeting_id)?.ok_or_else(|| AppError::not_found("meeting"))
}

/// The meeting, if the caller is of its secretariat (its organizers, and the secretaries
/// and admins taking part): who writes its minutes and its conclusion notice. `what`
/// names the document in the refusal.
pub fn secretariat_meeting(tx: &Tx<'_>, caller: &AuthUser, meeting_id: &str, what: &str) -> AppResult<Meeting> {
    let m = visible_meeting(tx, caller, meeting_id)?;
    if !meetings::is_secretariat(tx, meeting_id, &caller.id())? {
        return Err(AppError::forbidden(format!("the meeting's secretariat writes its {what}")));
    }
    Ok(m)
}

/// The meeting, if the caller may change it: a secretary (or admin) taking part in it.
/// Non-participants get 404 (they may not know it exists); participating leaders 403.
pub fn editable_meeting(tx: &Tx<'_>, caller: &AuthUser, meeting_id: &str) -> AppResult<Meeting> {
    let m = visible_meeting(tx, caller, meeting_id)?;
    caller.require_role(&[Role::Secretary, Role::Admin])?;
    Ok(m)
}

//! The audit of opens: devices send the opens they recorded (offline too); the
//! secretariat reads them per meeting. See `meeting_protocol::opens`.

use crate::store::{self, Tx};
use meeting_protocol::{DocumentOpen, OpenRecord, OpensPushResponse};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::model;

/// Records a device's opens. An open of a document the user may not see (any more) is
/// refused, not an error: the device sent it in good faith and must not resend it
/// forever.
pub fn record(tx: &Tx<'_>, actor: &AuthUser, opens: &[DocumentOpen]) -> AppResult<OpensPushResponse> {
    let mut answer = OpensPushResponse::default();
    let uid = actor.id();
    let received_at = OffsetDateTime::now_utc();
    for o in opens {
        let valid_time = OffsetDateTime::parse(&o.opened_at, &time::format_description::well_known::Rfc3339).is_ok();
        let meeting = store::opens::document_meeting(tx, &o.document_id)?;
        let Some(meeting) = meeting.filter(|m| {
            valid_time && o.sha256.len() == 64 && crate::store::meetings::may_see_meeting(tx, m, &uid).unwrap_or(false)
        }) else {
            answer.refused += 1;
            continue;
        };
        let open = store::opens::NewOpen {
            id: o.id,
            user_id: &uid,
            token_id: &actor.token_id,
            meeting_id: &meeting,
            document_id: &o.document_id,
            sha256: &o.sha256,
            version: store::opens::version_with(tx, &o.document_id, &o.sha256)?,
            opened_at: &o.opened_at,
            received_at,
        };
        if store::opens::insert(tx, &open)? {
            answer.recorded += 1;
        } else {
            answer.duplicates += 1;
        }
    }
    Ok(answer)
}

/// A meeting's opens, newest first, for its secretariat.
pub fn of_meeting(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Vec<OpenRecord>> {
    let mid = meeting_id.to_string();
    model::editable_meeting(tx, actor, &mid)?;
    Ok(store::opens::of_meeting(tx, &mid)?)
}

//! Which devices have which part of the feed: every `GET /changes?since=N` says the
//! device has applied everything up to N. The secretariat sees from it who has a
//! meeting on their laptop and up to date.

use crate::store::{self, Tx};
use meeting_protocol::{DeviceStatus, ParticipantDevices};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::model;

/// Remembers that the device behind `token_id` has applied the feed up to `seq`.
pub fn record(tx: &Tx<'_>, token_id: Uuid, user_id: &str, seq: i64) -> AppResult<()> {
    Ok(store::devices::record_position(tx, &token_id, user_id, seq, OffsetDateTime::now_utc())?)
}

/// Each participant's devices and whether each has every change of the meeting.
pub fn of_meeting(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Vec<ParticipantDevices>> {
    let mid = meeting_id.to_string();
    model::editable_meeting(tx, actor, &mid)?;
    let latest = store::meeting_head(tx, &mid)?;
    let mut out = Vec::new();
    for p in crate::store::meetings::participants_of(tx, &mid)? {
        let uid = p.user_id.to_string();
        let sees = crate::store::meetings::may_see_meeting(tx, &mid, &uid)?;
        let devices = store::devices::positions_of(tx, &uid)?
            .into_iter()
            .map(|(status, seq)| DeviceStatus { up_to_date: sees && seq >= latest, ..status })
            .collect();
        out.push(ParticipantDevices { participant: p, sees_meeting: sees, devices });
    }
    Ok(out)
}

//! Which devices have which part of the feed: every `GET /changes?since=N` says the
//! device has applied everything up to N. The secretariat sees from it who has a
//! meeting on their laptop and up to date.

use crate::store::Tx;
use crate::store::sql::params;
use meeting_protocol::{DeviceStatus, ParticipantDevices};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::model;

/// Remembers that the device behind `token_id` has applied the feed up to `seq`.
pub fn record(tx: &Tx<'_>, token_id: Uuid, user_id: &str, seq: i64) -> AppResult<()> {
    tx.execute(
        "INSERT INTO device_sync (token_id, user_id, seq, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (token_id) DO UPDATE SET seq = excluded.seq, at = excluded.at",
        params![token_id.to_string(), user_id, seq, model::fmt_ts(OffsetDateTime::now_utc())],
    )?;
    Ok(())
}

/// Each participant's devices and whether each has every change of the meeting.
pub fn of_meeting(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Vec<ParticipantDevices>> {
    let mid = meeting_id.to_string();
    model::editable_meeting(tx, actor, &mid)?;
    let latest: i64 =
        tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log WHERE meeting_id = ?1", [&mid], |r| r.get(0))?;
    let mut out = Vec::new();
    for p in model::participants_of(tx, &mid)? {
        let uid = p.user_id.to_string();
        let sees = model::may_see_meeting(tx, &mid, &uid)?;
        let devices = tx
            .query_map(
                "SELECT COALESCE(t.device_name, ''), d.seq, d.at FROM device_sync d JOIN tokens t ON t.id = d.token_id
                  WHERE d.user_id = ?1 AND t.revoked_at IS NULL ORDER BY d.at DESC",
                [&uid],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)),
            )?
            .into_iter()
            .map(|(name, seq, at)| DeviceStatus {
                device_name: name,
                last_sync_at: model::parse_ts(&at),
                up_to_date: sees && seq >= latest,
            })
            .collect();
        out.push(ParticipantDevices { participant: p, sees_meeting: sees, devices });
    }
    Ok(out)
}

//! The audit of opens: devices send the opens they recorded (offline too); the
//! secretariat reads them per meeting. See `meeting_protocol::opens`.

use crate::store::Tx;
use crate::store::sql::params;
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
    let (uid, token) = (actor.id(), actor.token_id.to_string());
    let received = model::fmt_ts(OffsetDateTime::now_utc());
    for o in opens {
        let valid_time = OffsetDateTime::parse(&o.opened_at, &time::format_description::well_known::Rfc3339).is_ok();
        let doc = o.document_id.to_string();
        let meeting: Option<String> =
            tx.query_opt("SELECT meeting_id FROM documents WHERE id = ?1", [&doc], |r| r.get(0))?;
        let Some(meeting) = meeting
            .filter(|m| valid_time && o.sha256.len() == 64 && model::may_see_meeting(tx, m, &uid).unwrap_or(false))
        else {
            answer.refused += 1;
            continue;
        };
        let version: Option<u32> = tx
            .query_opt(
                "SELECT MAX(version) FROM document_versions WHERE document_id = ?1 AND sha256 = ?2",
                [&doc, &o.sha256],
                |r| r.get(0),
            )?
            .flatten();
        let n = tx.execute(
            "INSERT INTO document_opens
                (id, user_id, token_id, meeting_id, document_id, sha256, version, opened_at, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
            params![o.id.to_string(), uid, token, meeting, doc, o.sha256, version, o.opened_at, received],
        )?;
        if n == 1 {
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
    let uuid = |s: String| Uuid::parse_str(&s).unwrap_or_default();
    let rows = tx.query_map(
        "SELECT o.id, o.user_id, COALESCE(u.display_name, ''), t.device_name, o.document_id,
                COALESCE(d.title, ''), o.version, o.opened_at
           FROM document_opens o
           LEFT JOIN users u ON u.id = o.user_id
           LEFT JOIN tokens t ON t.id = o.token_id
           LEFT JOIN documents d ON d.id = o.document_id
          WHERE o.meeting_id = ?1
          ORDER BY o.opened_at DESC, o.id DESC",
        [&mid],
        |r| {
            Ok(OpenRecord {
                id: uuid(r.get(0)?),
                user_id: uuid(r.get(1)?),
                display_name: r.get(2)?,
                device_name: r.get(3)?,
                document_id: uuid(r.get(4)?),
                document_title: r.get(5)?,
                version: r.get(6)?,
                opened_at: r.get(7)?,
            })
        },
    )?;
    Ok(rows)
}

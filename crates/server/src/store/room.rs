//! The room's rows: the meeting's live state (`meeting_live`: current item, quorum
//! setting, who presents which page) and attendance (`attendance`, in order of arrival).
//! The rules are in [`crate::core::room`].

use meeting_protocol::{Attendance, AttendanceStatus, LiveState, Presentation};
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use super::sql::{Row, Tx, params};

/// The meeting's live state as stored; `None` until someone first runs its room.
pub fn live_state(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Option<LiveState>> {
    tx.query_opt(
        "SELECT l.current_item_id, l.quorum_percent, l.presenter_id, COALESCE(u.display_name, ''), l.document_id,
                l.page_index, l.presented_at, l.updated_at, l.meeting_id
           FROM meeting_live l LEFT JOIN users u ON u.id = l.presenter_id WHERE l.meeting_id = ?1",
        [meeting_id],
        |r| {
            let presenter: Option<Uuid> = r.get(2)?;
            let document: Option<Uuid> = r.get(4)?;
            let (page, at): (Option<u32>, Option<OffsetDateTime>) = (r.get(5)?, r.get(6)?);
            let presentation = match (presenter, document, page, at) {
                (Some(presenter_id), Some(document_id), Some(page_index), Some(at)) => {
                    Some(Presentation { presenter_id, presenter_name: r.get(3)?, document_id, page_index, at })
                }
                _ => None,
            };
            Ok(LiveState {
                meeting_id: r.get(8)?,
                current_item_id: r.get(0)?,
                quorum_percent: r.get(1)?,
                presentation,
                updated_at: r.get(7)?,
            })
        },
    )
}

/// Whether the meeting's room has been run (it has a live state row).
pub fn has_live_state(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<bool> {
    tx.query_row("SELECT EXISTS (SELECT 1 FROM meeting_live WHERE meeting_id = ?1)", [meeting_id], |r| r.get(0))
}

/// One change to a meeting's live state.
pub enum LiveChange<'a> {
    /// The item under discussion (or none).
    CurrentItem(Option<Uuid>),
    /// The share of voting members that makes a quorum.
    Quorum(u32),
    /// Someone shows a page of a document.
    Present {
        /// Who.
        presenter: &'a str,
        /// Which document.
        document: &'a Uuid,
        /// Which page (0-based).
        page_index: u32,
    },
    /// Nobody presents.
    StopPresenting,
}

/// Applies `change` at `at`, creating the meeting's row first if needed.
pub fn change_live(tx: &Tx<'_>, meeting_id: &str, change: &LiveChange<'_>, at: OffsetDateTime) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO meeting_live (meeting_id, updated_at) VALUES (?1, ?2) ON CONFLICT (meeting_id) DO NOTHING",
        params![meeting_id, at],
    )?;
    match change {
        LiveChange::CurrentItem(item) => tx.execute(
            "UPDATE meeting_live SET current_item_id = ?2, updated_at = ?3 WHERE meeting_id = ?1",
            params![meeting_id, item, at],
        ),
        LiveChange::Quorum(percent) => tx.execute(
            "UPDATE meeting_live SET quorum_percent = ?2, updated_at = ?3 WHERE meeting_id = ?1",
            params![meeting_id, percent, at],
        ),
        LiveChange::Present { presenter, document, page_index } => tx.execute(
            "UPDATE meeting_live SET presenter_id = ?2, document_id = ?3, page_index = ?4, presented_at = ?5,
                    updated_at = ?5
              WHERE meeting_id = ?1",
            params![meeting_id, presenter, document, page_index, at],
        ),
        LiveChange::StopPresenting => tx.execute(
            "UPDATE meeting_live SET presenter_id = NULL, document_id = NULL, page_index = NULL, presented_at = NULL,
                    updated_at = ?2
              WHERE meeting_id = ?1",
            params![meeting_id, at],
        ),
    }?;
    Ok(())
}

const ATTENDANCE_SELECT: &str =
    "SELECT a.meeting_id, a.user_id, u.display_name, a.status, a.reason, a.ord, a.by_user, a.at
    FROM attendance a JOIN users u ON u.id = a.user_id
    JOIN participants p ON p.meeting_id = a.meeting_id AND p.user_id = a.user_id";

fn attendance_row(r: &Row<'_>) -> StoreResult<Attendance> {
    Ok(Attendance {
        meeting_id: r.get(0)?,
        user_id: r.get(1)?,
        display_name: r.get(2)?,
        status: r.get_parsed(3, "an attendance", AttendanceStatus::parse)?,
        reason: r.get(4)?,
        order: r.get(5)?,
        by: r.get(6)?,
        at: r.get(7)?,
    })
}

/// One participant's attendance, if recorded (and they still take part).
pub fn attendance(tx: &Tx<'_>, meeting_id: &str, user_id: &str) -> StoreResult<Option<Attendance>> {
    tx.query_opt(
        &format!("{ATTENDANCE_SELECT} WHERE a.meeting_id = ?1 AND a.user_id = ?2"),
        [meeting_id, user_id],
        attendance_row,
    )
}

/// The meeting's attendance in order of arrival.
pub fn attendance_of(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<Attendance>> {
    tx.query_map(&format!("{ATTENDANCE_SELECT} WHERE a.meeting_id = ?1 ORDER BY a.ord"), [meeting_id], attendance_row)
}

/// Records a participant's attendance; a first record goes after every other of the
/// meeting (the order of arrival).
pub fn set_attendance(
    tx: &Tx<'_>,
    meeting_id: &str,
    user_id: &str,
    status: AttendanceStatus,
    reason: &str,
    by: &str,
    at: OffsetDateTime,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO attendance (meeting_id, user_id, status, reason, ord, by_user, at)
         VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(ord), 0) + 1 FROM attendance WHERE meeting_id = ?1), ?5, ?6)
         ON CONFLICT (meeting_id, user_id) DO UPDATE
            SET status = excluded.status, reason = excluded.reason, by_user = excluded.by_user, at = excluded.at",
        params![meeting_id, user_id, status.as_str(), reason, by, at],
    )?;
    Ok(())
}

/// Voting members (chair and members) and, of them, those present or online.
pub fn quorum_counts(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<(u32, u32)> {
    tx.query_row(
        "SELECT COUNT(*), COUNT(a.user_id) FROM participants p
           LEFT JOIN attendance a ON a.meeting_id = p.meeting_id AND a.user_id = p.user_id
                                 AND a.status IN ('present', 'online')
          WHERE p.meeting_id = ?1 AND p.role IN ('chair', 'member')",
        [meeting_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

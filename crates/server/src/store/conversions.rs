//! Office files on their way to a PDF (`conversions`): one row per upload, its state,
//! and the claim of the instance converting it (`claimed_by`, `lease_until`, renewed
//! while it works). The rules are in [`crate::core::conversions`].

use meeting_protocol::{ApiError, Conversion, ConversionState, ErrorCode};
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use super::sql::{Row, Tx, params};

const COLS: &str = "id, meeting_id, document_id, replaces, agenda_item_id, title, filename, original_size, state,
                    error_code, error_message, created_at";

fn row(r: &Row<'_>) -> StoreResult<Conversion> {
    let code: Option<String> = r.get(9)?;
    let message: Option<String> = r.get(10)?;
    Ok(Conversion {
        id: r.get(0)?,
        meeting_id: r.get(1)?,
        document_id: r.get(2)?,
        replaces: r.get(3)?,
        agenda_item_id: r.get(4)?,
        title: r.get(5)?,
        filename: r.get(6)?,
        size: r.get(7)?,
        state: r.get_parsed(8, "a conversion's state", ConversionState::parse)?,
        // A code this version does not know reads as `unknown` (the enum's catch-all).
        error: code.map(|c| ApiError {
            code: serde_json::from_value(serde_json::Value::String(c)).unwrap_or(ErrorCode::Unknown),
            message: message.unwrap_or_default(),
        }),
        created_at: r.get(11)?,
    })
}

/// One conversion.
pub fn get(tx: &Tx<'_>, id: &Uuid) -> StoreResult<Option<Conversion>> {
    tx.query_opt(&format!("SELECT {COLS} FROM conversions WHERE id = ?1"), [id], row)
}

/// A meeting's conversions, newest first.
pub fn of_meeting(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<Conversion>> {
    tx.query_map(
        &format!("SELECT {COLS} FROM conversions WHERE meeting_id = ?1 ORDER BY created_at DESC, id DESC"),
        [meeting_id],
        row,
    )
}

/// An office file as it is queued.
pub struct NewConversion<'a> {
    /// Its id.
    pub id: Uuid,
    /// The meeting.
    pub meeting_id: &'a str,
    /// The document it becomes a new version of, if it does.
    pub document_id: Option<Uuid>,
    /// Its agenda item.
    pub agenda_item_id: Option<Uuid>,
    /// The document's title.
    pub title: &'a str,
    /// Confidential ("mật").
    pub confidential: bool,
    /// The file's name as uploaded.
    pub filename: &'a str,
    /// The office file's blob.
    pub original_sha256: &'a str,
    /// Its size.
    pub original_size: u64,
    /// Who uploaded it.
    pub created_by: &'a str,
    /// When.
    pub created_at: OffsetDateTime,
}

/// Queues an office file.
pub fn insert(tx: &Tx<'_>, c: &NewConversion<'_>) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO conversions (id, meeting_id, document_id, replaces, agenda_item_id, title, confidential,
                                  filename, original_sha256, original_size, state, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'queued', ?11, ?12)",
        params![
            c.id,
            c.meeting_id,
            c.document_id,
            c.document_id.is_some(),
            c.agenda_item_id,
            c.title,
            c.confidential,
            c.filename,
            c.original_sha256,
            c.original_size,
            c.created_by,
            c.created_at
        ],
    )?;
    Ok(())
}

/// What converting needs beyond the conversion itself: (confidential, the original's
/// blob, who uploaded it).
pub fn work(tx: &Tx<'_>, id: &Uuid) -> StoreResult<(bool, String, String)> {
    tx.query_row("SELECT confidential, original_sha256, created_by FROM conversions WHERE id = ?1", [id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
}

/// Takes a queued conversion, or one whose claim ran out before `now`, for `instance`
/// until `until`: whether it did (writers are serialised, so one of several asking wins).
pub fn claim(tx: &Tx<'_>, id: &Uuid, instance: &str, until: OffsetDateTime, now: OffsetDateTime) -> StoreResult<bool> {
    let n = tx.execute(
        "UPDATE conversions SET state = 'converting', claimed_by = ?2, lease_until = ?3
          WHERE id = ?1 AND (state = 'queued' OR (state = 'converting' AND lease_until < ?4))",
        params![id, instance, until, now],
    )?;
    Ok(n == 1)
}

/// Extends `instance`'s claim while it still converts.
pub fn renew(tx: &Tx<'_>, id: &Uuid, instance: &str, until: OffsetDateTime) -> StoreResult<()> {
    tx.execute(
        "UPDATE conversions SET lease_until = ?3 WHERE id = ?1 AND claimed_by = ?2 AND state = 'converting'",
        params![id, instance, until],
    )?;
    Ok(())
}

/// Ends `instance`'s claim.
pub fn release(tx: &Tx<'_>, id: &Uuid, instance: &str) -> StoreResult<()> {
    tx.execute("UPDATE conversions SET lease_until = NULL WHERE id = ?1 AND claimed_by = ?2", params![id, instance])?;
    Ok(())
}

/// Records where a conversion is: its document once ready, or its error (code and
/// message); `finished_at` once it is final.
pub fn set_state(
    tx: &Tx<'_>,
    id: &Uuid,
    state: ConversionState,
    document: Option<Uuid>,
    error: Option<(&str, &str)>,
    finished_at: Option<OffsetDateTime>,
) -> StoreResult<()> {
    tx.execute(
        "UPDATE conversions SET state = ?2, document_id = COALESCE(?3, document_id), error_code = ?4,
                error_message = ?5, finished_at = ?6 WHERE id = ?1",
        params![id, state.as_str(), document, error.map(|e| e.0), error.map(|e| e.1), finished_at],
    )?;
    Ok(())
}

/// Puts every claimed conversion back in the queue (one instance starting: every claim
/// is a past life's).
pub fn requeue_claimed(tx: &Tx<'_>) -> StoreResult<()> {
    tx.execute("UPDATE conversions SET state = 'queued' WHERE state = 'converting'", ())?;
    Ok(())
}

/// Conversions nobody is converting at `now`: queued ones, and claimed ones past their
/// lease — or every claimed one (`every_claim`). Oldest first.
pub fn orphaned(tx: &Tx<'_>, every_claim: bool, now: OffsetDateTime) -> StoreResult<Vec<Uuid>> {
    tx.query_map(
        "SELECT id FROM conversions
          WHERE state = 'queued'
             OR (state = 'converting' AND (?2 = 1 OR lease_until IS NULL OR lease_until < ?1))
          ORDER BY created_at",
        params![now, every_claim],
        |r| r.get(0),
    )
}

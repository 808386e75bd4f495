//! The change feed (`change_log` and its counter): appending the rows of a write
//! transaction in order, and reading the rows a reader may see. What the rows mean, and
//! how a page resolves them into entities, is [`crate::feed`]'s.

use std::sync::Arc;

use super::sql::{Tx, Value, params};
use super::{Error, StoreResult};

/// SQL: the feed's scopes that are not meetings, read by the user bound to `$uid`: tasks
/// travel in `tasks` (every task, for the office's leaders and staff) and `unit:ID` (a
/// unit's tasks, for those acting for it), in `change_log.meeting_id`. See
/// [`crate::core::tasks`].
macro_rules! task_scopes_sql {
    ($uid:literal) => {
        concat!(
            "SELECT 'tasks' FROM users WHERE id = ",
            $uid,
            " AND role IN ('leader', 'secretary', 'admin') UNION ALL SELECT 'unit:' || unit_id FROM users WHERE id = ",
            $uid,
            " AND unit_id IS NOT NULL"
        )
    };
}

/// The rows of `change_log` after `?1` that reader `?2` may see (SQL, for `concat!`):
/// the one definition the feed's pages and the live channel's wake-ups share. A purge
/// addressed to the reader always passes (the meeting may be gone, or no longer theirs);
/// everything else only for a meeting they may see *now* (so no row of a draft reaches a
/// leader whatever audience it was written for), or a task scope they read now.
macro_rules! visible_rows {
    () => {
        concat!(
            "seq > ?1 AND ((kind = 'purge' AND audience = ?2)
                 OR (kind <> 'purge' AND (audience IS NULL OR audience = ?2) AND (meeting_id IN (",
            crate::store::meetings::visible_meetings_sql!("?2"),
            ") OR meeting_id IN (",
            task_scopes_sql!("?2"),
            "))))"
        )
    };
}

/// The task scopes `user_id` reads (see `task_scopes_sql!`).
pub fn task_scopes_of(tx: &Tx<'_>, user_id: &str) -> StoreResult<Vec<String>> {
    tx.query_map(task_scopes_sql!("?1"), [user_id], |r| r.get(0))
}

/// The latest row after `since` that `user_id` may see, if any.
pub fn latest_visible(tx: &Tx<'_>, since: i64, user_id: &str) -> StoreResult<Option<i64>> {
    tx.query_row(concat!("SELECT MAX(seq) FROM change_log WHERE ", visible_rows!()), params![since, user_id], |r| {
        r.get(0)
    })
}

/// One row of the feed: (seq, meeting, kind, entity).
pub type FeedRow = (i64, String, String, String);

/// The first `limit` rows after `since` that `user_id` may see, in order.
pub fn visible_after(tx: &Tx<'_>, since: i64, user_id: &str, limit: i64) -> StoreResult<Vec<FeedRow>> {
    tx.query_map(
        concat!(
            "SELECT seq, meeting_id, kind, entity_id FROM change_log WHERE ",
            visible_rows!(),
            " ORDER BY seq LIMIT ?3"
        ),
        params![since, user_id, limit],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
}

/// What one committed write appended to the feed: enough for a live connection to tell,
/// without a query, whether its reader may be concerned (see `api::live`).
#[derive(Debug)]
pub struct Commit {
    /// The feed's head after it.
    pub head: i64,
    /// Its feed rows: (meeting, kind, audience; `None` for every participant). `None`
    /// when they are not known (too many to tell another instance, or commits missed
    /// while its listener reconnected): every reader then asks the feed.
    pub rows: Option<Vec<(String, String, Option<String>)>>,
}

/// The commits of this process, for [`super::Db::committed`].
pub(crate) type Commits = Arc<tokio::sync::broadcast::Sender<Arc<Commit>>>;

/// The feed rows one write transaction appends, numbered here rather than by a statement
/// per row: the writer holds the change counter (see [`crate::store`]) from the start, so
/// it knows the head it started from, and writes the counter's new value once, before it
/// commits. A ballot appends three rows; a participant added to a meeting, hundreds.
#[derive(Debug, Default)]
pub(crate) struct Appended {
    /// The counter when the write began, raised by each row; `None` outside a write.
    head: Option<i64>,
    /// Each row's (meeting, kind, audience), for [`Commit::rows`].
    rows: Vec<(String, String, Option<String>)>,
    /// The feed was written wholesale by other means (an office moved in, see `copy`).
    rewritten: bool,
}

/// Appends one row to the change feed per audience (`None`: every participant of the
/// meeting), in one statement, and returns the last row's sequence number. Only inside a
/// write transaction: the numbers are then unique and commit in order.
pub fn append(
    tx: &Tx<'_>,
    meeting_id: &str,
    kind: &str,
    entity_id: &str,
    audiences: &[Option<&str>],
    created_at: i64,
) -> StoreResult<i64> {
    let Some(mut seq) = tx.appended().head else {
        return Err(Error::Schema("the change feed is appended to only inside a write transaction".to_owned()));
    };
    let mut values = Vec::with_capacity(audiences.len() * 6);
    let mut marks = Vec::with_capacity(audiences.len());
    for (i, audience) in audiences.iter().enumerate() {
        seq += 1;
        let n = i * 6;
        marks.push(format!("(?{}, ?{}, ?{}, ?{}, ?{}, ?{})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6));
        values.extend([
            Value::Int(seq),
            Value::Text(meeting_id.to_owned()),
            Value::Text(kind.to_owned()),
            Value::Text(entity_id.to_owned()),
            audience.map_or(Value::Null, |a| Value::Text(a.to_owned())),
            Value::Int(created_at),
        ]);
    }
    if marks.is_empty() {
        return Ok(seq);
    }
    // One statement text per number of rows (PostgreSQL prepares each once per
    // connection): callers append one to a few rows at a time.
    let sql = format!(
        "INSERT INTO change_log (seq, meeting_id, kind, entity_id, audience, created_at) VALUES {}",
        marks.join(", ")
    );
    tx.execute(&sql, values)?;
    let mut appended = tx.appended();
    appended.head = Some(seq);
    appended.rows.extend(audiences.iter().map(|a| (meeting_id.to_owned(), kind.to_owned(), a.map(str::to_owned))));
    Ok(seq)
}

/// Says that `tx` rewrote the feed and its counter by other means than [`append`] (the
/// copy of a whole office): its commit is published as "rows unknown", with the head
/// read back from the counter.
pub(crate) fn feed_rewritten(tx: &Tx<'_>) {
    tx.appended().rewritten = true;
}

/// Starts numbering the feed rows of a write transaction from `head`.
pub(in crate::store) fn begin_appending(tx: &Tx<'_>, head: i64) {
    tx.appended().head = Some(head);
}

/// Ends a write: stores the counter's new value and says what the write appended (`None`
/// when nothing).
pub(in crate::store) fn finish_appending(tx: &Tx<'_>, before: i64, bulk: usize) -> StoreResult<Option<Commit>> {
    let Appended { head, rows, rewritten } = std::mem::take(&mut *tx.appended());
    if rewritten {
        return Ok(Some(Commit { head: head_seq(tx)?, rows: None }));
    }
    let head = head.unwrap_or(before);
    if rows.is_empty() {
        return Ok(None);
    }
    tx.execute("UPDATE counters SET value = ?1 WHERE name = 'change_seq'", [head])?;
    // A bulk write: listeners are told to ask the feed rather than handed every row.
    let rows = (rows.len() <= bulk).then_some(rows);
    Ok(Some(Commit { head, rows }))
}

/// The latest change of a meeting in the feed (0 before any).
pub fn meeting_head(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<i64> {
    tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log WHERE meeting_id = ?1", [meeting_id], |r| r.get(0))
}

/// Current head of the change counter.
pub fn head_seq(tx: &Tx<'_>) -> StoreResult<i64> {
    tx.query_row("SELECT value FROM counters WHERE name = 'change_seq'", (), |r| r.get(0))
}

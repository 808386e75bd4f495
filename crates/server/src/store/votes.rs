//! Votes' rows: the vote (`votes`), who may vote in it and who has (`vote_voters`; a
//! named vote's choice beside its voter) and a secret vote's per-choice counters
//! (`vote_tallies`, raised in the transaction that marks that a member voted; the
//! database refuses a choice next to a secret vote's voter). The rules are in
//! [`crate::core::votes`].

use meeting_protocol::{NamedBallot, Vote, VoteStatus, VoteThreshold};
use time::OffsetDateTime;
use uuid::Uuid;

use super::sql::{Row, ToValue as _, Tx, Value, params};
use super::{Error, StoreResult};

const COLS: &str = "id, meeting_id, agenda_item_id, question, choices, secret, threshold, status, opened_by,
    opened_at, closes_at, closed_at, result, void_reason";

fn decode(column: usize, message: String) -> Error {
    Error::Decode { column, message }
}

/// The vote's own row; its voters and result are left empty.
fn head_row(r: &Row<'_>) -> StoreResult<(Vote, Option<String>)> {
    let choices: String = r.get(4)?;
    Ok((
        Vote {
            id: r.get(0)?,
            meeting_id: r.get(1)?,
            agenda_item_id: r.get(2)?,
            question: r.get(3)?,
            choices: serde_json::from_str(&choices).map_err(|e| decode(4, format!("choices {choices:?}: {e}")))?,
            secret: r.get(5)?,
            threshold: r.get_parsed(6, "a threshold", VoteThreshold::parse)?,
            status: r.get_parsed(7, "a vote's state", VoteStatus::parse)?,
            opened_by: r.get(8)?,
            opened_at: r.get(9)?,
            closes_at: r.get(10)?,
            closed_at: r.get(11)?,
            eligible: Vec::new(),
            voted: Vec::new(),
            result: None,
            void_reason: r.get(13)?,
        },
        r.get(12)?,
    ))
}

/// Adds the voters (who may vote, who has) and the result to a vote's row.
fn complete(tx: &Tx<'_>, (mut v, result): (Vote, Option<String>)) -> StoreResult<Vote> {
    let rows: Vec<(Uuid, bool)> =
        tx.query_map("SELECT user_id, voted_at IS NOT NULL FROM vote_voters WHERE vote_id = ?1", [&v.id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    for (uid, voted) in rows {
        v.eligible.push(uid);
        if voted {
            v.voted.push(uid);
        }
    }
    v.result = match result {
        Some(json) => Some(serde_json::from_str(&json).map_err(|e| decode(12, format!("result: {e}")))?),
        None => None,
    };
    Ok(v)
}

/// One vote, whole.
pub fn get(tx: &Tx<'_>, id: &Uuid) -> StoreResult<Option<Vote>> {
    let row = tx.query_opt(&format!("SELECT {COLS} FROM votes WHERE id = ?1"), [id], head_row)?;
    row.map(|r| complete(tx, r)).transpose()
}

/// The vote's own row, without its voters or result (a ballot needs no more, and reading
/// 500 voters twice per ballot under the write lock was most of a large vote's time).
pub fn head(tx: &Tx<'_>, id: &Uuid) -> StoreResult<Option<Vote>> {
    Ok(tx.query_opt(&format!("SELECT {COLS} FROM votes WHERE id = ?1"), [id], head_row)?.map(|(v, _)| v))
}

/// The meeting's votes, newest first.
pub fn of_meeting(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<Vote>> {
    let rows = tx.query_map(
        &format!("SELECT {COLS} FROM votes WHERE meeting_id = ?1 ORDER BY opened_at DESC, id DESC"),
        [meeting_id],
        head_row,
    )?;
    rows.into_iter().map(|r| complete(tx, r)).collect()
}

/// Whether a vote of the meeting is open.
pub fn any_open(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<bool> {
    tx.query_row("SELECT EXISTS (SELECT 1 FROM votes WHERE meeting_id = ?1 AND status = 'open')", [meeting_id], |r| {
        r.get(0)
    })
}

/// The voting members (chair and members) present or online now, by id.
pub fn present_voting_members(tx: &Tx<'_>, meeting_id: &str) -> StoreResult<Vec<String>> {
    tx.query_map(
        "SELECT p.user_id FROM participants p
           JOIN attendance a ON a.meeting_id = p.meeting_id AND a.user_id = p.user_id
          WHERE p.meeting_id = ?1 AND p.role IN ('chair', 'member') AND a.status IN ('present', 'online')
          ORDER BY p.user_id",
        [meeting_id],
        |r| r.get(0),
    )
}

/// A vote as it opens.
pub struct NewVote<'a> {
    /// Its id.
    pub id: Uuid,
    /// The meeting.
    pub meeting_id: &'a str,
    /// The agenda item voted on.
    pub agenda_item_id: &'a str,
    /// The question.
    pub question: &'a str,
    /// The choices, in order.
    pub choices: &'a [String],
    /// A secret vote (counters only).
    pub secret: bool,
    /// What passes it.
    pub threshold: VoteThreshold,
    /// Who opened it.
    pub opened_by: &'a str,
    /// When.
    pub opened_at: OffsetDateTime,
    /// When it closes by itself, if it does.
    pub closes_at: Option<OffsetDateTime>,
    /// Who may vote.
    pub voters: &'a [String],
}

/// Stores an open vote, its voters and (secret) one counter per choice at zero.
pub fn insert(tx: &Tx<'_>, v: &NewVote<'_>) -> StoreResult<()> {
    let choices = serde_json::to_string(v.choices).map_err(|e| decode(4, e.to_string()))?;
    tx.execute(
        &format!("INSERT INTO votes ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8, ?9, ?10, NULL, NULL, '')"),
        params![
            v.id,
            v.meeting_id,
            v.agenda_item_id,
            v.question,
            choices,
            v.secret,
            v.threshold.as_str(),
            v.opened_by,
            v.opened_at,
            v.closes_at
        ],
    )?;
    for user in v.voters {
        tx.execute("INSERT INTO vote_voters (vote_id, user_id) VALUES (?1, ?2)", params![v.id, user])?;
    }
    if v.secret {
        for choice in 0..v.choices.len() {
            tx.execute("INSERT INTO vote_tallies (vote_id, choice) VALUES (?1, ?2)", params![v.id, choice])?;
        }
    }
    Ok(())
}

/// How many per-choice counters a secret vote has (none: opened by an older server that
/// counted in its memory).
pub fn counters(tx: &Tx<'_>, id: &Uuid) -> StoreResult<i64> {
    tx.query_row("SELECT count(*) FROM vote_tallies WHERE vote_id = ?1", [id], |r| r.get(0))
}

/// Marks, in one statement, those of `users` who had not voted in a secret vote as
/// having voted at `at` (never a choice); returns whom it marked.
pub fn mark_voted(tx: &Tx<'_>, id: &Uuid, users: &[&str], at: OffsetDateTime) -> StoreResult<Vec<String>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let marks = super::sql::placeholders(3, users.len());
    let mut values: Vec<Value> = vec![id.to_value(), at.to_value()];
    values.extend(users.iter().map(|u| Value::Text((*u).to_owned())));
    tx.query_map(
        &format!(
            "UPDATE vote_voters SET voted_at = ?2 WHERE vote_id = ?1 AND voted_at IS NULL \
             AND user_id IN ({marks}) RETURNING user_id"
        ),
        values,
        |r| r.get(0),
    )
}

/// Records a named vote's ballot, if the user had not voted: whether it did.
pub fn record_named(tx: &Tx<'_>, id: &Uuid, user: &str, choice: u32, at: OffsetDateTime) -> StoreResult<bool> {
    let n = tx.execute(
        "UPDATE vote_voters SET voted_at = ?3, choice = ?4 WHERE vote_id = ?1 AND user_id = ?2 AND voted_at IS NULL",
        params![id, user, at, choice],
    )?;
    Ok(n == 1)
}

/// Whether the user is among the vote's voters.
pub fn is_voter(tx: &Tx<'_>, id: &Uuid, user: &str) -> StoreResult<bool> {
    tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM vote_voters WHERE vote_id = ?1 AND user_id = ?2)",
        params![id, user],
        |r| r.get(0),
    )
}

/// Raises a secret vote's counter of `choice` by `n`.
pub fn raise_counter(tx: &Tx<'_>, id: &Uuid, choice: usize, n: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE vote_tallies SET ballots = ballots + ?3 WHERE vote_id = ?1 AND choice = ?2",
        params![id, choice, n],
    )?;
    Ok(())
}

/// A secret vote's counters: (choice, ballots), in order of choice.
pub fn counted(tx: &Tx<'_>, id: &Uuid) -> StoreResult<Vec<(usize, u32)>> {
    tx.query_map("SELECT choice, ballots FROM vote_tallies WHERE vote_id = ?1 ORDER BY choice", [id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
}

/// A named vote's ballots, by voter's name.
pub fn named_ballots(tx: &Tx<'_>, id: &Uuid) -> StoreResult<Vec<NamedBallot>> {
    tx.query_map(
        "SELECT b.user_id, COALESCE(u.display_name, ''), b.choice FROM vote_voters b LEFT JOIN users u ON u.id = b.user_id
          WHERE b.vote_id = ?1 AND b.choice IS NOT NULL ORDER BY u.display_name, b.user_id",
        [id],
        |r| Ok(NamedBallot { user_id: r.get(0)?, display_name: r.get(1)?, choice: r.get(2)? }),
    )
}

/// How a vote ends, as stored.
pub enum End<'a> {
    /// Counted, with its result (JSON).
    Closed(&'a str),
    /// Not countable, with the reason shown.
    Void(&'a str),
}

/// Ends an open vote at `at`.
pub fn end(tx: &Tx<'_>, id: &Uuid, how: End<'_>, at: OffsetDateTime) -> StoreResult<()> {
    match how {
        End::Void(reason) => tx.execute(
            "UPDATE votes SET status = 'void', closed_at = ?2, void_reason = ?3 WHERE id = ?1",
            params![id, at, reason],
        )?,
        End::Closed(result) => tx.execute(
            "UPDATE votes SET status = 'closed', closed_at = ?2, result = ?3 WHERE id = ?1",
            params![id, at, result],
        )?,
    };
    Ok(())
}

/// Open secret votes with no counters (see [`counters`]).
pub fn open_without_counters(tx: &Tx<'_>) -> StoreResult<Vec<Uuid>> {
    tx.query_map(
        "SELECT id FROM votes v WHERE status = 'open' AND secret = 1
            AND NOT EXISTS (SELECT 1 FROM vote_tallies t WHERE t.vote_id = v.id)",
        (),
        |r| r.get(0),
    )
}

/// Open votes with a time limit, and when each closes.
pub fn timed_open(tx: &Tx<'_>) -> StoreResult<Vec<(Uuid, OffsetDateTime)>> {
    tx.query_map("SELECT id, closes_at FROM votes WHERE status = 'open' AND closes_at IS NOT NULL", (), |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
}

//! Votes (biểu quyết), in the database: opening, recording who voted, closing with the
//! result. A secret ballot's choice only raises that choice's counter (`vote_tallies`),
//! in the transaction that marks that the member voted; no row links the two, and the
//! database refuses a choice next to a secret vote's voter (triggers on `vote_voters`).
//!
//! Who may vote is fixed when the vote opens: the voting members (chair and members)
//! present or online then. Their list, and who of them has voted, is public to every
//! participant; what a voter chose is public only for a named vote, and only at the close.

use crate::store::sql::params;
use crate::store::{Row, Tx, Value};
use meeting_protocol::{DEFAULT_CHOICES, NamedBallot, Vote, VoteInput, VoteResult, VoteStatus, VoteThreshold};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, snapshot};
use super::meetings::text;
use super::room::{live_meeting, now, presiding, require_presiding, subject, uuid_of};
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::{feed, model};

const VOTE_COLS: &str = "id, meeting_id, agenda_item_id, question, choices, secret, threshold, status, opened_by,
    opened_at, closes_at, closed_at, result, void_reason";

fn vote_row(r: &Row<'_>) -> crate::store::StoreResult<(Vote, Option<String>)> {
    let ts = |i: usize| -> crate::store::StoreResult<Option<OffsetDateTime>> {
        Ok(r.get::<_, Option<String>>(i)?.as_deref().map(model::parse_ts))
    };
    let choices: String = r.get(4)?;
    Ok((
        Vote {
            id: uuid_of(&r.get::<_, String>(0)?),
            meeting_id: uuid_of(&r.get::<_, String>(1)?),
            agenda_item_id: uuid_of(&r.get::<_, String>(2)?),
            question: r.get(3)?,
            choices: serde_json::from_str(&choices).unwrap_or_default(),
            secret: r.get(5)?,
            threshold: VoteThreshold::parse(&r.get::<_, String>(6)?).unwrap_or_default(),
            status: VoteStatus::parse(&r.get::<_, String>(7)?).unwrap_or(VoteStatus::Void),
            opened_by: uuid_of(&r.get::<_, String>(8)?),
            opened_at: model::parse_ts(&r.get::<_, String>(9)?),
            closes_at: ts(10)?,
            closed_at: ts(11)?,
            eligible: Vec::new(),
            voted: Vec::new(),
            result: None,
            void_reason: r.get(13)?,
        },
        r.get(12)?,
    ))
}

fn complete(tx: &Tx<'_>, (mut v, result): (Vote, Option<String>)) -> AppResult<Vote> {
    let id = v.id.to_string();
    for row in tx.query_map("SELECT user_id, voted_at IS NOT NULL FROM vote_voters WHERE vote_id = ?1", [&id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
    })? {
        let (uid, voted) = row;
        v.eligible.push(uuid_of(&uid));
        if voted {
            v.voted.push(uuid_of(&uid));
        }
    }
    v.result = match result {
        Some(json) => {
            Some(serde_json::from_str(&json).map_err(|e| AppError::Stored(format!("vote {id} result: {e}")))?)
        }
        None => None,
    };
    Ok(v)
}

/// One vote.
pub fn vote(tx: &Tx<'_>, id: &str) -> AppResult<Option<Vote>> {
    let row = tx.query_opt(&format!("SELECT {VOTE_COLS} FROM votes WHERE id = ?1"), [id], vote_row)?;
    row.map(|r| complete(tx, r)).transpose()
}

/// The vote's own row, without its voters or result (a ballot needs no more, and reading
/// 500 voters twice per ballot under the write lock was most of a large vote's time).
fn vote_head(tx: &Tx<'_>, id: &str) -> AppResult<Option<Vote>> {
    Ok(tx.query_opt(&format!("SELECT {VOTE_COLS} FROM votes WHERE id = ?1"), [id], vote_row)?.map(|(v, _)| v))
}

/// The meeting's votes, newest first.
pub fn votes_of(tx: &Tx<'_>, mid: &str) -> AppResult<Vec<Vote>> {
    let rows: Vec<(Vote, Option<String>)> = {
        tx.query_map(
            &format!("SELECT {VOTE_COLS} FROM votes WHERE meeting_id = ?1 ORDER BY opened_at DESC, id DESC"),
            [mid],
            vote_row,
        )?
    };
    rows.into_iter().map(|r| complete(tx, r)).collect()
}

/// A vote the caller may see (404 otherwise, as for its meeting).
pub fn visible_vote(tx: &Tx<'_>, actor: &AuthUser, vote_id: Uuid) -> AppResult<Vote> {
    let v = vote(tx, &vote_id.to_string())?.ok_or_else(|| AppError::not_found("vote"))?;
    if !model::may_see_meeting(tx, &v.meeting_id.to_string(), &actor.id())? {
        return Err(AppError::not_found("vote"));
    }
    Ok(v)
}

fn choices(input: Option<&[String]>) -> AppResult<Vec<String>> {
    let Some(given) = input else { return Ok(DEFAULT_CHOICES.iter().map(|c| (*c).to_owned()).collect()) };
    if !(2..=10).contains(&given.len()) {
        return Err(AppError::bad_request("a vote has between 2 and 10 choices"));
    }
    let mut out: Vec<String> = Vec::with_capacity(given.len());
    for c in given {
        let c = text("choice", c, 100, true)?;
        if out.iter().any(|o| o.to_lowercase() == c.to_lowercase()) {
            return Err(AppError::bad_request(format!("the choice \"{c}\" is given twice")));
        }
        out.push(c);
    }
    Ok(out)
}

/// Opens a vote on an agenda item: whoever presides, one open vote per meeting at a time,
/// and only when some voting member is there to vote.
pub fn open(tx: &Tx<'_>, actor: &AuthUser, item_id: Uuid, input: &VoteInput) -> AppResult<Vote> {
    let item = item_id.to_string();
    let mid = model::agenda_meeting(tx, &item)?.ok_or_else(|| AppError::not_found("agenda item"))?;
    model::visible_meeting(tx, actor, &mid).map_err(|e| e.renamed_not_found("agenda item"))?;
    require_presiding(tx, actor, &mid)?;
    let question = text("question", &input.question, 500, true)?;
    let choices = choices(input.choices.as_deref())?;
    if let Some(d) = input.duration_seconds
        && !(10..=86_400).contains(&d)
    {
        return Err(AppError::bad_request("a vote's duration is between 10 seconds and one day"));
    }
    let already: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM votes WHERE meeting_id = ?1 AND status = 'open')", [&mid], |r| {
            r.get(0)
        })?;
    if already {
        return Err(AppError::conflict("a vote is already open in this meeting: close it first"));
    }
    let voters: Vec<String> = {
        tx.query_map(
            "SELECT p.user_id FROM participants p
               JOIN attendance a ON a.meeting_id = p.meeting_id AND a.user_id = p.user_id
              WHERE p.meeting_id = ?1 AND p.role IN ('chair', 'member') AND a.status IN ('present', 'online')
              ORDER BY p.user_id",
            [&mid],
            |r| r.get(0),
        )?
    };
    if voters.is_empty() {
        return Err(AppError::unprocessable("no voting member is present: record attendance before voting"));
    }
    let id = Uuid::now_v7().to_string();
    let opened = OffsetDateTime::now_utc();
    let closes = input.duration_seconds.map(|d| model::fmt_ts(opened + time::Duration::seconds(i64::from(d))));
    let choices_json = serde_json::to_string(&choices).map_err(|e| AppError::Stored(e.to_string()))?;
    tx.execute(
        &format!(
            "INSERT INTO votes ({VOTE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8, ?9, ?10, NULL, NULL, '')"
        ),
        params![
            id,
            mid,
            item,
            question,
            choices_json,
            input.secret,
            input.threshold.as_str(),
            actor.id(),
            model::fmt_ts(opened),
            closes
        ],
    )?;
    for v in &voters {
        tx.execute("INSERT INTO vote_voters (vote_id, user_id) VALUES (?1, ?2)", [&id, v])?;
    }
    if input.secret {
        for choice in 0..choices.len() {
            tx.execute("INSERT INTO vote_tallies (vote_id, choice) VALUES (?1, ?2)", params![id, choice])?;
        }
    }
    feed::record(tx, &mid, "vote", &id, None)?;
    let v = vote(tx, &id)?.ok_or_else(|| AppError::Stored(format!("vote {id} vanished")))?;
    audit::record(tx, actor, "vote.open", &subject(&mid, "vote", &id), None, snapshot(&v))?;
    Ok(v)
}

/// One member's ballot, as it arrived.
#[derive(Clone)]
pub struct Ballot {
    /// Who casts it.
    pub actor: AuthUser,
    /// In which vote.
    pub vote_id: Uuid,
    /// The index of the choice.
    pub choice: u32,
}

/// Casts ballots that arrived together, in one transaction (see `ballot_box`): each gets
/// its own answer, in order — once, final, only while the vote is open and only by an
/// eligible voter. The choice is stored with the voter for a named vote; for a secret
/// one it only raises its choice's counter, in this same transaction, and no row holds
/// the voter next to the choice. A refused ballot changes nothing and does not hold up the
/// others: every check is made before anything is written. Per vote the statements are
/// set-wise — who may see the meeting, who had not voted yet (marked in one `UPDATE`),
/// one counter raise per choice, one feed statement — so a batch of fifty costs about
/// what one ballot did; the writers' turn is the bottleneck of a large vote.
pub fn cast_all(tx: &Tx<'_>, ballots: &[Ballot]) -> AppResult<Vec<AppResult<Vote>>> {
    let mut answers: Vec<Option<AppResult<Vote>>> = ballots.iter().map(|_| None).collect();
    let mut votes: Vec<Uuid> = ballots.iter().map(|b| b.vote_id).collect();
    votes.sort();
    votes.dedup();
    for vote_id in votes {
        let mine: Vec<usize> = (0..ballots.len()).filter(|&i| ballots[i].vote_id == vote_id).collect();
        for (i, answer) in cast_in_vote(tx, vote_id, ballots, &mine)? {
            answers[i] = Some(answer);
        }
    }
    Ok(answers.into_iter().map(|a| a.unwrap_or_else(|| Err(AppError::not_found("vote")))).collect())
}

/// The ballots `mine` (indices into `ballots`) of one vote: (index, answer) for each.
fn cast_in_vote(
    tx: &Tx<'_>,
    vote_id: Uuid,
    ballots: &[Ballot],
    mine: &[usize],
) -> AppResult<Vec<(usize, AppResult<Vote>)>> {
    let Some(v) = vote_head(tx, &vote_id.to_string())? else {
        return Ok(mine.iter().map(|&i| (i, Err(AppError::not_found("vote")))).collect());
    };
    let (id, mid) = (v.id.to_string(), v.meeting_id.to_string());
    let voters: Vec<String> = mine.iter().map(|&i| ballots[i].actor.id()).collect();
    let seeing = users_seeing(tx, &mid, &voters)?;
    // A secret vote opened before its count was kept in the database (see
    // `void_uncountable`) takes no ballot it could not count.
    let countable = !v.secret || {
        let n: i64 = tx.query_row("SELECT count(*) FROM vote_tallies WHERE vote_id = ?1", [&id], |r| r.get(0))?;
        n == v.choices.len() as i64
    };
    let mut out = Vec::with_capacity(mine.len());
    let mut candidates: Vec<(usize, &str, u32)> = Vec::new();
    for (&i, uid) in mine.iter().zip(&voters) {
        let choice = ballots[i].choice;
        let refused = if !seeing.contains(uid) {
            Some(AppError::not_found("vote"))
        } else if v.status != VoteStatus::Open || !countable {
            Some(AppError::vote_closed())
        } else if choice as usize >= v.choices.len() {
            Some(AppError::bad_request(format!("choose between 0 and {}", v.choices.len() - 1)))
        } else if candidates.iter().any(|(_, u, _)| u == uid) {
            // The same member twice in one batch (two devices at once): the first counts.
            Some(AppError::already_voted())
        } else {
            None
        };
        match refused {
            Some(e) => out.push((i, Err(e))),
            None => candidates.push((i, uid.as_str(), choice)),
        }
    }
    let at = now();
    let mut marked: Vec<String> = Vec::new();
    if v.secret {
        // One statement marks every candidate who had not voted; never a choice here.
        let marks = (0..candidates.len()).map(|k| format!("?{}", k + 3)).collect::<Vec<_>>().join(", ");
        let mut values: Vec<Value> = vec![Value::Text(id.clone()), Value::Text(at.clone())];
        values.extend(candidates.iter().map(|(_, u, _)| Value::Text((*u).to_owned())));
        if !candidates.is_empty() {
            marked = tx.query_map(
                &format!(
                    "UPDATE vote_voters SET voted_at = ?2 WHERE vote_id = ?1 AND voted_at IS NULL \
                     AND user_id IN ({marks}) RETURNING user_id"
                ),
                values,
                |r| r.get(0),
            )?;
        }
    } else {
        for (_, uid, choice) in &candidates {
            let n = tx.execute(
                "UPDATE vote_voters SET voted_at = ?3, choice = ?4 WHERE vote_id = ?1 AND user_id = ?2 AND voted_at IS NULL",
                params![id, uid, at, choice],
            )?;
            if n == 1 {
                marked.push((*uid).to_owned());
            }
        }
    }
    let mut counts = vec![0i64; v.choices.len()];
    let mut accepted = Vec::new();
    for (i, uid, choice) in &candidates {
        if marked.iter().any(|m| m == uid) {
            counts[*choice as usize] += 1;
            accepted.push(*i);
            continue;
        }
        // Refused by the database: asked why only then.
        let listed: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM vote_voters WHERE vote_id = ?1 AND user_id = ?2)",
            [&id, *uid],
            |r| r.get(0),
        )?;
        out.push((*i, Err(if listed { AppError::already_voted() } else { AppError::not_eligible() })));
    }
    if marked.is_empty() {
        return Ok(out);
    }
    if v.secret {
        for (choice, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            tx.execute(
                "UPDATE vote_tallies SET ballots = ballots + ?3 WHERE vote_id = ?1 AND choice = ?2",
                params![id, choice as i64, n],
            )?;
        }
    }
    // Told to the voters' devices and to whoever presides (who follows the turnout),
    // once per batch; the others see the vote again when it closes: 500 ballots would
    // otherwise wake every device 500 times for a list nobody else watches.
    let mut audience = marked;
    for p in super::room::presiding_users(tx, &mid)? {
        if !audience.contains(&p) {
            audience.push(p);
        }
    }
    let audience: Vec<&str> = audience.iter().map(String::as_str).collect();
    feed::record_for(tx, &mid, "vote", &id, &audience)?;
    // Each voter's answer: the vote as it stands after this batch, read once for all of
    // them (a read per ballot made the answers of a vote of 500 cost O(n²) rows).
    let view = vote(tx, &id)?.ok_or_else(|| AppError::not_found("vote"))?;
    out.extend(accepted.into_iter().map(|i| (i, Ok(view.clone()))));
    Ok(out)
}

/// Those of `users` who may see meeting `mid`: the one visibility rule
/// (`model::visible_meetings_sql`), asked for several users at once.
fn users_seeing(tx: &Tx<'_>, mid: &str, users: &[String]) -> AppResult<Vec<String>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let marks = (0..users.len()).map(|k| format!("?{}", k + 2)).collect::<Vec<_>>().join(", ");
    let mut values = vec![Value::Text(mid.to_owned())];
    values.extend(users.iter().map(|u| Value::Text(u.clone())));
    Ok(tx.query_map(
        &format!(
            concat!(
                "SELECT v.user_id FROM participants v WHERE v.meeting_id = ?1 AND v.user_id IN ({}) \
                 AND ?1 IN (",
                model::visible_meetings_sql!("v.user_id"),
                ")"
            ),
            marks
        ),
        values,
        |r| r.get(0),
    )?)
}

/// How a vote ends.
pub enum Closing<'a> {
    /// Counted: from the stored choices (named) or the choices' counters (secret).
    Count,
    /// Not countable: the reason shown.
    Void(&'a str),
}

/// Closes an open vote (whoever presides, or `None`: the server when its time is up),
/// writing the result once and telling every participant.
pub fn close(tx: &Tx<'_>, actor: Option<&AuthUser>, vote_id: Uuid, how: Closing<'_>) -> AppResult<Vote> {
    let id = vote_id.to_string();
    let v = match actor {
        Some(a) => visible_vote(tx, a, vote_id)?,
        None => vote(tx, &id)?.ok_or_else(|| AppError::not_found("vote"))?,
    };
    let mid = v.meeting_id.to_string();
    if let Some(a) = actor {
        live_meeting(tx, a, &mid)?;
        if !presiding(tx, &mid, &a.id())? {
            return Err(AppError::forbidden("only the chair or the secretariat closes a vote"));
        }
    }
    if v.status != VoteStatus::Open {
        return Err(AppError::vote_closed());
    }
    let at = now();
    match how {
        Closing::Void(reason) => {
            tx.execute(
                "UPDATE votes SET status = 'void', closed_at = ?2, void_reason = ?3 WHERE id = ?1",
                params![id, at, reason],
            )?;
        }
        Closing::Count => {
            let result = count(tx, &v)?;
            let json = serde_json::to_string(&result).map_err(|e| AppError::Stored(e.to_string()))?;
            tx.execute(
                "UPDATE votes SET status = 'closed', closed_at = ?2, result = ?3 WHERE id = ?1",
                params![id, at, json],
            )?;
        }
    }
    feed::record(tx, &mid, "vote", &id, None)?;
    let after = vote(tx, &id)?.ok_or_else(|| AppError::Stored(format!("vote {id} vanished")))?;
    let opener;
    let who = match actor {
        Some(a) => a,
        None => {
            let user = crate::auth::user_by_id(tx, &v.opened_by.to_string())?
                .ok_or_else(|| AppError::Stored(format!("vote {id}: its opener is gone")))?;
            opener = AuthUser { user, token_id: Uuid::nil() };
            &opener
        }
    };
    let action = match (actor, after.status) {
        (_, VoteStatus::Void) => "vote.void",
        (None, _) => "vote.close_timed",
        _ => "vote.close",
    };
    // The snapshots hold the result only (totals; the named list for a named vote).
    audit::record(tx, who, action, &subject(&mid, "vote", &id), None, snapshot(&after))?;
    Ok(after)
}

fn count(tx: &Tx<'_>, v: &Vote) -> AppResult<VoteResult> {
    let id = v.id.to_string();
    let ballots = u32::try_from(v.voted.len()).unwrap_or(u32::MAX);
    let eligible = u32::try_from(v.eligible.len()).unwrap_or(u32::MAX);
    let mut counts = vec![0u32; v.choices.len()];
    let mut named = Vec::new();
    if v.secret {
        let kept: Vec<(usize, u32)> =
            tx.query_map("SELECT choice, ballots FROM vote_tallies WHERE vote_id = ?1 ORDER BY choice", [&id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        for (choice, n) in &kept {
            if let Some(c) = counts.get_mut(*choice) {
                *c = *n;
            }
        }
        if kept.len() != counts.len() || counts.iter().sum::<u32>() != ballots {
            return Err(AppError::Stored(format!("secret vote {id}: the count does not match the voters")));
        }
    } else {
        let rows =
            tx.query_map("SELECT b.user_id, COALESCE(u.display_name, ''), b.choice FROM vote_voters b LEFT JOIN users u ON u.id = b.user_id
              WHERE b.vote_id = ?1 AND b.choice IS NOT NULL ORDER BY u.display_name, b.user_id", [&id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, u32>(2)?)))?;
        for row in rows {
            let (uid, display_name, choice) = row;
            if let Some(c) = counts.get_mut(choice as usize) {
                *c += 1;
            }
            named.push(NamedBallot { user_id: uuid_of(&uid), display_name, choice });
        }
    }
    let passed = v.threshold.passes(counts.first().copied().unwrap_or(0), eligible);
    Ok(VoteResult { counts, ballots, eligible, passed, named })
}

/// Secret votes left open by a server of an older version, which counted them in its
/// memory: their count is gone, so they become void (the chair opens them again). Every
/// other open vote goes on. Returns the ids voided.
pub fn void_uncountable(tx: &Tx<'_>, reason: &str) -> AppResult<Vec<Uuid>> {
    let ids: Vec<String> = tx.query_map(
        "SELECT id FROM votes v WHERE status = 'open' AND secret = 1
            AND NOT EXISTS (SELECT 1 FROM vote_tallies t WHERE t.vote_id = v.id)",
        (),
        |r| r.get(0),
    )?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let vid = uuid_of(&id);
        close(tx, None, vid, Closing::Void(reason))?;
        out.push(vid);
    }
    Ok(out)
}

/// Open votes with a time limit, to schedule their close.
pub fn timed_open(tx: &Tx<'_>) -> AppResult<Vec<(Uuid, OffsetDateTime)>> {
    let rows =
        tx.query_map("SELECT id, closes_at FROM votes WHERE status = 'open' AND closes_at IS NOT NULL", (), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, at) = row;
        out.push((uuid_of(&id), model::parse_ts(&at)));
    }
    Ok(out)
}

//! Votes (biểu quyết), in the database: opening, recording who voted, closing with the
//! result. A secret ballot's choice only raises that choice's counter (`vote_tallies`),
//! in the transaction that marks that the member voted; no row links the two, and the
//! database refuses a choice next to a secret vote's voter (triggers on `vote_voters`).
//!
//! Who may vote is fixed when the vote opens: the voting members (chair and members)
//! present or online then. Their list, and who of them has voted, is public to every
//! participant; what a voter chose is public only for a named vote, and only at the close.

use meeting_protocol::{DEFAULT_CHOICES, Entity, EntityKind, Vote, VoteInput, VoteResult, VoteStatus};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, snapshot};
use super::meetings::text;
use super::room::{live_meeting, presiding, require_presiding, subject};
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::store::{self, Tx};
use crate::{feed, model};

/// The feed's votes.
pub const FEED: feed::kinds::Kind = feed::kinds::Kind {
    load: |tx, _, _, id| feed::kinds::some(vote(tx, id)?, |v| Entity::Vote(Box::new(v))),
    whole: None,
    grant: |tx, mid, _| Ok(votes_of(tx, mid)?.iter().map(|v| v.id.to_string()).collect()),
};

/// One vote.
pub fn vote(tx: &Tx<'_>, id: &str) -> AppResult<Option<Vote>> {
    let Ok(id) = Uuid::parse_str(id) else { return Ok(None) };
    Ok(store::votes::get(tx, &id)?)
}

/// The meeting's votes, newest first.
pub fn votes_of(tx: &Tx<'_>, mid: &str) -> AppResult<Vec<Vote>> {
    Ok(store::votes::of_meeting(tx, mid)?)
}

fn reread(tx: &Tx<'_>, id: &Uuid) -> AppResult<Vote> {
    store::votes::get(tx, id)?.ok_or_else(|| AppError::Stored(format!("vote {id} vanished")))
}

/// A vote the caller may see (404 otherwise, as for its meeting).
pub fn visible_vote(tx: &Tx<'_>, actor: &AuthUser, vote_id: Uuid) -> AppResult<Vote> {
    let v = store::votes::get(tx, &vote_id)?.ok_or_else(|| AppError::not_found("vote"))?;
    if !crate::store::meetings::may_see_meeting(tx, &v.meeting_id.to_string(), &actor.id())? {
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
    let mid = crate::store::meetings::agenda_meeting(tx, &item)?.ok_or_else(|| AppError::not_found("agenda item"))?;
    model::visible_meeting(tx, actor, &mid).map_err(|e| e.renamed_not_found("agenda item"))?;
    require_presiding(tx, actor, &mid)?;
    let question = text("question", &input.question, 500, true)?;
    let choices = choices(input.choices.as_deref())?;
    if let Some(d) = input.duration_seconds
        && !(10..=86_400).contains(&d)
    {
        return Err(AppError::bad_request("a vote's duration is between 10 seconds and one day"));
    }
    if store::votes::any_open(tx, &mid)? {
        return Err(AppError::conflict("a vote is already open in this meeting: close it first"));
    }
    let voters = store::votes::present_voting_members(tx, &mid)?;
    if voters.is_empty() {
        return Err(AppError::unprocessable("no voting member is present: record attendance before voting"));
    }
    let opened_at = OffsetDateTime::now_utc();
    let uid = actor.id();
    let new = store::votes::NewVote {
        id: Uuid::now_v7(),
        meeting_id: &mid,
        agenda_item_id: &item,
        question: &question,
        choices: &choices,
        secret: input.secret,
        threshold: input.threshold,
        opened_by: &uid,
        opened_at,
        closes_at: input.duration_seconds.map(|d| opened_at + time::Duration::seconds(i64::from(d))),
        voters: &voters,
    };
    store::votes::insert(tx, &new)?;
    let id = new.id.to_string();
    feed::record(tx, &mid, EntityKind::Vote, &id, None)?;
    let v = reread(tx, &new.id)?;
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
    let Some(v) = store::votes::head(tx, &vote_id)? else {
        return Ok(mine.iter().map(|&i| (i, Err(AppError::not_found("vote")))).collect());
    };
    let (id, mid) = (v.id.to_string(), v.meeting_id.to_string());
    let voters: Vec<String> = mine.iter().map(|&i| ballots[i].actor.id()).collect();
    let seeing = crate::store::meetings::users_seeing(tx, &mid, &voters)?;
    // A secret vote opened before its count was kept in the database (see
    // `void_uncountable`) takes no ballot it could not count.
    let countable = !v.secret || store::votes::counters(tx, &v.id)? == v.choices.len() as i64;
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
    let at = OffsetDateTime::now_utc();
    let marked: Vec<String> = if v.secret {
        // One statement marks every candidate who had not voted; never a choice here.
        let users: Vec<&str> = candidates.iter().map(|(_, u, _)| *u).collect();
        store::votes::mark_voted(tx, &v.id, &users, at)?
    } else {
        let mut marked = Vec::new();
        for (_, uid, choice) in &candidates {
            if store::votes::record_named(tx, &v.id, uid, *choice, at)? {
                marked.push((*uid).to_owned());
            }
        }
        marked
    };
    let mut counts = vec![0i64; v.choices.len()];
    let mut accepted = Vec::new();
    for (i, uid, choice) in &candidates {
        if marked.iter().any(|m| m == uid) {
            counts[*choice as usize] += 1;
            accepted.push(*i);
            continue;
        }
        // Refused by the database: asked why only then.
        let listed = store::votes::is_voter(tx, &v.id, uid)?;
        out.push((*i, Err(if listed { AppError::already_voted() } else { AppError::not_eligible() })));
    }
    if marked.is_empty() {
        return Ok(out);
    }
    if v.secret {
        for (choice, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            store::votes::raise_counter(tx, &v.id, choice, *n)?;
        }
    }
    // Told to the voters' devices and to whoever presides (who follows the turnout),
    // once per batch; the others see the vote again when it closes: 500 ballots would
    // otherwise wake every device 500 times for a list nobody else watches.
    let mut audience = marked;
    for p in crate::store::meetings::presiding_of(tx, &mid)? {
        if !audience.contains(&p) {
            audience.push(p);
        }
    }
    let audience: Vec<&str> = audience.iter().map(String::as_str).collect();
    feed::record_for(tx, &mid, EntityKind::Vote, &id, &audience)?;
    // Each voter's answer: the vote as it stands after this batch, read once for all of
    // them (a read per ballot made the answers of a vote of 500 cost O(n²) rows).
    let view = store::votes::get(tx, &v.id)?.ok_or_else(|| AppError::not_found("vote"))?;
    out.extend(accepted.into_iter().map(|i| (i, Ok(view.clone()))));
    Ok(out)
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
        None => store::votes::get(tx, &vote_id)?.ok_or_else(|| AppError::not_found("vote"))?,
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
    let at = OffsetDateTime::now_utc();
    match how {
        Closing::Void(reason) => store::votes::end(tx, &vote_id, store::votes::End::Void(reason), at)?,
        Closing::Count => {
            let result = count(tx, &v)?;
            let json = serde_json::to_string(&result).map_err(|e| AppError::Stored(e.to_string()))?;
            store::votes::end(tx, &vote_id, store::votes::End::Closed(&json), at)?;
        }
    }
    feed::record(tx, &mid, EntityKind::Vote, &id, None)?;
    let after = reread(tx, &vote_id)?;
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
    let ballots = u32::try_from(v.voted.len()).unwrap_or(u32::MAX);
    let eligible = u32::try_from(v.eligible.len()).unwrap_or(u32::MAX);
    let mut counts = vec![0u32; v.choices.len()];
    let mut named = Vec::new();
    if v.secret {
        let kept = store::votes::counted(tx, &v.id)?;
        for (choice, n) in &kept {
            if let Some(c) = counts.get_mut(*choice) {
                *c = *n;
            }
        }
        if kept.len() != counts.len() || counts.iter().sum::<u32>() != ballots {
            return Err(AppError::Stored(format!("secret vote {}: the count does not match the voters", v.id)));
        }
    } else {
        named = store::votes::named_ballots(tx, &v.id)?;
        for b in &named {
            if let Some(c) = counts.get_mut(b.choice as usize) {
                *c += 1;
            }
        }
    }
    let passed = v.threshold.passes(counts.first().copied().unwrap_or(0), eligible);
    Ok(VoteResult { counts, ballots, eligible, passed, named })
}

/// Secret votes left open by a server of an older version, which counted them in its
/// memory: their count is gone, so they become void (the chair opens them again). Every
/// other open vote goes on. Returns the ids voided.
pub fn void_uncountable(tx: &Tx<'_>, reason: &str) -> AppResult<Vec<Uuid>> {
    let ids = store::votes::open_without_counters(tx)?;
    for id in &ids {
        close(tx, None, *id, Closing::Void(reason))?;
    }
    Ok(ids)
}

/// Open votes with a time limit, to schedule their close.
pub fn timed_open(tx: &Tx<'_>) -> AppResult<Vec<(Uuid, OffsetDateTime)>> {
    Ok(store::votes::timed_open(tx)?)
}

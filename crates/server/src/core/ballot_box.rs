//! The ballot box: casting and closing votes, and the count of secret ballots.
//!
//! A secret ballot's choice exists only here, as one more in a per-choice total held in
//! the server's memory; the database learns that the voter voted, never what, and the
//! totals only at the close. So neither the database file, its journal, the audit trail,
//! the feed nor the logs hold the link between a voter and a choice. The price: a server
//! that stops while a secret vote is open has lost its count, and the vote becomes void
//! at the next start ([`start`]); the chair opens it again.
//!
//! Each vote has a lock held from before its database write until its total is updated
//! (cast) or read (close), so no ballot recorded in the database is missing from the
//! count. The work runs in a spawned task: a client that hangs up mid-request cannot
//! cancel it between the commit and the count.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use meeting_protocol::{Vote, VoteInput, VoteStatus};
use time::OffsetDateTime;
use uuid::Uuid;

use super::votes::{self, Closing};
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};

/// What a vote's count is: `None` for a named vote (counted from the database at the
/// close) and for a secret vote whose count was lost.
type Tally = Option<Vec<u32>>;

/// The open votes' locks and secret counts.
#[derive(Default)]
pub struct BallotBox {
    votes: Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<Tally>>>>,
}

impl BallotBox {
    fn slot(&self, id: Uuid) -> Arc<tokio::sync::Mutex<Tally>> {
        match self.votes.lock() {
            Ok(mut m) => m.entry(id).or_default().clone(),
            // A panic elsewhere poisoned the map: a fresh slot holds no count, so a
            // secret vote refuses ballots (closed) rather than miscount.
            Err(_) => Arc::default(),
        }
    }

    fn forget(&self, id: Uuid) {
        if let Ok(mut m) = self.votes.lock() {
            m.remove(&id);
        }
    }
}

async fn detached<T: Send + 'static>(
    work: impl std::future::Future<Output = AppResult<T>> + Send + 'static,
) -> AppResult<T> {
    tokio::spawn(work).await?
}

/// Opens a vote; a timed one is closed by the server when its time is up.
pub async fn open(state: &AppState, actor: AuthUser, item_id: Uuid, input: VoteInput) -> AppResult<Vote> {
    let st = state.clone();
    detached(async move {
        let v = st.db.write(move |tx| votes::open(tx, &actor, item_id, &input)).await?;
        if v.secret {
            *st.ballots.slot(v.id).lock().await = Some(vec![0; v.choices.len()]);
        }
        if let Some(at) = v.closes_at {
            schedule(&st, v.id, at);
        }
        Ok(v)
    })
    .await
}

/// Casts the caller's ballot.
pub async fn cast(state: &AppState, actor: AuthUser, vote_id: Uuid, choice: u32) -> AppResult<Vote> {
    let st = state.clone();
    detached(async move {
        let slot = st.ballots.slot(vote_id);
        let mut tally = slot.lock().await;
        let kept = tally.is_some();
        let v = st.db.write(move |tx| votes::cast(tx, &actor, vote_id, choice, kept)).await?;
        if v.secret {
            match tally.as_mut().and_then(|t| t.get_mut(choice as usize)) {
                Some(n) => *n += 1,
                // `votes::cast` refused a secret vote without a count and checked the
                // choice's range, so this cannot be reached.
                None => return Err(AppError::Stored(format!("secret vote {vote_id}: no count to add to"))),
            }
        }
        Ok(v)
    })
    .await
}

/// Closes a vote (`actor`: whoever presides; `None`: its time is up).
pub async fn close(state: &AppState, actor: Option<AuthUser>, vote_id: Uuid) -> AppResult<Vote> {
    let st = state.clone();
    detached(async move {
        let slot = st.ballots.slot(vote_id);
        let tally = slot.lock().await;
        let kept = tally.clone();
        let v = st
            .db
            .write(move |tx| {
                let secret = votes::vote(tx, &vote_id.to_string())?.is_some_and(|v| v.secret);
                let how = match (&kept, secret) {
                    (None, true) => Closing::Void("the count was lost when the server restarted; vote again"),
                    (Some(counts), true) => Closing::Count(Some(counts)),
                    (_, false) => Closing::Count(None),
                };
                votes::close(tx, actor.as_ref(), vote_id, how)
            })
            .await?;
        drop(tally);
        if v.status != VoteStatus::Open {
            st.ballots.forget(vote_id);
        }
        Ok(v)
    })
    .await
}

fn schedule(state: &AppState, vote_id: Uuid, at: OffsetDateTime) {
    let st = state.clone();
    tokio::spawn(async move {
        let wait = (at - OffsetDateTime::now_utc()).max(time::Duration::ZERO);
        tokio::time::sleep(wait.unsigned_abs()).await;
        match close(&st, None, vote_id).await {
            Ok(_) => {}
            // Closed by the chair before its time: nothing to do.
            Err(AppError::Client { code: meeting_protocol::ErrorCode::VoteClosed, .. }) => {}
            Err(e) => tracing::warn!(vote = %vote_id, error = %e, "closing a timed vote"),
        }
    });
}

/// At server start: voids the secret votes a stopped server left open (their count is
/// gone) and schedules the close of timed named votes.
pub async fn start(state: &AppState) -> AppResult<()> {
    let (voided, timed) = state
        .db
        .write(|tx| {
            let voided = votes::void_interrupted(tx, "the server restarted while the vote was open; vote again")?;
            Ok((voided, votes::timed_open(tx)?))
        })
        .await?;
    if !voided.is_empty() {
        tracing::warn!(count = voided.len(), "secret votes left open by a stopped server are void");
    }
    for (id, at) in timed {
        schedule(state, id, at);
    }
    Ok(())
}

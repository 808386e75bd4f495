//! The ballot box: opening, casting and closing votes, and closing timed votes on time.
//!
//! Everything a vote needs is in the database — who may vote, who has, and for a secret
//! vote one counter per choice raised in the same transaction that marks that a member
//! voted (never a row with the voter next to the choice; see [`super::votes`]). So a
//! vote survives a restart and any server instance takes its ballots. The work runs in a
//! spawned task: a client that hangs up mid-request cannot cancel it half-way.
//!
//! Timed votes are closed by the instance that opened them at their time, and by every
//! instance's sweep ([`start`]) when that instance stopped before.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use meeting_protocol::{ErrorCode, Vote, VoteInput};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::votes::{self, Closing};
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::store::Db;

/// How often each instance looks for timed votes past their time.
const SWEEP_EVERY: Duration = Duration::from_secs(2);

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
        if let Some(at) = v.closes_at {
            schedule(&st, v.id, at);
        }
        Ok(v)
    })
    .await
}

/// Casts the caller's ballot: queued with the ballots arriving at the same moment and
/// cast with them in one transaction ([`Queue`]); the answer is the vote as it stands.
pub async fn cast(state: &AppState, actor: AuthUser, vote_id: Uuid, choice: u32) -> AppResult<Vote> {
    let (answer, answered) = oneshot::channel();
    let ballot = votes::Ballot { actor, vote_id, choice };
    state
        .ballots
        .sender(&state.db)
        .send((ballot, answer))
        .map_err(|_| AppError::Stored("the ballot box stopped".into()))?;
    answered.await.map_err(|_| AppError::Stored("the ballot box dropped a ballot".into()))?
}

type Pending = (votes::Ballot, oneshot::Sender<AppResult<Vote>>);

/// Ballots waiting for the writers' turn (group commit). A vote of 500 is 500 ballots in
/// the same second; one transaction each queued them behind each other's commit (an
/// fsync on PostgreSQL), so one process casts whatever has arrived while the previous
/// batch was being written, together: no ballot waits for a timer, and under load the
/// batches grow by themselves. A batch that fails as a whole (the database went away)
/// is cast again ballot by ballot, so each gets its own answer.
#[derive(Clone, Default)]
pub struct Queue(Arc<OnceLock<mpsc::UnboundedSender<Pending>>>);

/// Most ballots cast in one transaction.
const BATCH: usize = 256;

impl Queue {
    /// The queue's sender, its task started on first use (it needs the runtime).
    fn sender(&self, db: &Db) -> &mpsc::UnboundedSender<Pending> {
        self.0.get_or_init(|| {
            let (send, receive) = mpsc::unbounded_channel();
            tokio::spawn(cast_batches(db.clone(), receive));
            send
        })
    }
}

async fn cast_batches(db: Db, mut queue: mpsc::UnboundedReceiver<Pending>) {
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        let (ballots, answers): (Vec<votes::Ballot>, Vec<_>) = std::mem::take(&mut batch).into_iter().unzip();
        let ballots = Arc::new(ballots);
        let all = Arc::clone(&ballots);
        // Spawned: the batch is written even if every voter hung up.
        let writer = db.clone();
        let outcome = tokio::spawn(async move { db_cast(&writer, all).await }).await;
        match outcome {
            Ok(Ok(each)) => {
                for (answer, result) in answers.into_iter().zip(each) {
                    let _ = answer.send(result);
                }
            }
            _ => {
                for (i, answer) in answers.into_iter().enumerate() {
                    let one = Arc::new(vec![ballots[i].clone()]);
                    let result = match db_cast(&db, one).await {
                        Ok(mut each) => each.pop().unwrap_or_else(|| Err(AppError::not_found("vote"))),
                        Err(e) => Err(e),
                    };
                    let _ = answer.send(result);
                }
            }
        }
    }
}

async fn db_cast(db: &Db, ballots: Arc<Vec<votes::Ballot>>) -> AppResult<Vec<AppResult<Vote>>> {
    db.write(move |tx| votes::cast_all(tx, &ballots)).await
}

/// Closes a vote (`actor`: whoever presides; `None`: its time is up).
pub async fn close(state: &AppState, actor: Option<AuthUser>, vote_id: Uuid) -> AppResult<Vote> {
    let st = state.clone();
    detached(async move { st.db.write(move |tx| votes::close(tx, actor.as_ref(), vote_id, Closing::Count)).await })
        .await
}

/// Closes a timed vote whose time is up; one closed already (by the chair, or by
/// another instance) is no error.
async fn close_on_time(state: &AppState, vote_id: Uuid) {
    match close(state, None, vote_id).await {
        Ok(_) => {}
        Err(AppError::Client { code: ErrorCode::VoteClosed, .. }) => {}
        Err(e) => tracing::warn!(vote = %vote_id, error = %e, "closing a timed vote"),
    }
}

fn schedule(state: &AppState, vote_id: Uuid, at: OffsetDateTime) {
    let st = state.clone();
    tokio::spawn(async move {
        let wait = (at - OffsetDateTime::now_utc()).max(time::Duration::ZERO);
        tokio::time::sleep(wait.unsigned_abs()).await;
        close_on_time(&st, vote_id).await;
    });
}

/// At server start: voids the secret votes an older version left open (it counted them
/// in its memory), schedules the close of every open timed vote, and starts the sweep
/// that closes timed votes another instance opened and could not close.
pub async fn start(state: &AppState) -> AppResult<()> {
    let (voided, timed) = state
        .db
        .write(|tx| {
            let voided = votes::void_uncountable(tx, "the server was upgraded while the vote was open; vote again")?;
            Ok((voided, votes::timed_open(tx)?))
        })
        .await?;
    if !voided.is_empty() {
        tracing::warn!(count = voided.len(), "secret votes an older version left open are void");
    }
    for (id, at) in timed {
        schedule(state, id, at);
    }
    let st = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        loop {
            tick.tick().await;
            let now = OffsetDateTime::now_utc();
            let due = match st.db.read(votes::timed_open).await {
                Ok(timed) => timed.into_iter().filter(|(_, at)| *at <= now).map(|(id, _)| id).collect::<Vec<_>>(),
                Err(e) => {
                    tracing::warn!(error = %e, "looking for timed votes past their time");
                    continue;
                }
            };
            for id in due {
                close_on_time(&st, id).await;
            }
        }
    });
    Ok(())
}

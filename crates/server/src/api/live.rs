//! `GET /live`: the live channel, a WebSocket authenticated by the device token like
//! every other call.
//!
//! It carries no data, only wake-ups: every commit that moved the feed is published
//! with the rows it appended ([`crate::store::Db::committed`], from the write path itself, so
//! every kind of change present and future is pushed). A connection skips, without a
//! query, the commits that cannot concern its reader (rows for others, or for meetings
//! they do not take part in); for the others it asks the feed whether the reader may
//! see anything new ([`feed::wake`], the same visibility as `GET /changes`) and if so
//! sends `changed`; the device then pulls the feed as it always does. A revoked session
//! is told `revoked` and closed (checked at every ping too). Pings every 20 s find dead
//! connections behind NATs.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use meeting_protocol::{EntityKind, LiveMessage};

use std::collections::HashSet;

use tokio::sync::broadcast;

use crate::AppState;
use crate::auth::AuthUser;
use crate::feed::{self, RowKind, Wake};
use crate::store::Commit;

const PING_EVERY: Duration = Duration::from_secs(20);

/// Upgrades an authenticated request to the live channel.
pub async fn live(State(state): State<AppState>, caller: AuthUser, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| serve(state, caller, socket))
}

async fn send(socket: &mut WebSocket, msg: &LiveMessage) -> bool {
    match serde_json::to_string(msg) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

/// Whether a commit may concern the reader: a row addressed to them, or to every
/// participant of a meeting they take part in. Only then is the feed asked (and a
/// ballot, addressed to its voter and to whoever presides, wakes those devices only,
/// not the whole room).
fn may_concern(commit: &Commit, uid: &str, meetings: &HashSet<String>) -> bool {
    let Some(rows) = &commit.rows else { return true };
    rows.iter().any(|(mid, _, audience)| match audience {
        Some(a) => a == uid,
        None => meetings.contains(mid),
    })
}

/// A commit that may change which meetings a reader takes part in.
fn moves_membership(commit: &Commit) -> bool {
    let Some(rows) = &commit.rows else { return true };
    rows.iter().any(|(_, kind, audience)| match RowKind::parse(kind) {
        // A task addressed to one reader: their unit changed, and with it the scopes they read.
        Ok(RowKind::Entity(EntityKind::Task)) => audience.is_some(),
        Ok(RowKind::Entity(kind)) => matches!(kind, EntityKind::Participant | EntityKind::Meeting),
        // A purge, or a kind a newer instance wrote: ask again to be safe.
        Ok(RowKind::Purge) | Err(_) => true,
    })
}

async fn serve(state: AppState, caller: AuthUser, mut socket: WebSocket) {
    let mut committed = state.db.committed();
    let (uid, token) = (caller.id(), caller.token_id.to_string());
    let u = uid.clone();
    let start = state.db.read(move |tx| Ok((crate::store::head_seq(tx)?, feed::meetings_of(tx, &u)?))).await;
    let Ok((mut cursor, mut meetings)) = start else { return };
    if !send(&mut socket, &LiveMessage::Hello { head: cursor }).await {
        return;
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        // What to ask the feed: whether anything after the cursor concerns the reader.
        let ask = tokio::select! {
            commit = committed.recv() => match commit {
                Ok(c) => {
                    if moves_membership(&c) {
                        let u = uid.clone();
                        if let Ok(m) = state.db.read(move |tx| feed::meetings_of(tx, &u)).await {
                            meetings = m;
                        }
                    }
                    if c.rows.is_none() {
                        // Rows unknown (see `store::notify`): the feed says, as after a lag.
                        Some(i64::MAX)
                    } else if may_concern(&c, &uid, &meetings) {
                        Some(c.head)
                    } else {
                        cursor = cursor.max(c.head);
                        None
                    }
                }
                // Fell behind: the feed itself says what concerns the reader.
                Err(broadcast::error::RecvError::Lagged(_)) => Some(i64::MAX),
                Err(broadcast::error::RecvError::Closed) => break,
            },
            msg = socket.recv() => match msg {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => None,
            },
            // The session is checked at each ping too, so a revoked device is told even
            // when nothing it may see changes.
            _ = ping.tick() => {
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
                Some(cursor)
            }
        };
        let Some(upto) = ask else { continue };
        let (u, t, since) = (uid.clone(), token.clone(), cursor);
        let wake = match state.db.read(move |tx| feed::wake(tx, &t, &u, since)).await {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "live channel: checking the feed");
                continue;
            }
        };
        if upto != i64::MAX {
            cursor = cursor.max(upto);
        }
        let sent = match wake {
            Wake::Nothing => true,
            Wake::Changed(seq) => {
                cursor = cursor.max(seq);
                send(&mut socket, &LiveMessage::Changed { seq }).await
            }
            Wake::Revoked => {
                let _ = send(&mut socket, &LiveMessage::Revoked).await;
                false
            }
        };
        if !sent {
            break;
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

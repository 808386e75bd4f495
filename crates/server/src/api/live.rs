//! `GET /live`: the live channel, a WebSocket authenticated by the device token like
//! every other call.
//!
//! It carries no data, only wake-ups: after every commit that moved the feed
//! ([`crate::db::Db::committed`], published from the write path itself, so every kind of
//! change present and future is pushed), each connected device asks the feed whether
//! its reader may see anything new ([`feed::wake`], the same visibility as
//! `GET /changes`) and if so is sent `changed`; it then pulls the feed as it always
//! does. Bursts of commits coalesce (a device is woken for the latest, and reads all of
//! them in one pull). A revoked session is told `revoked` and closed. Pings every 20 s
//! find dead connections behind NATs.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use meeting_protocol::LiveMessage;

use crate::AppState;
use crate::auth::AuthUser;
use crate::feed::{self, Wake};

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

async fn serve(state: AppState, caller: AuthUser, mut socket: WebSocket) {
    let mut committed = state.db.committed();
    let mut cursor = *committed.borrow_and_update();
    if !send(&mut socket, &LiveMessage::Hello { head: cursor }).await {
        return;
    }
    let (uid, token) = (caller.id(), caller.token_id.to_string());
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            changed = committed.changed() => {
                if changed.is_err() {
                    break;
                }
                let head = *committed.borrow_and_update();
                let (u, t, since) = (uid.clone(), token.clone(), cursor);
                let wake = match state.db.read(move |tx| feed::wake(tx, &t, &u, since)).await {
                    Ok(w) => w,
                    Err(e) => {
                        tracing::warn!(error = %e, "live channel: checking the feed");
                        continue;
                    }
                };
                cursor = head.max(cursor);
                let sent = match wake {
                    Wake::Nothing => true,
                    Wake::Changed(seq) => send(&mut socket, &LiveMessage::Changed { seq }).await,
                    Wake::Revoked => {
                        let _ = send(&mut socket, &LiveMessage::Revoked).await;
                        false
                    }
                };
                if !sent {
                    break;
                }
            }
            msg = socket.recv() => match msg {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

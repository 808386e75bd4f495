//! Staying live: the server's live channel (`GET /live`, a WebSocket) wakes this device
//! when something it may see was committed, and the device then pulls the feed as it
//! always does (see `meeting_protocol::LiveMessage`). The feed stays the one source of
//! what changed: a wake-up that is lost, or a device that was away, loses nothing — each
//! (re)connection starts with a sync that catches up, and the feed's cursor means nothing
//! is applied twice.
//!
//! A dropped connection is retried with a growing delay (¼ s doubling to 10 s, with
//! jitter so a restarted server is not hit by every device at once), and each failed
//! attempt also tries a plain sync: where the channel cannot be opened (a proxy that
//! refuses WebSockets) the device still polls.

use std::time::Duration;

use futures_util::StreamExt as _;
use meeting_protocol::LiveMessage;
use serde::Serialize;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use crate::error::{ClientError, Result};
use crate::{Profile, SyncOptions};

/// What [`run`] reports as it goes (also the `meeting live --json` lines).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LiveEvent {
    /// The channel is open; `head` is the feed's head the server announced.
    Connected {
        /// The feed's head.
        head: i64,
    },
    /// A sync ran (after connecting, or because the server said something changed).
    Synced {
        /// The feed position now applied.
        cursor: i64,
        /// Feed entries applied by this sync.
        changes: usize,
    },
    /// The channel is down; the next attempt is in `retry_ms`.
    Disconnected {
        /// Why.
        reason: String,
        /// Milliseconds until the next attempt.
        retry_ms: u64,
    },
}

const FIRST_RETRY: Duration = Duration::from_millis(250);
const LAST_RETRY: Duration = Duration::from_secs(10);

/// Stays live until the session ends: returns only with the error that ended it
/// (revoked device, expired session, not logged in, a local failure).
pub async fn run(profile: &Profile, opts: &SyncOptions, on_event: &(dyn Fn(&LiveEvent) + Sync)) -> Result<()> {
    let mut retry = FIRST_RETRY;
    loop {
        let reason = match session(profile, opts, on_event).await {
            Ok(()) => "the server closed the channel".to_owned(),
            Err(e) if is_final(&e) => return Err(e),
            Err(e) => e.to_string(),
        };
        // Polling while the channel is down: the changes come in anyway.
        match sync(profile, opts, on_event).await {
            Err(e) if is_final(&e) => return Err(e),
            Ok(_) => retry = FIRST_RETRY.max(retry / 2),
            Err(_) => {}
        }
        let wait = with_jitter(retry);
        on_event(&LiveEvent::Disconnected { reason, retry_ms: wait.as_millis() as u64 });
        tokio::time::sleep(wait).await;
        retry = (retry * 2).min(LAST_RETRY);
    }
}

/// Errors no retry can cure.
fn is_final(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::DeviceRevoked
            | ClientError::SessionExpired
            | ClientError::NotLoggedIn
            | ClientError::Locked
            | ClientError::WrongDevicePassword
    )
}

fn with_jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |t| t.subsec_nanos());
    // ±25 %.
    let spread = d.as_millis() as u64 / 2;
    let offset = if spread == 0 { 0 } else { u64::from(nanos) % spread };
    Duration::from_millis(d.as_millis() as u64 * 3 / 4 + offset)
}

async fn sync(profile: &Profile, opts: &SyncOptions, on_event: &(dyn Fn(&LiveEvent) + Sync)) -> Result<()> {
    match crate::sync(profile, opts, &|_| {}).await {
        Ok(r) => {
            on_event(&LiveEvent::Synced { cursor: r.cursor, changes: r.changes_applied });
            Ok(())
        }
        // Another sync of this profile is running (the app's timer): it pulls the same.
        Err(ClientError::Busy) => Ok(()),
        Err(e) => Err(e),
    }
}

/// One connection: open, catch up, then sync at every wake-up until it drops.
async fn session(profile: &Profile, opts: &SyncOptions, on_event: &(dyn Fn(&LiveEvent) + Sync)) -> Result<()> {
    let (url, token) = {
        let store = profile.store()?;
        let api = profile.api(&store)?;
        (api.url("/live"), api.token().map(str::to_owned).ok_or(ClientError::NotLoggedIn)?)
    };
    let ws_url = url.replacen("http", "ws", 1);
    let mut request = ws_url
        .as_str()
        .into_client_request()
        .map_err(|e| ClientError::Protocol(format!("live channel address {ws_url}: {e}")))?;
    let bearer = format!("Bearer {token}")
        .parse()
        .map_err(|_| ClientError::Protocol("the session token is not a valid header".into()))?;
    request.headers_mut().insert("authorization", bearer);
    let (mut socket, _) = match tokio_tungstenite::connect_async(request).await {
        Ok(s) => s,
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) if resp.status() == 401 => {
            return Err(ClientError::SessionExpired);
        }
        Err(e) => return Err(ClientError::Unreachable { url, reason: e.to_string() }),
    };
    while let Some(frame) = socket.next().await {
        let text = match frame {
            Ok(Message::Text(t)) => t,
            Ok(Message::Close(_)) => return Ok(()),
            // Pings are answered by the library as it reads.
            Ok(_) => continue,
            Err(e) => return Err(ClientError::Interrupted { url, reason: e.to_string() }),
        };
        match serde_json::from_str::<LiveMessage>(&text) {
            Ok(LiveMessage::Hello { head }) => {
                on_event(&LiveEvent::Connected { head });
                sync(profile, opts, on_event).await?;
            }
            Ok(LiveMessage::Changed { .. }) => sync(profile, opts, on_event).await?,
            // The sync's call learns which (revoked: the device erases itself).
            Ok(LiveMessage::Revoked) => {
                sync(profile, opts, on_event).await?;
                return Err(ClientError::SessionExpired);
            }
            Err(e) => tracing::warn!("live channel: an unknown message ({e}): ignored"),
        }
    }
    Ok(())
}

//! The meeting room under load, for bench-room and bench-scale: devices holding the live
//! channel (one WebSocket each), a secretary's change → every device told, and a secret
//! vote of every device casting at once.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::StreamExt as _;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use crate::api::{Api, percentile};

/// Devices connected to the live channel; each reports the instant it hears `changed`.
pub struct Listening {
    heard: tokio::sync::mpsc::UnboundedReceiver<(usize, Instant)>,
    n: usize,
}

/// Connects one device per token to `url`'s live channel; returns once every one said
/// hello (or fails naming the device that could not connect).
pub async fn connect(url: &str, tokens: &[&str]) -> anyhow::Result<Listening> {
    let (tx, heard) = tokio::sync::mpsc::unbounded_channel();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<Result<(), String>>();
    let ws = url.replacen("http", "ws", 1) + "/api/v1/live";
    for (i, token) in tokens.iter().enumerate() {
        let mut req = ws.as_str().into_client_request()?;
        req.headers_mut().insert("authorization", format!("Bearer {token}").parse()?);
        let (tx, ready) = (tx.clone(), ready_tx.clone());
        tokio::spawn(async move {
            let mut socket = match tokio_tungstenite::connect_async(req).await {
                Ok((socket, _)) => socket,
                Err(e) => {
                    let _ = ready.send(Err(format!("device {i} could not connect: {e}")));
                    return;
                }
            };
            while let Some(Ok(frame)) = socket.next().await {
                let Ok(text) = frame.into_text() else { continue };
                if text.contains("\"hello\"") {
                    let _ = ready.send(Ok(()));
                } else if text.contains("\"changed\"") {
                    let _ = tx.send((i, Instant::now()));
                }
            }
        });
    }
    for _ in 0..tokens.len() {
        let connected = tokio::time::timeout(Duration::from_secs(60), ready_rx.recv()).await?;
        connected.context("a device did not connect")?.map_err(anyhow::Error::msg)?;
    }
    Ok(Listening { heard, n: tokens.len() })
}

impl Listening {
    /// `k` edits of agenda item `item` by the secretary, one after another: the delay
    /// from each edit to each device hearing it, p50/p95/max.
    pub async fn changes(
        &mut self,
        api: &Api,
        sec: &str,
        item: &str,
        k: usize,
    ) -> anyhow::Result<(Duration, Duration, Duration)> {
        let mut delays = Vec::new();
        for round in 0..k {
            while self.heard.try_recv().is_ok() {}
            let at = Instant::now();
            let body = json!({"title": format!("Nội dung, sửa lần {round}")});
            api.call(sec, reqwest::Method::PATCH, &format!("/agenda/{item}"), Some(body)).await?;
            let mut heard = vec![false; self.n];
            let mut left = self.n;
            while left > 0 {
                let next = tokio::time::timeout(Duration::from_secs(30), self.heard.recv()).await;
                let (i, when) = next.context("a device did not hear the change in 30 s")?.context("channel")?;
                if !heard[i] {
                    heard[i] = true;
                    left -= 1;
                    delays.push(when.saturating_duration_since(at));
                }
            }
        }
        delays.sort();
        Ok((percentile(&delays, 50), percentile(&delays, 95), delays[delays.len() - 1]))
    }
}

/// A secret vote's figures.
pub struct Vote {
    /// Open → every ballot answered.
    pub counted: Duration,
    /// Ballots refused.
    pub failed: usize,
    /// Ballots in the closed result.
    pub ballots: u64,
    /// The close.
    pub close: Duration,
}

/// Every device (token, user id) present, a secret vote opened on `item`, every device
/// casting at once, then the close.
pub async fn vote(api: &Api, sec: &str, mid: &str, item: &str, devices: &[(String, String)]) -> anyhow::Result<Vote> {
    let ids: Vec<&str> = devices.iter().map(|(_, u)| u.as_str()).collect();
    let attendance = json!({"user_ids": ids, "status": "present"});
    api.call(sec, reqwest::Method::PUT, &format!("/meetings/{mid}/attendance"), Some(attendance)).await?;
    let opened = Instant::now();
    let question = json!({"question": "Thông qua", "secret": true});
    let vote = api.call(sec, reqwest::Method::POST, &format!("/agenda/{item}/votes"), Some(question)).await?;
    let vid = vote["id"].as_str().context("vote id")?.to_owned();
    let casts = devices.iter().enumerate().map(|(i, (token, _))| {
        let (api, vid) = (api, &vid);
        async move {
            let choice = json!({"choice": i % 3});
            api.call(token, reqwest::Method::POST, &format!("/votes/{vid}/ballots"), Some(choice)).await
        }
    });
    let results = futures_util::future::join_all(casts).await;
    let counted = opened.elapsed();
    let failed = results.iter().filter(|r| r.is_err()).count();
    let closing = Instant::now();
    let closed = api.call(sec, reqwest::Method::POST, &format!("/votes/{vid}/close"), None).await?;
    let close = closing.elapsed();
    Ok(Vote { counted, failed, ballots: closed["result"]["ballots"].as_u64().unwrap_or(0), close })
}

//! A small JSON client of the server's API for the benchmarks that drive many users
//! (bench-room, bench-scale): every call checked, its failure named by path and status.

use std::time::Duration;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::PASSWORD;

/// The server (or a load balancer in front of several) at `url`.
pub struct Api {
    http: reqwest::Client,
    /// `http://HOST:PORT`
    pub url: String,
}

impl Api {
    /// A client keeping up to `connections` idle connections to the server.
    pub fn new(url: &str, connections: usize) -> anyhow::Result<Self> {
        Ok(Self { http: reqwest::Client::builder().pool_max_idle_per_host(connections).build()?, url: url.to_owned() })
    }

    /// A call as `token`; its JSON answer (`Null` when empty).
    pub async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self.http.request(method, format!("{}/api/v1{path}", self.url)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        if !status.is_success() {
            bail!("{path}: {status} {text}");
        }
        Ok(if text.is_empty() { Value::Null } else { serde_json::from_str(&text)? })
    }

    /// Logs `user` in with the benchmarks' password: its token and user id.
    pub async fn login(&self, user: &str) -> anyhow::Result<(String, String)> {
        let v: Value = self
            .http
            .post(format!("{}/api/v1/auth/login", self.url))
            .json(&json!({"username": user, "password": PASSWORD}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok((v["token"].as_str().context("token")?.to_owned(), v["user"]["id"].as_str().context("id")?.to_owned()))
    }
}

/// The `p`th percentile of sorted durations.
pub fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).saturating_sub(1).min(sorted.len() - 1)]
}

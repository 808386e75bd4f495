//! The office server's HTTP API as the client uses it.

use std::time::Duration;

use meeting_protocol::{ChangesPage, LoginRequest, LoginResponse};
use reqwest::{Response, StatusCode, header};

use crate::error::{ClientError, Result};

/// A connection to one server, with or without a session.
#[derive(Debug, Clone)]
pub struct Api {
    base: String,
    pub(crate) http: reqwest::Client,
    token: Option<String>,
}

/// How long a request may keep being told "busy, come back" before [`patiently`] gives
/// up and returns the server's answer (a sync then reports the download as not done;
/// the next sync resumes it where it stopped).
const BUSY_PATIENCE: Duration = Duration::from_secs(600);

/// Runs `attempt` again while the server answers "not now, come back in N seconds"
/// (`server_busy`, `database_unavailable`: a `Retry-After` on a 429 or 503), waiting
/// what it asks plus a spread, for up to ten minutes in all.
pub async fn patiently<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut waited = Duration::ZERO;
    loop {
        match attempt().await {
            Err(e) if e.retry_after().is_some() && waited < BUSY_PATIENCE => {
                let pause = busy_pause(e.retry_after().unwrap_or(1));
                tracing::debug!(error = %e, ?pause, "server busy; waiting");
                tokio::time::sleep(pause).await;
                waited += pause;
            }
            other => return other,
        }
    }
}

/// The server's `Retry-After` (1 to 60 s) plus up to as much again, spread so that the
/// devices it turned away do not all come back in the same instant.
fn busy_pause(retry_after: u64) -> Duration {
    let secs = retry_after.clamp(1, 60);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Duration::from_millis(secs * 1000 + u64::from(now.subsec_nanos()) % (secs * 1000))
}

impl Api {
    /// A client for the server at `server_url` (e.g. `http://10.0.0.5:8080`).
    pub fn new(server_url: &str, token: Option<String>) -> Result<Self> {
        let base = server_url.trim().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::NotFound(format!(
                "server address {server_url:?} must start with http:// or https://"
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // A stalled connection must end in an error the user sees, not hang forever;
            // long downloads are fine as long as bytes keep coming.
            .read_timeout(Duration::from_secs(30))
            .user_agent(concat!("phonghop-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Protocol(format!("HTTP client: {e}")))?;
        Ok(Self { base, http, token })
    }

    /// The session's token (for the live channel's handshake).
    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The server address.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/api/{}{path}", self.base, meeting_protocol::API_VERSION)
    }

    /// Maps a transport error: connection refused or DNS is "unreachable", anything
    /// after the request went out is "interrupted".
    pub(crate) fn net_error(&self, e: &reqwest::Error) -> ClientError {
        // The innermost cause ("Connection refused") is what a person can act on.
        let mut reason = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            reason = s.to_string();
            src = s.source();
        }
        if e.is_connect() || (e.is_timeout() && !e.is_body()) {
            ClientError::Unreachable { url: self.base.clone(), reason }
        } else {
            ClientError::Interrupted { url: self.base.clone(), reason }
        }
    }

    pub(crate) async fn check(&self, resp: Response) -> Result<Response> {
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = resp.bytes().await.map_err(|e| self.net_error(&e))?;
        let mut error = ClientError::from_api(status, &body);
        if let ClientError::Server { retry_after: r, .. } = &mut error {
            *r = retry_after;
        }
        Err(error)
    }

    pub(crate) fn authed(&self, req: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder> {
        let token = self.token.as_deref().ok_or(ClientError::NotLoggedIn)?;
        Ok(req.bearer_auth(token))
    }

    /// An authenticated call with an optional JSON body, answered with JSON (an empty
    /// answer reads as `null`): the shape of every call beyond the sync's own.
    pub(crate) async fn call_json<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T> {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = self.authed(req)?.send().await.map_err(|e| self.net_error(&e))?;
        let resp = self.check(resp).await?;
        let bytes = resp.bytes().await.map_err(|e| self.net_error(&e))?;
        let bytes = if bytes.is_empty() { "null".into() } else { bytes };
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol(format!("answer of {path}: {e}")))
    }

    /// An authenticated GET answered with bytes (a PDF the server makes).
    pub(crate) async fn get_bytes(&self, path: &str) -> Result<Vec<u8>> {
        let req = self.http.request(reqwest::Method::GET, self.url(path));
        let resp = self.authed(req)?.send().await.map_err(|e| self.net_error(&e))?;
        let resp = self.check(resp).await?;
        Ok(resp.bytes().await.map_err(|e| self.net_error(&e))?.to_vec())
    }

    /// This device's offline leases (renewed at every sync).
    pub async fn leases(&self) -> Result<meeting_protocol::LeasesResponse> {
        self.call_json(reqwest::Method::GET, "/leases", None).await
    }

    /// Logs in and returns the new device session.
    pub async fn login(&self, username: &str, password: &str, device_name: &str) -> Result<LoginResponse> {
        let body = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            device_name: Some(device_name.to_owned()),
        };
        let resp = self.http.post(self.url("/auth/login")).json(&body).send().await.map_err(|e| self.net_error(&e))?;
        let resp = self.check(resp).await?;
        resp.json().await.map_err(|e| ClientError::Protocol(format!("login answer: {e}")))
    }

    /// Ends this device's session on the server.
    pub async fn logout(&self) -> Result<()> {
        let resp =
            self.authed(self.http.post(self.url("/auth/logout")))?.send().await.map_err(|e| self.net_error(&e))?;
        self.check(resp).await.map(drop)
    }

    /// One page of the change feed.
    pub async fn changes(&self, since: i64, limit: u32) -> Result<ChangesPage> {
        let req =
            self.http.get(self.url("/changes")).query(&[("since", since.to_string()), ("limit", limit.to_string())]);
        let resp = self.authed(req)?.send().await.map_err(|e| self.net_error(&e))?;
        let resp = self.check(resp).await?;
        let bytes = resp.bytes().await.map_err(|e| self.net_error(&e))?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol(format!("change feed page: {e}")))
    }

    /// Tells the server this device has applied the feed up to `since`, documents
    /// included (every `GET /changes?since=N` says so; this is the smallest one). The
    /// secretariat's "who has the meeting ready" reads it.
    pub async fn acknowledge(&self, since: i64) -> Result<()> {
        self.changes(since, 1).await.map(drop)
    }

    /// Pushes annotation changes; one answer per change, in order.
    pub async fn push_annotations(
        &self,
        ops: Vec<meeting_protocol::AnnotationOp>,
    ) -> Result<meeting_protocol::PushResponse> {
        let body = meeting_protocol::PushRequest { ops };
        let req = self.http.post(self.url("/annotations/push")).json(&body);
        let resp = self.authed(req)?.send().await.map_err(|e| self.net_error(&e))?;
        let resp = self.check(resp).await?;
        let bytes = resp.bytes().await.map_err(|e| self.net_error(&e))?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol(format!("push answer: {e}")))
    }

    /// Starts fetching a blob, from byte `from` when resuming. The caller checks
    /// whether the answer is a 206 continuation or a 200 restart.
    pub async fn blob(&self, sha256: &str, from: u64) -> Result<Response> {
        let mut req = self.authed(self.http.get(self.url(&format!("/blobs/{sha256}"))))?;
        if from > 0 {
            // If-Range: should the server's copy differ, it sends the whole new content
            // (200) rather than a piece we would splice onto the wrong bytes.
            req = req.header(header::RANGE, format!("bytes={from}-")).header(header::IF_RANGE, format!("\"{sha256}\""));
        }
        let resp = req.send().await.map_err(|e| self.net_error(&e))?;
        if resp.status() == StatusCode::RANGE_NOT_SATISFIABLE {
            return Ok(resp);
        }
        self.check(resp).await
    }
}

/// A query value with everything but unreserved characters percent-encoded.
pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

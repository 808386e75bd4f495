//! A minimal HTTP helper for what secretaries and attackers do directly on the API.

use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A logged-in (or anonymous) API caller.
#[derive(Clone)]
pub struct Http {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// Bearer token, if any.
    pub token: Option<String>,
    client: reqwest::Client,
}

/// A response, read in full.
#[derive(Debug)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Raw body.
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The body as JSON (Null when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    /// The `code` of an error body.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or("").to_owned()
    }

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", String::from_utf8_lossy(&self.bytes));
        self.json()
    }
}

impl Http {
    /// An anonymous caller.
    pub fn anonymous(base: &str) -> Self {
        Self { base: base.to_owned(), token: None, client: reqwest::Client::new() }
    }

    /// An anonymous caller whose connections come from another loopback address
    /// (`127.0.0.N`): another laptop, as far as the server can tell.
    pub fn anonymous_from(base: &str, local: std::net::IpAddr) -> Self {
        let client = reqwest::Client::builder().local_address(local).build().unwrap();
        Self { base: base.to_owned(), token: None, client }
    }

    /// Logs in with the demo password.
    pub async fn login(base: &str, username: &str) -> Self {
        let anon = Self::anonymous(base);
        let r = anon
            .send(Method::POST, "/auth/login", Some(serde_json::json!({"username": username, "password": "demo"})))
            .await;
        let v = r.expect(200);
        Self { token: Some(v["token"].as_str().unwrap().to_owned()), ..anon }
    }

    /// The same caller with another token.
    pub fn with_token(&self, token: &str) -> Self {
        Self { token: Some(token.to_owned()), ..self.clone() }
    }

    /// Sends a request to `/api/v1{path}` with an optional JSON body.
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self.client.request(method, format!("{}/api/v1{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::read(req).await
    }

    /// Sends raw bytes with a content type.
    pub async fn send_raw(&self, method: Method, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        Self::read(req).await
    }

    /// GET with extra headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.client.get(format!("{}/api/v1{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::read(req).await
    }

    async fn read(req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap().to_vec();
        Reply { status, headers, bytes }
    }

    /// GET returning JSON, asserting 200.
    pub async fn get(&self, path: &str) -> Value {
        self.send(Method::GET, path, None).await.expect(200)
    }

    /// The caller's meetings.
    pub async fn meetings(&self) -> Vec<Value> {
        self.get("/meetings").await.as_array().cloned().unwrap_or_default()
    }

    /// The id of the caller's meeting whose title contains `needle`.
    pub async fn meeting_id(&self, needle: &str) -> String {
        let ms = self.meetings().await;
        let m = ms.iter().find(|m| m["title"].as_str().unwrap_or("").contains(needle));
        m.unwrap_or_else(|| panic!("no meeting titled like {needle:?}"))["id"].as_str().unwrap().to_owned()
    }

    /// A user's id from the directory (secretaries only).
    pub async fn user_id(&self, username: &str) -> String {
        let users = self.get("/users").await;
        let u = users.as_array().unwrap().iter().find(|u| u["username"] == username).cloned();
        u.unwrap_or_else(|| panic!("no user {username}"))["id"].as_str().unwrap().to_owned()
    }

    /// Uploads a PDF to a meeting.
    pub async fn upload(&self, meeting_id: &str, filename: &str, pdf: Vec<u8>) -> Reply {
        self.send_raw(
            Method::POST,
            &format!("/meetings/{meeting_id}/documents?filename={filename}"),
            "application/pdf",
            pdf,
        )
        .await
    }

    /// Every change visible to the caller since `since`, following pages.
    pub async fn all_changes(&self, since: i64) -> Vec<Value> {
        let mut out = Vec::new();
        let mut since = since;
        loop {
            let page = self.get(&format!("/changes?since={since}&limit=1000")).await;
            out.extend(page["changes"].as_array().cloned().unwrap_or_default());
            since = page["next_since"].as_i64().unwrap();
            if !page["has_more"].as_bool().unwrap() {
                return out;
            }
        }
    }
}

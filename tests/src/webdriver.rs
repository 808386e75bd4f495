//! A minimal W3C WebDriver client (what the desktop test needs, nothing more), talking
//! to `tauri-driver`, which drives the real app through WebKitWebDriver.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// One WebDriver session.
pub struct Session {
    http: reqwest::Client,
    base: String,
}

/// An element reference.
#[derive(Clone, Debug)]
pub struct Element(String);

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Session {
    /// Starts a session of `application` on the driver at `driver_url`.
    pub async fn start(driver_url: &str, application: &str) -> Self {
        // No call may hang a test: a driver that stops answering fails it instead.
        let http = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": application}}}});
        let mut last = String::new();
        // The driver may take a moment to listen.
        for _ in 0..100 {
            match http.post(format!("{driver_url}/session")).json(&caps).send().await {
                Ok(r) => {
                    let v: Value = r.json().await.unwrap_or_default();
                    if let Some(id) = v["value"]["sessionId"].as_str() {
                        return Self { http, base: format!("{driver_url}/session/{id}") };
                    }
                    last = v.to_string();
                }
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("no WebDriver session: {last}");
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap_or_default();
        v["value"].clone()
    }

    /// Every element matching a CSS selector.
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let v =
            self.call(reqwest::Method::POST, "/elements", Some(json!({"using": "css selector", "value": css}))).await;
        v.as_array()
            .map(|a| a.iter().filter_map(|e| e[ELEMENT_KEY].as_str().map(|s| Element(s.to_owned()))).collect())
            .unwrap_or_default()
    }

    /// Waits until at least `n` elements match, up to `timeout`.
    pub async fn wait_for(&self, css: &str, n: usize, timeout: Duration) -> Vec<Element> {
        let end = Instant::now() + timeout;
        loop {
            let found = self.find_all(css).await;
            if found.len() >= n {
                return found;
            }
            if Instant::now() > end {
                let body = self.script("return document.body.innerText", json!([])).await;
                panic!("waited {timeout:?} for {n} × {css}, found {}; page text: {body}", found.len());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until a script returns true.
    pub async fn wait_until(&self, what: &str, script: &str, args: Value, timeout: Duration) {
        let end = Instant::now() + timeout;
        while self.script(script, args.clone()).await != json!(true) {
            if Instant::now() > end {
                let body = self.script("return document.body.innerText", json!([])).await;
                panic!("waited {timeout:?} for {what}; page text: {body}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Clicks an element.
    pub async fn click(&self, e: &Element) {
        self.call(reqwest::Method::POST, &format!("/element/{}/click", e.0), Some(json!({}))).await;
    }

    /// Replaces an input's text.
    pub async fn type_into(&self, e: &Element, text: &str) {
        self.call(reqwest::Method::POST, &format!("/element/{}/clear", e.0), Some(json!({}))).await;
        self.call(reqwest::Method::POST, &format!("/element/{}/value", e.0), Some(json!({"text": text}))).await;
    }

    /// Sends keys (e.g. "\u{E007}" for Enter) to an element.
    pub async fn keys(&self, e: &Element, keys: &str) {
        self.call(reqwest::Method::POST, &format!("/element/{}/value", e.0), Some(json!({"text": keys}))).await;
    }

    /// Presses the mouse at the first point, moves through the others and releases it at
    /// the last (viewport CSS pixels): real pointer events, as a hand on a mouse makes.
    pub async fn drag(&self, points: &[(f64, f64)]) {
        let at = |(x, y): (f64, f64)| json!({"type": "pointerMove", "duration": 16, "origin": "viewport", "x": x.round() as i64, "y": y.round() as i64});
        let mut actions = Vec::new();
        if let Some(first) = points.first() {
            actions.push(at(*first));
            actions.push(json!({"type": "pointerDown", "button": 0}));
        }
        actions.extend(points.iter().skip(1).map(|p| at(*p)));
        actions.push(json!({"type": "pointerUp", "button": 0}));
        let body = json!({"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": actions}]});
        self.call(reqwest::Method::POST, "/actions", Some(body)).await;
        let _ = self.http.delete(format!("{}/actions", self.base)).send().await;
    }

    /// Runs a script in the page; returns its result.
    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": args}))).await
    }

    /// A PNG screenshot of the window.
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or_default()).unwrap_or_default()
    }

    /// Ends the session (closes the app).
    pub async fn quit(self) {
        let _ = self.http.delete(&self.base).send().await;
    }
}

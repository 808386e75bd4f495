//! Shared set-up of the benchmarks: an office server running in the benchmark's own
//! process (real sockets, same code as `meeting-server`), a meeting prepared through the
//! HTTP API as a secretary would, and generated documents.

pub mod api;
pub mod evince;
pub mod floor;
pub mod live;
pub mod procmem;
pub mod screen;
mod xshm;

use std::path::Path;

use anyhow::Context as _;
use meeting_protocol::Role;

/// The value after `name` on the command line (`--pages 60`), if given.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// The value after `name` parsed as a number, or `default`.
pub fn arg_or(name: &str, default: usize) -> usize {
    arg(name).and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// `--quick`: the benchmark's short run, as the test command runs every benchmark so
/// that none can stop working unnoticed: small sizes ([`sized`]), figures printed and
/// not judged (a debug build on a busy machine says nothing about speed). Errors still
/// fail it.
pub fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}

/// The value after `name` on the command line, else `full`, or `short` with `--quick`.
pub fn sized(name: &str, full: usize, short: usize) -> usize {
    arg_or(name, if quick() { short } else { full })
}

/// A benchmark's exit: success when its targets hold, failure (with the error) otherwise
/// (with `--quick`, success whenever it ran to its end).
pub fn exit(name: &str, outcome: anyhow::Result<bool>) -> std::process::ExitCode {
    match outcome {
        Ok(_) if quick() => {
            println!("{name}: quick run (--quick): it runs; the figures above are not judged");
            std::process::ExitCode::SUCCESS
        }
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{name}: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The password of every benchmark user (`secretary`, `leader`).
pub const PASSWORD: &str = "bench";

/// The app's window width (src-tauri/tauri.conf.json): a peer is given the same.
pub const WINDOW_WIDTH: u32 = 1280;
/// The app's window height (src-tauri/tauri.conf.json).
pub const WINDOW_HEIGHT: u32 = 860;

/// A server on 127.0.0.1 on its own runtime; it stops when this is dropped.
pub struct LocalServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    _rt: tokio::runtime::Runtime,
}

impl LocalServer {
    /// Opens a fresh data directory with a secretary and a leader, and serves it.
    pub fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let state = meeting_server::AppState::open(meeting_server::Config::new(data_dir.to_owned()))?;
        meeting_server::create_user(&state, "secretary", "Thư ký", Role::Secretary, PASSWORD)?;
        meeting_server::create_user(&state, "leader", "Lãnh đạo", Role::Leader, PASSWORD)?;
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let url = format!("http://{}", listener.local_addr()?);
        rt.spawn(meeting_server::serve(listener, state, std::future::pending()));
        Ok(Self { url, _rt: rt })
    }
}

/// A secretary's view of the server: creates a meeting with the leader in it and
/// uploads documents to it.
pub struct Prepared {
    http: reqwest::Client,
    url: String,
    secretary: String,
    /// The leader's token.
    pub leader: String,
    /// The meeting's id.
    pub meeting: String,
}

async fn login(http: &reqwest::Client, url: &str, user: &str) -> anyhow::Result<String> {
    let v: serde_json::Value = http
        .post(format!("{url}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": user, "password": PASSWORD}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(v["token"].as_str().context("token")?.to_owned())
}

impl Prepared {
    /// Creates the meeting `title`, adds the leader to it and publishes it.
    pub async fn meeting(url: &str, title: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::new();
        let secretary = login(&http, url, "secretary").await?;
        let leader = login(&http, url, "leader").await?;
        let meeting: serde_json::Value = http
            .post(format!("{url}/api/v1/meetings"))
            .bearer_auth(&secretary)
            .json(&serde_json::json!({"title": title, "starts_at": "2026-12-01T08:00:00Z"}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let meeting = meeting["id"].as_str().context("meeting id")?.to_owned();
        let me: serde_json::Value =
            http.get(format!("{url}/api/v1/me")).bearer_auth(&leader).send().await?.json().await?;
        let lid = me["id"].as_str().context("leader id")?;
        http.put(format!("{url}/api/v1/meetings/{meeting}/participants/{lid}"))
            .bearer_auth(&secretary)
            .json(&serde_json::json!({"role": "member"}))
            .send()
            .await?
            .error_for_status()?;
        // New meetings are drafts; a leader sees one only once it is published.
        http.post(format!("{url}/api/v1/meetings/{meeting}/publish"))
            .bearer_auth(&secretary)
            .send()
            .await?
            .error_for_status()?;
        Ok(Self { http, url: url.to_owned(), secretary, leader, meeting })
    }

    /// Uploads a PDF to the meeting; returns the document's id and SHA-256.
    pub async fn upload(&self, filename: &str, pdf: Vec<u8>) -> anyhow::Result<(String, String)> {
        let doc: serde_json::Value = self
            .http
            .post(format!("{}/api/v1/meetings/{}/documents?filename={filename}", self.url, self.meeting))
            .bearer_auth(&self.secretary)
            .header("content-type", "application/pdf")
            .body(pdf)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok((doc["id"].as_str().context("id")?.to_owned(), doc["sha256"].as_str().context("sha")?.to_owned()))
    }
}

impl Prepared {
    /// Appends an agenda item; returns its id.
    pub async fn add_item(&self, title: &str) -> anyhow::Result<String> {
        let item: serde_json::Value = self
            .http
            .post(format!("{}/api/v1/meetings/{}/agenda", self.url, self.meeting))
            .bearer_auth(&self.secretary)
            .json(&serde_json::json!({"title": title, "presenter": "Sở Kế hoạch và Đầu tư"}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(item["id"].as_str().context("item id")?.to_owned())
    }

    /// Uploads a PDF under an agenda item.
    pub async fn upload_to(&self, item: &str, filename: &str, pdf: Vec<u8>) -> anyhow::Result<()> {
        self.http
            .post(format!(
                "{}/api/v1/meetings/{}/documents?filename={filename}&agenda_item_id={item}",
                self.url, self.meeting
            ))
            .bearer_auth(&self.secretary)
            .header("content-type", "application/pdf")
            .body(pdf)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }
}

/// A generated document of `pages` pages of Vietnamese text; returns the PDF and its
/// page count.
pub fn long_document(pages: usize) -> anyhow::Result<(Vec<u8>, usize)> {
    use meeting_server::demo::pdf::{Block, render};
    let font = meeting_server::demo::load_font()?;
    let para = "Ủy ban nhân dân tỉnh giao Văn phòng theo dõi, đôn đốc việc thực hiện các nhiệm vụ được giao \
                và báo cáo kết quả tại phiên họp tiếp theo; đẩy mạnh cải cách hành chính, chuyển đổi số. ";
    let mut blocks = Vec::new();
    for i in 0..pages {
        blocks.push(Block::Heading(format!("Phần {}", i + 1)));
        for _ in 0..4 {
            blocks.push(Block::Paragraph(para.repeat(3)));
        }
    }
    Ok(render(&font, &format!("Tài liệu {pages} trang"), &blocks, pages)?)
}

/// A program on PATH.
pub fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).map(|d| d.join(name)).find(|p| p.is_file())
}

/// A WebDriver script: true when every page intersecting the viewer's viewport has pixels
/// (the app's benchmarks wait on it after each scroll).
pub const VISIBLE_PAINTED: &str = "const s = document.querySelector('[data-testid=scroller]');
  if (!s) return false;
  const r = s.getBoundingClientRect();
  for (const el of document.querySelectorAll('[data-testid=page]')) {
    const b = el.getBoundingClientRect();
    if (b.bottom <= r.top || b.top >= r.bottom) continue;
    const c = el.querySelector('canvas');
    if (!c || c.width === 0) return false;
  }
  return true;";

/// Waits for the app's first screen and, when it asks for the password (no OS keystore
/// on this machine), types the leader's; returns the meetings list's first entry.
pub async fn past_the_lock(s: &meeting_e2e::webdriver::Session) -> meeting_e2e::webdriver::Element {
    past_the_lock_to(s, "[data-testid=meeting]").await
}

/// [`past_the_lock`] for any user: waits for `shown` (an element of the screen behind
/// the lock), typing the benchmark users' password first if the app asks for it.
pub async fn past_the_lock_to(s: &meeting_e2e::webdriver::Session, shown: &str) -> meeting_e2e::webdriver::Element {
    let long = std::time::Duration::from_secs(60);
    s.wait_for(&format!("{shown}, [data-testid=unlock-password]"), 1, long).await;
    if let Some(field) = s.find_all("[data-testid=unlock-password]").await.first() {
        s.type_into(field, PASSWORD).await;
        s.click(&s.wait_for("[data-testid=unlock]", 1, long).await[0]).await;
    }
    s.wait_for(shown, 1, long).await.remove(0)
}

/// A meeting with one document (`filename`, `pdf`), and a leader's profile at `profile`
/// logged in and synced: what the app benchmarks start the app on.
pub async fn leader_reads(url: &str, title: &str, filename: &str, pdf: Vec<u8>, profile: &Path) -> anyhow::Result<()> {
    let prepared = Prepared::meeting(url, title).await?;
    prepared.upload(filename, pdf).await?;
    let p = meeting_client::Profile::open(profile)?;
    p.login(url, "leader", PASSWORD).await?;
    meeting_client::sync(&p, &meeting_client::SyncOptions::default(), &|_| {}).await?;
    Ok(())
}

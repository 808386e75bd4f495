//! Fixtures: a real `meeting-server` process on 127.0.0.1 with a port picked by the
//! OS, an HTTP helper for secretaries' edits, client profiles, a fault-injecting TCP
//! proxy, and PDF generation.
#![allow(dead_code)]

pub use meeting_e2e::balancer;
pub mod database;
pub mod devices;
pub mod http;
pub mod proxy;
pub mod server;

use std::path::Path;

pub use devices::Devices;
pub use http::{Http, Reply};
pub use meeting_e2e::keystore::OsKeystore;
pub use proxy::{Proxy, ProxyMode};
pub use server::{ServerOptions, TestServer};

/// A profile directory for one simulated device.
pub fn profile(dir: &Path, name: &str) -> meeting_client::Profile {
    meeting_client::Profile::open(&dir.join(name)).unwrap()
}

/// A profile a CLI test logged in, opened here too and unlocked with the demo
/// password (its documents are encrypted: reading them needs the keys).
pub fn unlocked_profile(dir: &Path, name: &str) -> meeting_client::Profile {
    let p = profile(dir, name);
    p.unlock("demo").unwrap_or_else(|e| panic!("unlock {name}: {e}"));
    p
}

/// A raw connection to an unlocked profile's encrypted database, for checks below the
/// store's API (rows left behind by a purge).
pub fn raw_db(p: &meeting_client::Profile) -> rusqlite::Connection {
    let key = p.keys().unwrap().database();
    meeting_sqlite::connect_keyed(&p.db_path(), key.as_bytes()).unwrap()
}

/// Every document on the device, meeting by meeting, as the app lists them (with their
/// offline state).
pub fn device_documents(app: &meeting_client::app::AppCore) -> Vec<meeting_client::store::LocalDocument> {
    let mut docs = Vec::new();
    for m in app.meetings().unwrap() {
        let m = app.meeting(&m.meeting.id.to_string()).unwrap();
        docs.extend(m.agenda.into_iter().flat_map(|a| a.documents).chain(m.other_documents));
    }
    docs
}

/// Every file under a directory, recursively.
pub fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Opens a document and draws every page, as a reader paging through it would (pdfium
/// reads a file's chunks as pages need them); its page count, or the first error's code.
pub async fn open_every_page(app: &meeting_client::app::AppCore, id: &str) -> Result<u32, meeting_client::app::UiCode> {
    let d = app.open_document(id, None).await.map_err(|e| e.code)?;
    let pages = d.info.pages.len() as u32;
    for p in 0..pages {
        if let Err(e) = app.render_page(d.handle, p, 200, meeting_pdf::Priority::Visible, 1, 1).await {
            app.close_document(d.handle);
            return Err(e.code);
        }
    }
    app.close_document(d.handle);
    Ok(pages)
}

/// Logs a profile in and syncs it, panicking on any failure.
pub async fn login_and_sync(p: &meeting_client::Profile, url: &str, user: &str) -> meeting_client::SyncReport {
    p.login(url, user, "demo").await.unwrap_or_else(|e| panic!("login {user}: {e}"));
    sync(p).await
}

/// Syncs a profile with default options, panicking on failure.
pub async fn sync(p: &meeting_client::Profile) -> meeting_client::SyncReport {
    meeting_client::sync(p, &meeting_client::SyncOptions::default(), &|_| {})
        .await
        .unwrap_or_else(|e| panic!("sync: {e}"))
}

/// Logs a CLI profile in with the demo password on standard input, asserting success.
pub fn meeting_login(profile: &Path, url: &str, user: &str) {
    use std::io::Write as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-meeting"))
        .arg("--profile")
        .arg(profile)
        .args(["login", "--server", url, "--username", user])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"demo\n").unwrap();
    assert!(child.wait().unwrap().success(), "login {user}");
}

/// Runs the `meeting` CLI on a profile; whatever it did. Every demo user's password
/// is "demo": `MEETING_PASSWORD` unlocks the profile's documents, as in a script.
pub fn meeting_output(profile: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_e2e-meeting"))
        .env("MEETING_PASSWORD", "demo")
        .arg("--profile")
        .arg(profile)
        .args(args)
        .output()
        .unwrap()
}

/// Runs the `meeting` CLI on a profile, asserting it succeeds; its JSON output, if any.
pub fn meeting(profile: &Path, args: &[&str]) -> serde_json::Value {
    let out = meeting_output(profile, args);
    assert!(out.status.success(), "meeting {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

/// The real PDF engine, its worker being the `meeting` binary's hidden subcommand.
pub fn pdf_engine() -> meeting_pdf::PdfService {
    let program = std::path::PathBuf::from(env!("CARGO_BIN_EXE_e2e-meeting"));
    meeting_pdf::PdfService::start(
        meeting_pdf::WorkerCommand { program, args: vec!["pdf-worker".into()] },
        meeting_pdf::ServiceOptions::default(),
    )
}

/// A real multi-page PDF with the given title and body text.
pub fn make_pdf(title: &str, body: &str) -> Vec<u8> {
    make_large_pdf(title, body, 0)
}

/// A real PDF carrying `padding` extra bytes of incompressible data.
pub fn make_large_pdf(title: &str, body: &str, padding: usize) -> Vec<u8> {
    use meeting_server::demo::pdf::{Block, render_padded};
    let font = meeting_server::demo::load_font().unwrap();
    let blocks: Vec<Block> = std::iter::once(Block::Heading(title.to_owned()))
        .chain(body.split("\n\n").map(|p| Block::Paragraph(p.to_owned())))
        .collect();
    render_padded(&font, title, &blocks, 2, padding).unwrap().0
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

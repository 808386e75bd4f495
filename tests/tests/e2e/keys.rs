//! Issue 10, the device's keys across logins: the local database is encrypted under keys
//! the password unwraps, so a login that cannot open them must never silently discard
//! changes made on the device and not yet sent.
//!
//! - the password was changed on the server (from another device, by an admin) while
//!   the laptop holds an unsent mark: the new password alone is refused with
//!   `old_password_needed`; with the device's old password too, the keys are wrapped
//!   again and the mark reaches the server;
//! - with nothing waiting, the new password simply starts a fresh encrypted copy;
//! - another user logging in on a locked laptop (the database unreadable to them) is
//!   refused while the previous user's marks wait, and welcome once they are synced.

use std::io::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::util::{self, Http, TestServer, meeting, meeting_login};

/// `meeting login` with `password` on standard input and extra environment.
fn login(
    profile: &Path,
    url: &str,
    user: &str,
    password: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-meeting"));
    cmd.arg("--profile").arg(profile).args(["login", "--server", url, "--username", user]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// A CLI call with another device password than the demo one.
fn with_password(profile: &Path, password: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_e2e-meeting"))
        .env("MEETING_PASSWORD", password)
        .arg("--profile")
        .arg(profile)
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn waiting_in_keys_file(profile: &Path) -> u64 {
    let keys: Value = serde_json::from_slice(&std::fs::read(profile.join("keys.json")).unwrap()).unwrap();
    keys["unsynced"].as_u64().unwrap_or(0)
}

fn set_server_password(server: &TestServer, user: &str, password: &str) {
    let hash = meeting_server::auth::hash_password(password).unwrap();
    let n = server.sql().execute("UPDATE users SET password_hash = ?1 WHERE username = ?2", &[&hash, user]).unwrap();
    assert_eq!(n, 1);
}

async fn first_document(server: &TestServer) -> String {
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    sec.get(&format!("/meetings/{mid}")).await["documents"][0]["id"].as_str().unwrap().to_owned()
}

/// leader1's laptop, synced, holding one note not sent yet; its id.
async fn laptop_with_a_waiting_note(server: &TestServer, laptop: &Path, words: &str) -> String {
    meeting_login(laptop, &server.url, "leader1");
    meeting(laptop, &["sync", "--json"]);
    let doc = first_document(server).await;
    let note = meeting(laptop, &["annotations", "add-note", &doc, "1", words, "--json"]);
    note["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_changed_on_the_server_keeps_the_marks_waiting_on_the_laptop() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let laptop = dir.path().join("laptop");
    let id = laptop_with_a_waiting_note(&server, &laptop, "giữ lại ghi chú này").await;
    assert_eq!(waiting_in_keys_file(&laptop), 1, "the lock screen knows a mark waits");

    set_server_password(&server, "leader1", "mat-khau-moi");
    let refused = login(&laptop, &server.url, "leader1", "mat-khau-moi", &[], &[]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("old_password_needed"), "{err}");
    // Nothing was discarded by the refusal: the old password still opens the mark.
    let list = json(&with_password(&laptop, "demo", &["annotations", "list", "--json"]));
    assert!(list.as_array().unwrap().iter().any(|a| a["annotation"]["id"] == id.as_str()), "{list}");

    let wrong_old = login(
        &laptop,
        &server.url,
        "leader1",
        "mat-khau-moi",
        &[("MEETING_OLD_PASSWORD", "doan")],
        &["--keep-changes"],
    );
    assert!(String::from_utf8_lossy(&wrong_old.stderr).contains("wrong_device_password"));
    let kept = login(
        &laptop,
        &server.url,
        "leader1",
        "mat-khau-moi",
        &[("MEETING_OLD_PASSWORD", "demo")],
        &["--keep-changes"],
    );
    assert!(kept.status.success(), "{}", String::from_utf8_lossy(&kept.stderr));

    // The keys now open with the new password only, and the mark reaches the server.
    let report = json(&with_password(&laptop, "mat-khau-moi", &["sync", "--json"]));
    assert_eq!(report["annotations"]["applied"], 1, "{report}");
    assert_eq!(report["bytes_downloaded"], 0, "the encrypted copy was kept: {report}");
    let old = with_password(&laptop, "demo", &["annotations", "list", "--json"]);
    assert!(String::from_utf8_lossy(&old.stderr).contains("wrong_device_password"));
    let n = server.sql().i64("SELECT COUNT(*) FROM annotations WHERE id = ?1", &[&id]);
    assert_eq!(n, 1);
    assert_eq!(waiting_in_keys_file(&laptop), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_changed_with_nothing_waiting_starts_a_fresh_copy() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let laptop = dir.path().join("laptop");
    meeting_login(&laptop, &server.url, "leader1");
    let first = meeting(&laptop, &["sync", "--json"]);
    set_server_password(&server, "leader1", "mat-khau-moi");
    let out = login(&laptop, &server.url, "leader1", "mat-khau-moi", &[], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let again = json(&with_password(&laptop, "mat-khau-moi", &["sync", "--json"]));
    assert_eq!(again["bytes_downloaded"], first["bytes_downloaded"], "everything fetched again under the new keys");
    let meetings = json(&with_password(&laptop, "mat-khau-moi", &["meetings", "--json"]));
    assert_eq!(meetings.as_array().unwrap().len(), 3);
    let hits = json(&with_password(&laptop, "mat-khau-moi", &["search", "cai cach", "--json"]));
    assert!(!hits.as_array().unwrap().is_empty(), "the new copy is indexed");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_user_on_a_locked_laptop_cannot_discard_the_marks_waiting_there() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let laptop = dir.path().join("laptop");
    laptop_with_a_waiting_note(&server, &laptop, "của lãnh đạo 1").await;

    let refused = login(&laptop, &server.url, "leader2", "demo", &[], &[]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unsynced_annotations"));

    meeting(&laptop, &["sync", "--json"]);
    meeting_login(&laptop, &server.url, "leader2");
    let mine = meeting(&laptop, &["annotations", "list", "--json"]);
    assert!(mine.as_array().unwrap().is_empty(), "leader1's store is gone: {mine}");
    let p = util::unlocked_profile(dir.path(), "laptop");
    let store = p.store().unwrap();
    assert_eq!(store.meta("username").unwrap().as_deref(), Some("leader2"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pin_reopens_an_idle_lock_until_five_wrong_tries_or_a_restart() {
    use meeting_client::app::{AppCore, UiCode};
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let profile = meeting_client::Profile::open(&dir.path().join("laptop")).unwrap();
    let app = AppCore::new(profile.clone(), util::pdf_engine());
    app.login(&server.url, "leader1", "demo", None).await.unwrap();
    app.sync(&|_| {}).await.unwrap();
    assert_eq!(app.set_pin("12").await.unwrap_err().code, UiCode::Invalid, "a PIN is at least 4 digits");
    assert!(app.set_pin("2468").await.unwrap().pin);

    // Locked (idle or 🔒): nothing reads until the PIN re-opens it.
    app.lock();
    let s = app.session().unwrap();
    assert!(s.locked && s.pin, "{s:?}");
    assert_eq!(app.meetings().unwrap_err().code, UiCode::Locked);
    assert_eq!(app.unlock_pin("1111").await.unwrap_err().code, UiCode::WrongPin);
    assert!(!app.unlock_pin("2468").await.unwrap().locked);
    assert_eq!(app.meetings().unwrap().len(), 3);

    // Five wrong PINs: the PIN is gone, only the password opens.
    app.lock();
    for _ in 0..4 {
        assert_eq!(app.unlock_pin("0000").await.unwrap_err().code, UiCode::WrongPin);
    }
    assert_eq!(app.unlock_pin("0000").await.unwrap_err().code, UiCode::PinExhausted);
    assert_eq!(app.unlock_pin("2468").await.unwrap_err().code, UiCode::PinExhausted, "even the right one");
    assert!(!app.session().unwrap().pin);
    assert!(!app.unlock("demo").await.unwrap().locked);

    // The PIN lives in memory only: after a restart the password is needed.
    app.set_pin("2468").await.unwrap();
    let restarted =
        AppCore::new(meeting_client::Profile::open(&dir.path().join("laptop")).unwrap(), util::pdf_engine());
    let s = restarted.session().unwrap();
    assert!(s.locked && !s.pin, "{s:?}");
    assert_eq!(restarted.unlock_pin("2468").await.unwrap_err().code, UiCode::PinExhausted);
    let keys = std::fs::read_to_string(dir.path().join("laptop/keys.json")).unwrap();
    assert!(!keys.contains("2468"));
}

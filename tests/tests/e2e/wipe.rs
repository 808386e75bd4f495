//! Issue 10, acceptance 4: an admin revokes leader1's laptop; at its next sync the
//! profile holds no key and no document, and the app shows the login. The same when
//! the user revokes one of their devices from another. A logout erases nothing.

use meeting_client::Profile;
use meeting_client::app::{AppCore, UiCode};
use reqwest::Method;

use crate::util::{self, Http, TestServer, meeting, meeting_login, meeting_output, pdf_engine};

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_laptop_erases_its_keys_and_documents_at_its_next_sync() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let laptop = Profile::open(&dir.path().join("laptop")).unwrap();
    let token = laptop.login(&server.url, "leader1", "demo").await.unwrap().token_id;
    let app = AppCore::new(laptop.clone(), pdf_engine());
    assert!(app.sync(&|_| {}).await.unwrap().failed.is_empty());
    assert!(!app.meetings().unwrap().is_empty());
    assert!(dir.path().join("laptop/keys.json").is_file());
    let tablet = util::profile(dir.path(), "tablet");
    util::login_and_sync(&tablet, &server.url, "leader1").await;

    // The admin finds the laptop among leader1's devices and revokes it; a leader may not.
    let admin = dir.path().join("admin");
    meeting_login(&admin, &server.url, "admin");
    let devices = meeting(&admin, &["admin", "devices", "--user", "leader1", "--json"]);
    let ids: Vec<&str> = devices.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{devices}");
    assert!(ids.contains(&token.to_string().as_str()));
    assert!(devices.as_array().unwrap().iter().all(|d| d["user"]["username"] == "leader1"));
    let leader = dir.path().join("leader2-cli");
    meeting_login(&leader, &server.url, "leader2");
    let refused = meeting_output(&leader, &["admin", "devices"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("forbidden"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    meeting(&admin, &["admin", "revoke-device", &token.to_string()]);

    // Its next contact: the keys go first, then every file; the app is at the login.
    let err = app.sync(&|_| {}).await.unwrap_err();
    assert_eq!(err.code, UiCode::DeviceRevoked, "{}", err.message);
    let left = files_in(&dir.path().join("laptop"));
    assert!(!left.iter().any(|f| f == "keys.json" || f == "blobs"), "keys and documents erased: {left:?}");
    let session = app.session().unwrap();
    assert!(!session.logged_in, "the app shows the login: {session:?}");
    // Nothing is left to read: no keys, no database.
    assert_eq!(app.meetings().unwrap_err().code, UiCode::NotLoggedIn, "no meeting is left on the laptop");
    assert_eq!(app.search("cải cách", None).unwrap_err().code, UiCode::NotLoggedIn);
    assert!(!left.iter().any(|f| f.starts_with("client.db")), "the database is erased: {left:?}");

    // The tablet goes on; the laptop can log in again and gets everything back.
    util::sync(&tablet).await;
    app.login(&server.url, "leader1", "demo", None).await.unwrap();
    assert!(app.sync(&|_| {}).await.unwrap().failed.is_empty());
    assert!(app.meetings().unwrap().iter().all(|m| m.ready_offline));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_revoked_by_its_user_from_another_erases_itself_but_a_logout_erases_nothing() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let laptop = util::profile(dir.path(), "laptop");
    let token = laptop.login(&server.url, "leader1", "demo").await.unwrap().token_id;
    util::sync(&laptop).await;

    // A logout ends the session only: the (locked) copy stays for the next login.
    let phone = util::profile(dir.path(), "phone");
    util::login_and_sync(&phone, &server.url, "leader1").await;
    phone.logout().await.unwrap();
    assert!(dir.path().join("phone/keys.json").is_file() && dir.path().join("phone/blobs").is_dir());

    let tablet = Http::login(&server.url, "leader1").await;
    tablet.send(Method::DELETE, &format!("/auth/tokens/{token}"), None).await.expect(204);
    let err = meeting_client::sync(&laptop, &Default::default(), &|_| {}).await.unwrap_err();
    assert_eq!(err.code(), "device_revoked");
    assert!(!dir.path().join("laptop/keys.json").exists());
    assert!(!dir.path().join("laptop/blobs").exists());
}

//! Issue 10, documents at rest: a real server, a real profile driven through `AppCore`
//! (what the desktop app runs) with the real PDF worker.
//!
//! - nothing of a document is readable in any file of the profile — the encrypted
//!   database with its WAL, the blob cache, partial downloads (no `%PDF-`, no Vietnamese
//!   words of a document or of the meeting's agenda); the stock `sqlite3` tool cannot
//!   open the database; yet every document opens offline, in the app and in the CLI
//!   (acceptance 1);
//! - a profile copied to another directory opens nothing without the password, and
//!   everything with it (acceptance 2);
//! - a truncated, bit-flipped or swapped encrypted file is refused with its own error,
//!   the app goes on, and the next sync fetches it again (acceptance 7);
//! - a profile left plain by an older version is encrypted in place at login, losing no
//!   mark, and its documents are fetched again sealed.

use meeting_client::Profile;
use meeting_client::app::{AppCore, UiCode};

use crate::util::{TestServer, files_under, open_every_page as opens, pdf_engine};

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Every document of the device: (id, sha256).
fn documents(app: &AppCore) -> Vec<(String, String)> {
    crate::util::device_documents(app).into_iter().map(|d| (d.document.id.to_string(), d.document.sha256)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn documents_on_the_laptop_are_unreadable_without_the_password_and_open_offline_with_it() {
    let mut server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let app = AppCore::new(Profile::open(&dir.path().join("laptop")).unwrap(), pdf_engine());
    app.login(&server.url, "leader1", "demo", None).await.unwrap();
    let report = app.sync(&|_| {}).await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let docs = documents(&app);
    assert!(docs.len() >= 8, "{docs:?}");

    // A phrase that is in a demo document (the search index finds it), and a meeting's
    // title, are in no file of the profile, nor is any PDF. (The app holds its store
    // open: the WAL is there too.)
    let phrase = "cải cách hành chính";
    assert!(!app.search(phrase, None).unwrap().is_empty(), "the phrase is in a document");
    let title = app.meetings().unwrap()[0].meeting.title.clone();
    let laptop = dir.path().join("laptop");
    let files = files_under(&laptop);
    assert!(files.iter().any(|f| f.ends_with("client.db-wal")), "{files:?}");
    for f in &files {
        // Read by another process: closing a descriptor of a database file in this one
        // would drop the app's SQLite locks on it (see meeting_sqlite::is_plain).
        let bytes = std::process::Command::new("cat").arg(f).output().unwrap().stdout;
        assert!(!contains(&bytes, b"%PDF-"), "{} holds a PDF", f.display());
        assert!(!contains(&bytes, phrase.as_bytes()), "{} holds the phrase", f.display());
        assert!(!contains(&bytes, title.as_bytes()), "{} holds the meeting's title", f.display());
        assert!(!contains(&bytes, b"SQLite format 3"), "{} is a plain database", f.display());
    }
    match std::process::Command::new("sqlite3")
        .arg(laptop.join("client.db"))
        .arg("SELECT count(*) FROM sqlite_master")
        .output()
    {
        Ok(out) => {
            assert!(!out.status.success(), "sqlite3 read the store");
            assert!(String::from_utf8_lossy(&out.stderr).contains("not a database"), "{out:?}");
        }
        Err(e) => eprintln!("skipping the sqlite3 check: the sqlite3 tool is not installed ({e})"),
    }

    // Offline, every document opens, in the app and in the CLI (which reads the
    // password from MEETING_PASSWORD).
    server.kill();
    for (id, _) in &docs {
        assert!(opens(&app, id).await.unwrap() > 0, "document {id} opens offline");
    }
    let exported = dir.path().join("exported");
    std::fs::create_dir_all(&exported).unwrap();
    for (id, _) in &docs {
        let out = exported.join(format!("{id}.pdf"));
        let report = crate::util::meeting(&laptop, &["export", id, "--out", out.to_str().unwrap(), "--json"]);
        assert!(report["pages"].as_u64().unwrap_or(1) > 0, "{report}");
        assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF-"), "the CLI opened document {id} offline");
    }

    // The profile copied to "another machine": locked; a wrong password is told
    // apart; the right one opens every document, still offline.
    let copy = dir.path().join("copied");
    assert!(
        std::process::Command::new("cp")
            .arg("-a")
            .arg(dir.path().join("laptop"))
            .arg(&copy)
            .status()
            .unwrap()
            .success()
    );
    let thief = AppCore::new(Profile::open(&copy).unwrap(), pdf_engine());
    let session = thief.session().unwrap();
    assert!(session.logged_in && session.locked, "{session:?}");
    assert_eq!(opens(&thief, &docs[0].0).await, Err(UiCode::Locked));
    assert_eq!(thief.unlock("guess").await.unwrap_err().code, UiCode::WrongDevicePassword);
    assert!(thief.unlock("demo").await.unwrap().logged_in);
    for (id, _) in &docs {
        assert!(opens(&thief, id).await.is_ok(), "document {id} opens with the password");
    }
    // Locking drops the keys again.
    thief.lock();
    assert_eq!(opens(&thief, &docs[0].0).await, Err(UiCode::Locked));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_copy_is_refused_with_its_own_error_and_fetched_again() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let profile = Profile::open(&dir.path().join("laptop")).unwrap();
    let app = AppCore::new(profile.clone(), pdf_engine());
    app.login(&server.url, "leader1", "demo", None).await.unwrap();
    assert!(app.sync(&|_| {}).await.unwrap().failed.is_empty());
    let docs = documents(&app);
    let blobs = profile.blobs().unwrap();
    let [(cut, cut_sha), (flip, flip_sha), (swap, swap_sha), (other, other_sha), ..] = &docs[..] else {
        panic!("four documents needed: {docs:?}")
    };

    let bytes = std::fs::read(blobs.path(cut_sha)).unwrap();
    std::fs::write(blobs.path(cut_sha), &bytes[..bytes.len() / 2]).unwrap();
    let mut bytes = std::fs::read(blobs.path(flip_sha)).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x20;
    std::fs::write(blobs.path(flip_sha), &bytes).unwrap();
    std::fs::copy(blobs.path(other_sha), blobs.path(swap_sha)).unwrap();

    for id in [cut, flip, swap] {
        assert_eq!(opens(&app, id).await, Err(UiCode::DamagedCopy), "document {id}");
    }
    assert!(opens(&app, other).await.is_ok(), "the app and the other documents are fine");

    // The next sync fetches exactly the three dropped copies again.
    let again = app.sync(&|_| {}).await.unwrap();
    assert!(again.failed.is_empty(), "{:?}", again.failed);
    assert_eq!(again.blobs_downloaded, 3, "{again:?}");
    for id in [cut, flip, swap] {
        assert!(opens(&app, id).await.is_ok(), "document {id} opens again after the sync");
    }
    assert!(meeting_client::verify(&profile).unwrap().is_clean());
}

/// A profile from before encryption at rest: a plain `client.db` with the user's marks and
/// verified documents, plain blobs, no `keys.json`. Logging in encrypts the store in place
/// (the mark survives and is sent), drops the plain copies, and the next sync fetches every
/// document again, sealed.
#[tokio::test(flavor = "multi_thread")]
async fn a_profile_from_before_encryption_is_encrypted_in_place_and_loses_no_mark() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let laptop = dir.path().join("laptop");
    let profile = Profile::open(&laptop).unwrap();
    let app = AppCore::new(profile.clone(), pdf_engine());
    app.login(&server.url, "leader1", "demo", None).await.unwrap();
    assert!(app.sync(&|_| {}).await.unwrap().failed.is_empty());
    let docs = documents(&app);
    let doc = &docs[0].0;
    crate::util::meeting(&laptop, &["annotations", "add-note", doc, "1", "ghi chú từ bản cũ", "--json"]);
    // Turn it into what the older version left: the store decrypted to a plain file
    // (SQLCipher's export to an unkeyed database), no keys.
    let plain = dir.path().join("plain.db");
    {
        let db = crate::util::raw_db(&profile);
        db.execute("ATTACH DATABASE ?1 AS plain KEY ''", [plain.to_str().unwrap()]).unwrap();
        db.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(())).unwrap();
        db.execute_batch("DETACH DATABASE plain").unwrap();
    }
    drop(app);
    profile.lock_keys();
    for f in ["client.db-wal", "client.db-shm", "keys.json"] {
        let _ = std::fs::remove_file(laptop.join(f));
    }
    std::fs::rename(&plain, laptop.join("client.db")).unwrap();
    assert!(meeting_sqlite::is_plain(&laptop.join("client.db")));

    let upgraded = AppCore::new(Profile::open(&laptop).unwrap(), pdf_engine());
    assert!(!upgraded.session().unwrap().logged_in, "no keys yet: the login screen");
    upgraded.login(&server.url, "leader1", "demo", None).await.unwrap();
    assert!(!meeting_sqlite::is_plain(&laptop.join("client.db")), "encrypted in place");
    let report = upgraded.sync(&|_| {}).await.unwrap();
    assert_eq!(report.annotations.applied, 1, "the old mark reached the server: {report:?}");
    assert!(report.failed.is_empty() && report.blobs_downloaded >= docs.len(), "{report:?}");
    for (id, _) in &docs {
        let r = opens(&upgraded, id).await;
        assert!(r.is_ok(), "document {id} opens after the upgrade: {r:?}");
    }
}

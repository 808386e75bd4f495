//! Issue 10, acceptance 3: offline leases. With the server's confidential lease set to a
//! few seconds, a laptop offline past it can no longer open the confidential documents
//! (their level's key is gone, a copy of the file kept aside is noise, the files are
//! deleted, the meeting says they need a connection), still opens the normal ones, and
//! gets everything back at the next sync.

use std::time::Duration;

use meeting_client::Profile;
use meeting_client::app::{AppCore, UiCode};

use crate::util::{self, ServerOptions, TestServer, pdf_engine};

/// Every document on the device: (id, sha256, confidential).
fn documents(app: &AppCore) -> Vec<(String, String, bool)> {
    util::device_documents(app)
        .into_iter()
        .map(|d| (d.document.id.to_string(), d.document.sha256, d.document.confidential))
        .collect()
}

fn lease_expired(app: &AppCore, id: &str) -> bool {
    util::device_documents(app)
        .iter()
        .any(|d| d.document.id.to_string() == id && d.lease_expired && !d.available_offline)
}

async fn opens(app: &AppCore, id: &str) -> Result<(), UiCode> {
    let d = app.open_document(id, None).await.map_err(|e| e.code)?;
    let r = app.render_page(d.handle, 0, 200, meeting_pdf::Priority::Visible, 1, 1).await.map(drop).map_err(|e| e.code);
    app.close_document(d.handle);
    r
}

#[tokio::test(flavor = "multi_thread")]
async fn confidential_documents_past_their_lease_are_destroyed_and_come_back_at_the_next_sync() {
    let opts = ServerOptions { demo: true, lease_confidential: Some("5s".into()), ..Default::default() };
    let mut server = TestServer::start(opts).await;
    let dir = tempfile::tempdir().unwrap();
    let profile = Profile::open(&dir.path().join("laptop")).unwrap();
    let app = AppCore::new(profile.clone(), pdf_engine());
    app.login(&server.url, "leader1", "demo", None).await.unwrap();
    assert!(app.sync(&|_| {}).await.unwrap().failed.is_empty());
    // A second, quick sync renews the lease: the checks below run well inside it.
    app.sync(&|_| {}).await.unwrap();
    let docs = documents(&app);
    let secret: Vec<_> = docs.iter().filter(|d| d.2).cloned().collect();
    let normal: Vec<_> = docs.iter().filter(|d| !d.2).cloned().collect();
    assert!(!secret.is_empty() && !normal.is_empty(), "{docs:?}");
    let blobs = profile.blobs().unwrap();
    for (id, sha, _) in &secret {
        assert!(opens(&app, id).await.is_ok(), "{id} opens within the lease");
        assert_eq!(blobs.level(sha).unwrap(), Some(1), "sealed at the confidential level");
    }
    // A copy of a confidential file, kept aside as a thief would.
    let kept = dir.path().join("kept-aside");
    std::fs::copy(blobs.path(&secret[0].1), &kept).unwrap();

    // Offline past the lease.
    server.kill();
    tokio::time::sleep(Duration::from_secs(6)).await;
    for (id, sha, _) in &secret {
        assert!(lease_expired(&app, id), "the meeting shows {id} needs a connection");
        assert!(!blobs.path(sha).exists(), "the file of {id} is deleted");
        assert!(opens(&app, id).await.is_err(), "{id} does not open past its lease");
    }
    // The copy kept aside is noise now: the level's key cannot be made again offline.
    std::fs::copy(&kept, blobs.path(&secret[0].1)).unwrap();
    assert!(matches!(blobs.source(&secret[0].1), Err(meeting_client::ClientError::LeaseExpired)));
    std::fs::remove_file(blobs.path(&secret[0].1)).unwrap();
    let rows: i64 =
        util::raw_db(&profile).query_row("SELECT COUNT(*) FROM leases WHERE level = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 0, "the confidential secret is destroyed");
    for (id, _, _) in &normal {
        assert!(opens(&app, id).await.is_ok(), "normal document {id} still opens offline");
    }

    // Back in contact: the lease is renewed, the documents come back.
    server.restart_same_port().await;
    let report = app.sync(&|_| {}).await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(report.blobs_downloaded >= secret.len(), "{report:?}");
    // As above, a second, quick sync renews the lease: the downloads of the first may
    // outlast this test's 5-second one (from a bucket, on a busy machine).
    app.sync(&|_| {}).await.unwrap();
    for (id, _, _) in &secret {
        assert!(!lease_expired(&app, id));
        assert!(opens(&app, id).await.is_ok(), "{id} is back after the sync");
    }
}

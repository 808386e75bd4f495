//! Issue 10, "no offline copy": a confidential document the office marks so opens only
//! while connected, streamed into memory, never cached.
//!
//! leader1's laptop has synced everything; the secretary then forbids an offline copy of
//! one document (`meeting prepare offline-copy ID off`). At the laptop's next sync its
//! copy leaves the disk and its words the search index, while the meeting still counts
//! as ready offline; the document opens (every page, watermarked) while the server is up,
//! with nothing of it written anywhere in the profile; with the server down it is
//! refused with its own code, and every other document still opens.

use meeting_client::Profile;
use meeting_client::app::{AppCore, UiCode};

use crate::util::{
    self, TestServer, files_under, meeting, meeting_login, open_every_page as open_all_pages, pdf_engine,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_document_with_no_offline_copy_opens_only_while_connected_and_never_touches_the_disk() {
    let mut server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let laptop = Profile::open(&dir.path().join("laptop")).unwrap();
    laptop.login(&server.url, "leader1", "demo").await.unwrap();
    let app = AppCore::new(laptop.clone(), pdf_engine());
    assert!(app.sync(&|_| {}).await.unwrap().failed.is_empty());
    let docs = util::device_documents(&app);
    // A cached document whose title the search finds in it (so the index holds words of it).
    let target = docs
        .iter()
        .filter(|d| d.available_offline)
        .find(|d| {
            app.search(&d.document.title, None).unwrap().iter().any(|h| h.document_id == d.document.id.to_string())
        })
        .expect("a cached, indexed document")
        .document
        .clone();
    let id = target.id.to_string();

    let secretary = dir.path().join("secretary");
    meeting_login(&secretary, &server.url, "secretary1");
    meeting(&secretary, &["prepare", "offline-copy", &id, "off"]);

    let report = app.sync(&|_| {}).await.unwrap();
    assert!(report.blobs_removed >= 1, "the cached copy is removed: {report:?}");
    let now = util::device_documents(&app);
    let doc = now.iter().find(|d| d.document.id == target.id).unwrap();
    assert!(!doc.document.offline_copy && !doc.available_offline, "{doc:?}");
    let blob_files: Vec<_> = files_under(&dir.path().join("laptop/blobs"))
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains(&target.sha256)))
        .collect();
    assert!(blob_files.is_empty(), "no file of it in the cache: {blob_files:?}");
    let m = app.meetings().unwrap().into_iter().find(|m| m.meeting.id == target.meeting_id).unwrap();
    assert!(m.ready_offline, "the meeting is still ready offline: the document is not meant to be here: {m:?}");
    let hits = app.search(&target.title, None).unwrap();
    assert!(hits.iter().all(|h| h.document_id != id), "no word of it stays in the index");

    // Connected: it opens, every page, streamed.
    let before: Vec<_> = files_under(&dir.path().join("laptop"));
    let pages = open_all_pages(&app, &id).await.expect("opens while connected");
    assert_eq!(pages as i64, target.page_count);
    let written: Vec<_> = files_under(&dir.path().join("laptop")).into_iter().filter(|f| !before.contains(f)).collect();
    assert!(written.is_empty(), "opening it wrote no file: {written:?}");
    for f in files_under(&dir.path().join("laptop")) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(!bytes.windows(5).any(|w| w == b"%PDF-"), "no plaintext PDF in {}", f.display());
    }

    // Offline: refused with its own code; the others still open.
    server.kill();
    assert_eq!(open_all_pages(&app, &id).await, Err(UiCode::OnlineOnly));
    for other in now.iter().filter(|d| d.document.id != target.id && d.available_offline) {
        assert!(
            open_all_pages(&app, &other.document.id.to_string()).await.is_ok(),
            "{} opens offline",
            other.document.title
        );
    }

    // Allowed again: the next sync brings the copy back.
    server.restart_same_port().await;
    meeting(&secretary, &["prepare", "offline-copy", &id, "on"]);
    let report = app.sync(&|_| {}).await.unwrap();
    assert_eq!(report.blobs_downloaded, 1, "{report:?}");
    server.kill();
    assert!(open_all_pages(&app, &id).await.is_ok(), "cached again: opens offline");
}

//! Issue 10, acceptance 6: opens of documents made on a device offline reach the server
//! after reconnecting, once each; the secretariat sees who opened what, when, on which
//! device; an open sent twice is recorded once; nobody else reads them.

use meeting_client::Profile;
use meeting_client::app::AppCore;
use reqwest::Method;
use serde_json::json;

use crate::util::{Http, TestServer, meeting, meeting_login, pdf_engine};

/// The demo office, leader1's laptop synced, a secretary's session, the regular
/// meeting and its agenda's documents.
async fn leader1_synced()
-> (TestServer, tempfile::TempDir, std::sync::Arc<AppCore>, Http, String, Vec<meeting_protocol::Document>) {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let app = AppCore::new(Profile::open(&dir.path().join("laptop")).unwrap(), pdf_engine());
    app.login(&server.url, "leader1", "demo", None).await.unwrap();
    assert!(app.sync(&|_| {}).await.unwrap().failed.is_empty());
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    let local = app.meeting(&mid).unwrap();
    let docs = local.agenda.iter().flat_map(|a| &a.documents).map(|d| d.document.clone()).collect();
    (server, dir, app, sec, mid, docs)
}

#[tokio::test(flavor = "multi_thread")]
async fn three_offline_opens_reach_the_server_once_each() {
    let (mut server, dir, app, _, mid, docs) = leader1_synced().await;
    assert!(docs.len() >= 2);

    // Offline: the report twice, another document once.
    server.kill();
    for d in [&docs[0], &docs[0], &docs[1]] {
        let opened = app.open_document(&d.id.to_string(), None).await.unwrap();
        app.close_document(opened.handle);
    }
    server.restart_same_port().await;
    let report = app.sync(&|_| {}).await.unwrap();
    assert_eq!(report.opens_sent, 3, "{report:?}");
    assert_eq!(app.sync(&|_| {}).await.unwrap().opens_sent, 0, "nothing is sent twice");

    // The secretary sees exactly those three, with who, which device, which version.
    let sec = Http::login(&server.url, "secretary1").await;
    let opens = sec.get(&format!("/meetings/{mid}/opens")).await;
    let opens = opens.as_array().unwrap();
    assert_eq!(opens.len(), 3, "{opens:?}");
    assert!(opens.iter().all(|o| o["display_name"].as_str().is_some_and(|n| !n.is_empty())));
    assert_eq!(opens.iter().filter(|o| o["document_id"] == docs[0].id.to_string()).count(), 2);
    assert_eq!(opens.iter().filter(|o| o["document_id"] == docs[1].id.to_string()).count(), 1);
    assert!(opens.iter().all(|o| o["version"] == 1 && o["device_name"].is_string()));
    let leader1 = sec.user_id("leader1").await;
    assert!(opens.iter().all(|o| o["user_id"] == leader1.as_str()));
    // The same from the CLI.
    let cli = dir.path().join("secretary-cli");
    meeting_login(&cli, &server.url, "secretary1");
    let listed = meeting(&cli, &["prepare", "opens", &mid, "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 3);

    // Participating leaders do not read the audit; an open sent again is recorded once;
    // one of a meeting the sender cannot see is refused.
    let l1 = Http::login(&server.url, "leader1").await;
    assert_eq!(l1.send(Method::GET, &format!("/meetings/{mid}/opens"), None).await.status.as_u16(), 403);
    let open = json!({"id": "01930000-0000-7000-8000-000000000001", "document_id": docs[1].id,
                      "sha256": docs[1].sha256, "opened_at": "2026-12-03T08:00:00Z"});
    let first = l1.send(Method::POST, "/opens", Some(json!({"opens": [open.clone()]}))).await.expect(200);
    let again = l1.send(Method::POST, "/opens", Some(json!({"opens": [open.clone()]}))).await.expect(200);
    assert_eq!((first["recorded"].as_u64(), again["duplicates"].as_u64()), (Some(1), Some(1)));
    let other_meeting = sec.meeting_id("giải phóng mặt bằng").await;
    let secret_doc = &sec.get(&format!("/meetings/{other_meeting}")).await["documents"][0];
    let leader2 = Http::login(&server.url, "leader2").await;
    let snoop = json!({"opens": [{"id": "01930000-0000-7000-8000-000000000002", "document_id": secret_doc["id"],
                        "sha256": secret_doc["sha256"], "opened_at": "2026-12-03T08:00:00Z"}]});
    assert_eq!(leader2.send(Method::POST, "/opens", Some(snoop)).await.expect(200)["refused"], 1);
    assert_eq!(sec.get(&format!("/meetings/{mid}/opens")).await.as_array().unwrap().len(), 4);
}

/// The meeting view opens the reader's likely next document ahead of the click
/// (`AppCore::warm_document`): that is not reading it, and a version that arrived since
/// is what the reader gets.
#[tokio::test(flavor = "multi_thread")]
async fn a_document_opened_ahead_is_no_open_until_read_and_never_an_old_version() {
    let (_server, _dir, app, sec, mid, docs) = leader1_synced().await;
    let doc = docs[0].clone();
    let id = doc.id.to_string();

    app.warm_document(&id).await.unwrap();
    app.warm_document(&id).await.unwrap();
    assert_eq!(app.sync(&|_| {}).await.unwrap().opens_sent, 0, "opening ahead is not reading");
    let opened = app.open_document(&id, None).await.unwrap();
    assert_eq!(opened.sha256, doc.sha256);
    let page = app.render_page(opened.handle, 0, 300, meeting_pdf::Priority::Visible, 1, 1).await.unwrap();
    assert!(page.len() > 300 * 4, "the document opened ahead renders");
    app.close_document(opened.handle);
    assert_eq!(app.sync(&|_| {}).await.unwrap().opens_sent, 1, "reading it is one open");

    // Opened ahead, then the secretary publishes a new version and the device syncs.
    app.warm_document(&id).await.unwrap();
    let v2 = crate::util::make_pdf("Báo cáo bổ sung", "Bản mới: số liệu quý IV.\nTrang hai.");
    sec.send_raw(Method::PUT, &format!("/documents/{id}/content?filename=bao-cao-v2.pdf"), "application/pdf", v2)
        .await
        .expect(200);
    assert!(app.sync(&|_| {}).await.unwrap().failed.is_empty());
    let fresh = app.meeting(&mid).unwrap();
    let now = fresh.agenda.iter().flat_map(|a| &a.documents).find(|d| d.document.id == doc.id).unwrap();
    assert_ne!(now.document.sha256, doc.sha256);
    let opened = app.open_document(&id, None).await.unwrap();
    assert_eq!(opened.sha256, now.document.sha256, "the new version, not the one opened ahead");
    app.close_document(opened.handle);
}

/// The meeting view draws the cover of the document opened ahead as the viewer will ask
/// for it (`AppCore::prepare_cover`): the viewer's first rows are those pixels, the same
/// as the worker draws; a request they do not hold is drawn as ever.
#[tokio::test(flavor = "multi_thread")]
async fn a_cover_drawn_ahead_is_the_page_the_worker_draws() {
    let (_server, _dir, app, _sec, _mid, docs) = leader1_synced().await;
    let id = docs[0].id.to_string();
    let shape = app.warm_document(&id).await.unwrap().expect("its offline copy is opened ahead");
    assert!(shape.width > 100.0 && shape.height > 100.0 && shape.widest >= shape.width, "{shape:?}");
    assert_eq!(app.warm_document(&id).await.unwrap(), Some(shape), "warming again answers the same");
    app.prepare_cover(&id, 300, Some((0, 200))).await.unwrap();
    // The pointer resting on it again: rows it holds already are not drawn again.
    app.prepare_cover(&id, 300, Some((0, 150))).await.unwrap();
    app.prepare_cover("not-a-document", 300, None).await.unwrap();

    let opened = app.open_document(&id, None).await.unwrap();
    let h = opened.handle;
    let rows = |r| app.render_page_rows(h, 0, 300, r, meeting_pdf::Priority::Visible, 1, 1);
    let ahead = rows(Some((40, 100))).await.unwrap();
    assert_eq!((ahead.width, ahead.height, ahead.rgba.len()), (300, 100, 300 * 100 * 4));
    // Let go once used: the same rows again are the worker's, and the same pixels.
    let drawn = rows(Some((40, 100))).await.unwrap();
    assert!(ahead.rgba[..] == drawn.rgba[..], "the rows drawn ahead are the page's rows");
    assert!(ahead.rgba.iter().any(|&b| b < 200), "the rows hold the page's text, not white");
    let whole = rows(None).await.unwrap();
    assert_eq!(whole.width, 300);
    assert!(whole.height > 200);
    app.close_document(h);
    assert!(app.open_document(&id, None).await.is_ok(), "opened again, without anything ahead");
}

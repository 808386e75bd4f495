//! Offline search after sync: Vietnamese typed without diacritics finds the documents
//! with them (đ/Đ included), only among the meetings the user takes part in, and
//! documents that leave the device leave the index.

use reqwest::Method;

use crate::util::{self, Http, TestServer};

fn sync_options() -> meeting_client::SyncOptions {
    let pdf = meeting_pdf::PdfService::start(
        meeting_pdf::WorkerCommand {
            program: env!("CARGO_BIN_EXE_e2e-meeting").into(),
            args: vec![meeting_client::cli::PDF_WORKER_ARG.into()],
        },
        meeting_pdf::ServiceOptions::default(),
    );
    meeting_client::SyncOptions { pdf: Some(pdf), ..Default::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn vietnamese_without_diacritics_finds_synced_documents() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let laptop = util::profile(dir.path(), "leader2");
    laptop.login(&server.url, "leader2", "demo").await.unwrap();
    let report = meeting_client::sync(&laptop, &sync_options(), &|_| {}).await.unwrap();
    assert_eq!(report.index.indexed, report.blobs_downloaded, "{:?}", report.index);
    assert!(report.index.pages >= 2 * report.index.indexed);

    let store = laptop.store().unwrap();
    let hits = store.search("cai cach hanh chinh", None, 100).unwrap();
    assert!(!hits.is_empty());
    for h in &hits {
        let shown: String = h.snippet.chars().skip(h.highlight.0).take(h.highlight.1 - h.highlight.0).collect();
        assert_eq!(shown.to_lowercase(), "cải cách hành chính", "in {:?}", h.snippet);
    }
    let dong = store.search("dong", None, 100).unwrap();
    assert!(dong.iter().any(|h| h.snippet.contains("đồng")), "dong must find đồng");
    assert!(!store.search("DONG CHI", None, 5).unwrap().is_empty(), "case and đ fold on the query side too");
    assert!(!store.search("Đồng chí", None, 5).unwrap().is_empty(), "typing the diacritics works as well");
    assert!(
        store.search("boi thuong", None, 100).unwrap().iter().all(|h| !h.meeting_title.contains("giải phóng mặt bằng"))
    );

    // Within one meeting only.
    let mid = hits[0].meeting_id.clone();
    assert!(store.search("cai cach", Some(&mid), 100).unwrap().iter().all(|h| h.meeting_id == mid));

    // A document removed on the server leaves the index at the next sync.
    let sec = Http::login(&server.url, "secretary1").await;
    let doc = hits[0].document_id.clone();
    sec.send(Method::DELETE, &format!("/documents/{doc}"), None).await.expect(204);
    meeting_client::sync(&laptop, &sync_options(), &|_| {}).await.unwrap();
    let after = laptop.store().unwrap().search("cai cach hanh chinh", None, 100).unwrap();
    assert!(after.iter().all(|h| h.document_id != doc));
    assert!(!after.is_empty());
}

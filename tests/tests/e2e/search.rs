//! Offline search after sync: Vietnamese typed without diacritics finds the documents
//! with them (đ/Đ included), only among the meetings the user takes part in, and
//! documents that leave the device leave the index; the words of marks are found too.

use reqwest::Method;
use serde_json::Value;

use crate::util::{self, Http, TestServer, meeting};

fn sync_options() -> meeting_client::SyncOptions {
    let pdf = meeting_pdf::PdfService::start(
        meeting_pdf::WorkerCommand {
            program: env!("CARGO_BIN_EXE_e2e-meeting").into(),
            args: vec![meeting_client::PDF_WORKER_ARG.into()],
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

/// Marks are found by their words too (`meeting annotations search`, the app's search
/// page): a note's own words and the words a highlight covers, folded like the page
/// index; another leader finds a note shared with the participants, never a private one.
#[tokio::test(flavor = "multi_thread")]
async fn notes_and_highlighted_words_are_found_typed_without_diacritics() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let (mine, other) = (dir.path().join("leader1"), dir.path().join("leader2"));
    util::login_and_sync(&util::profile(dir.path(), "leader1"), &server.url, "leader1").await;
    util::login_and_sync(&util::profile(dir.path(), "leader2"), &server.url, "leader2").await;
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    let pdf = util::make_pdf(
        "Báo cáo giải ngân",
        "Đề nghị đẩy nhanh tiến độ giải ngân vốn đầu tư công.\n\nSở Tài chính báo cáo kết quả.",
    );
    let uploaded = sec.upload(&mid, "giai-ngan.pdf", pdf).await.expect(201);
    let (doc, title) = (uploaded["id"].as_str().unwrap(), uploaded["title"].as_str().unwrap());
    meeting(&mine, &["sync", "--json"]);
    let note = |text: &str, visibility: &str| {
        let v = meeting(&mine, &["annotations", "add-note", doc, "1", text, "--visibility", visibility, "--json"]);
        v["id"].as_str().unwrap().to_owned()
    };
    let shared = note("Hỏi Sở Tài chính vì sao đồng vốn về chậm", "participants");
    let private = note("Riêng: cần xem lại số liệu quý III", "private");
    let hl = meeting(&mine, &["annotations", "highlight", doc, "--find", "tiến độ giải ngân", "--json"]);

    let search = |profile: &std::path::Path, query: &str| -> Vec<Value> {
        meeting(profile, &["annotations", "search", query, "--json"]).as_array().unwrap().clone()
    };
    let ids = |hits: &[Value]| -> Vec<String> {
        hits.iter().map(|h| h["mark"]["annotation"]["id"].as_str().unwrap().to_owned()).collect()
    };
    // The words a highlight covers, typed without diacritics; the match shown from the
    // original words, and where the mark is.
    let found = search(&mine, "tien do giai ngan");
    assert_eq!(ids(&found), [hl["id"].as_str().unwrap()]);
    let snippet: Vec<char> = found[0]["snippet"].as_str().unwrap().chars().collect();
    let (a, b) =
        (found[0]["highlight"][0].as_u64().unwrap() as usize, found[0]["highlight"][1].as_u64().unwrap() as usize);
    assert_eq!(snippet[a..b].iter().collect::<String>(), "tiến độ giải ngân");
    assert_eq!(found[0]["place"].as_str(), Some(title));
    assert!(found[0]["meeting_title"].as_str().unwrap().starts_with("Phiên họp thường kỳ"));
    // đ folds to d, case is ignored, the last word may be cut short; words in order.
    assert_eq!(ids(&search(&mine, "DONG VON")), [shared.as_str()]);
    assert_eq!(ids(&search(&mine, "so lieu qu")), [private.as_str()]);
    assert!(search(&mine, "von dong").is_empty(), "the words in the query's order");

    // Another participant, once both have synced: the shared note only.
    meeting(&mine, &["sync", "--json"]);
    meeting(&other, &["sync", "--json"]);
    assert_eq!(ids(&search(&other, "dong von")), [shared.as_str()]);
    assert!(search(&other, "so lieu").is_empty(), "a private note stays its author's");
    assert!(search(&other, "giai ngan").is_empty(), "a private highlight too");
}

//! Issue 10, acceptance 5 (the app's side): the pages the app renders carry the viewer's
//! name and the time in their pixels — they differ from bare pdfium's render of the same
//! document — and an exported flattened copy carries the same words in its pages (their
//! text extracts with pdftotext). The office can turn the watermark off for a meeting;
//! confidential documents keep it.

use meeting_client::Profile;
use meeting_client::app::AppCore;
use meeting_pdf::Priority;
use reqwest::Method;
use serde_json::json;

use crate::util::{Http, TestServer, pdf_engine};

/// Every document on the device: (id, sha256, confidential, meeting id).
fn documents(app: &AppCore) -> Vec<(String, String, bool, String)> {
    crate::util::device_documents(app)
        .into_iter()
        .map(|d| {
            let doc = d.document;
            (doc.id.to_string(), doc.sha256, doc.confidential, doc.meeting_id.to_string())
        })
        .collect()
}

/// The app's render of page 1, and bare pdfium's render of the same bytes.
async fn app_and_bare(app: &AppCore, profile: &Profile, id: &str, sha: &str) -> (Vec<u8>, Vec<u8>) {
    let d = app.open_document(id, None).await.unwrap();
    let shown = app.render_page(d.handle, 0, 700, Priority::Visible, 1, 1).await.unwrap();
    app.close_document(d.handle);
    let bare_engine = pdf_engine();
    let (h, _) = bare_engine.open(profile.blobs().unwrap().source(sha).unwrap(), None).await.unwrap();
    let bare = bare_engine.render(h, 0, 700, Priority::Visible, None).await.unwrap();
    // The app answers a frame: the pixels, then their size.
    (shown[..shown.len() - meeting_pdf::FRAME_TRAILER].to_vec(), bare.rgba.to_vec())
}

fn differing(a: &[u8], b: &[u8]) -> usize {
    a.chunks_exact(4).zip(b.chunks_exact(4)).filter(|(x, y)| x != y).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_and_flattened_copies_carry_the_viewers_name_unless_the_office_turns_it_off() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let profile = Profile::open(&dir.path().join("laptop")).unwrap();
    let app = AppCore::new(profile.clone(), pdf_engine());
    app.login(&server.url, "leader1", "demo", None).await.unwrap();
    assert!(app.sync(&|_| {}).await.unwrap().failed.is_empty());
    let docs = documents(&app);
    let (id, sha, _, mid) = docs.iter().find(|d| !d.2).cloned().unwrap();
    let (secret_id, secret_sha, _, secret_mid) = docs.iter().find(|d| d.2).cloned().unwrap();

    let (shown, bare) = app_and_bare(&app, &profile, &id, &sha).await;
    assert_eq!(shown.len(), bare.len());
    assert!(differing(&shown, &bare) > 1000, "the app's page carries a watermark bare pdfium does not draw");

    // The flattened copy carries the viewer's name in its pages' content.
    let exports = dir.path().join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    let out = exports.join("flat.pdf");
    let pdf = pdf_engine();
    meeting_client::export::export_document(&profile, &pdf, &id, &out, meeting_pdf::ExportMode::Flattened, None)
        .await
        .unwrap();
    let text = std::process::Command::new("pdftotext").arg(&out).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Nguyễn Văn An"), "the copy names its viewer: {}", &text[..text.len().min(400)]);

    // The secretary turns it off for that one document (CLI), then for the whole
    // meeting (API): normal documents render bare after the next sync; confidential
    // ones keep it.
    let sec_cli = dir.path().join("secretary");
    crate::util::meeting_login(&sec_cli, &server.url, "secretary1");
    crate::util::meeting(&sec_cli, &["prepare", "watermark", &id, "off", "--document"]);
    app.sync(&|_| {}).await.unwrap();
    let (shown, bare) = app_and_bare(&app, &profile, &id, &sha).await;
    assert_eq!(differing(&shown, &bare), 0, "no watermark on the document the office exempted");
    let sec = Http::login(&server.url, "secretary1").await;
    for m in [&mid, &secret_mid] {
        sec.send(Method::PATCH, &format!("/meetings/{m}"), Some(json!({"watermark": false}))).await.expect(200);
    }
    app.sync(&|_| {}).await.unwrap();
    let (other, other_sha, _, _) =
        docs.iter().find(|d| !d.2 && d.3 == mid && d.0 != id).cloned().expect("another normal document in the meeting");
    let (shown, bare) = app_and_bare(&app, &profile, &other, &other_sha).await;
    assert_eq!(differing(&shown, &bare), 0, "no watermark once the office turned it off for the meeting");
    let (shown, bare) = app_and_bare(&app, &profile, &secret_id, &secret_sha).await;
    assert!(differing(&shown, &bare) > 1000, "a confidential document keeps its watermark");
}

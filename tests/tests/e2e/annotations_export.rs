//! Annotated copies and carry-over (issue 4, acceptance 5 and 6): a real server, real
//! profiles driven through the `meeting` CLI, the copy judged by `qpdf --check` and by
//! pdfium, new document versions uploaded by the secretary.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::Method;
use serde_json::Value;

use crate::util::{self, Http, TestServer, make_pdf, meeting, pdf_engine, sha256_hex};

const V1: &str = "Mở đầu báo cáo về tình hình thực hiện nhiệm vụ.\n\n\
Đề nghị tăng ngân sách cho y tế cơ sở trong năm tới.\n\n\
Giữ nguyên chỉ tiêu giáo dục như kế hoạch đã giao.";

/// A leader's profile and a document of ours in the demo meeting, synced.
async fn setup(server: &TestServer, dir: &Path, body: &str) -> (PathBuf, String, Vec<u8>, Http) {
    let laptop = dir.join("leader1-laptop");
    util::login_and_sync(&util::profile(dir, "leader1-laptop"), &server.url, "leader1").await;
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    let pdf = make_pdf("Báo cáo ngân sách", body);
    let doc = sec.upload(&mid, "ngan-sach.pdf", pdf.clone()).await.expect(201)["id"].as_str().unwrap().to_owned();
    meeting(&laptop, &["sync", "--json"]);
    (laptop, doc, pdf, sec)
}

/// The characters of a page whose centres lie inside `r`: the words a mark covers.
fn covered(text: &meeting_pdf::PageText, r: meeting_pdf::Rect) -> String {
    text.chars
        .iter()
        .filter(|c| {
            let (x, y) = ((c.rect.left + c.rect.right) / 2.0, (c.rect.bottom + c.rect.top) / 2.0);
            x > r.left && x < r.right && y > r.bottom && y < r.top
        })
        .map(|c| c.ch)
        .collect()
}

fn qpdf_check(path: &Path) {
    let out = Command::new("qpdf").arg("--check").arg(path).output().expect("qpdf (scripts/setup installs it)");
    assert!(out.status.success(), "qpdf --check {}: {}", path.display(), String::from_utf8_lossy(&out.stdout));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exported_copy_passes_qpdf_holds_the_annotations_and_the_cached_original_is_unchanged() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let (laptop, doc, original, _) = setup(&server, dir.path(), V1).await;
    let hl =
        meeting(&laptop, &["annotations", "highlight", &doc, "--find", "tăng ngân sách", "--text", "Ủng hộ", "--json"]);
    let note = meeting(&laptop, &["annotations", "add-note", &doc, "1", "Cần số liệu quý III", "--json"]);
    let blobs = util::unlocked_profile(dir.path(), "leader1-laptop").blobs().unwrap();
    let cached = blobs.path(&sha256_hex(&original));
    let sealed_before = std::fs::read(&cached).unwrap();
    assert!(!sealed_before.windows(5).any(|w| w == b"%PDF-"), "the cached copy is encrypted");

    let out = dir.path().join("ban-co-ghi-chu.pdf");
    let xfdf = dir.path().join("ban-co-ghi-chu.xfdf");
    let report =
        meeting(&laptop, &["export", &doc, "--out", out.to_str().unwrap(), "--xfdf", xfdf.to_str().unwrap(), "--json"]);
    assert_eq!(report["annotations"], 2);
    qpdf_check(&out);
    assert_eq!(std::fs::read(&cached).unwrap(), sealed_before, "the cached original is untouched");
    assert_eq!(blobs.read(&sha256_hex(&original)).unwrap(), original, "and decrypts to the original");
    assert!(std::fs::read(&out).unwrap().starts_with(&original), "the copy is the original plus an update");
    meeting(&laptop, &["verify", "--json"]);

    let pdf = pdf_engine();
    let (copy, _) = pdf.open(&out, None).await.expect("pdfium opens the copy");
    let found = pdf.annotations(copy, 0).await.unwrap();
    let by_name = |id: &Value| found.iter().find(|a| a.name.as_deref() == id.as_str()).cloned();
    let highlight = by_name(&hl["id"]).expect("the highlight is in the copy");
    assert_eq!((highlight.kind.as_str(), highlight.contents.as_deref()), ("highlight", Some("Ủng hộ")));
    let sticky = by_name(&note["id"]).expect("the note is in the copy");
    assert_eq!((sticky.kind.as_str(), sticky.contents.as_deref()), ("text", Some("Cần số liệu quý III")));
    // The highlight sits on the words it was made from.
    let text = pdf.text(copy, 0).await.unwrap();
    assert_eq!(covered(&text, highlight.rect).trim(), "tăng ngân sách");

    let xml = std::fs::read_to_string(&xfdf).unwrap();
    assert!(xml.contains(&format!("name=\"{}\"", hl["id"].as_str().unwrap())), "{xml}");
    assert!(xml.contains("<contents>Cần số liệu quý III</contents>"));

    let flat = dir.path().join("ban-in.pdf");
    let report = meeting(&laptop, &["export", &doc, "--out", flat.to_str().unwrap(), "--flatten", "--json"]);
    assert_eq!(report["annotations"], 2);
    qpdf_check(&flat);
    let (flat_doc, _) = pdf.open(&flat, None).await.unwrap();
    assert!(pdf.annotations(flat_doc, 0).await.unwrap().is_empty(), "flattened: drawn, not annotations");

    let missing = Command::new(env!("CARGO_BIN_EXE_e2e-meeting"))
        .arg("--profile")
        .arg(&laptop)
        .env("MEETING_PASSWORD", "demo")
        .args(["export", "00000000-0000-0000-0000-000000000000", "--out"])
        .arg(dir.path().join("x.pdf"))
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not on this device"));
}

/// Annotation rows on one profile: id → the annotation.
fn annotations(profile: &Path) -> Vec<Value> {
    meeting(profile, &["annotations", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["annotation"]["shape"]["type"] == "highlight")
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn highlights_follow_their_words_into_a_new_version_or_are_flagged_for_review() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let (laptop, doc, _, sec) = setup(&server, dir.path(), V1).await;
    let budget = meeting(&laptop, &["annotations", "highlight", &doc, "--find", "tăng ngân sách cho y tế", "--json"]);
    let school = meeting(&laptop, &["annotations", "highlight", &doc, "--find", "chỉ tiêu giáo dục", "--json"]);
    meeting(&laptop, &["sync", "--json"]);
    let tablet = dir.path().join("leader1-tablet");
    util::login_and_sync(&util::profile(dir.path(), "leader1-tablet"), &server.url, "leader1").await;

    // Version 2: a paragraph inserted before the budget sentence, the education one gone.
    let v2 = make_pdf(
        "Báo cáo ngân sách",
        "Mở đầu báo cáo về tình hình thực hiện nhiệm vụ.\n\n\
         Đoạn mới: tình hình kinh tế xã hội của tỉnh trong quý ba có nhiều chuyển biến tích cực, \
         thu ngân sách đạt kế hoạch, các công trình trọng điểm được đẩy nhanh tiến độ.\n\n\
         Đề nghị tăng ngân sách cho y tế cơ sở trong năm tới.",
    );
    let v2_sha = sha256_hex(&v2);
    sec.send_raw(Method::PUT, &format!("/documents/{doc}/content?filename=ngan-sach-v2.pdf"), "application/pdf", v2)
        .await
        .expect(200);

    let report = meeting(&laptop, &["sync", "--json"]);
    assert_eq!(report["carried_over"], serde_json::json!({ "moved": 1, "needs_review": 1 }), "{report}");
    let rows = annotations(&laptop);
    let find = |id: &Value| rows.iter().find(|r| r["annotation"]["id"] == *id).cloned().unwrap();
    let moved = find(&budget["id"]);
    assert_eq!(moved["annotation"]["document_sha256"], v2_sha.as_str());
    assert_eq!(moved["annotation"]["needs_review"], false);
    assert_eq!(moved["sync"], "synced", "the move reached the server in the same sync");
    let old_y = budget["shape"]["quads"][0]["points"][0]["y"].as_f64().unwrap();
    let new_y = moved["annotation"]["shape"]["quads"][0]["points"][0]["y"].as_f64().unwrap();
    assert!(new_y < old_y - 10.0, "the words moved down the page: {old_y} → {new_y}");
    let flagged = find(&school["id"]);
    assert_eq!(flagged["annotation"]["needs_review"], true, "its words are gone: flagged, kept");

    // The highlight lands on the same words in version 2.
    let pdf = pdf_engine();
    let blob = util::unlocked_profile(dir.path(), "leader1-laptop").blobs().unwrap().source(&v2_sha).unwrap();
    let (v2_doc, _) = pdf.open(blob, None).await.unwrap();
    let page = moved["annotation"]["page"].as_u64().unwrap() as u32;
    let text = pdf.text(v2_doc, page).await.unwrap();
    let quad = &moved["annotation"]["shape"]["quads"][0]["points"];
    let (top, bottom) = (quad[0]["y"].as_f64().unwrap() as f32, quad[2]["y"].as_f64().unwrap() as f32);
    let (left, right) = (quad[0]["x"].as_f64().unwrap() as f32, quad[1]["x"].as_f64().unwrap() as f32);
    let box_ = meeting_pdf::Rect { left, bottom, right, top };
    assert_eq!(covered(&text, box_).trim(), "tăng ngân sách cho y tế");

    // The other device does the same move: the server takes it once, no conflict copies.
    let report = meeting(&tablet, &["sync", "--json"]);
    assert_eq!(report["annotations"]["conflicts"], 0, "{report}");
    let on_tablet = annotations(&tablet);
    assert_eq!(on_tablet.len(), 2, "no copies: {on_tablet:?}");
    assert!(
        on_tablet.iter().all(|r| r["conflict_of"].is_null() && r["annotation"]["document_sha256"] == v2_sha.as_str())
    );
    let versions = server.sql().i64s("SELECT version FROM annotations ORDER BY id", &[]);
    assert_eq!(versions, [2, 2], "one move per annotation on the server");

    // A copy for printing leaves out what needs review, and says so.
    let out = dir.path().join("v2.pdf");
    let report = meeting(&laptop, &["export", &doc, "--out", out.to_str().unwrap(), "--json"]);
    assert_eq!((report["annotations"].as_u64(), report["left_out"].as_u64()), (Some(1), Some(1)));
}

//! Office files become PDFs on the server, by LibreOffice, through the converter
//! service: Vietnamese text survives; a damaged file, a conversion that hangs and a
//! server without LibreOffice each fail with their own code; a hung conversion leaves no
//! process behind and the next one succeeds; other users are served meanwhile.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use meeting_e2e::office;
use reqwest::Method;
use serde_json::{Value, json};

use crate::util::{Http, Reply, ServerOptions, TestServer, make_pdf};

/// Text of a PDF as `pdftotext` (poppler, an independent reader) extracts it.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn soffice() -> PathBuf {
    meeting_server::convert::find_program()
        .expect("LibreOffice (soffice) is needed for the conversion tests: scripts/setup installs it")
}

/// Uploads any file to a meeting.
pub async fn upload(sec: &Http, mid: &str, name: &str, bytes: Vec<u8>, extra: &str) -> Reply {
    let path = format!("/meetings/{mid}/documents?filename={}{extra}", urlencode(name));
    sec.send_raw(Method::POST, &path, "application/octet-stream", bytes).await
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect()
}

/// Polls a conversion until it is ready or failed.
pub async fn finished(sec: &Http, conversion: &Value, within: Duration) -> Value {
    let id = conversion["id"].as_str().unwrap();
    let start = Instant::now();
    loop {
        let c = sec.get(&format!("/conversions/{id}")).await;
        if matches!(c["state"].as_str(), Some("ready" | "failed")) {
            return c;
        }
        assert!(start.elapsed() < within, "conversion still {} after {within:?}", c["state"]);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A new draft meeting of the secretariat; its id.
pub async fn meeting(sec: &Http) -> String {
    let m = sec
        .send(
            Method::POST,
            "/meetings",
            Some(json!({"title": "Họp chuyển đổi tài liệu", "starts_at": "2026-12-10T08:00:00Z"})),
        )
        .await
        .expect(201);
    m["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn office_files_become_pdfs_with_their_vietnamese_words() {
    let server =
        TestServer::start(ServerOptions { demo_users: true, soffice: Some(soffice()), ..Default::default() }).await;
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = meeting(&sec).await;
    let docx = office::docx("Báo cáo tình hình kinh tế - xã hội", &["Đẩy mạnh cải cách hành chính, đồng bộ số liệu."]);
    let xlsx = office::xlsx(&[&["Chỉ tiêu", "Kết quả"], &["Thu ngân sách", "đạt 105%"]]);
    let accepted = upload(&sec, &mid, "Báo cáo KT-XH.docx", docx.clone(), "&confidential=true").await.expect(202);
    assert_eq!(accepted["state"], "queued");
    let sheet = upload(&sec, &mid, "so-lieu.xlsx", xlsx, "").await.expect(202);

    // While LibreOffice works, the server answers others at once.
    let leader = Http::login(&server.url, "leader1").await;
    let t = Instant::now();
    assert!(leader.meetings().await.is_empty());
    let r = upload(&sec, &mid, "to-trinh.pdf", make_pdf("Tờ trình", "Kính trình Ủy ban."), "").await;
    r.expect(201);
    assert!(t.elapsed() < Duration::from_secs(2), "requests waited for the converter: {:?}", t.elapsed());

    for (c, words) in [(&accepted, "cải cách hành chính"), (&sheet, "Thu ngân sách")] {
        let done = finished(&sec, c, Duration::from_secs(120)).await;
        assert_eq!(done["state"], "ready", "{done}");
        let doc = sec.get(&format!("/documents/{}", done["document_id"].as_str().unwrap())).await;
        assert!(doc["filename"].as_str().unwrap().ends_with(".pdf"));
        assert!(doc["page_count"].as_i64().unwrap() >= 1);
        let pdf = sec.send(Method::GET, &format!("/blobs/{}", doc["sha256"].as_str().unwrap()), None).await;
        assert!(pdf.bytes.starts_with(b"%PDF-"), "leaders receive a PDF");
        let text = pdf_text(&pdf.bytes);
        assert!(text.contains(words), "the words {words:?} did not survive the conversion: {text:?}");
    }
    let done = finished(&sec, &accepted, Duration::from_secs(1)).await;
    let doc_id = done["document_id"].as_str().unwrap().to_owned();
    let doc = sec.get(&format!("/documents/{doc_id}")).await;
    assert_eq!(doc["title"], "Báo cáo KT-XH");
    assert_eq!(doc["confidential"], true);
    assert_eq!(doc["original_filename"], "Báo cáo KT-XH.docx");
    // The original is kept, byte for byte, for the secretariat.
    let original = sec.send(Method::GET, &format!("/documents/{doc_id}/versions/1/original"), None).await;
    assert_eq!(original.status.as_u16(), 200);
    assert_eq!(original.bytes, docx);

    // A new version from a new DOCX: the id stays, the history shows both.
    let v2 = office::docx("Báo cáo tình hình kinh tế - xã hội (bổ sung)", &["Bổ sung số liệu quý IV."]);
    let r = sec
        .send_raw(
            Method::PUT,
            &format!("/documents/{doc_id}/content?filename=bao-cao-v2.docx"),
            "application/octet-stream",
            v2,
        )
        .await;
    let c = r.expect(202);
    assert_eq!(c["replaces"], true);
    let done = finished(&sec, &c, Duration::from_secs(120)).await;
    assert_eq!(done["document_id"], doc_id.as_str());
    let versions = sec.get(&format!("/documents/{doc_id}/versions")).await;
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1]["original_filename"], "bao-cao-v2.docx");
    let secretary = sec.user_id("secretary1").await;
    assert!(versions.iter().all(|v| v["uploaded_by"] == secretary.as_str()));
    let list = sec.get(&format!("/meetings/{mid}/conversions")).await;
    assert_eq!(list.as_array().unwrap().len(), 3);

    // Damaged: a DOCX cut short fails with its own code, and nothing became a document.
    let before = sec.get(&format!("/meetings/{mid}")).await["documents"].as_array().unwrap().len();
    let cut = docx[..docx.len() / 3].to_vec();
    let c = upload(&sec, &mid, "hong.docx", cut, "").await.expect(202);
    let done = finished(&sec, &c, Duration::from_secs(120)).await;
    assert_eq!(done["state"], "failed");
    assert_eq!(done["error"]["code"], "damaged_file", "{done}");
    assert!(done["error"]["message"].as_str().unwrap().contains("damaged"));
    assert_eq!(sec.get(&format!("/meetings/{mid}")).await["documents"].as_array().unwrap().len(), before);

    // All of it is in the audit trail.
    let audit = sec.get(&format!("/meetings/{mid}/audit")).await;
    let uploads = audit.as_array().unwrap().iter().filter(|e| e["action"] == "document.upload").count();
    let replaces = audit.as_array().unwrap().iter().filter(|e| e["action"] == "document.replace").count();
    assert_eq!((uploads, replaces), (3, 1));
}

/// A stand-in for soffice that hangs forever (with a child of its own, as soffice.bin
/// is) when the document says HANG, and otherwise runs the real one. It writes the pids
/// of the processes it leaves hanging beside itself.
pub(crate) fn hanging_converter(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let script = dir.join("soffice-standin");
    let body = format!(
        "#!/bin/sh\nfor a; do src=\"$a\"; done\nif grep -q HANG \"$src\"; then\n  sleep 600 &\n  echo $! >> {pids}\n  echo $$ >> {pids}\n  while :; do :; done\nfi\nexec {real} \"$@\"\n",
        pids = dir.join("pids").display(),
        real = soffice().display()
    );
    std::fs::write(&script, body).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// True while a process exists and is not a zombie.
fn alive(pid: &str) -> bool {
    // The state follows the command name in parentheses (which may hold spaces).
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit_once(") ").is_none_or(|(_, rest)| !rest.starts_with('Z')))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_conversion_is_killed_whole_and_the_next_one_succeeds() {
    let tools = tempfile::tempdir().unwrap();
    let standin = hanging_converter(tools.path());
    // 10 s: long enough for LibreOffice's first start on a busy two-core machine with the
    // file fetched from a bucket (4 s timed the normal file out on the PostgreSQL pass).
    let opts = ServerOptions {
        demo_users: true,
        soffice: Some(standin),
        convert_timeout_secs: Some(10),
        ..Default::default()
    };
    let server = TestServer::start(opts).await;
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = meeting(&sec).await;
    let c = upload(&sec, &mid, "treo.docx", office::docx("HANG", &["Tài liệu làm treo bộ chuyển đổi."]), "")
        .await
        .expect(202);
    let done = finished(&sec, &c, Duration::from_secs(60)).await;
    assert_eq!(done["error"]["code"], "conversion_timeout", "{done}");
    assert!(done["error"]["message"].as_str().unwrap().contains("10 seconds"));
    let pids = std::fs::read_to_string(tools.path().join("pids")).unwrap();
    let pids: Vec<&str> = pids.split_whitespace().collect();
    assert_eq!(pids.len(), 2, "the stand-in ran once");
    for pid in &pids {
        assert!(!alive(pid), "process {pid} of the hung conversion is still running");
    }
    let c = upload(&sec, &mid, "tot.docx", office::docx("Văn bản bình thường", &["Nội dung đầy đủ."]), "")
        .await
        .expect(202);
    let done = finished(&sec, &c, Duration::from_secs(120)).await;
    assert_eq!(done["state"], "ready", "the converter recovered: {done}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_libreoffice_pdfs_still_work_and_office_files_say_why_not() {
    let server = TestServer::start(ServerOptions { demo_users: true, no_converter: true, ..Default::default() }).await;
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = meeting(&sec).await;
    let t = Instant::now();
    let r = upload(&sec, &mid, "bao-cao.docx", office::docx("Báo cáo", &["Nội dung."]), "").await;
    assert_eq!(r.status.as_u16(), 503);
    assert_eq!(r.code(), "converter_unavailable");
    assert!(t.elapsed() < Duration::from_secs(5), "a refusal must not hang");
    upload(&sec, &mid, "bao-cao.pdf", make_pdf("Báo cáo", "Nội dung."), "").await.expect(201);
}

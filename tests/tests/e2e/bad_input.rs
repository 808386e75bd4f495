//! Acceptance 6: bad input gets a clear 4xx with a JSON `{code, message}` body, and
//! nothing is written: no change in the feed, no new blob, no leftover temporary file.

use reqwest::Method;
use serde_json::json;

use crate::util::{Http, Reply, ServerOptions, TestServer, make_pdf};

fn head(server: &TestServer) -> i64 {
    server.sql().i64("SELECT value FROM counters WHERE name = 'change_seq'", &[])
}

#[track_caller]
fn clear_error(r: &Reply, status: u16, code: &str, mentions: &str) {
    let body = r.expect(status);
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().unwrap_or("");
    assert!(message.to_lowercase().contains(mentions), "message {message:?} should mention {mentions:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_clear_json_errors_and_write_nothing() {
    let server = TestServer::start(ServerOptions { demo: true, max_upload_mib: Some(1), ..Default::default() }).await;
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    let (head_before, files_before) = (head(&server), server.stored_files());

    // Malformed and mistyped JSON.
    let r = sec.send_raw(Method::POST, "/meetings", "application/json", b"{\"title\": \"H\xe1\xbb\x8dp".to_vec()).await;
    clear_error(&r, 400, "bad_request", "json");
    let r = sec.send(Method::POST, "/meetings", Some(json!({"title": 5, "starts_at": "2026-12-01T08:00:00Z"}))).await;
    clear_error(&r, 400, "bad_request", "json");
    let r = sec.send(Method::POST, "/meetings", Some(json!({"title": "Họp", "starts_at": "tomorrow"}))).await;
    clear_error(&r, 400, "bad_request", "json");
    let r =
        sec.send(Method::POST, "/meetings", Some(json!({"title": "  ", "starts_at": "2026-12-01T08:00:00Z"}))).await;
    clear_error(&r, 400, "bad_request", "title");
    let r = sec
        .send(Method::POST, &format!("/meetings/{mid}/agenda"), Some(json!({"title": "Mục", "planned_time": "25:99"})))
        .await;
    clear_error(&r, 400, "bad_request", "planned_time");
    let r = sec.send(Method::PUT, &format!("/meetings/{mid}/agenda/order"), Some(json!({"item_ids": []}))).await;
    clear_error(&r, 400, "bad_request", "every agenda item");

    // Oversized bodies.
    let huge = json!({"title": "x".repeat(200_000), "starts_at": "2026-12-01T08:00:00Z"});
    let r = sec.send(Method::POST, "/meetings", Some(huge)).await;
    clear_error(&r, 413, "payload_too_large", "larger");
    // Far larger than any socket buffer: the answer must still reach the client, for
    // rejections mid-stream and before the body is read alike.
    let mut big_pdf = b"%PDF-1.7\n".to_vec();
    big_pdf.resize(12 * 1024 * 1024, b'x');
    let leader = Http::login(&server.url, "leader1").await;
    for _ in 0..3 {
        let r = sec.upload(&mid, "lon.pdf", big_pdf.clone()).await;
        clear_error(&r, 413, "payload_too_large", "larger");
        let r = sec.upload(&mid, "../lon.pdf", big_pdf.clone()).await;
        clear_error(&r, 400, "bad_request", "filename");
        let r = leader.upload(&mid, "lon.pdf", big_pdf.clone()).await;
        clear_error(&r, 403, "forbidden", "leader");
    }

    // Neither a PDF nor an office file; an office file that is plainly not one; a broken PDF.
    let r = sec.upload(&mid, "anh.png", b"\x89PNG\r\n\x1a\n rest of an image".to_vec()).await;
    clear_error(&r, 415, "unsupported_media_type", "pdf");
    let r = sec.upload(&mid, "bao-cao.docx", b"just some text, not a word document".to_vec()).await;
    clear_error(&r, 422, "damaged_file", "damaged");
    let r = sec.upload(&mid, "hong.pdf", b"%PDF-1.7\nthis is not really a pdf".to_vec()).await;
    clear_error(&r, 422, "damaged_file", "cannot be read");

    // Path traversal in the file name, plain and URL-encoded.
    let pdf = make_pdf("Tài liệu", "Nội dung.");
    for name in ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "..", ".hidden.pdf", "a\\b.pdf"] {
        let r = sec.upload(&mid, name, pdf.clone()).await;
        clear_error(&r, 400, "bad_request", "filename");
    }
    assert!(!server.data_dir().join("etc").exists());

    // Unknown ids, malformed ids, unknown routes, wrong methods.
    let nil = "00000000-0000-7000-8000-000000000000";
    for path in [
        format!("/meetings/{nil}"),
        "/meetings/not-a-uuid".into(),
        format!("/documents/{nil}"),
        "/blobs/zzz".into(),
        format!("/blobs/{}", "0".repeat(64)),
    ] {
        let r = sec.send(Method::GET, &path, None).await;
        clear_error(&r, 404, "not_found", "not found");
    }
    let r = sec.send(Method::PATCH, &format!("/agenda/{nil}"), Some(json!({"title": "x"}))).await;
    clear_error(&r, 404, "not_found", "agenda item");
    let r = sec.send(Method::DELETE, &format!("/documents/{nil}"), None).await;
    clear_error(&r, 404, "not_found", "document");
    let r =
        sec.send(Method::PUT, &format!("/meetings/{mid}/participants/{nil}"), Some(json!({"role": "member"}))).await;
    clear_error(&r, 404, "not_found", "user");
    let r = sec.upload(nil, "a.pdf", pdf.clone()).await;
    clear_error(&r, 404, "not_found", "meeting");
    let r = sec.send(Method::GET, "/no/such/endpoint", None).await;
    clear_error(&r, 404, "not_found", "no such endpoint");
    let r = sec.send(Method::DELETE, "/meetings", None).await;
    assert_eq!(r.status.as_u16(), 405);
    assert_eq!(r.code(), "bad_request");
    let r = sec.send(Method::GET, "/changes?since=-5", None).await;
    clear_error(&r, 400, "bad_request", "since");

    assert_eq!(head(&server), head_before, "no change was recorded");
    assert_eq!(server.stored_files(), files_before, "no blob and no temporary file was left behind");

    // And the server still works.
    let ok = sec.upload(&mid, "that-su.pdf", pdf).await;
    assert_eq!(ok.expect(201)["page_count"], 2);
}

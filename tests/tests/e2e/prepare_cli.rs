//! A secretary prepares a whole meeting with `meeting prepare …` on a server that has
//! only users: draft, participants, agenda, a DOCX, an XLSX and a PDF, publish. The
//! invited leader's device then has all three documents readable and their words
//! searchable without diacritics; an uninvited leader has nothing of it.

use meeting_e2e::office;

use crate::util::{ServerOptions, TestServer, login_and_sync, make_pdf, meeting, profile};

/// Runs the CLI, expecting failure; its standard error.
fn meeting_fails(profile: &std::path::Path, args: &[&str]) -> String {
    let out = crate::util::meeting_output(profile, args);
    assert!(!out.status.success(), "meeting {args:?} should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secretary_prepares_and_publishes_a_meeting_from_office_files() {
    let server = TestServer::start(ServerOptions { demo_users: true, ..Default::default() }).await;
    let dir = tempfile::tempdir().unwrap();
    let sec = profile(dir.path(), "secretary1");
    sec.login(&server.url, "secretary1", "demo").await.unwrap();
    let sp = sec.dir().to_owned();

    let m = meeting(
        &sp,
        &[
            "prepare",
            "create",
            "--title",
            "Phiên họp UBND tỉnh tháng 12",
            "--starts-at",
            "2026-12-15T08:00:00+07:00",
            "--location",
            "Phòng họp số 1",
            "--json",
        ],
    );
    assert_eq!(m["status"], "draft");
    let mid = m["id"].as_str().unwrap().to_owned();
    let short = &mid[..13];
    meeting(&sp, &["prepare", "participant", short, "leader1", "--role", "chair"]);
    meeting(&sp, &["prepare", "participant", short, "leader2"]);
    meeting(&sp, &["prepare", "participant", short, "leader2", "--remove"]);
    for (title, presenter) in [
        ("Báo cáo tình hình kinh tế - xã hội", "Sở Kế hoạch và Đầu tư"),
        ("Dự toán ngân sách năm 2027", "Sở Tài chính"),
        ("Tờ trình quy hoạch đô thị", "Sở Xây dựng"),
    ] {
        let item = meeting(&sp, &["prepare", "item", short, "--title", title, "--presenter", presenter, "--json"]);
        assert_eq!(item["presenter"], presenter);
    }

    let files = tempfile::tempdir().unwrap();
    let docx = files.path().join("Báo cáo KT-XH.docx");
    std::fs::write(
        &docx,
        office::docx("Báo cáo tình hình kinh tế - xã hội", &["Tăng cường cải cách hành chính và chuyển đổi số."]),
    )
    .unwrap();
    let xlsx = files.path().join("du-toan.xlsx");
    std::fs::write(&xlsx, office::xlsx(&[&["Khoản mục", "Dự toán"], &["Chi đầu tư phát triển", "1.250 tỷ đồng"]]))
        .unwrap();
    let pdf = files.path().join("to-trinh.pdf");
    std::fs::write(&pdf, make_pdf("Tờ trình", "Đề nghị phê duyệt điều chỉnh quy hoạch.")).unwrap();
    let d1 =
        meeting(&sp, &["prepare", "upload", short, docx.to_str().unwrap(), "--item", "1", "--confidential", "--json"]);
    assert_eq!(d1["document"]["original_filename"], "Báo cáo KT-XH.docx");
    assert_eq!(d1["document"]["confidential"], true);
    assert_eq!(d1["conversion"]["state"], "ready");
    let d2 = meeting(
        &sp,
        &["prepare", "upload", short, xlsx.to_str().unwrap(), "--item", "2", "--title", "Dự toán 2027", "--json"],
    );
    assert_eq!(d2["document"]["title"], "Dự toán 2027");
    let d3 = meeting(&sp, &["prepare", "upload", short, pdf.to_str().unwrap(), "--item", "3", "--json"]);
    assert!(d3["conversion"].is_null(), "a PDF is not converted");

    // A damaged file: non-zero exit, the reason in Vietnamese users' terms, nothing added.
    let bad = files.path().join("hong.docx");
    std::fs::write(&bad, &std::fs::read(&docx).unwrap()[..200]).unwrap();
    let err = meeting_fails(&sp, &["prepare", "upload", short, bad.to_str().unwrap()]);
    // The server's own code comes first, never a generic one.
    assert!(err.starts_with("meeting: error [damaged_file]: ") && err.contains("damaged"), "{err}");
    let err = meeting_fails(&sp, &["prepare", "upload", short, "/nonexistent/x.docx"]);
    assert!(err.contains("/nonexistent/x.docx"), "{err}");

    // Nothing reaches leader1 before publishing.
    let leader1 = profile(dir.path(), "leader1");
    login_and_sync(&leader1, &server.url, "leader1").await;
    assert!(leader1.store().unwrap().meetings().unwrap().is_empty());

    meeting(&sp, &["prepare", "publish", short]);
    // The CLI's sync indexes the pages with the real PDF engine, as the app's does.
    let report = meeting(leader1.dir(), &["sync", "--json"]);
    assert_eq!(report["blobs_downloaded"], 3, "{report}");
    let shown = meeting(leader1.dir(), &["show", &mid, "--json"]);
    assert_eq!(shown["ready_offline"], true);
    let titles: Vec<&str> = shown["agenda"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        ["Báo cáo tình hình kinh tế - xã hội", "Dự toán ngân sách năm 2027", "Tờ trình quy hoạch đô thị"]
    );
    for (query, doc) in [("cai cach hanh chinh", &d1), ("chi dau tu phat trien", &d2), ("dieu chinh quy hoach", &d3)] {
        let hits = meeting(leader1.dir(), &["search", query, "--json"]);
        let want = doc["document"]["id"].as_str().unwrap();
        assert!(
            hits.as_array().unwrap().iter().any(|h| h["document_id"] == want),
            "{query:?} does not find its document: {hits}"
        );
    }
    // leader2 was removed before publishing: nothing of the meeting on that device.
    let leader2 = profile(dir.path(), "leader2");
    login_and_sync(&leader2, &server.url, "leader2").await;
    assert!(leader2.store().unwrap().meetings().unwrap().is_empty());
    assert_eq!(crate::util::sync(&leader2).await.blobs_downloaded, 0);

    let audit = meeting(&sp, &["prepare", "audit", short, "--json"]);
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "document.upload").count(), 3);
    assert_eq!(actions.first(), Some(&"meeting.create"));
    assert_eq!(actions.last(), Some(&"meeting.publish"));
    assert!(actions.contains(&"participant.remove"));
}

//! The conclusion notice: drafted from the minutes' conclusions, due the 5th working day
//! after the meeting with the office's holidays skipped, listed as late when it is not
//! issued by then; tasks given from its points get its number when it is issued, and the
//! issued notice is a PDF in the layout of NĐ 30 that a leader's laptop receives.

use std::io::Write as _;
use std::process::{Command, Stdio};

use reqwest::Method;
use serde_json::{Value, json};

use crate::convert::pdf_text;
use crate::util::{Http, TestServer, meeting, meeting_login, meeting_output};

fn server_cmd(server: &TestServer, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_e2e-meeting-server"))
        .args(&args[..2])
        .args(server.store_args())
        .args(&args[2..])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn ok(r: crate::util::Reply) -> Value {
    assert!(r.status.is_success(), "{} {}", r.status, r.json());
    r.json()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notice_due_in_five_working_days_is_listed_late_then_issued_with_its_tasks_numbered() {
    let server = TestServer::demo().await;
    server_cmd(&server, &["units", "add", "--code", "SKHDT", "--name", "Sở Kế hoạch và Đầu tư"]);
    // Monday 9 November 2026 is a day given in lieu of a holiday in this office.
    server_cmd(&server, &["holidays", "add", "2026-11-09", "--name", "Nghỉ bù"]);
    let sec = Http::login(&server.url, "secretary1").await;
    // A meeting held on Thursday 5 November 2026.
    let m = ok(sec
        .send(
            Method::POST,
            "/meetings",
            Some(json!({"title": "Phiên họp chuyên đề đầu tư công", "starts_at": "2026-11-05T08:00:00+07:00"})),
        )
        .await);
    let mid = m["id"].as_str().unwrap().to_owned();
    let leader1 = sec.user_id("leader1").await;
    ok(sec.send(Method::PUT, &format!("/meetings/{mid}/participants/{leader1}"), Some(json!({"role": "chair"}))).await);
    for title in ["Tiến độ giải ngân vốn đầu tư công", "Kế hoạch đầu tư công năm 2027"] {
        ok(sec.send(Method::POST, &format!("/meetings/{mid}/agenda"), Some(json!({"title": title}))).await);
    }
    ok(sec.send(Method::POST, &format!("/meetings/{mid}/publish"), None).await);

    // Not issued 5 working days after the meeting: listed as late.
    let late = sec.get("/conclusions/late").await;
    let row =
        late.as_array().unwrap().iter().find(|l| l["meeting_id"] == mid.as_str()).cloned().expect("listed as late");
    // Fri 6 (1), Mon 9 off, Tue 10 (2), Wed 11 (3), Thu 12 (4), Fri 13 (5).
    assert_eq!(row["deadline"], "2026-11-13");
    assert_eq!(row["issued_on"], Value::Null);
    assert!(row["working_days_late"].as_u64().unwrap() >= 15, "{row}");
    let leader = Http::login(&server.url, "leader1").await;
    assert_eq!(leader.send(Method::GET, "/conclusions/late", None).await.status, 403, "the secretariat's list");

    // The minutes' conclusions make the notice's points.
    ok(sec.send(Method::POST, &format!("/meetings/{mid}/minutes/draft"), None).await);
    let dir = tempfile::tempdir().unwrap();
    let sp = dir.path().join("secretary1");
    meeting_login(&sp, &server.url, "secretary1");
    meeting(&sp, &["sync"]);
    meeting(
        &sp,
        &["minutes", "edit", &mid, "--item", "1", "--conclusion", "Các chủ đầu tư đẩy nhanh tiến độ giải ngân"],
    );
    meeting(
        &sp,
        &["minutes", "edit", &mid, "--item", "2", "--conclusion", "Sở Kế hoạch và Đầu tư tổng hợp kế hoạch năm 2027"],
    );
    let draft = meeting(&sp, &["conclusions", "draft", &mid, "--json"]);
    assert_eq!(draft["deadline"], "2026-11-13");
    assert_eq!(draft["points"].as_array().unwrap().len(), 2);
    assert_eq!(draft["points"][1]["text"], "Sở Kế hoạch và Đầu tư tổng hợp kế hoạch năm 2027");
    assert!(draft["chair"].as_str().unwrap().contains("Nguyễn Văn An"));

    // A task from point 2; the next draft names its unit among the recipients.
    let task = meeting(
        &sp,
        &[
            "tasks",
            "add",
            "--content",
            "Tổng hợp kế hoạch đầu tư công năm 2027",
            "--unit",
            "SKHDT",
            "--from-conclusion",
            &mid,
            "2",
            "--json",
        ],
    );
    assert_eq!(task["source"], json!({"kind": "conclusion", "meeting_id": mid, "number": "", "point": 2}));
    let out = meeting_output(&sp, &["conclusions", "issue", &mid, "--number", "12/TB-UBND"]);
    assert!(!out.status.success(), "the signer's name is needed first");
    let draft = meeting(
        &sp,
        &["conclusions", "draft", &mid, "--signer", "TL. CHỦ TỊCH|CHÁNH VĂN PHÒNG|Trần Văn Dũng", "--json"],
    );
    assert!(draft["recipients"].as_array().unwrap().iter().any(|r| r == "Sở Kế hoạch và Đầu tư"), "{draft}");
    assert_eq!(draft["recipients"].as_array().unwrap().last().unwrap(), "Lưu: VT");
    assert_eq!(
        leader.send(Method::GET, &format!("/meetings/{mid}/conclusion"), None).await.status,
        404,
        "a draft is the secretariat's"
    );

    let issued = meeting(&sp, &["conclusions", "issue", &mid, "--number", "12/TB-UBND", "--json"]);
    assert_eq!((issued["state"].as_str(), issued["number"].as_str()), (Some("issued"), Some("12/TB-UBND")));
    let task_now = sec.get(&format!("/tasks/{}", task["id"].as_str().unwrap())).await;
    assert_eq!(task_now["source"]["number"], "12/TB-UBND", "the task names its notice");
    let late = sec.get("/conclusions/late").await;
    let row = late
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["meeting_id"] == mid.as_str())
        .cloned()
        .expect("issued late: still listed");
    assert!(row["issued_on"].is_string());
    assert_eq!(
        leader.get(&format!("/meetings/{mid}/conclusion")).await["number"],
        "12/TB-UBND",
        "issued: every participant reads it"
    );

    // The notice is a document of the meeting: the chair's laptop gets it; it reads as NĐ 30.
    let lp = dir.path().join("leader1");
    meeting_login(&lp, &server.url, "leader1");
    meeting(&lp, &["sync"]);
    let doc = issued["document_id"].as_str().unwrap();
    let pdf = dir.path().join("tb.pdf");
    let out = meeting_output(&lp, &["export", doc, "--out", pdf.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = pdf_text(&std::fs::read(&pdf).unwrap()).split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Số: 12/TB-UBND",
        "THÔNG BÁO",
        "Kết luận của đồng chí Nguyễn Văn An",
        "1. Tiến độ giải ngân vốn đầu tư công: Các chủ đầu tư đẩy nhanh tiến độ giải ngân",
        "Nơi nhận:",
        "- Sở Kế hoạch và Đầu tư;",
        "TL. CHỦ TỊCH",
        "CHÁNH VĂN PHÒNG",
        "Trần Văn Dũng",
    ] {
        assert!(text.contains(want), "the notice says {want:?}: {text}");
    }
    let actions =
        server.sql().strings("SELECT action FROM audit_log WHERE entity_kind = 'conclusion' ORDER BY id", &[]);
    assert_eq!(actions, ["conclusion.drafted", "conclusion.redrafted", "conclusion.edited", "conclusion.issued"]);
    let _ = std::io::stderr().flush();
}

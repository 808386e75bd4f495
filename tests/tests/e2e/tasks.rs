//! Tasks given to units, followed to their end (issue 32), against a real server on
//! either storage backend: the units and their staff from the server's own commands;
//! a unit's staff see only their unit's tasks and no meeting; report → return → report
//! → confirm ends completed, the return counted as not done meanwhile; a note sent twice
//! is kept once; the figures on a laptop equal the server's; a note written offline
//! reaches the server once; an office of 63 tasks reads "62/63 … 0 trễ hạn".

use std::io::Write as _;
use std::process::{Command, Stdio};

use reqwest::Method;
use serde_json::{Value, json};

use crate::util::{Http, TestServer, meeting, meeting_login, meeting_output, sync, unlocked_profile};

/// `meeting-server ARGS` against the server's database; its standard output.
fn admin(server: &TestServer, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_e2e-meeting-server"))
        .args(&args[..2])
        .args(server.store_args())
        .args(&args[2..])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "meeting-server {args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Adds a unit's staff member with the demo password; whether the command succeeded.
fn add_unit_user(server: &TestServer, username: &str, unit: Option<&str>) -> bool {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_e2e-meeting-server"));
    cmd.args(["user", "add", "--role", "unit", "--username", username]).args(server.store_args());
    if let Some(unit) = unit {
        cmd.args(["--unit", unit]);
    }
    let mut child = cmd.stdin(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let _ = child.stdin.take().unwrap().write_all(b"demo\n");
    child.wait().unwrap().success()
}

fn in_days(n: i64) -> String {
    let vn = time::UtcOffset::from_hms(7, 0, 0).unwrap();
    let d = (time::OffsetDateTime::now_utc().to_offset(vn) + time::Duration::days(n)).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

async fn add_task(sec: &Http, content: &str, lead: &str, co: &[&str], deadline: Option<String>) -> Value {
    let body = json!({"content": content, "source": {"kind": "other"}, "lead_unit": lead, "co_units": co, "deadline": deadline});
    sec.send(Method::POST, "/tasks", Some(body)).await.expect(200)
}

fn kinds(task: &Value) -> Vec<String> {
    task["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_units_staff_follow_their_units_tasks_only_and_a_returned_report_is_not_done() {
    let mut server = TestServer::demo().await;
    let out = admin(&server, &["units", "add", "--code", "SKHDT", "--name", "Sở Kế hoạch và Đầu tư"]);
    assert!(out.contains("Đã thêm đơn vị SKHDT"), "{out}");
    admin(&server, &["units", "add", "--code", "stc", "--name", "Sở Tài chính"]);
    let units: Value = serde_json::from_str(&admin(&server, &["units", "list", "--json"])).unwrap();
    let codes: Vec<&str> = units.as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["SKHDT", "STC"], "codes are kept in capitals");
    assert!(!add_unit_user(&server, "lost", None), "a unit's staff member needs a unit");
    assert!(!add_unit_user(&server, "lost", Some("KHONGCO")), "an unknown unit is refused");
    assert!(add_unit_user(&server, "skhdt1", Some("SKHDT")));
    assert!(add_unit_user(&server, "stc1", Some("STC")));
    admin(&server, &["holidays", "add", "2027-02-05", "--name", "Tết Nguyên đán"]);
    let days: Value = serde_json::from_str(&admin(&server, &["holidays", "list", "--json"])).unwrap();
    assert_eq!(days, json!([{"day": "2027-02-05", "name": "Tết Nguyên đán"}]));

    let sec = Http::login(&server.url, "secretary1").await;
    let own = add_task(&sec, "Hoàn thiện báo cáo đầu tư công", "SKHDT", &[], Some(in_days(10))).await;
    let shared = add_task(&sec, "Rà soát dự toán ngân sách", "STC", &["SKHDT"], Some(in_days(5))).await;
    let other = add_task(&sec, "Quyết toán vốn năm 2026", "STC", &[], None).await;
    let (own_id, shared_id, other_id) =
        (own["id"].as_str().unwrap(), shared["id"].as_str().unwrap(), other["id"].as_str().unwrap());
    assert_eq!(own["state"], "open");
    assert_eq!(kinds(&own), ["assigned"]);
    let bad = sec
        .send(
            Method::POST,
            "/tasks",
            Some(json!({"content": "x", "source": {"kind": "other"}, "lead_unit": "KHONGCO"})),
        )
        .await;
    assert_eq!(bad.status, 400, "an unknown unit is named");

    // A unit's staff: their unit's tasks (lead or co-operating), nothing else.
    let skhdt = Http::login(&server.url, "skhdt1").await;
    let mine: Vec<Value> = skhdt.get("/tasks").await.as_array().unwrap().clone();
    let mut ids: Vec<&str> = mine.iter().map(|t| t["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    let mut want = [own_id, shared_id];
    want.sort_unstable();
    assert_eq!(ids, want);
    assert_eq!(skhdt.send(Method::GET, &format!("/tasks/{other_id}"), None).await.status, 404);
    assert!(skhdt.meetings().await.is_empty(), "no meeting the unit does not attend");
    assert_eq!(skhdt.send(Method::GET, "/tasks/stats?unit=STC", None).await.status, 403);
    assert_eq!(
        skhdt
            .send(
                Method::POST,
                "/tasks",
                Some(json!({"content": "x", "source": {"kind": "other"}, "lead_unit": "SKHDT"}))
            )
            .await
            .status,
        403
    );
    let note = |id: &str, done: bool| json!({"id": id, "text": "Đã hoàn thành dự thảo", "done": done});
    let forbidden = skhdt
        .send(Method::POST, &format!("/tasks/{shared_id}/reports"), Some(note(&uuid::Uuid::now_v7().to_string(), true)))
        .await;
    assert_eq!(forbidden.status, 403, "a co-operating unit posts progress, the lead unit reports done");
    let stc = Http::login(&server.url, "stc1").await;
    assert_eq!(
        stc.send(
            Method::POST,
            &format!("/tasks/{own_id}/reports"),
            Some(note(&uuid::Uuid::now_v7().to_string(), false))
        )
        .await
        .status,
        404
    );

    // report → return → report → confirm.
    let first = uuid::Uuid::now_v7().to_string();
    let reported =
        skhdt.send(Method::POST, &format!("/tasks/{own_id}/reports"), Some(note(&first, true))).await.expect(200);
    assert_eq!(reported["state"], "reported");
    let stats = sec.get("/tasks/stats").await;
    assert_eq!(
        (stats["on_time"].as_u64(), stats["in_progress"].as_u64()),
        (Some(0), Some(2)),
        "reported is not done yet: {stats}"
    );
    let refused = sec.send(Method::POST, &format!("/tasks/{own_id}/review"), Some(json!({"confirm": false}))).await;
    assert_eq!(refused.status, 400, "returning needs a reason");
    let returned = sec
        .send(
            Method::POST,
            &format!("/tasks/{own_id}/review"),
            Some(json!({"confirm": false, "reason": "Thiếu số liệu quý IV"})),
        )
        .await
        .expect(200);
    assert_eq!(returned["state"], "open");
    assert_eq!(returned["done_on"], Value::Null);
    // The first report sent again (its answer lost): kept once, the task stays returned.
    let again =
        skhdt.send(Method::POST, &format!("/tasks/{own_id}/reports"), Some(note(&first, true))).await.expect(200);
    assert_eq!(again["state"], "open");
    assert_eq!(kinds(&again), ["assigned", "reported", "returned"]);
    assert_eq!(
        sec.send(Method::POST, &format!("/tasks/{own_id}/review"), Some(json!({"confirm": true}))).await.status,
        409
    );
    skhdt
        .send(Method::POST, &format!("/tasks/{own_id}/reports"), Some(note(&uuid::Uuid::now_v7().to_string(), true)))
        .await
        .expect(200);
    let done =
        sec.send(Method::POST, &format!("/tasks/{own_id}/review"), Some(json!({"confirm": true}))).await.expect(200);
    assert_eq!(done["state"], "completed");
    assert_eq!(kinds(&done), ["assigned", "reported", "returned", "reported", "confirmed"]);
    let stats = sec.get("/tasks/stats").await;
    assert_eq!(
        (stats["on_time"].as_u64(), stats["in_progress"].as_u64(), stats["no_deadline"].as_u64()),
        (Some(1), Some(1), Some(1)),
        "{stats}"
    );
    assert_eq!(
        sec.send(
            Method::POST,
            &format!("/tasks/{own_id}/reports"),
            Some(note(&uuid::Uuid::now_v7().to_string(), false))
        )
        .await
        .status,
        409
    );

    // Extending keeps the previous deadline.
    let extended = sec
        .send(
            Method::POST,
            &format!("/tasks/{shared_id}/extension"),
            Some(json!({"deadline": in_days(20), "reason": "Chờ ý kiến Bộ Tài chính"})),
        )
        .await
        .expect(200);
    let last = extended["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["previous_deadline"].as_str()),
        (Some("extended"), Some(in_days(5).as_str()))
    );
    assert_eq!(extended["deadline"], in_days(20));

    // Every change is in the audit trail.
    let actions = server.sql().strings("SELECT action FROM audit_log WHERE entity_kind = 'task' ORDER BY id", &[]);
    for a in ["task.created", "task.reported", "task.returned", "task.confirmed", "task.extended"] {
        assert!(actions.iter().any(|x| x == a), "{a} is audited: {actions:?}");
    }

    // Devices: the unit's laptop has its two tasks, a leader's every task; the figures on
    // the laptop are the server's.
    let dir = tempfile::tempdir().unwrap();
    let (lp, up) = (dir.path().join("leader1"), dir.path().join("skhdt1"));
    meeting_login(&lp, &server.url, "leader1");
    meeting_login(&up, &server.url, "skhdt1");
    meeting(&lp, &["sync"]);
    meeting(&up, &["sync"]);
    assert_eq!(unlocked_profile(dir.path(), "leader1").store().unwrap().tasks().unwrap().len(), 3);
    let unit_tasks = unlocked_profile(dir.path(), "skhdt1").store().unwrap().tasks().unwrap();
    assert_eq!(unit_tasks.len(), 2, "the unit's laptop has its unit's tasks only");
    let online = meeting(&lp, &["tasks", "stats", "--json"]);
    let leader = Http::login(&server.url, "leader1").await;
    assert_eq!(online, leader.get("/tasks/stats").await);

    // Offline: the figures are the last sync's; a note written now waits and arrives once.
    server.kill();
    let offline = meeting(&lp, &["tasks", "stats", "--json"]);
    for b in ["on_time", "late", "in_progress", "overdue", "no_deadline", "total"] {
        assert_eq!(offline[b], online[b], "{b} offline equals the server's at the last sync");
    }
    let out =
        meeting_output(&up, &["tasks", "report", &shared_id[..13], "--progress", "Đã gửi số liệu cho Sở Tài chính"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Đã lưu trên máy này"));
    server.restart_same_port().await;
    let unit_profile = unlocked_profile(dir.path(), "skhdt1");
    assert_eq!(sync(&unit_profile).await.task_notes.sent, 1);
    assert_eq!(sync(&unit_profile).await.task_notes.sent, 0, "sent once");
    let shared_now = sec.get(&format!("/tasks/{shared_id}")).await;
    let notes = shared_now["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "progress").count();
    assert_eq!(notes, 1);
    let on_device = unit_profile.store().unwrap().tasks().unwrap();
    assert!(on_device.iter().any(|t| t.events.iter().any(|e| e.text == "Đã gửi số liệu cho Sở Tài chính")));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_office_of_63_tasks_reads_62_on_time_and_none_late() {
    let server = TestServer::demo().await;
    admin(&server, &["units", "add", "--code", "SXD", "--name", "Sở Xây dựng"]);
    assert!(add_unit_user(&server, "sxd1", Some("SXD")));
    let sec = Http::login(&server.url, "secretary1").await;
    let unit = Http::login(&server.url, "sxd1").await;
    let mut ids = Vec::new();
    for i in 0..63 {
        let t = add_task(&sec, &format!("Nhiệm vụ số {}", i + 1), "SXD", &[], Some(in_days(30))).await;
        ids.push(t["id"].as_str().unwrap().to_owned());
    }
    for id in &ids[..62] {
        let note = json!({"id": uuid::Uuid::now_v7(), "text": "Đã hoàn thành", "done": true});
        unit.send(Method::POST, &format!("/tasks/{id}/reports"), Some(note)).await.expect(200);
        sec.send(Method::POST, &format!("/tasks/{id}/review"), Some(json!({"confirm": true}))).await.expect(200);
    }
    let dir = tempfile::tempdir().unwrap();
    let sp = dir.path().join("secretary1");
    meeting_login(&sp, &server.url, "secretary1");
    let text = String::from_utf8_lossy(&meeting_output(&sp, &["tasks", "stats"]).stdout).into_owned();
    assert!(text.contains("62/63 hoàn thành đúng hạn, 0 trễ hạn"), "{text}");
    let stats = meeting(&sp, &["tasks", "stats", "--unit", "SXD", "--json"]);
    assert_eq!(
        (stats["on_time"].as_u64(), stats["total"].as_u64(), stats["in_progress"].as_u64()),
        (Some(62), Some(63), Some(1))
    );
    // The spreadsheet, read back by LibreOffice: the same numbers.
    let out = dir.path().join("chi-tieu.xlsx");
    meeting(&sp, &["tasks", "stats", "--xlsx", out.to_str().unwrap()]);
    let csv_dir = tempfile::tempdir().unwrap();
    let lo_profile = tempfile::tempdir().unwrap();
    let converted = Command::new(crate::convert::soffice())
        .arg(format!("-env:UserInstallation=file://{}", lo_profile.path().display()))
        .args(["--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir"])
        .arg(csv_dir.path())
        .arg(&out)
        .output()
        .unwrap();
    assert!(converted.status.success(), "{}", String::from_utf8_lossy(&converted.stderr));
    let csv = std::fs::read_to_string(csv_dir.path().join("chi-tieu.csv")).unwrap();
    let row = |name: &str| -> Vec<String> {
        let line = csv
            .lines()
            .find(|l| l.starts_with(&format!("\"{name}")) || l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {csv}"));
        line.split(',').map(|c| c.trim_matches('"').to_owned()).collect()
    };
    assert_eq!(row("SXD — Sở Xây dựng")[1..7], ["62", "0", "1", "0", "0", "63"], "{csv}");
    assert_eq!(row("Tổng cộng")[1..7], ["62", "0", "1", "0", "0", "63"], "{csv}");
    assert!(csv.contains("Số liệu tính đến ngày"), "{csv}");
    let listed = meeting(&sp, &["tasks", "list", "--bucket", "in_progress", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"].as_str(), Some(ids[62].as_str()));
}

//! Minutes (biên bản) of a meeting held live: the draft holds every name, count and time
//! of the room's record; a conclusion is edited; the chair approves; the PDF reads as an
//! NĐ 30 document; a leader's laptop has the approved minutes after a sync and reads
//! them offline; a secret vote appears as counts only; a correction is a new version.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::convert::pdf_text;
use crate::util::{Http, TestServer, meeting, meeting_login, meeting_output, unlocked_profile};

fn add_leader(server: &TestServer, username: &str, display: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_e2e-meeting-server"))
        .args(["user", "add", "--role", "leader", "--username", username, "--display-name", display])
        .args(server.store_args())
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"demo\n").unwrap();
    assert!(child.wait().unwrap().success());
}

/// The answer's body, which must be a success (200 or 201).
fn ok(r: crate::util::Reply) -> Value {
    assert!(r.status.is_success(), "{} {}", r.status, r.json());
    r.json()
}

/// One turn: `who` asks to speak, the secretariat gives the floor, waits, ends it.
async fn turn(sec: &Http, who: &Http, mid: &str) {
    ok(who.send(Method::POST, &format!("/meetings/{mid}/speakers"), Some(json!({"point_of_order": false}))).await);
    ok(sec.send(Method::PUT, &format!("/meetings/{mid}/floor"), Some(json!({}))).await);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    ok(sec.send(Method::DELETE, &format!("/meetings/{mid}/floor"), None).await);
}

async fn vote(sec: &Http, voters: &[(&Http, u32)], item: &str, question: &str, secret: bool) -> Value {
    let v = ok(sec
        .send(Method::POST, &format!("/agenda/{item}/votes"), Some(json!({"question": question, "secret": secret})))
        .await);
    let id = v["id"].as_str().unwrap().to_owned();
    for (who, choice) in voters {
        ok(who.send(Method::POST, &format!("/votes/{id}/ballots"), Some(json!({"choice": choice}))).await);
    }
    ok(sec.send(Method::POST, &format!("/votes/{id}/close"), None).await)
}

#[tokio::test(flavor = "multi_thread")]
async fn minutes_drafted_from_the_room_are_edited_approved_and_read_offline() {
    let mut server = TestServer::demo().await;
    add_leader(&server, "leader3", "Đồng chí Phạm Văn Cường — Phó Chủ tịch UBND tỉnh");
    let sec = Http::login(&server.url, "secretary1").await;
    let (l1, l2, l3) = (
        Http::login(&server.url, "leader1").await,
        Http::login(&server.url, "leader2").await,
        sec.user_id("leader3").await,
    );
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    sec.send(Method::PUT, &format!("/meetings/{mid}/participants/{l3}"), Some(json!({"role": "member"})))
        .await
        .expect(204);
    let m = sec.get(&format!("/meetings/{mid}")).await;
    let items: Vec<String> =
        m["agenda"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    let (uid1, uid2) = (sec.user_id("leader1").await, sec.user_id("leader2").await);
    let attend =
        |ids: Vec<&str>, status: &str, reason: &str| json!({"user_ids": ids, "status": status, "reason": reason});
    ok(sec.send(Method::PUT, &format!("/meetings/{mid}/attendance"), Some(attend(vec![&uid1], "present", ""))).await);
    ok(sec.send(Method::PUT, &format!("/meetings/{mid}/attendance"), Some(attend(vec![&uid2], "online", ""))).await);
    ok(sec
        .send(
            Method::PUT,
            &format!("/meetings/{mid}/attendance"),
            Some(attend(vec![&l3], "absent", "Đi công tác tại Hà Nội")),
        )
        .await);

    // Item 1: three turns and a named vote; item 2: two turns and a secret vote.
    ok(sec.send(Method::PUT, &format!("/meetings/{mid}/current-item"), Some(json!({"item_id": items[0]}))).await);
    for who in [&l2, &l1, &l2] {
        turn(&sec, who, &mid).await;
    }
    let named = vote(&sec, &[(&l1, 0), (&l2, 1)], &items[0], "Thông qua báo cáo kinh tế - xã hội", false).await;
    assert_eq!(named["status"], "closed");
    ok(sec.send(Method::PUT, &format!("/meetings/{mid}/current-item"), Some(json!({"item_id": items[1]}))).await);
    for who in [&l1, &l2] {
        turn(&sec, who, &mid).await;
    }
    vote(&sec, &[(&l1, 0), (&l2, 0)], &items[1], "Thông qua dự toán ngân sách", true).await;
    ok(sec.send(Method::PUT, &format!("/meetings/{mid}/current-item"), Some(json!({"item_id": null}))).await);

    let dir = tempfile::tempdir().unwrap();
    let (sp, lp, l2p) = (dir.path().join("secretary1"), dir.path().join("leader1"), dir.path().join("leader2"));
    for (p, u) in [(&sp, "secretary1"), (&lp, "leader1"), (&l2p, "leader2")] {
        meeting_login(p, &server.url, u);
        meeting(p, &["sync"]);
    }
    // A leader does not draft minutes; the secretariat does.
    let refused = meeting_output(&lp, &["minutes", "draft", &mid[..13]]);
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("forbidden"));
    let draft = meeting(&sp, &["minutes", "draft", &mid[..13], "--json"]);
    assert_eq!((draft["version"].as_u64(), draft["state"].as_str()), (Some(1), Some("draft")));
    assert_eq!(draft["chair"]["name"], "Đồng chí Nguyễn Văn An — Chủ tịch UBND tỉnh");
    let person = |name_part: &str| {
        draft["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"].as_str().unwrap().contains(name_part))
            .cloned()
            .unwrap()
    };
    assert_eq!(person("Nguyễn Văn An")["status"], "present");
    assert_eq!(person("Trần Thị Bình")["status"], "online");
    assert_eq!(
        (person("Phạm Văn Cường")["status"].as_str(), person("Phạm Văn Cường")["reason"].as_str()),
        (Some("absent"), Some("Đi công tác tại Hà Nội"))
    );
    assert_eq!((draft["present"].as_u64(), draft["members"].as_u64()), (Some(2), Some(3)));
    let first = &draft["items"][0];
    let speakers: Vec<&str> =
        first["speeches"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(speakers.len(), 3, "{first}");
    assert!(
        speakers[0].contains("Trần Thị Bình")
            && speakers[1].contains("Nguyễn Văn An")
            && speakers[2].contains("Trần Thị Bình")
    );
    assert!(
        first["speeches"].as_array().unwrap().iter().all(|s| s["seconds"].as_u64().is_some_and(|x| x >= 1)),
        "each turn's length"
    );
    assert!(first["started_at"].is_string() && first["ended_at"].is_string(), "the item's actual times: {first}");
    let v1 = &first["votes"][0];
    assert_eq!(
        (v1["secret"].as_bool(), v1["ballots"].as_u64(), v1["passed"].as_bool()),
        (Some(false), Some(2), Some(false))
    );
    assert_eq!(v1["counts"], json!([["Đồng ý", 1], ["Không đồng ý", 1], ["Không biểu quyết", 0]]));
    assert_eq!(v1["named"].as_array().unwrap().len(), 2, "a named vote lists who chose what");
    let second = &draft["items"][1];
    assert_eq!(second["speeches"].as_array().unwrap().len(), 2);
    let v2 = &second["votes"][0];
    assert_eq!(
        (v2["secret"].as_bool(), v2["counts"][0][1].as_u64(), v2["named"].as_array().map(Vec::len)),
        (Some(true), Some(2), Some(0)),
        "a secret vote: counts only"
    );

    // The secretary writes a conclusion; the chair approves.
    meeting(
        &sp,
        &[
            "minutes",
            "edit",
            &mid[..13],
            "--item",
            "1",
            "--conclusion",
            "Giao Sở Kế hoạch và Đầu tư hoàn thiện báo cáo",
        ],
    );
    let shown = meeting(&sp, &["minutes", "show", &mid[..13], "--json"]);
    assert_eq!(shown["items"][0]["conclusion"], "Giao Sở Kế hoạch và Đầu tư hoàn thiện báo cáo");
    assert_eq!(
        l2.send(Method::POST, &format!("/meetings/{mid}/minutes/approve"), None).await.status,
        403,
        "only the chair approves"
    );
    assert_eq!(
        l2.send(Method::GET, &format!("/meetings/{mid}/minutes"), None).await.status,
        404,
        "a member reads no draft"
    );
    let out = meeting_output(&lp, &["minutes", "approve", &mid[..13]]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let approved = l2.get(&format!("/meetings/{mid}/minutes")).await;
    assert_eq!((approved["state"].as_str(), approved["version"].as_u64()), (Some("approved"), Some(1)));
    assert_eq!(approved["content_hash"].as_str().map(str::len), Some(64));
    let edit = sec.send(Method::PATCH, &format!("/meetings/{mid}/minutes"), Some(json!({"conclusion": "x"}))).await;
    assert_eq!(edit.status, 409, "approved minutes are locked");

    // The PDF, as a reader extracts it.
    let pdf_path = dir.path().join("bien-ban.pdf");
    meeting(&sp, &["minutes", "export", &mid[..13], "--out", pdf_path.to_str().unwrap()]);
    let text = pdf_text(&std::fs::read(&pdf_path).unwrap());
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BIÊN BẢN",
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Phạm Văn Cường",
        "vắng mặt (lý do: Đi công tác tại Hà Nội)",
        "Có 2/3 thành viên có mặt",
        "Đồng ý: 1; Không đồng ý: 1",
        "Biểu quyết kín: Thông qua dự toán ngân sách",
        "Đồng ý: 2",
        "Giao Sở Kế hoạch và Đầu tư hoàn thiện báo cáo",
    ] {
        assert!(flat.contains(want), "the PDF says {want:?}: {flat}");
    }

    // The approved minutes are a document of the meeting: leader1's laptop has them after
    // a sync, and reads them with the server gone.
    meeting(&lp, &["sync"]);
    let doc_id = approved["document_id"].as_str().unwrap().to_owned();
    server.kill();
    let leader = unlocked_profile(dir.path(), "leader1");
    let local = leader.store().unwrap().meeting(&mid).unwrap().unwrap();
    let doc = local
        .other_documents
        .iter()
        .find(|d| d.document.id.to_string() == doc_id)
        .expect("the minutes are on the laptop");
    assert!(doc.available_offline, "and readable offline");
    let offline_copy = dir.path().join("offline.pdf");
    let out = meeting_output(&lp, &["export", &doc_id, "--out", offline_copy.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(pdf_text(&std::fs::read(&offline_copy).unwrap()).contains("BIÊN BẢN"));
    server.restart_same_port().await;

    // A correction is the next version; the approved one stays as it was.
    let v2 = meeting(&sp, &["minutes", "draft", &mid[..13], "--json"]);
    assert_eq!((v2["version"].as_u64(), v2["state"].as_str()), (Some(2), Some("draft")));
    assert_eq!(v2["items"][0]["conclusion"], "Giao Sở Kế hoạch và Đầu tư hoàn thiện báo cáo", "the text carries over");
    let versions = sec.get(&format!("/meetings/{mid}/minutes/versions")).await;
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[0]["content_hash"], approved["content_hash"]);
    assert_eq!(
        l2.get(&format!("/meetings/{mid}/minutes")).await["version"],
        1,
        "members read the approved version meanwhile"
    );
    let actions = server.sql().strings("SELECT action FROM audit_log WHERE entity_kind = 'minutes' ORDER BY id", &[]);
    assert_eq!(actions, ["minutes.drafted", "minutes.edited", "minutes.approved", "minutes.correction"]);
}

//! Opinions: a leader's mark shared with the secretariat appears in the secretariat's
//! opinions with its quote, page and author; "handled" set on one secretary's device
//! reaches the other's; leaders see neither the mark nor its follow-up.

use reqwest::Method;
use serde_json::json;

use crate::util::{Http, TestServer, login_and_sync, meeting, profile};

#[tokio::test(flavor = "multi_thread")]
async fn a_shared_mark_is_an_opinion_and_handled_reaches_the_other_secretary() {
    let server = TestServer::demo().await;
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    // admin takes part too: a second member of the secretariat.
    let admin_id = sec.user_id("admin").await;
    sec.send(Method::PUT, &format!("/meetings/{mid}/participants/{admin_id}"), Some(json!({"role": "member"})))
        .await
        .expect(204);
    let detail = sec.get(&format!("/meetings/{mid}")).await;
    let doc = detail["documents"].as_array().unwrap().iter().find(|d| d["agenda_item_id"].is_string()).unwrap().clone();
    let doc_id = doc["id"].as_str().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let leader1 = profile(dir.path(), "leader1");
    login_and_sync(&leader1, &server.url, "leader1").await;
    let mark = meeting(
        leader1.dir(),
        &[
            "annotations",
            "highlight",
            doc_id,
            "--find",
            "cải cách hành chính",
            "--text",
            "Đề nghị bổ sung số liệu",
            "--visibility",
            "secretariat",
            "--json",
        ],
    );
    meeting(leader1.dir(), &["annotations", "add-note", doc_id, "1", "Ghi chú riêng", "--visibility", "private"]);
    meeting(leader1.dir(), &["sync"]);
    let mark_id = mark["id"].as_str().unwrap();

    let (sec_dev, admin_dev) = (profile(dir.path(), "secretary1"), profile(dir.path(), "admin"));
    login_and_sync(&sec_dev, &server.url, "secretary1").await;
    login_and_sync(&admin_dev, &server.url, "admin").await;
    let ops = meeting(sec_dev.dir(), &["opinions", &mid, "--json"]);
    let ops = ops.as_array().unwrap();
    assert_eq!(ops.len(), 1, "only the shared mark is an opinion: {ops:?}");
    let o = &ops[0];
    assert_eq!(o["annotation"]["id"], mark_id);
    assert_eq!(o["quote"].as_str().unwrap().to_lowercase(), "cải cách hành chính");
    assert_eq!(o["page"], mark["page"].as_u64().unwrap() + 1, "pages are counted from 1");
    assert!(o["author_name"].as_str().unwrap().contains("Nguyễn Văn An"));
    assert_eq!(o["document_title"], doc["title"]);
    assert!(o["agenda_item_title"].is_string());
    assert!(o["state"].is_null());
    // The server's list says the same.
    let online = sec.get(&format!("/meetings/{mid}/opinions")).await;
    assert_eq!(online[0]["annotation"]["id"], mark_id);
    assert_eq!(online[0]["quote"], o["quote"]);

    // secretary1 marks it handled; admin's device has it after its own sync.
    let ops = meeting(sec_dev.dir(), &["opinions", &mid, "--handled", mark_id, "--json"]);
    assert_eq!(ops[0]["state"]["handled"], true);
    crate::util::sync(&admin_dev).await;
    let theirs = meeting(admin_dev.dir(), &["opinions", &mid, "--json"]);
    assert_eq!(theirs[0]["state"]["handled"], true, "handled did not reach the other secretary");
    assert!(theirs[0]["state"]["by_name"].as_str().unwrap().contains("Lê Minh Châu"));
    // Opened again: that arrives too.
    meeting(admin_dev.dir(), &["opinions", &mid, "--reopen", mark_id]);
    crate::util::sync(&sec_dev).await;
    assert_eq!(meeting(sec_dev.dir(), &["opinions", &mid, "--json"])[0]["state"]["handled"], false);

    // A leader neither sees the secretariat's mark nor its follow-up.
    let leader2 = Http::login(&server.url, "leader2").await;
    let feed = serde_json::to_string(&leader2.all_changes(0).await).unwrap();
    assert!(!feed.contains(mark_id), "leader2's feed carries the secretariat-only mark or its state");
    let r = leader2.send(Method::PUT, &format!("/opinions/{mark_id}"), Some(json!({"handled": true}))).await;
    assert_eq!(r.code(), "not_found");
    let r =
        Http::login(&server.url, "leader1").await.send(Method::GET, &format!("/meetings/{mid}/opinions"), None).await;
    assert_eq!(r.code(), "forbidden");
    // Both changes are in the audit trail.
    let audit = sec.get(&format!("/meetings/{mid}/audit")).await;
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.ends_with(&["opinion.handled", "opinion.reopened"]), "{actions:?}");

    // The secretariat sees who has the meeting on their devices.
    let devices = sec.get(&format!("/meetings/{mid}/devices")).await;
    let l1 = devices.as_array().unwrap().iter().find(|p| p["participant"]["username"] == "leader1").unwrap();
    assert_eq!(l1["sees_meeting"], true);
    assert!(!l1["devices"].as_array().unwrap().is_empty(), "leader1's device is not listed: {l1}");
}

//! The secretary workspace on a server without demo meetings: a meeting is a draft that
//! only its secretariat sees (store, blobs, feed) until it is published; unpublishing
//! purges it from leaders' devices; cancelling keeps it, marked; copying starts a new
//! draft from the same content; every change is in the audit trail with its author.

use reqwest::Method;
use serde_json::{Value, json};

use crate::util::{Http, ServerOptions, TestServer, login_and_sync, make_pdf, profile, sync};

/// Every file under the profile's blob cache.
fn cached_files(p: &meeting_client::Profile) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), out);
            } else {
                out.push(e.path());
            }
        }
    }
    let mut out = Vec::new();
    walk(&p.dir().join("blobs"), &mut out);
    out
}

/// Everything of the meeting a profile holds: meetings with its id, and whether the
/// store's file mentions its title.
fn holds(p: &meeting_client::Profile, mid: &str, title: &str) -> bool {
    let store = p.store().unwrap();
    let listed = store.meetings().unwrap().iter().any(|m| m.meeting.id.to_string() == mid);
    let in_file = ["client.db", "client.db-wal"].iter().any(|f| {
        let raw = std::fs::read(p.dir().join(f)).unwrap_or_default();
        String::from_utf8_lossy(&raw).contains(title)
    });
    listed || in_file
}

async fn draft(sec: &Http, title: &str) -> String {
    let m = sec
        .send(Method::POST, "/meetings", Some(json!({"title": title, "starts_at": "2026-12-10T08:00:00+07:00"})))
        .await
        .expect(201);
    assert_eq!(m["status"], "draft", "a new meeting is a draft");
    m["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_reaches_nobody_until_published_and_unpublishing_purges_it() {
    let server = TestServer::start(ServerOptions { demo_users: true, ..Default::default() }).await;
    let sec = Http::login(&server.url, "secretary1").await;
    let title = "Họp chuẩn bị kế hoạch đầu tư công 2027";
    let mid = draft(&sec, title).await;
    for (user, role) in [("leader1", "chair"), ("leader2", "member")] {
        let uid = sec.user_id(user).await;
        sec.send(Method::PUT, &format!("/meetings/{mid}/participants/{uid}"), Some(json!({"role": role})))
            .await
            .expect(204);
    }
    let item = sec
        .send(Method::POST, &format!("/meetings/{mid}/agenda"), Some(json!({"title": "Thông qua danh mục dự án"})))
        .await
        .expect(201);
    let pdf = make_pdf("Danh mục dự án", "Dự án đường tỉnh 391, giải phóng mặt bằng.");
    let sha = crate::util::sha256_hex(&pdf);
    let path =
        format!("/meetings/{mid}/documents?filename=danh-muc.pdf&agenda_item_id={}", item["id"].as_str().unwrap());
    sec.send_raw(Method::POST, &path, "application/pdf", pdf).await.expect(201);

    // A leader who is a participant of the draft syncs: nothing of it anywhere.
    let dir = tempfile::tempdir().unwrap();
    let leader1 = profile(dir.path(), "leader1");
    let report = login_and_sync(&leader1, &server.url, "leader1").await;
    assert_eq!(report.blobs_downloaded, 0);
    assert!(!holds(&leader1, &mid, title), "the draft reached leader1's store");
    assert!(cached_files(&leader1).is_empty(), "a draft's document reached leader1's laptop");
    let l1 = Http::login(&server.url, "leader1").await;
    let feed = serde_json::to_string(&l1.all_changes(0).await).unwrap();
    for needle in [mid.as_str(), sha.as_str(), title] {
        assert!(!feed.contains(needle), "the feed shows leader1 {needle} of a draft");
    }
    assert!(l1.meetings().await.is_empty());
    assert_eq!(l1.send(Method::GET, &format!("/meetings/{mid}"), None).await.code(), "not_found");
    assert_eq!(l1.send(Method::GET, &format!("/blobs/{sha}"), None).await.code(), "not_found");
    // The secretariat sees it.
    assert_eq!(sec.get(&format!("/meetings/{mid}")).await["documents"][0]["sha256"], sha.as_str());

    // Published: the next sync brings all of it.
    let published = sec.send(Method::POST, &format!("/meetings/{mid}/publish"), None).await.expect(200);
    assert_eq!(published["status"], "published");
    let report = sync(&leader1).await;
    assert_eq!(report.blobs_downloaded, 1);
    let local = leader1.store().unwrap().meeting(&mid).unwrap().expect("the published meeting is on the laptop");
    assert_eq!(local.agenda[0].documents.len(), 1);
    assert!(leader1.blobs().unwrap().path(&sha).exists());
    assert_eq!(sec.send(Method::POST, &format!("/meetings/{mid}/publish"), None).await.code(), "conflict");

    // Unpublished: purged from the leader's laptop, documents included.
    sec.send(Method::POST, &format!("/meetings/{mid}/unpublish"), None).await.expect(200);
    sync(&leader1).await;
    assert!(leader1.store().unwrap().meeting(&mid).unwrap().is_none(), "an unpublished meeting stays on the laptop");
    assert!(!leader1.blobs().unwrap().path(&sha).exists(), "its document stays on the laptop");

    // Published again, then cancelled: still there, marked, with the reason.
    sec.send(Method::POST, &format!("/meetings/{mid}/publish"), None).await.expect(200);
    let r = sec.send(Method::POST, &format!("/meetings/{mid}/cancel"), Some(json!({"reason": "  "}))).await;
    assert_eq!(r.code(), "bad_request", "a cancellation needs its reason");
    sec.send(Method::POST, &format!("/meetings/{mid}/cancel"), Some(json!({"reason": "Hoãn do lãnh đạo đi công tác"})))
        .await
        .expect(200);
    sync(&leader1).await;
    let local = leader1.store().unwrap().meeting(&mid).unwrap().expect("a cancelled meeting stays visible");
    assert_eq!(local.meeting.status, meeting_protocol::MeetingStatus::Cancelled);
    assert_eq!(local.meeting.cancel_reason, "Hoãn do lãnh đạo đi công tác");

    // Copied with its documents: a new draft, the same content, no upload, leaders see nothing.
    let copy = sec
        .send(
            Method::POST,
            &format!("/meetings/{mid}/copy"),
            Some(json!({"title": "Họp kế hoạch đầu tư công (lần 2)", "starts_at": "2026-12-20T08:00:00+07:00", "with_documents": true})),
        )
        .await
        .expect(201);
    assert_eq!(copy["status"], "draft");
    let cid = copy["id"].as_str().unwrap();
    let detail = sec.get(&format!("/meetings/{cid}")).await;
    assert_eq!(detail["agenda"][0]["title"], "Thông qua danh mục dự án");
    assert_eq!(detail["documents"][0]["sha256"], sha.as_str(), "a copy shares the blob");
    assert_eq!(detail["documents"][0]["agenda_item_id"], detail["agenda"][0]["id"]);
    sync(&leader1).await;
    assert!(leader1.store().unwrap().meeting(cid).unwrap().is_none());

    // The audit trail: every change, by whom, with before and after.
    let audit = sec.get(&format!("/meetings/{mid}/audit")).await;
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "meeting.create",
            "participant.add",
            "participant.add",
            "agenda_item.create",
            "document.upload",
            "meeting.publish",
            "meeting.unpublish",
            "meeting.publish",
            "meeting.cancel",
        ]
    );
    let all: &Vec<Value> = audit.as_array().unwrap();
    assert!(all.iter().all(|e| e["actor_username"] == "secretary1" && e["at"].as_str().is_some_and(|t| t.len() >= 20)));
    let cancel = all.last().unwrap();
    assert_eq!(cancel["before"]["status"], "published");
    assert_eq!(cancel["after"]["status"], "cancelled");
    assert_eq!(l1.send(Method::GET, &format!("/meetings/{mid}/audit"), None).await.code(), "forbidden");
    // The log cannot be rewritten, not even from inside the database.
    let mut db = server.sql();
    assert!(db.execute("DELETE FROM audit_log", &[]).is_err(), "the audit log accepted a delete");
    assert!(db.execute("UPDATE audit_log SET actor_id = 'x'", &[]).is_err(), "the audit log accepted an update");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organizer_sees_the_draft_and_a_role_change_moves_the_line() {
    let server = TestServer::start(ServerOptions { demo_users: true, ..Default::default() }).await;
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = draft(&sec, "Họp giao ban tuần").await;
    let uid = sec.user_id("leader2").await;
    let put = |role: &'static str| {
        let (sec, path) = (sec.clone(), format!("/meetings/{mid}/participants/{uid}"));
        async move { sec.send(Method::PUT, &path, Some(json!({"role": role}))).await.expect(204) }
    };
    put("member").await;
    let dir = tempfile::tempdir().unwrap();
    let leader2 = profile(dir.path(), "leader2");
    login_and_sync(&leader2, &server.url, "leader2").await;
    assert!(leader2.store().unwrap().meeting(&mid).unwrap().is_none());
    // Made an organizer, leader2 is of the secretariat: the draft arrives.
    put("organizer").await;
    sync(&leader2).await;
    assert!(leader2.store().unwrap().meeting(&mid).unwrap().is_some(), "an organizer sees the draft");
    // Back to member: it leaves again.
    put("member").await;
    sync(&leader2).await;
    assert!(leader2.store().unwrap().meeting(&mid).unwrap().is_none(), "a member does not see a draft");
}

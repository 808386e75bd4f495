//! The documents of an agenda item in the order the secretary chooses (issue 9): new
//! documents go last; a new order must name every document of the item exactly once or
//! it is refused, changing nothing; leaders' devices show the order after their sync; a
//! document moved to another item goes last there; the reorder is in the audit trail.

use reqwest::Method;
use serde_json::json;

use crate::util::{Http, ServerOptions, TestServer, login_and_sync, make_pdf, profile, sync};

/// The titles of an item's documents as the server orders them.
async fn server_order(sec: &Http, mid: &str, item: &str) -> Vec<String> {
    let d = sec.get(&format!("/meetings/{mid}")).await;
    d["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["agenda_item_id"] == item)
        .map(|x| x["title"].as_str().unwrap().to_owned())
        .collect()
}

/// The titles of an item's documents as a leader's device shows them.
fn device_order(p: &meeting_client::Profile, mid: &str, item: &str) -> Vec<String> {
    let m = p.store().unwrap().meeting(mid).unwrap().expect("the meeting on the device");
    let i = m.agenda.into_iter().find(|i| i.item.id.to_string() == item).expect("the item");
    i.documents.into_iter().map(|d| d.document.title).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn documents_keep_the_order_the_secretary_gives_them() {
    let server = TestServer::start(ServerOptions { demo_users: true, ..Default::default() }).await;
    let sec = Http::login(&server.url, "secretary1").await;
    let m = sec
        .send(
            Method::POST,
            "/meetings",
            Some(json!({"title": "Họp thứ tự tài liệu", "starts_at": "2026-12-20T08:00:00+07:00"})),
        )
        .await
        .expect(201);
    let mid = m["id"].as_str().unwrap().to_owned();
    let uid = sec.user_id("leader1").await;
    sec.send(Method::PUT, &format!("/meetings/{mid}/participants/{uid}"), Some(json!({"role": "member"})))
        .await
        .expect(204);
    let item = |title: &'static str| {
        let (sec, mid) = (&sec, &mid);
        async move {
            let i = sec
                .send(Method::POST, &format!("/meetings/{mid}/agenda"), Some(json!({"title": title})))
                .await
                .expect(201);
            i["id"].as_str().unwrap().to_owned()
        }
    };
    let (first, second) = (item("Tờ trình").await, item("Báo cáo").await);
    let mut ids = Vec::new();
    // Titles against the alphabet, so an order by title would show.
    for title in ["Tờ trình chính", "Dự thảo nghị quyết", "Báo cáo thẩm định"] {
        let path = format!("/meetings/{mid}/documents?filename=t.pdf&title={title}&agenda_item_id={first}");
        let d = sec.send_raw(Method::POST, &path, "application/pdf", make_pdf(title, "Nội dung.")).await.expect(201);
        ids.push(d["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        server_order(&sec, &mid, &first).await,
        ["Tờ trình chính", "Dự thảo nghị quyết", "Báo cáo thẩm định"],
        "new documents go last"
    );
    sec.send(Method::POST, &format!("/meetings/{mid}/publish"), None).await.expect(200);

    let dir = tempfile::tempdir().unwrap();
    let leader = profile(dir.path(), "leader1");
    login_and_sync(&leader, &server.url, "leader1").await;
    assert_eq!(device_order(&leader, &mid, &first), ["Tờ trình chính", "Dự thảo nghị quyết", "Báo cáo thẩm định"]);

    // The secretary puts the appraisal first.
    let order = json!({"agenda_item_id": first, "document_ids": [ids[2], ids[0], ids[1]]});
    let r = sec.send(Method::PUT, &format!("/meetings/{mid}/documents/order"), Some(order)).await.expect(200);
    assert_eq!(r.as_array().unwrap().len(), 3);
    let want = ["Báo cáo thẩm định", "Tờ trình chính", "Dự thảo nghị quyết"];
    assert_eq!(server_order(&sec, &mid, &first).await, want);
    sync(&leader).await;
    assert_eq!(device_order(&leader, &mid, &first), want, "the leader's device follows the new order");

    // An order that leaves one out, repeats one, or names another item's is refused.
    for bad in [
        json!({"agenda_item_id": first, "document_ids": [ids[0], ids[1]]}),
        json!({"agenda_item_id": first, "document_ids": [ids[0], ids[0], ids[1]]}),
        json!({"agenda_item_id": second, "document_ids": [ids[0], ids[1], ids[2]]}),
    ] {
        let r = sec.send(Method::PUT, &format!("/meetings/{mid}/documents/order"), Some(bad)).await;
        assert_eq!(r.code(), "bad_request");
    }
    assert_eq!(server_order(&sec, &mid, &first).await, want, "a refused order changes nothing");
    // A leader may not reorder.
    let l1 = Http::login(&server.url, "leader1").await;
    let r = l1
        .send(
            Method::PUT,
            &format!("/meetings/{mid}/documents/order"),
            Some(json!({"agenda_item_id": first, "document_ids": [ids[0], ids[1], ids[2]]})),
        )
        .await;
    assert_eq!(r.code(), "forbidden");

    // Moved to the other item, a document goes last there.
    let pdf = make_pdf("Phụ lục", "Bảng số liệu.");
    let path = format!("/meetings/{mid}/documents?filename=p.pdf&title=Phụ lục&agenda_item_id={second}");
    sec.send_raw(Method::POST, &path, "application/pdf", pdf).await.expect(201);
    sec.send(Method::PATCH, &format!("/documents/{}", ids[0]), Some(json!({"agenda_item_id": second})))
        .await
        .expect(200);
    assert_eq!(server_order(&sec, &mid, &second).await, ["Phụ lục", "Tờ trình chính"]);
    assert_eq!(server_order(&sec, &mid, &first).await, ["Báo cáo thẩm định", "Dự thảo nghị quyết"]);

    let audit = sec.get(&format!("/meetings/{mid}/audit")).await;
    let reorders: Vec<_> = audit.as_array().unwrap().iter().filter(|e| e["action"] == "documents.reorder").collect();
    assert_eq!(reorders.len(), 1, "one reorder, by the secretary: {audit:#}");
    assert_eq!(reorders[0]["actor_username"], "secretary1");
}

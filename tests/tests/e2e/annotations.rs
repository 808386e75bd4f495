//! Annotations on the server: the idempotent push, stale writes, and who sees what
//! through the change feed. Real server process, demo office.

use reqwest::Method;
use serde_json::{Value, json};

use crate::util::{Http, TestServer};

/// The regular meeting's id, its first document's id and sha256.
async fn target(h: &Http) -> (String, String, String) {
    let meeting = h.meeting_id("Phiên họp thường kỳ").await;
    let detail = h.get(&format!("/meetings/{meeting}")).await;
    let doc = &detail["documents"][0];
    (meeting, doc["id"].as_str().unwrap().to_owned(), doc["sha256"].as_str().unwrap().to_owned())
}

fn note(id: &str, (meeting, doc, sha): &(String, String, String), visibility: &str, text: &str) -> Value {
    json!({
        "id": id, "meeting_id": meeting, "document_id": doc, "agenda_item_id": null,
        "document_sha256": sha, "page": 0, "shape": {"type": "note", "at": {"x": 100.0, "y": 700.0}},
        "color": "#ffd400", "opacity": 1.0, "text": text, "anchor": null,
        "author_id": "00000000-0000-0000-0000-000000000000", "visibility": visibility,
        "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z",
        "version": 0, "deleted": false, "needs_review": false
    })
}

fn op(base: i64, annotation: Value) -> Value {
    json!({"op_id": uuid::Uuid::now_v7().to_string(), "base_version": base, "annotation": annotation})
}

async fn push(h: &Http, ops: &[Value]) -> Vec<Value> {
    let v = h.send(Method::POST, "/annotations/push", Some(json!({ "ops": ops }))).await.expect(200);
    v["results"].as_array().unwrap().clone()
}

/// The annotations a user's feed ends with: id → (deleted-by-feed?, text).
async fn seen(h: &Http) -> std::collections::BTreeMap<String, Option<String>> {
    let mut out = std::collections::BTreeMap::new();
    for c in h.all_changes(0).await {
        if c["op"] == "upsert" && c["entity"]["kind"] == "annotation" {
            let a = &c["entity"]["data"];
            out.insert(a["id"].as_str().unwrap().to_owned(), a["text"].as_str().map(str::to_owned));
        } else if c["op"] == "delete" && c["kind"] == "annotation" {
            out.insert(c["id"].as_str().unwrap().to_owned(), None);
        }
    }
    out
}

#[tokio::test]
async fn a_push_repeated_after_a_lost_answer_applies_once() {
    let server = TestServer::demo().await;
    let leader = Http::login(&server.url, "leader1").await;
    let t = target(&leader).await;
    let id = uuid::Uuid::now_v7().to_string();
    let first = op(0, note(&id, &t, "private", "Đề nghị làm rõ số liệu"));
    let mut outcomes = Vec::new();
    for _ in 0..6 {
        let r = push(&leader, std::slice::from_ref(&first)).await;
        outcomes.push((r[0]["outcome"].as_str().unwrap().to_owned(), r[0]["version"].as_i64()));
        // The server's copy comes back only when the device may not have it.
        assert_eq!(r[0]["annotation"].is_null(), r[0]["outcome"] == "applied", "{r:?}");
    }
    assert_eq!(outcomes[0], ("applied".into(), Some(1)));
    assert!(outcomes[1..].iter().all(|o| *o == ("duplicate".into(), Some(1))), "{outcomes:?}");
    let mine = seen(&leader).await;
    assert_eq!(mine.len(), 1, "exactly one annotation: {mine:?}");
}

#[tokio::test]
async fn a_stale_edit_is_a_conflict_and_the_newer_text_stays() {
    let server = TestServer::demo().await;
    let leader = Http::login(&server.url, "leader1").await;
    let t = target(&leader).await;
    let id = uuid::Uuid::now_v7().to_string();
    push(&leader, &[op(0, note(&id, &t, "participants", "bản đầu"))]).await;
    // Two devices edit version 1; the first to arrive wins, the second is told 412.
    let a = push(&leader, &[op(1, note(&id, &t, "participants", "sửa trên máy A"))]).await;
    assert_eq!((a[0]["outcome"].as_str(), a[0]["status"].as_u64()), (Some("applied"), Some(200)));
    let b = push(&leader, &[op(1, note(&id, &t, "participants", "sửa trên máy B"))]).await;
    assert_eq!((b[0]["outcome"].as_str(), b[0]["status"].as_u64()), (Some("conflict"), Some(412)));
    assert_eq!(b[0]["annotation"]["text"], "sửa trên máy A", "the conflict answer carries the server's copy");
    assert_eq!(b[0]["annotation"]["version"], 2);
    let other = Http::login(&server.url, "leader2").await;
    assert_eq!(seen(&other).await.get(&id), Some(&Some("sửa trên máy A".to_owned())));
}

#[tokio::test]
async fn the_feed_shows_each_user_only_what_was_shared_with_them() {
    let server = TestServer::demo().await;
    let author = Http::login(&server.url, "leader1").await;
    let t = target(&author).await;
    let (private, shared, secretariat) =
        (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    let r = push(
        &author,
        &[
            op(0, note(&private, &t, "private", "ghi chú riêng")),
            op(0, note(&shared, &t, "participants", "gửi mọi người")),
            op(0, note(&secretariat, &t, "secretariat", "gửi thư ký")),
        ],
    )
    .await;
    assert!(r.iter().all(|x| x["status"] == 201), "{r:?}");
    let leader2 = Http::login(&server.url, "leader2").await;
    let secretary = Http::login(&server.url, "secretary1").await;
    let (mine, theirs, sec) = (seen(&author).await, seen(&leader2).await, seen(&secretary).await);
    assert_eq!(mine.len(), 3);
    assert_eq!(theirs.keys().collect::<Vec<_>>(), vec![&shared], "another leader sees only the shared one");
    let mut expected = vec![&shared, &secretariat];
    expected.sort();
    assert_eq!(sec.keys().collect::<Vec<_>>(), expected, "the secretariat sees what was sent to it");

    // Made private again: the others' feeds end with a delete.
    let r = push(&author, &[op(1, note(&shared, &t, "private", "gửi mọi người"))]).await;
    assert_eq!(r[0]["outcome"], "applied");
    assert_eq!(seen(&leader2).await.get(&shared), Some(&None), "leader2 is told to drop it");
    assert_eq!(seen(&author).await.get(&shared), Some(&Some("gửi mọi người".to_owned())));
}

#[tokio::test]
async fn changes_nobody_may_make_are_rejected_one_by_one() {
    let server = TestServer::demo().await;
    let author = Http::login(&server.url, "leader1").await;
    let t = target(&author).await;
    let id = uuid::Uuid::now_v7().to_string();
    push(&author, &[op(0, note(&id, &t, "participants", "của lãnh đạo 1"))]).await;
    // leader2 takes part in the meeting but may not edit leader1's annotation; a
    // meeting leader2 is not in answers like an unknown one; the valid op still lands.
    let leader2 = Http::login(&server.url, "leader2").await;
    let site = author.meeting_id("giải phóng mặt bằng").await;
    let other_meeting = (site.clone(), t.1.clone(), t.2.clone());
    let mine = uuid::Uuid::now_v7().to_string();
    let r = push(
        &leader2,
        &[
            op(1, note(&id, &t, "participants", "sửa trộm")),
            op(0, note(&uuid::Uuid::now_v7().to_string(), &other_meeting, "private", "không được")),
            op(0, note(&mine, &t, "private", "của lãnh đạo 2")),
        ],
    )
    .await;
    let got: Vec<(&str, u64)> =
        r.iter().map(|x| (x["outcome"].as_str().unwrap(), x["status"].as_u64().unwrap())).collect();
    assert_eq!(got, vec![("rejected", 403), ("rejected", 404), ("applied", 201)]);
    assert_eq!(seen(&author).await.get(&id), Some(&Some("của lãnh đạo 1".to_owned())));
}

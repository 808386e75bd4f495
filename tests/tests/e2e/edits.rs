//! Acceptance 2: secretaries' edits arrive at the next sync, and a removed
//! participant's laptop purges the meeting's rows and document content.

use reqwest::Method;
use serde_json::json;

use crate::util::{self, Http, TestServer, make_pdf, sha256_hex};

fn count(conn: &rusqlite::Connection, sql: &str, id: &str) -> i64 {
    conn.query_row(sql, [id], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn secretary_edits_arrive_and_a_removed_participant_purges_the_meeting() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let leader1 = util::profile(dir.path(), "leader1");
    let leader2 = util::profile(dir.path(), "leader2");
    util::login_and_sync(&leader1, &server.url, "leader1").await;
    util::login_and_sync(&leader2, &server.url, "leader2").await;

    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    let detail = sec.get(&format!("/meetings/{mid}")).await;
    let items: Vec<String> =
        detail["agenda"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(items.len(), 3);
    let docs = detail["documents"].as_array().unwrap().clone();
    let old_shas: Vec<String> = docs.iter().map(|d| d["sha256"].as_str().unwrap().to_owned()).collect();

    // Reorder: last item first.
    let order = vec![items[2].clone(), items[0].clone(), items[1].clone()];
    sec.send(Method::PUT, &format!("/meetings/{mid}/agenda/order"), Some(json!({ "item_ids": order })))
        .await
        .expect(200);

    // Replace a document of item 0 with a new version.
    let target = docs.iter().find(|d| d["agenda_item_id"] == items[0].as_str()).unwrap();
    let doc_id = target["id"].as_str().unwrap().to_owned();
    let old_sha = target["sha256"].as_str().unwrap().to_owned();
    let v2 = make_pdf("Báo cáo (bản sửa đổi)", "Nội dung đã được cập nhật theo ý kiến của các đồng chí.");
    let v2_sha = sha256_hex(&v2);
    let r = sec
        .send_raw(Method::PUT, &format!("/documents/{doc_id}/content?filename=bao-cao-v2.pdf"), "application/pdf", v2)
        .await;
    let replaced = r.expect(200);
    assert_eq!(replaced["version"], 2);
    assert_eq!(replaced["sha256"], v2_sha.as_str());

    // Delete item 2 (its document stays in the meeting, detached).
    let deleted_item = items[2].clone();
    let detached: Vec<String> = docs
        .iter()
        .filter(|d| d["agenda_item_id"] == deleted_item.as_str())
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!detached.is_empty());
    sec.send(Method::DELETE, &format!("/agenda/{deleted_item}"), None).await.expect(204);

    // Delete another document outright.
    let gone = docs.iter().find(|d| d["agenda_item_id"] == items[1].as_str()).unwrap();
    let (gone_id, gone_sha) = (gone["id"].as_str().unwrap().to_owned(), gone["sha256"].as_str().unwrap().to_owned());
    sec.send(Method::DELETE, &format!("/documents/{gone_id}"), None).await.expect(204);

    // Remove leader2 from the meeting.
    let leader2_id = sec.user_id("leader2").await;
    sec.send(Method::DELETE, &format!("/meetings/{mid}/participants/{leader2_id}"), None).await.expect(204);

    // leader1 sees all of it.
    let r1 = util::sync(&leader1).await;
    assert!(r1.failed.is_empty(), "{:?}", r1.failed);
    assert_eq!(r1.blobs_downloaded, 1, "only the new version is fetched");
    let store = leader1.store().unwrap();
    let local = store.meeting(&mid).unwrap().unwrap();
    let local_order: Vec<String> = local.agenda.iter().map(|a| a.item.id.to_string()).collect();
    assert_eq!(local_order, vec![items[0].clone(), items[1].clone()], "item 2 deleted, the rest in the new order");
    assert_eq!(local.agenda.iter().map(|a| a.item.position).collect::<Vec<_>>(), vec![1, 2]);
    let doc = local.agenda[0].documents.iter().find(|d| d.document.id.to_string() == doc_id).unwrap();
    assert_eq!(doc.document.version, 2);
    assert!(doc.available_offline);
    let blobs = leader1.blobs().unwrap();
    assert_eq!(sha256_hex(&blobs.read(&v2_sha).unwrap()), v2_sha);
    assert!(!blobs.path(&old_sha).exists(), "the replaced version leaves the laptop");
    assert!(!blobs.path(&gone_sha).exists(), "a deleted document leaves the laptop");
    assert!(local.agenda.iter().flat_map(|a| &a.documents).all(|d| d.document.id.to_string() != gone_id));
    let others: Vec<String> = local.other_documents.iter().map(|d| d.document.id.to_string()).collect();
    assert_eq!(others, detached);
    assert!(!local.participants.iter().any(|p| p.username == "leader2"));
    assert!(local.ready_offline);

    // leader2's laptop purges the meeting and its documents.
    let r2 = util::sync(&leader2).await;
    assert_eq!(r2.meetings_purged, 1);
    let store2 = leader2.store().unwrap();
    assert!(store2.meeting(&mid).unwrap().is_none());
    assert_eq!(store2.meetings().unwrap().len(), 1, "the other meeting stays");
    let db = util::raw_db(&leader2);
    for table in ["documents", "agenda_items", "participants"] {
        assert_eq!(
            count(&db, &format!("SELECT count(*) FROM {table} WHERE meeting_id = ?1"), &mid),
            0,
            "{table} purged"
        );
    }
    let blobs2 = leader2.blobs().unwrap();
    for sha in old_shas.iter().chain([&v2_sha]) {
        assert!(!blobs2.path(sha).exists(), "blob {sha} of the purged meeting must leave leader2's laptop");
        assert!(!blobs2.partial_path(sha).exists());
    }
    assert!(meeting_client::verify(&leader2).unwrap().is_clean());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newly_added_participant_receives_the_whole_meeting() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let leader2 = util::profile(dir.path(), "leader2");
    util::login_and_sync(&leader2, &server.url, "leader2").await;
    assert_eq!(leader2.store().unwrap().meetings().unwrap().len(), 2);

    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("giải phóng mặt bằng").await;
    let leader2_id = sec.user_id("leader2").await;
    sec.send(Method::PUT, &format!("/meetings/{mid}/participants/{leader2_id}"), Some(json!({"role": "member"})))
        .await
        .expect(204);

    let r = util::sync(&leader2).await;
    assert!(r.failed.is_empty());
    let local = leader2.store().unwrap().meeting(&mid).unwrap().expect("meeting arrives after the grant");
    assert!(!local.agenda.is_empty());
    assert!(local.agenda.iter().all(|a| !a.documents.is_empty()));
    assert!(local.ready_offline);
}

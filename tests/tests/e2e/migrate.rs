//! Issue 31, acceptance 5: an office that ran on SQLite and files moves to PostgreSQL and
//! a bucket with `meeting-server migrate`, and its devices go on syncing where they
//! stopped: the same server id and feed positions, no blob downloaded again, no login.
//! Needs the run's PostgreSQL and S3 server: on the default run it says so and passes.

use reqwest::Method;
use serde_json::json;

use crate::util::database::{Bucket, Database, postgres_cluster, s3_server};
use crate::util::{self, Http, ServerOptions, TestServer, meeting};

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_office_moved_from_sqlite_to_postgres_and_a_bucket_serves_its_devices_without_a_resync() {
    if postgres_cluster().is_none() || s3_server().is_none() {
        eprintln!("skipped: moving an office needs PostgreSQL and an S3 server (the test command runs this on them)");
        return;
    }
    let mut server = TestServer::start(ServerOptions { demo: true, sqlite: true, ..Default::default() }).await;
    let dir = tempfile::tempdir().unwrap();
    let laptop = util::profile(dir.path(), "leader1");
    let first = util::login_and_sync(&laptop, &server.url, "leader1").await;
    assert!(first.failed.is_empty() && first.blobs_downloaded >= 8, "{first:?}");
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    let doc = sec.get(&format!("/meetings/{mid}")).await["documents"][0]["id"].as_str().unwrap().to_owned();
    let note =
        meeting(&dir.path().join("leader1"), &["annotations", "add-note", &doc, "1", "trước khi chuyển", "--json"]);
    assert!(note["id"].is_string(), "{note}");
    // An audited edit: the audit log's numbering must continue after the move.
    sec.send(Method::PATCH, &format!("/meetings/{mid}"), Some(json!({"description": "Chuẩn bị chuyển máy chủ"})))
        .await
        .expect(200);
    util::sync(&laptop).await;
    let (server_id, head, audit) = {
        let mut db = server.sql();
        (
            db.strings("SELECT value FROM server_meta WHERE key = 'server_id'", &[]),
            db.i64("SELECT value FROM counters WHERE name = 'change_seq'", &[]),
            db.i64("SELECT count(*) FROM audit_log", &[]),
        )
    };
    assert!(audit > 0, "the edit is in the audit log");
    let blobs_before = server.stored_files();

    // A file damaged on disk stops the move before the database is touched.
    let database = Database::create();
    let bucket = Bucket::create().unwrap();
    let sha = sec.get(&format!("/meetings/{mid}")).await["documents"][0]["sha256"].as_str().unwrap().to_owned();
    let path = server.data_dir().join("blobs").join(&sha[..2]).join(&sha);
    let good = std::fs::read(&path).unwrap();
    let mut bad = good.clone();
    bad[100] ^= 0x20;
    std::fs::write(&path, &bad).unwrap();
    let out = server.migrate_to(&database, &bucket).await;
    assert!(!out.status.success(), "a damaged blob must stop the move:\n{}", text(&out));
    assert!(text(&out).contains(&sha) && text(&out).contains("không khớp"), "names the file:\n{}", text(&out));
    let mut target = database.sql(server.data_dir());
    assert_eq!(target.i64("SELECT count(*) FROM users", &[]), 0, "nothing reached the database");

    // Restored, the move is run again and completes (blobs already copied are skipped).
    std::fs::write(&path, &good).unwrap();
    let out = server.migrate_to(&database, &bucket).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Đã chuyển văn phòng"), "{}", text(&out));
    assert_eq!(target.strings("SELECT value FROM server_meta WHERE key = 'server_id'", &[]), server_id);
    assert_eq!(target.i64("SELECT value FROM counters WHERE name = 'change_seq'", &[]), head, "the same feed position");
    assert_eq!(target.i64("SELECT count(*) FROM audit_log", &[]), audit);
    assert_eq!(bucket.count(), blobs_before, "every blob in the bucket");
    assert_eq!(bucket.get(&sha), good);

    // A second move into the same database is refused: it holds an office now.
    let again = server.migrate_to(&database, &bucket).await;
    assert!(!again.status.success() && text(&again).contains("đã có dữ liệu"), "{}", text(&again));

    // The same address, now on PostgreSQL and the bucket: the laptop syncs without
    // logging in again and gets nothing it already had.
    server.serve_from(database, bucket).await;
    assert!(server.on_postgres());
    let after = util::sync(&laptop).await;
    assert!(after.failed.is_empty(), "{after:?}");
    assert_eq!((after.blobs_downloaded, after.changes_applied), (0, 0), "no resync: {after:?}");

    // New work continues the feed: a change and a new document reach the laptop; the
    // note made before the move is still the server's, once.
    let sec = Http::login(&server.url, "secretary1").await;
    sec.send(Method::PATCH, &format!("/meetings/{mid}"), Some(json!({"location": "Phòng họp số 2"}))).await.expect(200);
    sec.upload(&mid, "sau-khi-chuyen.pdf", util::make_pdf("Sau khi chuyển", "Tài liệu mới")).await.expect(201);
    let later = util::sync(&laptop).await;
    assert!(later.failed.is_empty(), "{later:?}");
    assert_eq!(later.blobs_downloaded, 1, "only the new document: {later:?}");
    let local = laptop.store().unwrap().meetings().unwrap();
    assert!(local.iter().any(|m| m.meeting.location == "Phòng họp số 2"), "the change arrived");
    let notes = server.sql().i64("SELECT count(*) FROM annotations WHERE deleted = 0", &[]);
    assert_eq!(notes, 1, "the note made before the move, once");
    let audited = server.sql().i64("SELECT count(*) FROM audit_log", &[]);
    assert!(audited > audit, "edits after the move are audited too ({audit} → {audited})");
}

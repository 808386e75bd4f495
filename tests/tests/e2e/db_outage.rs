//! Issue 31: the database goes away under a running server — PostgreSQL crashes and
//! comes back, as in a restart or a fail-over. Meanwhile every request is answered 503
//! `database_unavailable` with a `Retry-After` (not a 500, so devices treat it as "try
//! again", and office IT reads what happened in the log); once the database is back the
//! same server process serves again, without a restart. Needs PostgreSQL (the test
//! starts a cluster of its own, which it can stop): on the default run it says so.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use meeting_client::app::UiCode;
use reqwest::Method;
use serde_json::json;

use crate::util::database::postgres_cluster;
use crate::util::{self, Http, ServerOptions, TestServer};

/// A cluster of this test's own; removed when dropped.
struct Cluster(PathBuf);

fn pg_cluster(command: &str, dir: &Path) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/pg-cluster");
    let out = Command::new("bash").arg(script).arg(command).arg(dir).output().unwrap();
    assert!(out.status.success(), "pg-cluster {command}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

impl Drop for Cluster {
    fn drop(&mut self) {
        pg_cluster("stop", &self.0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_that_dies_and_comes_back_means_503s_meanwhile_and_service_after_without_a_restart() {
    if postgres_cluster().is_none() {
        eprintln!("skipped: needs PostgreSQL (the test command runs this on it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster(dir.path().join("pg"));
    let url = pg_cluster("start", &cluster.0);
    let opts = ServerOptions { demo: true, database: Some(format!("{url}/postgres")), ..Default::default() };
    let server = TestServer::start(opts).await;
    let sec = Http::login(&server.url, "secretary1").await;
    let laptop = util::profile(dir.path(), "leader1");
    util::login_and_sync(&laptop, &server.url, "leader1").await;

    pg_cluster("down", &cluster.0);
    let r = sec.send(Method::GET, "/meetings", None).await;
    assert_eq!((r.status.as_u16(), r.code().as_str()), (503, "database_unavailable"), "{:?}", r.json());
    assert_eq!(r.headers["retry-after"], "5");
    let e = meeting_client::sync(&laptop, &meeting_client::SyncOptions::default(), &|_| {})
        .await
        .expect_err("no sync without the database");
    assert!(e.is_transient(), "the device retries by itself: {e}");
    assert_eq!(UiCode::parse(e.code()), UiCode::DatabaseUnavailable, "{e}");
    assert!(server.log().contains("database unavailable"), "the log says what happened");

    // Back: the same process serves again within a few seconds.
    pg_cluster("up", &cluster.0);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = sec.send(Method::GET, "/meetings", None).await;
        if r.status.as_u16() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still {} after the database came back", r.status);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    sec.send(Method::PATCH, &format!("/meetings/{mid}"), Some(json!({"location": "Hội trường B"}))).await.expect(200);
    let report = util::sync(&laptop).await;
    assert!(report.changes_applied >= 1, "{report:?}");
}

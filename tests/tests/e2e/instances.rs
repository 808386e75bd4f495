//! Issue 31: several server instances on one PostgreSQL database and one bucket. Any
//! instance serves any request; a change made through one reaches devices connected to
//! another. These need PostgreSQL: on the default database they say so and pass.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::room::{add_users, login_all};
use crate::util::{Devices, Http, ServerOptions, TestServer};

#[tokio::test(flavor = "multi_thread")]
async fn a_change_through_one_instance_reaches_devices_on_another_and_the_demo_is_seeded_once() {
    const N: usize = 10;
    let a = TestServer::demo().await;
    if !a.postgres_only("several instances") {
        return;
    }
    // The second instance is started with --demo too: it finds the office seeded.
    let b = a.another_instance(ServerOptions { demo: true, ..Default::default() }).await;
    let sec_a = Http::login(&a.url, "secretary1").await;
    let sec_b = Http::login(&b.url, "secretary1").await;
    let (on_a, on_b) = (sec_a.get("/meetings").await, sec_b.get("/meetings").await);
    assert_eq!(on_a.as_array().map(Vec::len), Some(3), "{on_a}");
    assert_eq!(on_a, on_b, "both instances serve the same office, seeded once");

    // Members whose devices are connected to instance B only.
    let mid = sec_a.meeting_id("giải phóng mặt bằng").await;
    let detail = sec_a.get(&format!("/meetings/{mid}")).await;
    let item = detail["agenda"][0]["id"].as_str().unwrap().to_owned();
    let names = add_users(&a, "inst", N);
    let dir = tempfile::tempdir().unwrap();
    for name in &names {
        let uid = sec_a.user_id(name).await;
        sec_a
            .send(Method::PUT, &format!("/meetings/{mid}/participants/{uid}"), Some(json!({"role": "member"})))
            .await
            .expect(204);
    }
    let profiles: Vec<_> = names.iter().map(|n| (dir.path().join(n), n.clone())).collect();
    login_all(&b.url, &profiles);
    let live: Vec<_> = profiles.iter().map(|(p, _)| (p.clone(), mid.clone())).collect();
    let devices = Devices::start(&live);
    let all: Vec<usize> = (0..N).collect();
    devices.wait_each(&all, "caught up", |v| v["event"] == "synced");

    // The secretary changes the current item through instance A, after the listeners
    // have waited idle a while (a listener whose wait ran out once stopped hearing).
    tokio::time::sleep(Duration::from_secs(3)).await;
    devices.mark();
    let set = Instant::now();
    sec_a.send(Method::PUT, &format!("/meetings/{mid}/current-item"), Some(json!({"item_id": item}))).await.expect(200);
    let mut delays: Vec<Duration> = devices
        .wait_each(&all, "the current item, through the other instance", |v| {
            v["event"] == "room" && v["room"]["state"]["current_item_id"] == item.as_str()
        })
        .into_iter()
        .map(|at| at.saturating_duration_since(set))
        .collect();
    delays.sort();
    let p95 = delays[N * 95 / 100 - 1];
    eprintln!("A → {N} devices on B: p50 {:?}, p95 {p95:?}, max {:?}", delays[N / 2], delays[N - 1]);
    assert!(p95 < Duration::from_secs(1), "p95 {p95:?}: {delays:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_conversion_whose_instance_is_killed_mid_job_is_finished_by_the_other() {
    use crate::convert::{finished, hanging_converter, meeting, soffice, upload};
    // Instance A converts with a stand-in that hangs on this file; B with LibreOffice.
    let tools = tempfile::tempdir().unwrap();
    // A killed server leaves its converter's processes behind (the stand-in spins):
    // they go when the test ends, passed or not.
    struct Reap(std::path::PathBuf);
    impl Drop for Reap {
        fn drop(&mut self) {
            for pid in std::fs::read_to_string(&self.0).unwrap_or_default().split_whitespace() {
                let _ = std::process::Command::new("kill").args(["-9", pid]).status();
            }
        }
    }
    let _reap = Reap(tools.path().join("pids"));
    let hangs = ServerOptions {
        demo_users: true,
        soffice: Some(hanging_converter(tools.path())),
        convert_lease_secs: Some(3),
        ..Default::default()
    };
    let mut a = TestServer::start(hangs).await;
    if !a.postgres_only("several instances") {
        return;
    }
    let works = ServerOptions { soffice: Some(soffice()), convert_lease_secs: Some(3), ..Default::default() };
    let b = a.another_instance(works).await;
    let sec_a = Http::login(&a.url, "secretary1").await;
    let sec_b = Http::login(&b.url, "secretary1").await;
    let mid = meeting(&sec_a).await;
    let docx = meeting_e2e::office::docx("HANG", &["Tờ trình về phương án giải phóng mặt bằng."]);
    let c = upload(&sec_a, &mid, "to-trinh.docx", docx, "").await.expect(202);
    let id = c["id"].as_str().unwrap().to_owned();
    // A has it: converting, and still so well past the lease (A renews its claim).
    let until = Instant::now() + Duration::from_secs(30);
    while sec_b.get(&format!("/conversions/{id}")).await["state"] != "converting" {
        assert!(Instant::now() < until, "instance A never started the conversion");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(sec_b.get(&format!("/conversions/{id}")).await["state"], "converting", "B took a live claim");

    // A dies mid-conversion; B takes the file over once A's lease has run out.
    a.kill();
    let done = finished(&sec_b, &c, Duration::from_secs(120)).await;
    assert_eq!(done["state"], "ready", "{done}");
    let docs = sec_b.get(&format!("/meetings/{mid}")).await["documents"].clone();
    assert_eq!(docs.as_array().map(Vec::len), Some(1), "converted once: {docs}");
    assert_eq!(docs[0]["original_filename"], "to-trinh.docx", "{docs}");
}

/// Failed logins are counted in the database: a guesser alternating between instances
/// is locked after the same five failures as against one, on both, and a restart of
/// an instance does not forget them.
#[tokio::test(flavor = "multi_thread")]
async fn a_guesser_spread_over_instances_is_locked_as_against_one() {
    let mut a = TestServer::demo().await;
    if !a.postgres_only("several instances") {
        return;
    }
    let b = a.another_instance(ServerOptions::default()).await;
    let login = |url: String, password: String| async move {
        Http::anonymous(&url)
            .send(Method::POST, "/auth/login", Some(json!({"username": "leader2", "password": password})))
            .await
    };
    for i in 0..5 {
        let url = if i % 2 == 0 { a.url.clone() } else { b.url.clone() };
        assert_eq!(login(url, format!("guess{i}")).await.status.as_u16(), 401, "failure {i}");
    }
    for url in [a.url.clone(), b.url.clone()] {
        let r = login(url.clone(), "guess".into()).await;
        assert_eq!(r.code(), "too_many_requests", "locked on {url}");
    }
    a.restart().await;
    assert_eq!(login(a.url.clone(), "demo".into()).await.status.as_u16(), 429, "still locked after a restart");
    let other = Http::anonymous(&b.url)
        .send(Method::POST, "/auth/login", Some(json!({"username": "leader1", "password": "demo"})))
        .await;
    assert_eq!(other.status.as_u16(), 200, "another user is not locked");
}

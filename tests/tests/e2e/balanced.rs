//! Issue 31, acceptance 2–4: two server instances on one PostgreSQL database and one
//! bucket, behind a load balancer on loopback (`util::balancer`, round robin per
//! connection, skipping an instance that refuses). Devices know only the balancer's
//! address. Need PostgreSQL: on the default database they say so and pass.

use std::path::{Path, PathBuf};
use std::time::Duration;

use meeting_client::annotations::SyncState;
use meeting_client::drafts::AnnotationDraft;
use meeting_protocol::{Point, Shape, Visibility};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::room::{add_users, all_at_once, login_all};
use crate::util::balancer::Balancer;
use crate::util::{self, Http, ServerOptions, TestServer, meeting_output};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const BALLOTS: &str = "POST /api/v1/votes/";

/// A secret vote with ballots through the balancer to both instances; both instances are
/// killed and restarted while it is open; it goes on, counts every ballot once, and
/// nothing in `pg_dump` or either instance's log links a voter to a choice.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_vote_through_two_instances_survives_restarting_both_and_counts_each_ballot_once() {
    const N: usize = 12;
    let mut a = TestServer::demo().await;
    if !a.postgres_only("several instances") {
        return;
    }
    let mut b = a.another_instance(ServerOptions::default()).await;
    let lb = Balancer::start(vec![a.addr, b.addr]).await;
    let sec = Http::login(&lb.url, "secretary1").await;
    let mid = sec.meeting_id("giải phóng mặt bằng").await;
    let item = sec.get(&format!("/meetings/{mid}")).await["agenda"][0]["id"].as_str().unwrap().to_owned();
    let names = add_users(&a, "lbv", N);
    let mut ids = Vec::new();
    for name in &names {
        let uid = sec.user_id(name).await;
        sec.send(Method::PUT, &format!("/meetings/{mid}/participants/{uid}"), Some(json!({"role": "member"})))
            .await
            .expect(204);
        ids.push(uid);
    }
    let dir = tempfile::tempdir().unwrap();
    let profiles: Vec<(PathBuf, String)> = names
        .iter()
        .map(|n| (dir.path().join(n), n.clone()))
        .chain([(dir.path().join("sec"), "secretary1".into())])
        .collect();
    login_all(&lb.url, &profiles);
    let runs: Vec<(&Path, Vec<String>)> =
        profiles[..N].iter().map(|(p, _)| (p.as_path(), vec!["checkin".into(), mid.clone()])).collect();
    for out in all_at_once(&runs) {
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = meeting_output(
        &profiles[N].0,
        &["vote", "open", &item, "--question", "Thông qua phương án đền bù", "--secret"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let vote = String::from_utf8_lossy(&out.stdout).trim().to_owned();

    // Member i picks choice i % 3 + 1: four of each. Half vote, all at once.
    lb.count(BALLOTS);
    let cast = |range: std::ops::Range<usize>| -> Vec<(&Path, Vec<String>)> {
        range
            .map(|i| {
                let args = vec!["vote".into(), "cast".into(), vote.clone(), (i % 3 + 1).to_string()];
                (profiles[i].0.as_path(), args)
            })
            .collect()
    };
    for out in all_at_once(&cast(0..N / 2)) {
        assert!(out.status.success(), "{}", stderr(&out));
    }

    // Both instances go down (SIGKILL) and come back on their addresses.
    a.kill();
    b.kill();
    a.restart_same_port().await;
    b.restart_same_port().await;
    let open = sec.get(&format!("/votes/{vote}")).await;
    assert_eq!(open["status"], "open", "the vote goes on after both restarts: {open}");
    assert_eq!(open["voted"].as_array().map(Vec::len), Some(N / 2), "{open}");

    for out in all_at_once(&cast(N / 2..N)) {
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let again = meeting_output(&profiles[0].0, &["vote", "cast", &vote, "2"]);
    assert!(!again.status.success() && stderr(&again).contains("already_voted"), "{}", stderr(&again));
    let per_instance = lb.counted(BALLOTS);
    assert!(per_instance.iter().all(|n| *n > 0), "ballots reached both instances: {per_instance:?}");

    let closed = sec.send(Method::POST, &format!("/votes/{vote}/close"), None).await.expect(200);
    assert_eq!(closed["result"]["counts"], json!([4, 4, 4]), "each ballot once: {closed}");
    assert_eq!(closed["result"]["ballots"], N, "{closed}");

    // pg_dump: voters listed without a choice; the counters name no voter.
    let dump = a.dump();
    let voters: Vec<&str> = dump.lines().filter(|l| l.contains("vote_voters") && l.contains(&vote)).collect();
    assert_eq!(voters.iter().filter(|l| l.starts_with("INSERT")).count(), N, "{voters:?}");
    for row in voters.iter().filter(|l| l.starts_with("INSERT")) {
        assert!(row.ends_with(", NULL);"), "a secret ballot's choice stored with its voter: {row}");
    }
    for line in dump.lines().filter(|l| l.contains("vote_tallies") && l.starts_with("INSERT")) {
        assert!(!ids.iter().any(|id| line.contains(id.as_str())), "a counter next to a voter: {line}");
    }
    for (which, log) in [("A", a.log()), ("B", b.log())] {
        for line in log.lines() {
            let voter = ids.iter().chain(&names).any(|v| line.contains(v.as_str()));
            assert!(!line.contains("choice"), "instance {which}'s log mentions a choice: {line}");
            assert!(!(voter && line.contains(&vote)), "instance {which}'s log links a voter to the vote: {line}");
        }
    }
}

/// What one device of the load test did.
struct Device {
    name: String,
    notes: Vec<Uuid>,
    retries: usize,
    /// Marks the device still holds as not confirmed by the server.
    unsynced: usize,
}

/// One device of the load test: logs in through the balancer, then `rounds` times adds a
/// note and syncs, retrying a failed sync as the app does.
async fn annotate(url: String, dir: PathBuf, name: String, doc: Uuid, rounds: usize) -> Device {
    let p = util::profile(&dir, &name);
    let mut retries = 0;
    let sync = async |p: &meeting_client::Profile, retries: &mut usize| loop {
        match meeting_client::sync(p, &meeting_client::SyncOptions::default(), &|_| {}).await {
            Ok(r) if r.failed.is_empty() => return r,
            Ok(r) => panic!("{name}: documents failed: {:?}", r.failed),
            Err(e) => {
                assert!(e.is_transient(), "{name}: an error a user would see: {e} ({})", e.code());
                *retries += 1;
                assert!(*retries < 60, "{name}: still failing after {retries} retries: {e}");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    };
    loop {
        match p.login(&url, &name, "demo").await {
            Ok(_) => break,
            Err(e) if e.is_transient() && retries < 60 => {
                retries += 1;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => panic!("{name}: login: {e}"),
        }
    }
    sync(&p, &mut retries).await;
    let mut notes = Vec::new();
    for round in 0..rounds {
        let mut store = p.store().unwrap();
        // As the app saves a mark the reader draws.
        let saved = store
            .save_draft(AnnotationDraft {
                id: None,
                document_id: Some(doc),
                agenda_item_id: None,
                meeting_id: None,
                page: Some(0),
                shape: Shape::Note { at: Point { x: 36.0, y: 72.0 } },
                color: "#ffd400".into(),
                opacity: 1.0,
                text: format!("{name}: ghi chú {round}"),
                anchor: None,
                visibility: Visibility::Private,
                deleted: false,
            })
            .unwrap();
        drop(store);
        notes.push(saved.annotation.id);
        sync(&p, &mut retries).await;
    }
    let unsynced = p.store().unwrap().annotations(None).unwrap().iter().filter(|a| a.sync != SyncState::Synced).count();
    Device { name, notes, retries, unsynced }
}

/// 100 devices syncing and annotating through the balancer; one instance is killed
/// (SIGKILL) in the middle. Devices retry to the other; every mark reaches the server
/// exactly once; no error a user would see (only transient ones, retried).
#[tokio::test(flavor = "multi_thread")]
async fn killing_an_instance_under_a_hundred_annotating_devices_loses_and_duplicates_no_mark() {
    const N: usize = 100;
    const ROUNDS: usize = 4;
    let mut a = TestServer::demo().await;
    if !a.postgres_only("several instances") {
        return;
    }
    let b = a.another_instance(ServerOptions::default()).await;
    let lb = Balancer::start(vec![a.addr, b.addr]).await;
    let sec = Http::login(&lb.url, "secretary1").await;
    let created = sec
        .send(
            Method::POST,
            "/meetings",
            Some(json!({"title": "Họp giao ban", "starts_at": "2026-12-10T08:00:00+07:00"})),
        )
        .await
        .expect(201);
    let mid = created["id"].as_str().unwrap().to_owned();
    let doc = sec.upload(&mid, "giao-ban.pdf", util::make_pdf("Giao ban", "Nội dung giao ban tuần")).await.expect(201);
    let doc = Uuid::parse_str(doc["id"].as_str().unwrap()).unwrap();
    let names = add_users(&a, "load", N);
    for name in &names {
        let uid = sec.user_id(name).await;
        sec.send(Method::PUT, &format!("/meetings/{mid}/participants/{uid}"), Some(json!({"role": "member"})))
            .await
            .expect(204);
    }
    sec.send(Method::POST, &format!("/meetings/{mid}/publish"), None).await.expect(200);
    lb.count("POST /api/v1/annotations/push");

    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let devices: Vec<_> = names
        .iter()
        .map(|n| tokio::spawn(annotate(lb.url.clone(), dir.path().to_owned(), n.clone(), doc, ROUNDS)))
        .collect();
    // Kill instance A once the load is under way.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while lb.counted("POST /api/v1/annotations/push").iter().sum::<usize>() < N {
        assert!(std::time::Instant::now() < deadline, "the load did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    a.kill();
    let mut all = Vec::new();
    for d in devices {
        all.push(d.await.unwrap());
    }
    let retries: usize = all.iter().map(|d| d.retries).sum();
    let pushes = lb.counted("POST /api/v1/annotations/push");
    eprintln!(
        "{N} devices × {ROUNDS} marks in {:?}: pushes per instance {pushes:?}, retries {retries}",
        started.elapsed()
    );
    assert!(pushes.iter().all(|n| *n > 0), "both instances took pushes: {pushes:?}");

    // Exactly once: every note on the server, applied once (version 1), nothing else.
    let mut db = b.sql();
    let on_server: std::collections::BTreeMap<String, i64> = db
        .rows("SELECT id, version FROM annotations WHERE meeting_id = ?1", &[mid.as_str()])
        .into_iter()
        .map(|r| (r[0].clone().unwrap(), r[1].as_deref().unwrap().parse().unwrap()))
        .collect();
    let made: Vec<String> = all.iter().flat_map(|d| d.notes.iter().map(Uuid::to_string)).collect();
    assert_eq!(on_server.len(), N * ROUNDS, "every mark once, no other");
    for id in &made {
        assert_eq!(on_server.get(id), Some(&1), "note {id}: missing or applied twice");
    }
    // And no device has anything left to send.
    for d in &all {
        assert_eq!(d.unsynced, 0, "{} has marks the server did not confirm", d.name);
    }
}

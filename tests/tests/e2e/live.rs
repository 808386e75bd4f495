//! Issue 11, the live channel (first part): devices running `meeting live` are woken
//! by the server at each change they may see, and sync it at once.
//!
//! - a secretary's change reaches every connected device within a second (p95 asserted
//!   under 1 s, on loopback), and a device of a user who may not see the meeting hears
//!   nothing;
//! - with the server restarted, the devices reconnect by themselves, catch up with what
//!   was committed meanwhile, and hear the next change live.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::util::{Devices, Http, TestServer, meeting_login};

fn synced_with_changes(v: &Value) -> bool {
    v["event"] == "synced" && v["changes"].as_u64().unwrap_or(0) > 0
}

async fn add_item(sec: &Http, mid: &str, title: &str) -> Instant {
    sec.send(Method::POST, &format!("/meetings/{mid}/agenda"), Some(json!({ "title": title }))).await.expect(201);
    Instant::now()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_reaches_every_live_device_within_a_second_and_survives_a_server_restart() {
    let mut server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let sec = Http::login(&server.url, "secretary1").await;
    // leader2 does not take part in the site-clearance meeting: its device must not wake.
    let mid = sec.meeting_id("giải phóng mặt bằng").await;
    // Ten devices of leader1 live on it; leader2's device, live on a meeting of its own.
    const N: usize = 10;
    let other = Http::login(&server.url, "leader2").await.meetings().await[0]["id"].as_str().unwrap().to_owned();
    let mut profiles = Vec::new();
    for i in 0..=N {
        let p = dir.path().join(format!("device-{i}"));
        meeting_login(&p, &server.url, if i < N { "leader1" } else { "leader2" });
        profiles.push((p, if i < N { mid.clone() } else { other.clone() }));
    }
    let devices = Devices::start(&profiles);
    let all: Vec<usize> = (0..N).collect();
    devices.wait_each(&[N], "the outsider connected", |v| v["event"] == "synced");
    devices.wait_each(&all, "connected", |v| v["event"] == "connected");
    devices.wait_each(&all, "caught up", |v| v["event"] == "synced");
    devices.mark();
    let start = devices.seen.borrow().1;

    // Three changes, each heard by every device.
    let mut delays = Vec::new();
    for k in 0..3 {
        devices.mark();
        let committed = add_item(&sec, &mid, &format!("Nội dung bổ sung {k}")).await;
        for at in devices.wait_each(&all, "the change", synced_with_changes) {
            delays.push(at.saturating_duration_since(committed));
        }
    }
    delays.sort();
    let p95 = delays[delays.len() * 95 / 100 - 1];
    eprintln!(
        "change → device synced: p50 {:?}, p95 {p95:?}, max {:?}",
        delays[delays.len() / 2],
        delays[delays.len() - 1]
    );
    assert!(p95 < Duration::from_secs(1), "p95 {p95:?}: {delays:?}");
    let heard: Vec<Value> = devices.seen.borrow().0[start..]
        .iter()
        .map(|(i, _, v)| (*i, v.clone()))
        .filter(|(i, v)| *i == N && v["event"] == "synced")
        .map(|(_, v)| v)
        .collect();
    assert!(heard.is_empty(), "leader2's device was not even woken by a meeting it may not see: {heard:?}");

    // Restarted server: the devices come back by themselves and catch up with a change
    // committed while they were away.
    devices.mark();
    server.kill();
    devices.wait_each(&all, "disconnected", |v| v["event"] == "disconnected");
    server.restart_same_port().await;
    let sec = Http::login(&server.url, "secretary1").await;
    add_item(&sec, &mid, "Nội dung khi mất kết nối").await;
    devices.wait_each(&all, "reconnected and caught up", synced_with_changes);
    for (p, _) in &profiles[..N] {
        let shown = crate::util::meeting(p, &["show", &mid, "--json"]);
        let titles: Vec<&str> =
            shown["agenda"].as_array().unwrap().iter().filter_map(|a| a["title"].as_str()).collect();
        let once = titles.iter().filter(|t| **t == "Nội dung khi mất kết nối").count();
        assert_eq!(once, 1, "{titles:?}");
        assert_eq!(titles.iter().filter(|t| t.starts_with("Nội dung bổ sung")).count(), 3, "{titles:?}");
    }
    devices.mark();
    let committed = add_item(&sec, &mid, "Nội dung sau khi kết nối lại").await;
    for at in devices.wait_each(&all, "live again", synced_with_changes) {
        assert!(at.saturating_duration_since(committed) < Duration::from_secs(3));
    }
}

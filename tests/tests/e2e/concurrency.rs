//! Acceptance 4: eight secretaries write concurrently while a leader polls the feed
//! with small pages; the poller never skips a change and never goes back in time.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::Method;
use serde_json::json;

use crate::util::{Http, TestServer};

const WRITERS: usize = 8;
const WRITES_EACH: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_make_a_poller_skip_a_change() {
    let server = TestServer::demo().await;
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    let leader = Http::login(&server.url, "leader1").await;
    let start = leader.get("/changes?since=0&limit=1").await["head"].as_i64().unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let poller = {
        let (leader, done) = (leader.clone(), done.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut since = start;
            loop {
                // Read the flag before polling: the poll after it certainly sees all writes.
                let finished = done.load(Ordering::SeqCst);
                let page = leader.get(&format!("/changes?since={since}&limit=7")).await;
                for c in page["changes"].as_array().unwrap() {
                    seen.push(c["seq"].as_i64().unwrap());
                }
                let next = page["next_since"].as_i64().unwrap();
                assert!(next >= since, "the cursor went back from {since} to {next}");
                since = next;
                if finished && !page["has_more"].as_bool().unwrap() {
                    return seen;
                }
            }
        })
    };

    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (sec, mid) = (sec.clone(), mid.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..WRITES_EACH {
                let body = json!({"title": format!("Mục {w}-{i}"), "presenter": "Văn phòng", "planned_time": "10:00"});
                let r = sec.send(Method::POST, &format!("/meetings/{mid}/agenda"), Some(body)).await;
                assert_eq!(r.status.as_u16(), 201, "{}", String::from_utf8_lossy(&r.bytes));
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let seen = poller.await.unwrap();

    assert!(seen.windows(2).all(|w| w[0] < w[1]), "changes arrive in strictly increasing order");
    let seen: BTreeSet<i64> = seen.into_iter().collect();
    let all: BTreeSet<i64> = leader.all_changes(start).await.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert_eq!(all.len(), WRITERS * WRITES_EACH, "every write is one visible change");
    let skipped: Vec<_> = all.difference(&seen).collect();
    assert!(skipped.is_empty(), "the poller skipped {skipped:?}");
}

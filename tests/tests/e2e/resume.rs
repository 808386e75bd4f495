//! Acceptance 3: interrupted downloads resume from where they stopped (206), corrupt
//! partial files are detected and fetched again, and content that does not match its
//! hash is never marked available.

use std::collections::HashMap;
use std::time::Duration;

use meeting_client::Profile;

use crate::util::{self, Proxy, ProxyMode, TestServer, sha256_hex};

/// Bytes still to fetch for the documents not yet available offline, counting what
/// their partial files already hold.
fn remainder(p: &Profile) -> u64 {
    let (missing, partial) = pending(p);
    let kept: u64 = partial.values().sum();
    assert!(kept > 0, "some bytes arrived before the interruption and were kept: {partial:?}");
    missing.values().sum::<u64>() - kept
}

/// Sizes of the documents not yet available offline, and of their partial files.
fn pending(p: &Profile) -> (HashMap<String, u64>, HashMap<String, u64>) {
    let store = p.store().unwrap();
    let blobs = p.blobs().unwrap();
    let missing: HashMap<String, u64> = store.missing_blobs().unwrap().into_iter().collect();
    let partial = missing.keys().map(|sha| (sha.clone(), blobs.partial_kept(sha))).collect();
    (missing, partial)
}

fn assert_all_verified(p: &Profile) {
    let store = p.store().unwrap();
    assert!(store.missing_blobs().unwrap().is_empty());
    let blobs = p.blobs().unwrap();
    for (sha, _) in store.verified_blobs().unwrap() {
        assert_eq!(sha256_hex(&blobs.read(&sha).unwrap()), sha);
    }
    assert!(store.meetings().unwrap().iter().all(|m| m.ready_offline));
    assert!(meeting_client::verify(p).unwrap().is_clean());
}

async fn interrupted_first_sync(server: &TestServer, dir: &std::path::Path) -> (Proxy, Profile) {
    let proxy = Proxy::start(server.addr, ProxyMode::CutAfterBlobBytes(700_000)).await;
    let laptop = util::profile(dir, "laptop");
    laptop.login(&proxy.url, "leader1", "demo").await.unwrap();
    let first = util::sync(&laptop).await;
    assert!(!first.failed.is_empty(), "the cut must leave documents unfinished");
    (proxy, laptop)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cut_connection_resumes_from_the_partial_file() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let (proxy, laptop) = interrupted_first_sync(&server, dir.path()).await;

    let remainder = remainder(&laptop);
    proxy.set_mode(ProxyMode::Forward);
    let second = util::sync(&laptop).await;
    assert!(second.failed.is_empty(), "{:?}", second.failed);
    assert_eq!(second.bytes_downloaded, remainder, "only the missing tail of each document is fetched again (206)");
    assert_all_verified(&laptop);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_mid_blob_is_resumed_after_restart() {
    let mut server = TestServer::demo().await;
    // Larger than every socket buffer on the way, so the kill cuts it for real.
    let sec = util::Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    let annex = util::make_large_pdf("Phụ lục bản đồ", "Bản đồ hiện trạng sử dụng đất.", 16 * 1024 * 1024);
    sec.upload(&mid, "phu-luc-ban-do.pdf", annex).await.expect(201);
    let dir = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(server.addr, ProxyMode::Throttle).await;
    let laptop = util::profile(dir.path(), "laptop");
    laptop.login(&proxy.url, "leader1", "demo").await.unwrap();

    let p = laptop.clone();
    let sync = tokio::spawn(async move { util::sync(&p).await });
    proxy.wait_blob_bytes(1_000_000, Duration::from_secs(60)).await;
    server.kill();
    let first = tokio::time::timeout(Duration::from_secs(120), sync).await.unwrap().unwrap();
    assert!(!first.failed.is_empty(), "downloads in flight when the server died must fail");

    let remainder = remainder(&laptop);

    server.restart().await;
    proxy.set_upstream(server.addr);
    proxy.set_mode(ProxyMode::Forward);
    let second = util::sync(&laptop).await;
    assert!(second.failed.is_empty(), "{:?}", second.failed);
    assert_eq!(second.bytes_downloaded, remainder);
    assert_all_verified(&laptop);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupted_partial_file_is_detected_and_fetched_again() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let (proxy, laptop) = interrupted_first_sync(&server, dir.path()).await;

    let remainder = remainder(&laptop);
    let (_, partial) = pending(&laptop);
    let (victim, victim_len) = partial.iter().find(|(_, len)| **len > 0).map(|(s, l)| (s.clone(), *l)).unwrap();
    let path = laptop.blobs().unwrap().partial_path(&victim);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[500] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();

    proxy.set_mode(ProxyMode::Forward);
    let second = util::sync(&laptop).await;
    assert!(second.failed.is_empty(), "{:?}", second.failed);
    assert_eq!(
        second.bytes_downloaded,
        remainder + victim_len,
        "the corrupted document is fetched again in full, the others resume"
    );
    assert_all_verified(&laptop);
}

#[tokio::test(flavor = "multi_thread")]
async fn content_that_does_not_match_its_hash_is_never_marked_available() {
    let server = TestServer::demo().await;
    let http = util::Http::login(&server.url, "leader1").await;
    let mid = http.meeting_id("cải cách hành chính").await;
    let detail = http.get(&format!("/meetings/{mid}")).await;
    let sha = detail["documents"][0]["sha256"].as_str().unwrap().to_owned();

    // Bit rot on the server: same length, different bytes, still served under the name.
    let good = server.blob(&sha);
    let mut bad = good.clone();
    bad[1000] ^= 0x01;
    server.overwrite_blob(&sha, bad);

    let dir = tempfile::tempdir().unwrap();
    let laptop = util::profile(dir.path(), "laptop");
    let report = util::login_and_sync(&laptop, &server.url, "leader1").await;
    let failed: Vec<_> = report.failed.iter().filter(|f| f.sha256 == sha).collect();
    assert_eq!(failed.len(), 1, "{:?}", report.failed);
    assert_eq!(failed[0].code, "hash_mismatch");
    let blobs = laptop.blobs().unwrap();
    assert!(!blobs.path(&sha).exists(), "a wrong file never gets the content's name");
    let store = laptop.store().unwrap();
    let local = store.meeting(&mid).unwrap().unwrap();
    assert!(!local.ready_offline);
    let doc = local.agenda.iter().flat_map(|a| &a.documents).find(|d| d.document.sha256 == sha).unwrap();
    assert!(!doc.available_offline);

    server.overwrite_blob(&sha, good);
    let again = util::sync(&laptop).await;
    assert!(again.failed.is_empty());
    assert_all_verified(&laptop);
}

//! Acceptance 7: with the server stopped, the CLI still lists and shows meetings from
//! the local store, and `sync` fails clearly without changing anything.

use crate::util::{self, TestServer, meeting_output as meeting};

#[tokio::test(flavor = "multi_thread")]
async fn meetings_and_show_answer_from_the_local_store_with_the_server_stopped() {
    let mut server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("laptop");

    util::meeting_login(&profile, &server.url, "leader1");
    let out = meeting(&profile, &["sync", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["bytes_downloaded"].as_u64().unwrap() > 0);

    server.kill();

    let out = meeting(&profile, &["meetings", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|m| m["ready_offline"] == true));

    let id = list[0]["id"].as_str().unwrap();
    let out = meeting(&profile, &["show", id, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let agenda = shown["agenda"].as_array().unwrap();
    assert!(!agenda.is_empty());
    assert!(agenda.iter().flat_map(|a| a["documents"].as_array().unwrap()).all(|d| d["available_offline"] == true));

    let text = meeting(&profile, &["show", id]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("✓ offline"), "{text}");

    let p = util::unlocked_profile(dir.path(), "laptop");
    let cursor_before = p.store().unwrap().cursor().unwrap();
    let out = meeting(&profile, &["sync"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("server unreachable"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(p.store().unwrap().cursor().unwrap(), cursor_before);
    assert_eq!(p.store().unwrap().meetings().unwrap().len(), 3, "the offline copy is untouched");
}

//! The OpenAPI document is generated from the same declarations as the router; these
//! tests keep the committed copy (`crates/server/openapi.json`, what API consumers
//! read) identical to it, and check that every documented operation is really served.
//!
//! After an intended API change: `UPDATE_OPENAPI=1 cargo test -p meeting-server --test openapi`.

use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

#[test]
fn committed_openapi_matches_the_code() {
    let generated = serde_json::to_string_pretty(&meeting_server::api::openapi()).expect("serialise") + "\n";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(committed_path(), &generated).expect("write openapi.json");
    }
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "crates/server/openapi.json is out of date with the handlers; review the API change and run \
         `UPDATE_OPENAPI=1 cargo test -p meeting-server --test openapi`"
    );
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = meeting_server::AppState::open(meeting_server::Config::new(dir.path())).expect("open");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(meeting_server::serve(listener, state, std::future::pending()));

    let doc = serde_json::to_value(meeting_server::api::openapi()).expect("json");
    let http = reqwest::Client::new();
    let nil = "00000000-0000-7000-8000-000000000000";
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let concrete = path
            .replace("{sha256}", &"0".repeat(64))
            .replace("{meeting_id}", nil)
            .replace("{document_id}", nil)
            .replace("{item_id}", nil)
            .replace("{user_id}", nil)
            .replace("{token_id}", nil)
            .replace("{conversion_id}", nil)
            .replace("{annotation_id}", nil)
            .replace("{speaker_id}", nil)
            .replace("{vote_id}", nil)
            .replace("{task_id}", nil)
            .replace("{version}", "1");
        assert!(!concrete.contains('{'), "a path parameter of {path} is not covered here");
        for (method, op) in item.as_object().expect("operations") {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let resp = http.request(m, format!("http://{addr}/api/v1{concrete}")).send().await.expect("send");
            let status = resp.status().as_u16();
            let body: serde_json::Value = resp.json().await.unwrap_or_default();
            // Unrouted paths answer 404 "no such endpoint" and unrouted methods 405.
            assert_ne!(status, 405, "{method} {path} is documented but not routed");
            assert!(
                !body["message"].as_str().unwrap_or("").starts_with("no such endpoint"),
                "{method} {path} is documented but not routed"
            );
            if op.get("security").is_some() {
                assert_eq!(status, 401, "{method} {path} must require a session");
            }
            operations += 1;
        }
    }
    assert!(operations >= 23, "only {operations} operations documented");
}

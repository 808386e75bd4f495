//! Login: wrong password and unknown user are indistinguishable, repeated failures are
//! rate-limited, and the CLI says clearly what went wrong.

use reqwest::Method;
use serde_json::json;

use crate::util::{Http, TestServer};

async fn attempt(server: &TestServer, username: &str, password: &str) -> crate::util::Reply {
    Http::anonymous(&server.url)
        .send(Method::POST, "/auth/login", Some(json!({"username": username, "password": password})))
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_and_unknown_user_answer_the_same() {
    let server = TestServer::demo().await;
    let wrong = attempt(&server, "leader1", "not-demo").await;
    let unknown = attempt(&server, "nobody", "not-demo").await;
    assert_eq!(wrong.status.as_u16(), 401);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.bytes, unknown.bytes, "the body must not reveal which usernames exist");
    assert_eq!(wrong.code(), "invalid_credentials");
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_failures_lock_the_account_out_for_a_while() {
    let server = TestServer::demo().await;
    for _ in 0..5 {
        assert_eq!(attempt(&server, "leader2", "guess").await.status.as_u16(), 401);
    }
    let locked = attempt(&server, "leader2", "guess").await;
    assert_eq!(locked.status.as_u16(), 429);
    assert_eq!(locked.code(), "too_many_requests");
    let retry: u64 = locked.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 0);
    assert_eq!(attempt(&server, "leader2", "demo").await.status.as_u16(), 429, "even the right password waits");
    assert_eq!(attempt(&server, "leader1", "demo").await.status.as_u16(), 200, "other accounts are unaffected");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_reports_a_wrong_password_clearly() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-meeting"))
        .arg("--profile")
        .arg(dir.path())
        .args(["login", "--server", &server.url, "--username", "leader1"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(b"wrong\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wrong username or password"), "{err}");
    assert!(err.contains("invalid_credentials"), "{err}");
}

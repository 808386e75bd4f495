//! Acceptance 5: a non-participant learns nothing about a meeting through any endpoint,
//! and a bad, expired or revoked token gets 401 everywhere. The endpoint list is the
//! server's own OpenAPI document, so a new endpoint is covered without editing this.

use reqwest::Method;
use serde_json::{Value, json};

use crate::util::{Http, TestServer, make_pdf};

/// (method, path template) of every endpoint that requires a session.
async fn secured_endpoints(server: &TestServer) -> Vec<(Method, String)> {
    let doc = Http::anonymous(&server.url).get("/openapi.json").await;
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("security").is_some() {
                out.push((Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), path.clone()));
            }
        }
    }
    assert!(out.len() >= 20, "expected the whole API, found {} secured operations", out.len());
    out
}

fn fill(template: &str, ids: &[(&str, &str)]) -> String {
    let mut p = template.to_owned();
    for (k, v) in ids {
        p = p.replace(&format!("{{{k}}}"), v);
    }
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_participant_learns_nothing_about_the_meeting() {
    let server = TestServer::demo().await;
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("giải phóng mặt bằng").await;
    let detail = sec.get(&format!("/meetings/{mid}")).await;
    let doc = &detail["documents"][0];
    let (doc_id, sha) = (doc["id"].as_str().unwrap().to_owned(), doc["sha256"].as_str().unwrap().to_owned());
    let item_id = detail["agenda"][0]["id"].as_str().unwrap().to_owned();
    let leader1_id = sec.user_id("leader1").await;

    // The room's own ids too: a speaker and a vote of the secret meeting.
    let lid = leader1_id.clone();
    sec.send(
        Method::PUT,
        &format!("/meetings/{mid}/attendance"),
        Some(json!({"user_ids": [lid], "status": "present"})),
    )
    .await
    .expect(200);
    let speaker = sec.send(Method::POST, &format!("/meetings/{mid}/speakers"), Some(json!({}))).await.expect(201);
    let speaker_id = speaker["id"].as_str().unwrap().to_owned();
    let vote =
        sec.send(Method::POST, &format!("/agenda/{item_id}/votes"), Some(json!({"question": "x"}))).await.expect(201);
    let vote_id = vote["id"].as_str().unwrap().to_owned();

    // Two outsiders: a leader not invited, and a unit's staff member (role `unit`, who
    // sees their unit's tasks and only the meetings they attend).
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-meeting-server"))
        .args(["units", "add"])
        .args(server.store_args())
        .args(["--code", "SXD", "--name", "Sở Xây dựng"])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let mut add = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-meeting-server"))
        .args(["user", "add", "--role", "unit", "--unit", "SXD", "--username", "sxd1"])
        .args(server.store_args())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut add.stdin.take().unwrap(), b"demo\n").unwrap();
    assert!(add.wait().unwrap().success());
    for outsider in ["leader2", "sxd1"] {
        outsider_learns_nothing(
            &server,
            &sec,
            outsider,
            &mid,
            &doc_id,
            &sha,
            &item_id,
            &leader1_id,
            &speaker_id,
            &vote_id,
            &detail,
        )
        .await;
    }
}

/// Every endpoint walked as `outsider` with the secret meeting's ids answers exactly what
/// it answers for ids that do not exist; the outsider's feed carries nothing of it.
#[allow(clippy::too_many_arguments)]
async fn outsider_learns_nothing(
    server: &TestServer,
    sec: &Http,
    outsider: &str,
    mid: &str,
    doc_id: &str,
    sha: &str,
    item_id: &str,
    leader1_id: &str,
    speaker_id: &str,
    vote_id: &str,
    detail: &Value,
) {
    let leader2 = Http::login(&server.url, outsider).await;
    assert!(leader2.meetings().await.iter().all(|m| m["id"] != mid));

    // Every endpoint, with the secret meeting's ids filled in, answers exactly what it
    // answers for ids that do not exist.
    let nil = "00000000-0000-7000-8000-000000000000";
    let secret = [
        ("meeting_id", mid),
        ("document_id", doc_id),
        ("item_id", item_id),
        ("sha256", sha),
        ("user_id", leader1_id),
        ("token_id", doc_id),
        ("conversion_id", nil),
        ("annotation_id", nil),
        ("speaker_id", speaker_id),
        ("vote_id", vote_id),
        ("task_id", nil),
        ("version", "1"),
    ];
    let unknown_sha = "0".repeat(64);
    let unknown = [
        ("meeting_id", nil),
        ("document_id", nil),
        ("item_id", nil),
        ("sha256", unknown_sha.as_str()),
        ("user_id", leader1_id),
        ("token_id", nil),
        ("conversion_id", nil),
        ("annotation_id", nil),
        ("speaker_id", nil),
        ("vote_id", nil),
        ("task_id", nil),
        ("version", "1"),
    ];
    let pdf = make_pdf("Thử", "Nội dung thử.");
    let mut checked = 0;
    for (method, template) in secured_endpoints(server).await {
        if !template.contains('{') {
            continue;
        }
        let body = match template.as_str() {
            t if t.ends_with("/participants/{user_id}") => Some(json!({"role": "member"})),
            t if t.ends_with("/agenda/order") => Some(json!({"item_ids": [item_id]})),
            t if t.ends_with("/documents/order") => Some(json!({"document_ids": []})),
            t if t.ends_with("/cancel") => Some(json!({"reason": "x"})),
            t if t.starts_with("/opinions/") => Some(json!({"handled": true})),
            t if t.ends_with("/votes") => Some(json!({"question": "x"})),
            t if t.ends_with("/ballots") => Some(json!({"choice": 0})),
            t if t.ends_with("/attendance") => Some(json!({"status": "present"})),
            t if t.ends_with("/current-item") => Some(json!({"item_id": null})),
            t if t.ends_with("/quorum") => Some(json!({"percent": 50})),
            t if t.ends_with("/presentation") && method == Method::PUT => {
                Some(json!({"document_id": doc_id, "page_index": 0}))
            }
            t if t.ends_with("/speakers") || t.ends_with("/floor") => Some(json!({})),
            t if t.ends_with("/close") => None,
            t if t.ends_with("/copy") => Some(json!({"title": "x", "starts_at": "2026-12-01T08:00:00Z"})),
            t if t.ends_with("/conclusion/issue") => Some(json!({"number": "1/TB-UBND"})),
            t if t.ends_with("/reports") => Some(json!({"id": nil, "text": "x"})),
            t if t.ends_with("/review") => Some(json!({"confirm": true})),
            t if t.ends_with("/extension") => Some(json!({"deadline": "2027-01-01", "reason": "x"})),
            _ if method == Method::POST || method == Method::PATCH => Some(json!({"title": "x"})),
            _ => None,
        };
        let send = |path: String| {
            let (leader2, method, body, pdf) = (leader2.clone(), method.clone(), body.clone(), pdf.clone());
            async move {
                if path.contains("/documents") && (path.ends_with("/content") || method == Method::POST) {
                    let q = if path.contains('?') { "&" } else { "?" };
                    leader2.send_raw(method, &format!("{path}{q}filename=x.pdf"), "application/pdf", pdf).await
                } else {
                    leader2.send(method, &path, body).await
                }
            }
        };
        let on_secret = send(fill(&template, &secret)).await;
        let on_unknown = send(fill(&template, &unknown)).await;
        if template.starts_with("/tasks/") {
            // Tasks belong to no meeting: the walk's ids are unknown ones on both sides,
            // and the answers must not differ (the unit walk is in tasks.rs).
            assert_eq!(on_secret.status, on_unknown.status, "{method} {template}");
            checked += 1;
            continue;
        }
        if template.starts_with("/admin/") {
            // Admins only: an outsider is refused whatever the ids, so they tell nothing.
            assert_eq!((on_secret.status.as_u16(), on_unknown.status.as_u16()), (403, 403), "{method} {template}");
            checked += 1;
            continue;
        }
        assert_eq!(
            on_secret.status.as_u16(),
            404,
            "{method} {template}: {}",
            String::from_utf8_lossy(&on_secret.bytes)
        );
        let strip = |v: Value| v["code"].clone();
        assert_eq!(strip(on_secret.json()), strip(on_unknown.json()), "{method} {template} reveals the meeting exists");
        checked += 1;
    }
    assert!(checked >= 14, "checked only {checked} endpoints");

    // The feed carries nothing of the meeting.
    let feed = serde_json::to_string(&leader2.all_changes(0).await).unwrap();
    for needle in [mid, doc_id, sha, item_id, "giải phóng mặt bằng"] {
        assert!(!feed.contains(needle), "the change feed leaks {needle}");
    }
    // Nothing was changed by the attempts.
    let after = sec.get(&format!("/meetings/{mid}")).await;
    assert_eq!(after["documents"], detail["documents"], "{outsider} changed nothing");
    assert_eq!(after["agenda"], detail["agenda"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_participating_leader_may_read_but_not_edit() {
    let server = TestServer::demo().await;
    let leader1 = Http::login(&server.url, "leader1").await;
    let mid = leader1.meeting_id("Phiên họp thường kỳ").await;
    let r = leader1.send(Method::PATCH, &format!("/meetings/{mid}"), Some(json!({"title": "Đổi tên"}))).await;
    assert_eq!(r.expect(403)["code"], "forbidden");
    let r = leader1.upload(&mid, "x.pdf", make_pdf("x", "y")).await;
    assert_eq!(r.status.as_u16(), 403);
    assert_eq!(
        leader1.get(&format!("/meetings/{mid}")).await["meeting"]["title"],
        "Phiên họp thường kỳ UBND tỉnh tháng 11/2026"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_expired_and_revoked_tokens_get_401_everywhere() {
    let server = TestServer::demo().await;
    let endpoints = secured_endpoints(&server).await;
    let nil = "00000000-0000-7000-8000-000000000000";
    let ids = [
        ("meeting_id", nil),
        ("document_id", nil),
        ("item_id", nil),
        ("sha256", &"0".repeat(64)),
        ("user_id", nil),
        ("token_id", nil),
        ("conversion_id", nil),
        ("annotation_id", nil),
        ("version", "1"),
    ];

    let expired = Http::login(&server.url, "leader1").await;
    let hash = meeting_server::auth::token_hash(expired.token.as_deref().unwrap());
    let n = server.sql().execute("UPDATE tokens SET expires_at = 1 WHERE token_hash = ?1", &[&hash]).unwrap();
    assert_eq!(n, 1);

    let revoked = Http::login(&server.url, "leader1").await;
    revoked.send(Method::POST, "/auth/logout", None).await.expect(204);

    let listed = Http::login(&server.url, "leader1").await;
    let keeper = Http::login(&server.url, "leader1").await;
    // Revoking by id: every session but the keeper's, `listed` among them.
    let tokens = keeper.get("/auth/tokens").await;
    assert!(tokens.as_array().unwrap().len() >= 2);
    for t in tokens.as_array().unwrap().iter().filter(|t| t["current"] == false) {
        keeper.send(Method::DELETE, &format!("/auth/tokens/{}", t["id"].as_str().unwrap()), None).await.expect(204);
    }

    let bad = expired.with_token("not-a-real-token");
    let missing = Http::anonymous(&server.url);
    for (method, template) in &endpoints {
        let path = fill(template, &ids);
        for (who, caller) in [
            ("bad", &bad),
            ("expired", &expired),
            ("revoked", &revoked),
            ("revoked by id", &listed),
            ("none", &missing),
        ] {
            let r = caller.send(method.clone(), &path, None).await;
            assert_eq!(r.status.as_u16(), 401, "{who} token on {method} {path}: {}", String::from_utf8_lossy(&r.bytes));
            // Revoked from another device: the holder is told to erase itself.
            let code = if who == "revoked by id" { "device_revoked" } else { "unauthorized" };
            assert_eq!(r.code(), code, "{who} token on {method} {path}");
        }
    }
    // The session that revoked the others still works.
    keeper.get("/me").await;
}

//! Desktop E2E of the meeting in session (issue 11, acceptance 4): the real app, logged
//! in as a leader, follows the secretary presenting from another device through three
//! page changes, detaches on a manual scroll and follows again on request; it shows an
//! open vote, casts a ballot and shows the result; with the server gone, the open vote
//! says it needs a connection and offers no button.

use std::time::Duration;

use meeting_e2e::desktop::Desktop;
use meeting_e2e::webdriver::Session;
use reqwest::Method;
use serde_json::{Value, json};

use crate::desktop::{app_binary, can_run, click_text, log_in, save};
use crate::util::{Http, TestServer};

const LONG: Duration = Duration::from_secs(60);

async fn page_shown(s: &Session) -> Value {
    s.script("const i = document.querySelector('[data-testid=page-input]'); return i ? i.value : null", json!([])).await
}

async fn wait_page(s: &Session, page: u32, why: &str) {
    let script =
        "const i = document.querySelector('[data-testid=page-input]'); return !!i && i.value === arguments[0];";
    s.wait_until(why, script, json!([page.to_string()]), LONG).await;
}

async fn wait_follow(s: &Session, state: &str) {
    let script =
        "const b = document.querySelector('[data-testid=follow-bar]'); return !!b && b.dataset.state === arguments[0];";
    s.wait_until(&format!("the follow bar says {state}"), script, json!([state]), LONG).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_follows_the_presenter_and_votes_live() {
    if !can_run() {
        return;
    }
    let mut server = TestServer::demo().await;
    let profile = tempfile::tempdir().unwrap();
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    let detail = sec.get(&format!("/meetings/{mid}")).await;
    let item = detail["agenda"][0]["id"].as_str().unwrap().to_owned();
    let doc = detail["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["title"].as_str().unwrap_or("").contains("Báo cáo tình hình kinh tế"))
        .unwrap()
        .clone();
    let doc_id = doc["id"].as_str().unwrap().to_owned();
    assert!(doc["page_count"].as_i64().unwrap() >= 3, "{doc}");
    let present = |page: u32| {
        let (sec, mid, doc_id) = (sec.clone(), mid.clone(), doc_id.clone());
        async move {
            sec.send(
                Method::PUT,
                &format!("/meetings/{mid}/presentation"),
                Some(json!({"document_id": doc_id, "page_index": page})),
            )
            .await
            .expect(200);
        }
    };

    let desktop = Desktop::launch(&app_binary(), profile.path()).await;
    let s = &desktop.session;
    log_in(s, &server.url, "leader1").await;
    let (js, args) = click_text("[data-testid=meeting]", "Phiên họp thường kỳ");
    assert_eq!(s.script(&js, args).await, json!(true));
    let live =
        "const c = document.querySelector('[data-testid=room-connection]'); return !!c && c.dataset.state === 'live';";
    s.wait_until("the room is live", live, json!([]), LONG).await;
    s.click(&s.wait_for("[data-testid=checkin]", 1, LONG).await[0]).await;
    s.wait_for("[data-testid=checked-in]", 1, LONG).await;

    // The secretary presents: the app opens the document on the presenter's page, then
    // turns pages with them.
    present(0).await;
    wait_follow(s, "following").await;
    wait_page(s, 1, "the presenter's first page").await;
    for (page, why) in [(1, "second page"), (2, "third page"), (0, "back to the first")] {
        present(page).await;
        wait_page(s, page + 1, why).await;
    }
    save(s, "room-1-following.png").await;

    // A manual scroll detaches: the presenter's next page does not move this viewer.
    s.script(
        "const sc = document.querySelector('[data-testid=scroller]');
         sc.dispatchEvent(new WheelEvent('wheel', { deltaY: 120, bubbles: true }));
         sc.scrollTop = sc.scrollTop + 40; return true;",
        json!([]),
    )
    .await;
    wait_follow(s, "detached").await;
    present(2).await;
    s.wait_until(
        "the bar names the presenter's page",
        "const b = document.querySelector('[data-testid=follow-bar]'); return !!b && b.innerText.includes('3');",
        json!([]),
        LONG,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(page_shown(s).await, json!("1"), "a detached reader stays where they are");
    save(s, "room-2-detached.png").await;
    // Following again on request: the bar's button, or its key (F), as here.
    s.wait_for("[data-testid=follow-again]", 1, LONG).await;
    let body = s.wait_for("body", 1, LONG).await;
    s.keys(&body[0], "f").await;
    wait_page(s, 3, "following again, on the presenter's page").await;
    wait_follow(s, "following").await;

    // Back in the meeting, a vote opens: its buttons show, a ballot is cast, the result comes.
    sec.send(Method::DELETE, &format!("/meetings/{mid}/presentation"), None).await.expect(200);
    s.click(&s.wait_for("[data-testid=viewer-back]", 1, LONG).await[0]).await;
    let vote = sec
        .send(Method::POST, &format!("/agenda/{item}/votes"), Some(json!({"question": "Thông qua báo cáo"})))
        .await
        .expect(201);
    let vote_id = vote["id"].as_str().unwrap().to_owned();
    let choices = s.wait_for("[data-testid=vote-choice]", 3, LONG).await;
    save(s, "room-3-vote.png").await;
    s.click(&choices[0]).await;
    s.wait_for("[data-testid=you-voted]", 1, LONG).await;
    sec.send(Method::POST, &format!("/votes/{vote_id}/close"), None).await.expect(200);
    s.wait_until(
        "the result shows",
        "const r = document.querySelector(`[data-testid=vote-result][data-vote='${arguments[0]}']`);
         return !!r && r.dataset.passed === 'true' && r.querySelector('[data-testid=vote-count]').innerText === '1';",
        json!([vote_id]),
        LONG,
    )
    .await;
    // Recorded on its item too, under the item's documents.
    s.wait_for("[data-testid=item-vote][data-passed=true]", 1, LONG).await;
    save(s, "room-4-result.png").await;

    // Offline: the open vote says it needs a connection and has no button to press.
    sec.send(Method::POST, &format!("/agenda/{item}/votes"), Some(json!({"question": "Biểu quyết khi mất mạng"})))
        .await
        .expect(201);
    s.wait_for("[data-testid=vote-choice]", 3, LONG).await;
    server.kill();
    s.wait_for("[data-testid=vote-offline]", 1, LONG).await;
    let enabled = s
        .script("return [...document.querySelectorAll('[data-testid=vote-choice]')].some(b => !b.disabled)", json!([]))
        .await;
    assert_eq!(enabled, json!(false), "no ballot can be cast offline");
    save(s, "room-5-offline.png").await;
    desktop.quit().await;
}

//! Annotations between devices (issue 4, acceptance 1 and 4): real server process, real
//! profiles, the `meeting` CLI for notes and syncs.

use std::path::Path;
use std::process::Command;

use crate::util::{self, TestServer, meeting};

fn add_note(profile: &Path, doc: &str, visibility: &str, text: &str) -> String {
    let v = meeting(profile, &["annotations", "add-note", doc, "1", text, "--visibility", visibility, "--json"]);
    v["id"].as_str().unwrap().to_owned()
}

/// id → (text, sync state, conflict copy of) as the profile lists them.
fn listed(profile: &Path) -> std::collections::BTreeMap<String, (String, String, Option<String>)> {
    let v = meeting(profile, &["annotations", "list", "--json"]);
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["annotation"]["id"].as_str().unwrap().to_owned(),
                (
                    a["annotation"]["text"].as_str().unwrap().to_owned(),
                    a["sync"].as_str().unwrap().to_owned(),
                    a["conflict_of"].as_str().map(str::to_owned),
                ),
            )
        })
        .collect()
}

fn texts(profile: &Path) -> Vec<String> {
    let mut t: Vec<String> = listed(profile).into_values().map(|(text, ..)| text).collect();
    t.sort();
    t
}

async fn setup(server: &TestServer, dir: &Path) -> (String, [std::path::PathBuf; 3]) {
    let names = ["leader1-laptop", "leader1-tablet", "leader2-laptop"];
    let users = ["leader1", "leader1", "leader2"];
    for (n, u) in names.iter().zip(users) {
        util::login_and_sync(&util::profile(dir, n), &server.url, u).await;
    }
    let sec = util::Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    let doc = sec.get(&format!("/meetings/{mid}")).await["documents"][0]["id"].as_str().unwrap().to_owned();
    (doc, names.map(|n| dir.join(n)))
}

#[tokio::test(flavor = "multi_thread")]
async fn devices_annotating_offline_converge_and_others_see_only_what_was_shared() {
    let mut server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let (doc, [laptop, tablet, other]) = setup(&server, dir.path()).await;

    server.kill();
    add_note(&laptop, &doc, "private", "laptop: riêng");
    add_note(&laptop, &doc, "participants", "laptop: gửi mọi người");
    add_note(&tablet, &doc, "private", "tablet: riêng");
    add_note(&other, &doc, "private", "lãnh đạo 2: riêng");
    assert!(listed(&laptop).values().all(|(_, s, _)| s == "saved"), "offline: saved, not synced");
    let offline = Command::new(env!("CARGO_BIN_EXE_e2e-meeting"))
        .env("MEETING_PASSWORD", "demo")
        .arg("--profile")
        .arg(&laptop)
        .arg("sync")
        .output();
    assert!(!offline.unwrap().status.success(), "sync fails while the server is down");
    assert_eq!(listed(&laptop).len(), 2, "and loses nothing");

    server.restart_same_port().await;
    for _ in 0..2 {
        for p in [&laptop, &tablet, &other] {
            meeting(p, &["sync", "--json"]);
        }
    }
    let mine = vec!["laptop: gửi mọi người".to_owned(), "laptop: riêng".into(), "tablet: riêng".into()];
    assert_eq!(texts(&laptop), mine);
    assert_eq!(texts(&tablet), mine, "both devices of leader1 converge");
    assert_eq!(listed(&laptop).keys().collect::<Vec<_>>(), listed(&tablet).keys().collect::<Vec<_>>(), "same ids");
    assert!(listed(&tablet).values().all(|(_, s, _)| s == "synced"));
    assert_eq!(texts(&other), vec!["laptop: gửi mọi người".to_owned(), "lãnh đạo 2: riêng".into()]);
    let on_server: i64 = server.sql().i64("SELECT COUNT(*) FROM annotations", &[]);
    assert_eq!(on_server, 4, "nothing duplicated on the server");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_devices_editing_one_shared_note_keep_both_texts() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let (doc, [laptop, tablet, other]) = setup(&server, dir.path()).await;
    let id = add_note(&laptop, &doc, "participants", "bản đầu");
    meeting(&laptop, &["sync", "--json"]);
    meeting(&tablet, &["sync", "--json"]);

    // Both edit version 1 before either syncs.
    for (p, text) in [(&laptop, "sửa trên laptop"), (&tablet, "sửa trên tablet")] {
        util::unlocked_profile(dir.path(), p.file_name().unwrap().to_str().unwrap())
            .store()
            .and_then(|mut s| {
                let mut a = s.annotations(None)?.into_iter().find(|a| a.annotation.id.to_string() == id).unwrap();
                a.annotation.text = text.into();
                s.save_annotation(&a.annotation).map(drop)
            })
            .unwrap();
    }
    let first = meeting(&laptop, &["sync", "--json"]);
    assert_eq!(first["annotations"]["applied"], 1);
    let second = meeting(&tablet, &["sync", "--json"]);
    assert_eq!(second["annotations"]["conflicts"], 1, "{second}");
    for _ in 0..2 {
        for p in [&laptop, &tablet, &other] {
            meeting(p, &["sync", "--json"]);
        }
    }
    let both = vec!["sửa trên laptop".to_owned(), "sửa trên tablet".into()];
    assert_eq!(texts(&tablet), both, "the tablet keeps its text as a conflict copy");
    assert_eq!(texts(&laptop), both);
    assert_eq!(texts(&other), both, "shared: the other participant sees both");
    let copy = listed(&tablet).into_iter().find(|(_, (t, ..))| t == "sửa trên tablet").unwrap();
    assert_eq!(copy.1.2.as_deref(), Some(id.as_str()), "marked as a conflict copy of the original");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_whose_answer_is_lost_five_times_lands_once() {
    use crate::util::{Proxy, ProxyMode};
    let server = TestServer::demo().await;
    let proxy = Proxy::start(server.addr, ProxyMode::Forward).await;
    let dir = tempfile::tempdir().unwrap();
    let laptop = util::profile(dir.path(), "laptop");
    util::login_and_sync(&laptop, &proxy.url, "leader1").await;
    let sec = util::Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    let doc = sec.get(&format!("/meetings/{mid}")).await["documents"][0]["id"].as_str().unwrap().to_owned();
    let path = dir.path().join("laptop");
    let id = add_note(&path, &doc, "private", "chỉ một lần");

    proxy.set_mode(ProxyMode::DropPushAnswers(5));
    for attempt in 1..=5 {
        let out = Command::new(env!("CARGO_BIN_EXE_e2e-meeting"))
            .env("MEETING_PASSWORD", "demo")
            .arg("--profile")
            .arg(&path)
            .arg("sync")
            .output();
        let out = out.unwrap();
        assert!(!out.status.success(), "attempt {attempt}: the answer was cut, so the sync fails");
        assert_eq!(listed(&path)[&id].1, "saved", "still waiting after attempt {attempt}");
    }
    let report = meeting(&path, &["sync", "--json"]);
    assert_eq!(report["annotations"]["applied"], 1, "{report}");
    assert_eq!(listed(&path)[&id].1, "synced");
    let row = server.sql().rows("SELECT COUNT(*), MAX(version) FROM annotations", &[]).remove(0);
    let (count, version) =
        (row[0].as_deref().unwrap().parse::<i64>().unwrap(), row[1].as_deref().unwrap().parse::<i64>().unwrap());
    assert_eq!((count, version), (1, 1), "exactly one annotation, written once");
}

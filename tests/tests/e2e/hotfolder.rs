//! The hot folder: a secretary works in the file manager and the meeting follows. A
//! file written slowly, an empty placeholder filled later, a file saved under a
//! temporary name and renamed, renamed and renumbered subfolders, a changed file, a
//! deleted one, files added while the watcher was not running: the server ends with
//! exactly one version per stable content, equal to the final file, never a partial
//! one; item order and titles come from the folder names; the deletion waits for
//! confirmation. With file events, and again with polling.

use std::io::{BufRead as _, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::util::{Http, ServerOptions, TestServer, make_pdf, meeting, profile, sha256_hex};

struct Watcher {
    child: Child,
    events: std::sync::mpsc::Receiver<Value>,
}

impl Watcher {
    fn start(profile: &Path, mid: &str, dir: &Path, poll: bool) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_e2e-meeting"));
        cmd.env("MEETING_PASSWORD", "demo")
            .arg("--profile")
            .arg(profile)
            .args(["prepare", "watch", mid])
            .arg(dir)
            .args(["--stable-secs", "1", "--json"]);
        if poll {
            cmd.args(["--poll", "--poll-secs", "0.3"]);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, events) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send(v);
                }
            }
        });
        Self { child, events }
    }

    /// Waits for an event of this kind; every event seen meanwhile is returned too.
    fn wait_for(&self, kind: &str, within: Duration) -> Vec<Value> {
        let start = Instant::now();
        let mut seen = Vec::new();
        while start.elapsed() < within {
            if let Ok(e) = self.events.recv_timeout(Duration::from_millis(200)) {
                let done = e["event"] == kind;
                seen.push(e);
                if done {
                    return seen;
                }
            }
        }
        panic!("no {kind} event within {within:?}; saw {seen:?}");
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls the meeting until `ok` holds (or panics with the last state).
async fn until(sec: &Http, mid: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let d = sec.get(&format!("/meetings/{mid}")).await;
        if ok(&d) {
            return d;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{what}: never happened; meeting is {d:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn doc<'a>(d: &'a Value, title: &str) -> Option<&'a Value> {
    d["documents"].as_array().unwrap().iter().find(|x| x["title"] == title)
}

fn titles(d: &Value) -> Vec<String> {
    d["agenda"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect()
}

async fn versions(sec: &Http, doc: &Value) -> usize {
    sec.get(&format!("/documents/{}/versions", doc["id"].as_str().unwrap())).await.as_array().unwrap().len()
}

async fn the_folder_and_the_meeting_stay_in_step(poll: bool) {
    let server = TestServer::start(ServerOptions { demo_users: true, ..Default::default() }).await;
    let sec = Http::login(&server.url, "secretary1").await;
    let m = sec
        .send(
            Method::POST,
            "/meetings",
            Some(json!({"title": "Họp theo thư mục", "starts_at": "2026-12-10T08:00:00Z"})),
        )
        .await
        .expect(201);
    let mid = m["id"].as_str().unwrap().to_owned();
    let dirs = tempfile::tempdir().unwrap();
    let device = profile(dirs.path(), "secretary1");
    device.login(&server.url, "secretary1", "demo").await.unwrap();
    let folder = dirs.path().join("Họp theo thư mục");
    let (a, b) = (folder.join("01 - Báo cáo kinh tế"), folder.join("02 - Dự toán ngân sách"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let pdf = |t: &str| make_pdf(t, &format!("{t}: nội dung chính thức."));
    // Files that were there before the watcher ever ran.
    std::fs::write(a.join("bao-cao.pdf"), pdf("Báo cáo")).unwrap();
    std::fs::write(folder.join("giay-moi.pdf"), pdf("Giấy mời")).unwrap();
    std::fs::write(folder.join("~$bao-cao.docx"), b"lock file of an open document").unwrap();
    std::fs::write(folder.join("Thumbs.db"), b"thumbnails").unwrap();

    let w = Watcher::start(device.dir(), &mid, &folder, poll);
    w.wait_for("watching", Duration::from_secs(60));
    let d =
        until(&sec, &mid, "the files already there", |d| doc(d, "bao-cao").is_some() && doc(d, "giay-moi").is_some())
            .await;
    assert_eq!(titles(&d), ["Báo cáo kinh tế", "Dự toán ngân sách"]);
    assert_eq!(d["documents"].as_array().unwrap().len(), 2, "temporary and system files are never taken");
    assert!(doc(&d, "giay-moi").unwrap()["agenda_item_id"].is_null());

    // Written slowly, in chunks with pauses shorter than the stability delay.
    let slow = pdf("Dự toán chi tiết");
    {
        let mut f = std::fs::File::create(b.join("du-toan.pdf")).unwrap();
        for chunk in slow.chunks(slow.len() / 5 + 1) {
            f.write_all(chunk).unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(400));
        }
    }
    // An empty placeholder, filled later.
    std::fs::write(a.join("phu-luc.pdf"), b"").unwrap();
    // Saved under a temporary name, then renamed.
    let trinh = pdf("Tờ trình");
    std::fs::write(folder.join("to-trinh.pdf.part"), &trinh).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    std::fs::rename(folder.join("to-trinh.pdf.part"), folder.join("to-trinh.pdf")).unwrap();
    let d = until(&sec, &mid, "the slow file and the renamed one", |d| {
        doc(d, "du-toan").is_some() && doc(d, "to-trinh").is_some()
    })
    .await;
    assert!(doc(&d, "phu-luc").is_none(), "an empty placeholder was uploaded");
    assert!(doc(&d, "to-trinh.pdf").is_none(), "the temporary name was uploaded");
    std::thread::sleep(Duration::from_millis(1500));
    let phu_luc = pdf("Phụ lục");
    std::fs::write(a.join("phu-luc.pdf"), &phu_luc).unwrap();
    until(&sec, &mid, "the filled placeholder", |d| doc(d, "phu-luc").is_some()).await;

    // A changed file becomes a new version; a deleted one waits for confirmation.
    let v2 = pdf("Báo cáo (bản sửa)");
    std::fs::write(a.join("bao-cao.pdf"), &v2).unwrap();
    std::fs::remove_file(folder.join("giay-moi.pdf")).unwrap();
    let sha_v2 = sha256_hex(&v2);
    until(&sec, &mid, "the new version", |d| doc(d, "bao-cao").is_some_and(|x| x["sha256"] == sha_v2.as_str())).await;
    w.wait_for("missing", Duration::from_secs(30));
    assert!(
        doc(&sec.get(&format!("/meetings/{mid}")).await, "giay-moi").is_some(),
        "a deletion must wait for confirmation"
    );

    // Folders renamed: one retitled, one renumbered (so it moves down the agenda).
    std::fs::rename(&b, folder.join("02 - Dự toán ngân sách năm 2027")).unwrap();
    std::fs::rename(&a, folder.join("03 - Báo cáo kinh tế")).unwrap();
    until(&sec, &mid, "the agenda following the folders", |d| {
        titles(d) == ["Dự toán ngân sách năm 2027", "Báo cáo kinh tế"]
    })
    .await;
    // Stop the watcher (as a closed app would) and work meanwhile.
    drop(w);
    let b2 = folder.join("02 - Dự toán ngân sách năm 2027");
    let extra = pdf("Bổ sung");
    std::fs::write(b2.join("bo-sung.pdf"), &extra).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_e2e-meeting"))
        .env("MEETING_PASSWORD", "demo")
        .arg("--profile")
        .arg(device.dir())
        .args(["prepare", "watch", &mid])
        .arg(&folder)
        .args(["--once", "--stable-secs", "1", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log = String::from_utf8_lossy(&out.stdout);
    // Only the file added while it was stopped is new to the server.
    assert_eq!(log.matches("\"uploaded\"").count(), 1, "after a restart: {log}");
    assert!(log.contains("bo-sung.pdf"), "{log}");

    // The end: one version per stable content, each equal to the file now in the folder.
    let d = sec.get(&format!("/meetings/{mid}")).await;
    let item_of = |t: &str| d["agenda"].as_array().unwrap().iter().find(|i| i["title"] == t).unwrap()["id"].clone();
    let expect: [(&str, &[u8], usize, &str); 5] = [
        ("bao-cao", &v2, 2, "Báo cáo kinh tế"),
        ("phu-luc", &phu_luc, 1, "Báo cáo kinh tế"),
        ("du-toan", &slow, 1, "Dự toán ngân sách năm 2027"),
        ("bo-sung", &extra, 1, "Dự toán ngân sách năm 2027"),
        ("to-trinh", &trinh, 1, ""),
    ];
    for (title, bytes, n, item) in expect {
        let x = doc(&d, title).unwrap_or_else(|| panic!("no document {title}: {d:#}"));
        assert_eq!(x["sha256"], sha256_hex(bytes).as_str(), "{title} is not the final file");
        assert_eq!(versions(&sec, x).await, n, "{title}: one version per stable content");
        if item.is_empty() {
            assert!(x["agenda_item_id"].is_null());
        } else {
            assert_eq!(x["agenda_item_id"], item_of(item), "{title} is not under {item}");
        }
    }
    assert_eq!(d["documents"].as_array().unwrap().len(), 6, "giay-moi still waits: {d:#}");

    // Confirmed, the deletion happens.
    let waiting = meeting(device.dir(), &["prepare", "deletions", &mid, "--json"]);
    assert_eq!(waiting.as_array().unwrap().len(), 1);
    assert_eq!(waiting[0]["path"], "giay-moi.pdf");
    meeting(device.dir(), &["prepare", "deletions", &mid, "--confirm", "giay-moi.pdf"]);
    let d = sec.get(&format!("/meetings/{mid}")).await;
    assert!(doc(&d, "giay-moi").is_none());
    assert_eq!(meeting(device.dir(), &["prepare", "deletions", &mid, "--json"]), json!([]));

    // Every upload, version, rename and reorder is in the audit trail, by the secretary.
    let audit = sec.get(&format!("/meetings/{mid}/audit")).await;
    let all = audit.as_array().unwrap();
    let count = |a: &str| all.iter().filter(|e| e["action"] == a).count();
    assert_eq!(count("document.upload"), 6);
    assert_eq!(count("document.replace"), 1);
    assert_eq!(count("document.delete"), 1);
    assert!(count("agenda.reorder") >= 1 && count("agenda_item.update") >= 1);
    assert!(all.iter().all(|e| e["actor_username"] == "secretary1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn hot_folder_with_file_events() {
    the_folder_and_the_meeting_stay_in_step(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hot_folder_by_polling() {
    the_folder_and_the_meeting_stay_in_step(true).await;
}

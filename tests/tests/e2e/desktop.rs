//! Desktop E2E: the real app (release of `src-tauri`, UI embedded) driven through
//! tauri-driver and WebKitWebDriver under Xvfb, against a real `meeting-server --demo`.
//! Logs in, syncs, opens a meeting and a document, goes to page 3, finds a Vietnamese
//! phrase typed without diacritics, then stops the server and opens another document
//! of the same meeting. Screenshots land in `target/e2e-screenshots/`.
//!
//! Needs `tauri-driver` (cargo install), `WebKitWebDriver` (Debian webkit2gtk-driver),
//! `Xvfb`, and the app built (`scripts/test` does all of it). Skipped with a message
//! when they are missing, except under CI, where that is a failure.

use std::path::{Path, PathBuf};
use std::time::Duration;

use meeting_e2e::desktop::{Desktop, INK, THUMB_INK, missing, processes};
use meeting_e2e::webdriver::Session;
use serde_json::json;

use crate::util::{Http, TestServer, make_pdf};

pub(crate) fn app_binary() -> PathBuf {
    // target/<profile>/deps/e2e-… → target/<profile>/phonghop
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().join("phonghop")
}

pub(crate) fn click_text(selector: &str, text: &str) -> (String, serde_json::Value) {
    (
        "const el = [...document.querySelectorAll(arguments[0])].find(e => e.innerText.includes(arguments[1]));
         if (!el) return false; el.click(); return true;"
            .to_owned(),
        json!([selector, text]),
    )
}

pub(crate) async fn save(session: &Session, name: &str) {
    let dir = app_binary().parent().and_then(Path::parent).unwrap().join("e2e-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = session.screenshot().await;
    assert!(png.starts_with(b"\x89PNG"), "a screenshot is a PNG");
    std::fs::write(dir.join(name), png).unwrap();
}

/// Whether the app and its drivers are here; without them the test is skipped with a
/// message, except under CI, where that is a failure.
pub(crate) fn can_run() -> bool {
    let Some(msg) = missing(&app_binary()) else { return true };
    assert!(std::env::var_os("CI").is_none(), "{msg}");
    eprintln!("skipping: {msg}");
    false
}

/// Logs in on the first-run screen and waits until the demo's three meetings are ready
/// offline.
pub(crate) async fn log_in(s: &Session, url: &str, user: &str) {
    let long = Duration::from_secs(60);
    s.type_into(&s.wait_for("[data-testid=server]", 1, long).await[0], url).await;
    s.type_into(&s.wait_for("[data-testid=username]", 1, long).await[0], user).await;
    s.type_into(&s.wait_for("[data-testid=password]", 1, long).await[0], "demo").await;
    s.click(&s.wait_for("[data-testid=login]", 1, long).await[0]).await;
    s.wait_for("[data-testid=ready-offline]", 3, Duration::from_secs(120)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_leader_reads_a_meeting_online_then_offline() {
    if !can_run() {
        return;
    }
    let mut server = TestServer::demo().await;
    let profile = tempfile::tempdir().unwrap();
    // A password-protected document in the meeting (qpdf, AES-256).
    let secretary = Http::login(&server.url, "secretary1").await;
    let meeting = secretary.meeting_id("Phiên họp thường kỳ").await;
    let encrypted = encrypt(&make_pdf("Tài liệu mật", "Nội dung chỉ dành cho đại biểu."), "matkhau");
    secretary.upload(&meeting, "tai-lieu-mat.pdf", encrypted).await.expect(201);
    // Tasks the office follows: two due in a month, one without a deadline.
    let units = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-meeting-server"))
        .args(["units", "add"])
        .args(server.store_args())
        .args(["--code", "SKHDT", "--name", "Sở Kế hoạch và Đầu tư"])
        .output()
        .unwrap();
    assert!(units.status.success(), "{}", String::from_utf8_lossy(&units.stderr));
    let in_a_month = (time::OffsetDateTime::now_utc() + time::Duration::days(30)).date();
    let due = format!("{:04}-{:02}-{:02}", in_a_month.year(), u8::from(in_a_month.month()), in_a_month.day());
    for (content, deadline) in
        [("Báo cáo giải ngân", Some(due.clone())), ("Rà soát quy hoạch", Some(due)), ("Tổng kết năm", None)]
    {
        let body = json!({"content": content, "source": {"kind": "other"}, "lead_unit": "SKHDT", "deadline": deadline});
        secretary.send(reqwest::Method::POST, "/tasks", Some(body)).await.expect(200);
    }
    let desktop = Desktop::launch(&app_binary(), profile.path()).await;
    let s = &desktop.session;
    let long = Duration::from_secs(60);

    // First run: log in (Vietnamese UI by default); the background sync makes every
    // meeting ready offline.
    log_in(s, &server.url, "leader1").await;
    save(s, "1-meetings.png").await;

    // Hardening: an inline script does not run (CSP), and the window cannot be sent
    // to another page.
    let inline = "const el = document.createElement('script'); el.textContent = 'window.__inline = 1';
                  document.body.appendChild(el); return window.__inline === undefined;";
    assert_eq!(s.script(inline, json!([])).await, json!(true), "inline scripts are refused");
    s.script("location.href = 'http://example.invalid/'; return true;", json!([])).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    s.wait_for("[data-testid=sync-now]", 1, long).await;
    assert_eq!(
        s.script("return !location.href.includes('example.invalid')", json!([])).await,
        json!(true),
        "still in the app"
    );

    let (js, args) = click_text("[data-testid=meeting]", "Phiên họp thường kỳ");
    assert_eq!(s.script(&js, args).await, json!(true));
    s.wait_for("[data-testid=document][data-available=true]", 5, long).await;
    let (js, args) = click_text("[data-testid=document]", "Báo cáo tình hình kinh tế");
    assert_eq!(s.script(&js, args).await, json!(true));

    // The first page appears, then page 3 on request.
    s.wait_until("page 1 painted", &format!("return ({INK}) > 0"), json!([0]), long).await;
    // The thumbnails are built once the first page is on screen (Viewer.svelte), and drawn.
    for page in [0, 1] {
        s.wait_until(&format!("thumbnail {page} painted"), &format!("return ({THUMB_INK}) > 20"), json!([page]), long)
            .await;
    }
    let count: u64 = s
        .script("return Number(document.querySelector('[data-testid=page-count]').innerText)", json!([]))
        .await
        .as_u64()
        .unwrap_or(0);
    assert!(count >= 3, "the document has {count} pages");
    let input = s.wait_for("[data-testid=page-input]", 1, long).await;
    s.type_into(&input[0], "3").await;
    s.keys(&input[0], "\u{E007}").await;
    s.wait_until("page 3 painted", &format!("return ({INK}) > 500"), json!([2]), long).await;
    let shown = s.script("return document.querySelector('[data-testid=page-input]').value", json!([])).await;
    assert_eq!(shown, json!("3"), "the viewer is on page 3");
    save(s, "2-page-3.png").await;

    // Find without diacritics.
    s.click(&s.wait_for("[data-testid=find-open]", 1, long).await[0]).await;
    let find = s.wait_for("[data-testid=find-input]", 1, long).await;
    s.type_into(&find[0], "uy ban nhan dan").await;
    s.keys(&find[0], "\u{E007}").await;
    let hits = s.wait_for("[data-testid=hit]", 1, long).await;
    assert!(!hits.is_empty());
    // The selectable text layer over the hit's page holds the words found there.
    s.wait_until(
        "the text layer of the hit's page",
        "const page = document.querySelector('[data-testid=hit]').closest('[data-testid=page]');
         const layer = page && page.querySelector('.textlayer');
         return !!layer && layer.innerText.replace(/\\s+/g, ' ').toLowerCase().includes('ủy ban nhân dân');",
        json!([]),
        long,
    )
    .await;
    save(s, "3-find.png").await;

    // Network gone: another document of the same meeting still opens.
    server.kill();
    let (js, args) = click_text(".toolbar button", "←");
    assert_eq!(s.script(&js, args).await, json!(true));
    s.wait_for("[data-testid=document]", 5, long).await;
    let (js, args) = click_text("[data-testid=document]", "Tờ trình dự thảo");
    assert_eq!(s.script(&js, args).await, json!(true));
    s.wait_until("the other document painted offline", &format!("return ({INK}) > 0"), json!([0]), long).await;
    assert!(s.find_all("[data-testid=viewer-error]").await.is_empty(), "no error offline");
    save(s, "4-offline.png").await;
    // The tasks and their figures, offline, as of the last sync.
    s.click(&s.wait_for("[data-testid=open-tasks]", 1, long).await[0]).await;
    s.wait_for("[data-testid=task]", 3, long).await;
    let figures = "return [document.querySelector('[data-testid=figure-total]')?.textContent,
                           document.querySelector('[data-testid=figure-in_progress] strong')?.textContent,
                           document.querySelector('[data-testid=figure-no_deadline] strong')?.textContent,
                           document.querySelector('[data-testid=tasks-headline]')?.textContent]";
    let shown = s.script(figures, json!([])).await;
    assert_eq!(shown, json!(["3", "2", "1", shown[3]]), "the figures as of the last sync");
    assert!(shown[3].as_str().is_some_and(|h| h.contains("0/3")), "{shown}");
    save(s, "4b-tasks-offline.png").await;
    s.script("document.querySelector('.brand').click(); return true", json!([])).await;
    s.wait_for("[data-testid=meeting]", 1, long).await;
    let (js, args) = click_text("[data-testid=meeting]", "Phiên họp thường kỳ");
    assert_eq!(s.script(&js, args).await, json!(true));
    s.wait_for("[data-testid=document]", 5, long).await;
    let (js, args) = click_text("[data-testid=document]", "Tờ trình dự thảo");
    assert_eq!(s.script(&js, args).await, json!(true));
    s.wait_until("the document painted again", &format!("return ({INK}) > 0"), json!([0]), long).await;

    // The protected document asks for its password, says so when it is wrong, and
    // opens with the right one (still offline).
    let (js, args) = click_text(".toolbar button", "←");
    assert_eq!(s.script(&js, args).await, json!(true));
    let (js, args) = click_text("[data-testid=document]", "tai-lieu-mat");
    s.wait_until("the protected document listed", &js, args, long).await;
    s.wait_for("[data-testid=viewer-error][data-code=password_required]", 1, long).await;
    let field = s.wait_for("[data-testid=doc-password]", 1, long).await;
    s.type_into(&field[0], "sai").await;
    s.keys(&field[0], "\u{E007}").await;
    // (No screenshot here: WebKitWebDriver took ~55 s to take one of this screen.)
    s.wait_for("[data-testid=viewer-error][data-code=wrong_password]", 1, long).await;
    let field = s.wait_for("[data-testid=doc-password]", 1, long).await;
    s.type_into(&field[0], "matkhau").await;
    s.keys(&field[0], "\u{E007}").await;
    s.wait_until("the protected document painted", &format!("return ({INK}) > 0"), json!([0]), long).await;
    assert!(s.find_all("[data-testid=viewer-error]").await.is_empty(), "no error with the right password");
    what_reading_does_not_need_stays_out(s, profile.path()).await;
    desktop.quit().await;
}

/// The app keeps out of memory what reading does not need (src-tauri's `environment`,
/// meeting-client's `resident`): WebKit's processes have the stand-ins for flite's
/// voices, not the voices, yet speech synthesis still finds them; and the app has given
/// back the code pages its start needed (their mapping marked for 4 KiB faults).
async fn what_reading_does_not_need_stays_out(s: &Session, profile: &Path) {
    let procs = processes(profile);
    let maps = |pid: u32| std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let app = procs.iter().find(|(_, c)| c == "phonghop").expect("the app's process").0;
    // (The driver, WebKitWebDriver, has the profile in its environment too.)
    let webkit: Vec<u32> = procs
        .iter()
        .filter(|(_, c)| c.starts_with("WebKitWebProc") || c.starts_with("WebKitNetwork"))
        .map(|(p, _)| *p)
        .collect();
    assert!(webkit.len() >= 2, "WebKit's web and network processes: {procs:?}");
    if app_binary().with_file_name("webkit-lib").join("stamp").exists() {
        for pid in webkit.iter().chain([&app]) {
            let m = maps(*pid);
            assert!(m.contains("/webkit-lib/libflite_cmu_time_awb.so.1"), "{pid} maps the stand-in");
            assert!(!m.contains("libflite_cmu_time_awb.so.2"), "{pid} does not map the unused voice");
        }
    } else {
        eprintln!("no webkit-lib/ beside the app (scripts/build-app makes it): stand-ins not checked");
    }
    // WebKit offers flite's four voices, loaded through the stand-ins when asked for.
    let voices = s.script("return speechSynthesis.getVoices().length", json!([])).await;
    assert_eq!(voices, json!(4), "speech synthesis has its voices");
    // The app's code mapping carries MADV_RANDOM ("rr") once its start's pages are given back.
    let exe = std::fs::read_link(format!("/proc/{app}/exe")).expect("the app's executable");
    let smaps = std::fs::read_to_string(format!("/proc/{app}/smaps")).unwrap_or_default();
    let mut code = false;
    let mut random = false;
    for line in smaps.lines() {
        let mut f = line.split_whitespace();
        let first = f.next().unwrap_or("");
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            code = f.next() == Some("r-xp") && line.split_whitespace().nth(5).is_some_and(|p| Path::new(p) == exe);
        } else if code && first == "VmFlags:" {
            // (Its first and last pages, shared with the segments beside it, keep theirs.)
            random |= line.split_whitespace().any(|flag| flag == "rr");
        }
    }
    assert!(random, "the app's code was given back after its start");
}

/// `pdf` encrypted with AES-256 for `password` (Debian package qpdf).
fn encrypt(pdf: &[u8], password: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (plain, locked) = (dir.path().join("plain.pdf"), dir.path().join("locked.pdf"));
    std::fs::write(&plain, pdf).unwrap();
    let status = std::process::Command::new("qpdf")
        .args(["--encrypt", password, "owner-secret", "256", "--"])
        .arg(&plain)
        .arg(&locked)
        .status()
        .expect("qpdf (Debian package qpdf)");
    assert!(status.success(), "qpdf --encrypt failed: {status}");
    std::fs::read(locked).unwrap()
}

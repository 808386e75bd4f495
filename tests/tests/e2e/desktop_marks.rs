//! Desktop E2E of annotations (issue 4, acceptance 3 and 7): in the real app a leader
//! draws a pen stroke and highlights words with the mouse (real pointer events through
//! WebDriver actions), undoes and redoes, adds a sticky note shared with the participants,
//! erases and moves, underlines a line selected as text, and exports an annotated copy;
//! the app is then killed with SIGKILL while the server is down, started again, and the
//! marks are still there; once the server is back they reach it, and the search page
//! finds the note by its words.

use std::time::Duration;

use meeting_e2e::desktop::{Desktop, INK};
use meeting_e2e::webdriver::Session;
use serde_json::{Value, json};

use super::desktop::{app_binary, can_run, click_text, log_in, save};
use crate::util::TestServer;

/// The viewport rectangle of a page and of its first line of text.
async fn page_geometry(s: &Session) -> (Value, Value) {
    let v = s
        .script(
            "const page = document.querySelector('[data-testid=page][data-page=\"0\"]');
             const span = page.querySelector('.textlayer span');
             const r = page.getBoundingClientRect(), t = span.getBoundingClientRect();
             return [{x: r.left, y: r.top, w: r.width, h: r.height}, {x: t.left, y: t.top, w: t.width, h: t.height}];",
            json!([]),
        )
        .await;
    (v[0].clone(), v[1].clone())
}

async fn open_meeting(s: &Session, long: Duration) {
    let (js, args) = click_text("[data-testid=meeting]", "Phiên họp thường kỳ");
    s.wait_until("the meeting listed", &js, args, long).await;
}

async fn open_report(s: &Session, long: Duration) {
    let (js, args) = click_text("[data-testid=document]", "Báo cáo tình hình kinh tế");
    s.wait_until("the document listed", &js, args, long).await;
    s.wait_until("page 1 painted", &format!("return ({INK}) > 0"), json!([0]), long).await;
    // The whole page on screen: every point dragged below lies inside the window.
    let (js, args) = click_text(".toolbar button", "Vừa trang");
    assert_eq!(s.script(&js, args).await, json!(true));
    s.wait_until("page 1 painted at the new size", &format!("return ({INK}) > 0"), json!([0]), long).await;
    s.wait_for("[data-testid=page][data-page=\"0\"] .textlayer span", 1, long).await;
}

/// A script expression: how many marks of a kind (in a sync state) are on screen.
fn count(kind: &str, sync: Option<&str>) -> String {
    let sync = sync.map_or(String::new(), |s| format!("[data-sync={s}]"));
    format!("document.querySelectorAll('[data-testid=mark][data-kind={kind}]{sync}').length")
}

#[tokio::test(flavor = "multi_thread")]
async fn marks_drawn_in_the_app_survive_a_kill_and_reach_the_server() {
    if !can_run() {
        return;
    }
    let mut server = TestServer::demo().await;
    let profile = tempfile::tempdir().unwrap();
    let exports = tempfile::tempdir().unwrap();
    let env = [("PHONGHOP_EXPORT_DIR", exports.path())];
    let long = Duration::from_secs(60);
    let desktop = Desktop::launch_with(&app_binary(), profile.path(), &env).await;
    let s = &desktop.session;
    log_in(s, &server.url, "leader1").await;
    // The network goes: everything below is saved on the laptop only.
    server.kill();
    open_meeting(s, long).await;
    // A note on the first agenda item, not tied to any page.
    s.click(&s.wait_for("[data-testid=item-note-add]", 1, long).await[0]).await;
    s.type_into(&s.wait_for("[data-testid=item-note-text]", 1, long).await[0], "Hỏi thêm về tiến độ giải ngân").await;
    s.click(&s.wait_for("[data-testid=item-note-save]", 1, long).await[0]).await;
    s.wait_for("[data-testid=item-note][data-sync=saved]", 1, long).await;
    open_report(s, long).await;

    // "?" lists the keyboard shortcuts; Esc closes the list.
    let body = s.wait_for("body", 1, long).await;
    s.keys(&body[0], "?").await;
    s.wait_until(
        "the shortcuts listed",
        "return document.querySelector('[data-testid=shortcuts]')?.innerText.includes('Ctrl+Shift+Z') === true",
        json!([]),
        long,
    )
    .await;
    save(s, "4b-shortcuts.png").await;
    s.keys(&s.wait_for("[data-testid=shortcuts]", 1, long).await[0], "\u{E00C}").await;
    s.wait_until("the list closed", "return !document.querySelector('[data-testid=shortcuts]')", json!([]), long).await;

    // A pen stroke across the bottom margin of page 1.
    s.click(&s.wait_for("[data-testid=tool-pen]", 1, long).await[0]).await;
    let (page, line) = page_geometry(s).await;
    let f = |v: &Value, k: &str| v[k].as_f64().unwrap();
    let y = f(&page, "y") + f(&page, "h") * 0.93;
    let stroke: Vec<(f64, f64)> =
        (0..12).map(|i| (f(&page, "x") + f(&page, "w") * (0.2 + 0.05 * i as f64), y - 6.0 * (i % 3) as f64)).collect();
    s.drag(&stroke).await;
    s.wait_until("the stroke saved", &format!("return ({}) === 1", count("ink", Some("saved"))), json!([]), long).await;

    // A highlight over the first line of text, by dragging the highlighter across it.
    s.click(&s.wait_for("[data-testid=tool-highlight]", 1, long).await[0]).await;
    let mid = f(&line, "y") + f(&line, "h") / 2.0;
    let (from, to) = (f(&line, "x") + 2.0, f(&line, "x") + f(&line, "w") - 2.0);
    s.drag(&[(from, mid), ((from + to) / 2.0, mid), (to, mid)]).await;
    s.wait_until(
        "the highlight saved",
        &format!("return ({}) === 1", count("highlight", Some("saved"))),
        json!([]),
        long,
    )
    .await;
    save(s, "5-marks.png").await;

    // Undo takes the highlight away, redo brings it back.
    s.keys(&body[0], "\u{E009}z\u{E000}").await;
    s.wait_until("undone", &format!("return ({}) === 0", count("highlight", None)), json!([]), long).await;
    s.keys(&body[0], "\u{E009}\u{E008}z\u{E000}").await;
    s.wait_until("redone", &format!("return ({}) === 1", count("highlight", None)), json!([]), long).await;

    // A sticky note: a click with the note tool, then its words in the panel's editor,
    // shared with every participant.
    s.click(&s.wait_for("[data-testid=tool-note]", 1, long).await[0]).await;
    let (x, y) = (f(&page, "x") + f(&page, "w") * 0.85, f(&page, "y") + f(&page, "h") * 0.5);
    s.drag(&[(x, y)]).await;
    let editor = s.wait_for("[data-testid=mark-text]", 1, long).await;
    s.keys(&editor[0], "Đề nghị bổ sung số liệu quý III").await;
    s.keys(&editor[0], "\u{E009}\u{E007}\u{E000}").await;
    s.script(
        "const v = document.querySelector('[data-testid=mark-visibility]');
         v.value = 'participants'; v.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([]),
    )
    .await;
    s.wait_until(
        "the note's words and visibility saved",
        "return [...document.querySelectorAll('[data-testid=mark-row]')].some(r => r.innerText.includes('quý III'))",
        json!([]),
        long,
    )
    .await;
    // The panel lists all three, waiting to sync.
    s.wait_for("[data-testid=mark-row][data-sync=saved]", 3, long).await;

    // The eraser wipes the stroke where it passes; undo brings it back.
    // (Across where the stroke is now: the panel took room and the page moved.)
    s.click(&s.wait_for("[data-testid=tool-eraser]", 1, long).await[0]).await;
    let ink = s
        .script(
            "const r = document.querySelector('[data-testid=mark][data-kind=ink]').getBoundingClientRect();
             return [r.left + r.width / 2, r.top - 8, r.bottom + 8];",
            json!([]),
        )
        .await;
    let (ix, top, bottom) = (ink[0].as_f64().unwrap(), ink[1].as_f64().unwrap(), ink[2].as_f64().unwrap());
    s.drag(&[(ix, top), (ix, (top + bottom) / 2.0), (ix, bottom)]).await;
    s.wait_until("the stroke erased", &format!("return ({}) === 0", count("ink", None)), json!([]), long).await;
    s.keys(&body[0], "\u{E009}z\u{E000}").await;
    s.wait_until("the stroke back", &format!("return ({}) === 1", count("ink", None)), json!([]), long).await;

    // The select tool picks the note, and a second press drags it elsewhere.
    s.click(&s.wait_for("[data-testid=tool-select]", 1, long).await[0]).await;
    let where_note = "const r = document.querySelector('[data-testid=mark][data-kind=note]').getBoundingClientRect();
                      return [r.left + r.width / 2, r.top + r.height / 2];";
    s.script(
        "document.querySelector('[data-testid=mark][data-kind=note]').scrollIntoView({block: 'center'})",
        json!([]),
    )
    .await;
    let at = s.script(where_note, json!([])).await;
    let (nx, ny) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
    s.drag(&[(nx, ny)]).await;
    s.wait_for("[data-testid=mark-selected]", 1, long).await;
    s.drag(&[(nx, ny), (nx - 20.0, ny + 20.0), (nx - 40.0, ny + 40.0)]).await;
    s.wait_until(
        "the note moved",
        "const r = document.querySelector('[data-testid=mark][data-kind=note]').getBoundingClientRect();
         return Math.abs(r.left + r.width / 2 - arguments[0] + 40) < 3 && Math.abs(r.top + r.height / 2 - arguments[1] - 40) < 3;",
        json!([nx, ny]),
        long,
    )
    .await;

    // Words selected with the select tool (a plain mouse drag over the text layer) get a
    // bar over them; its underline button marks exactly those words. (A line clear of
    // the highlight, the note and the stroke, so the press lands on text.)
    let line2 = s
        .script(
            "const page = document.querySelector('[data-testid=page][data-page=\"0\"]');
             const spans = [...page.querySelectorAll('.textlayer span')];
             const p = page.getBoundingClientRect(), first = spans[0].getBoundingClientRect();
             const note = document.querySelector('[data-testid=mark][data-kind=note]').getBoundingClientRect();
             const clear = (r) => r.top > first.bottom + 2 && r.bottom < p.top + p.height * 0.8 && r.width > 80
               && (r.bottom < note.top || r.top > note.bottom || r.right < note.left || r.left > note.right);
             const span = spans.find((x) => clear(x.getBoundingClientRect()));
             span.scrollIntoView({block: 'center'});
             const r = span.getBoundingClientRect();
             return [r.left, r.top + r.height / 2, r.right, span.textContent];",
            json!([]),
        )
        .await;
    let (left, mid, right) = (line2[0].as_f64().unwrap(), line2[1].as_f64().unwrap(), line2[2].as_f64().unwrap());
    let words = line2[3].as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    s.drag(&[(left + 1.0, mid), ((left + right) / 2.0, mid), (right - 1.0, mid)]).await;
    s.wait_for("[data-testid=selection-bar]", 1, long).await;
    save(s, "5b-selection-bar.png").await;
    s.click(&s.wait_for("[data-testid=mark-selection-underline]", 1, long).await[0]).await;
    s.wait_until(
        "the underline saved",
        &format!("return ({}) === 1", count("underline", Some("saved"))),
        json!([]),
        long,
    )
    .await;
    s.wait_until("the bar gone", "return !document.querySelector('[data-testid=selection-bar]')", json!([]), long)
        .await;

    // An annotated copy, offline.
    s.click(&s.wait_for("[data-testid=export-open]", 1, long).await[0]).await;
    s.click(&s.wait_for("[data-testid=export-annotated]", 1, long).await[0]).await;
    s.wait_for("[data-testid=export-done]", 1, long).await;
    let copies: Vec<_> = std::fs::read_dir(exports.path()).unwrap().flatten().map(|e| e.path()).collect();
    let pdf = copies.iter().find(|p| p.extension().is_some_and(|x| x == "pdf")).expect("the exported PDF");
    assert!(copies.iter().any(|p| p.extension().is_some_and(|x| x == "xfdf")), "and its XFDF: {copies:?}");
    let check = std::process::Command::new("qpdf").arg("--check").arg(pdf).output().unwrap();
    assert!(check.status.success(), "qpdf --check: {}", String::from_utf8_lossy(&check.stdout));

    // Killed right after saving, with the server still down.
    assert!(desktop.kill_app(profile.path()) >= 1, "the app's process was found and killed");

    server.restart_same_port().await;
    let desktop = Desktop::launch_with(&app_binary(), profile.path(), &env).await;
    let s = &desktop.session;
    // The documents are encrypted on the laptop and no OS keystore holds the key (none
    // here, and `scripts/test` turns it off for the app):
    // the app starts locked, says why, refuses a wrong password, opens with the right one.
    s.wait_for("[data-testid=no-keystore]", 1, long).await;
    let pw = s.wait_for("[data-testid=unlock-password]", 1, long).await;
    s.type_into(&pw[0], "not-the-password").await;
    s.click(&s.wait_for("[data-testid=unlock]", 1, long).await[0]).await;
    s.wait_until(
        "a wrong password told in Vietnamese",
        "return document.querySelector('[data-testid=unlock-error]')?.innerText.includes('Mật khẩu không mở được') === true",
        json!([]),
        long,
    )
    .await;
    s.type_into(&s.wait_for("[data-testid=unlock-password]", 1, long).await[0], "demo").await;
    s.click(&s.wait_for("[data-testid=unlock]", 1, long).await[0]).await;
    open_meeting(s, long).await;
    s.wait_for("[data-testid=item-note]", 1, long).await;
    open_report(s, long).await;
    s.wait_for("[data-testid=mark][data-kind=ink]", 1, long).await;
    s.wait_for("[data-testid=mark][data-kind=highlight]", 1, long).await;
    // The launch syncs in the background; the marks turn "synced" when it is done.
    s.click(&s.wait_for("[data-testid=sync-now]", 1, long).await[0]).await;
    s.wait_until(
        "the marks on the server",
        &format!(
            "return ({}) + ({}) + ({}) === 3",
            count("ink", Some("synced")),
            count("highlight", Some("synced")),
            count("underline", Some("synced"))
        ),
        json!([]),
        Duration::from_secs(90),
    )
    .await;
    save(s, "6-marks-after-restart.png").await;

    // The search page finds the note by its words typed without diacritics, and opens
    // the document with the note selected in the panel.
    s.click(&s.wait_for("[data-testid=open-search]", 1, long).await[0]).await;
    let input = s.wait_for("[data-testid=search-all-input]", 1, long).await;
    s.type_into(&input[0], "bo sung so lieu").await;
    s.keys(&input[0], "\u{E007}").await;
    s.wait_until(
        "the note found",
        "const h = document.querySelectorAll('[data-testid=mark-hit]');
         return h.length === 1 && h[0].innerText.includes('bổ sung số liệu');",
        json!([]),
        long,
    )
    .await;
    save(s, "7-search-marks.png").await;
    s.click(&s.wait_for("[data-testid=mark-hit]", 1, long).await[0]).await;
    s.wait_for("[data-testid=mark-selected]", 1, long).await;
    s.wait_until(
        "the note open in the panel",
        "return document.querySelector('[data-testid=mark-text]')?.value === 'Đề nghị bổ sung số liệu quý III'",
        json!([]),
        long,
    )
    .await;
    desktop.quit().await;

    // SQLite's JSON functions: the desktop tests run on the default database.
    let kinds = server
        .sql()
        .strings("SELECT json_extract(data, '$.shape.type') FROM annotations WHERE deleted = 0 ORDER BY 1", &[]);
    assert_eq!(kinds, ["highlight", "ink", "item_note", "note", "underline"], "exactly the five, once each");
    let row = server
        .sql()
        .rows("SELECT json_extract(data, '$.text'), visibility FROM annotations WHERE data LIKE '%\"note\"%'", &[])
        .remove(0);
    let (text, visibility) = (row[0].clone().unwrap_or_default(), row[1].clone().unwrap_or_default());
    assert_eq!((text.as_str(), visibility.as_str()), ("Đề nghị bổ sung số liệu quý III", "participants"));
    // The words a text mark covers, as the server has them.
    let quote = |kind: &str| -> String {
        server.sql().strings(
            "SELECT json_extract(data, '$.anchor.quote') FROM annotations
              WHERE json_extract(data, '$.shape.type') = ?1",
            &[kind],
        )[0]
        .clone()
    };
    assert!(!quote("highlight").trim().is_empty(), "the highlight carries the words it covers");
    assert_eq!(
        quote("underline").split_whitespace().collect::<Vec<_>>().join(" "),
        words,
        "the underline covers exactly the selected line"
    );
}

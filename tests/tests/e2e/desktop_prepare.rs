//! Desktop E2E of the Prepare workspace (issue 9, acceptance 1 and 7), on a server with
//! only the office's users: secretary1, in the real app, creates a meeting, invites
//! leader1 and leader2 found without diacritics, builds three agenda items, uploads a
//! DOCX, an XLSX and a PDF onto them (dropped; converted by the server's LibreOffice), moves the
//! last item up with Alt+↑, keeps a half-edited title and a half-typed agenda note
//! through a background sync, and publishes past the check; links the meeting's folder,
//! whose file becomes a document and, deleted, waits for confirmation. leader1's device then has
//! the whole meeting, its words searchable without diacritics; leader2, removed before
//! publishing, has nothing of it. Along the way: a new version picked onto a document,
//! its history, an original saved, confidential marked, leader1's device shown ready, and
//! the meeting copied as next month's draft.

use std::time::Duration;

use meeting_e2e::desktop::{Desktop, INK};
use meeting_e2e::office;
use meeting_e2e::webdriver::Session;
use serde_json::json;

use super::desktop::{app_binary, can_run, click_text, save};
use crate::util::{Http, ServerOptions, TestServer, make_pdf, meeting, meeting_login};

async fn click(s: &Session, css: &str, text: &str, what: &str) {
    let (js, args) = click_text(css, text);
    s.wait_until(what, &js, args, Duration::from_secs(60)).await;
}

/// The agenda's titles as shown.
async fn titles(s: &Session) -> Vec<String> {
    let v = s
        .script("return [...document.querySelectorAll('[data-testid=item-title]')].map(e => e.innerText)", json!([]))
        .await;
    serde_json::from_value(v).unwrap_or_default()
}

/// Drops files on the element `target` (a JS expression) as the file manager would: the
/// same `tauri://drag-drop` event the window sends for a real drop (WebDriver cannot drag
/// from outside the page), with the position in physical pixels.
async fn drop_files(s: &Session, target: &str, paths: &[&std::path::Path]) {
    let paths: Vec<String> = paths.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let js = format!(
        "const el = {target}; if (!el) return false; el.scrollIntoView({{block: 'center'}});
         const r = el.getBoundingClientRect(), k = window.devicePixelRatio || 1;
         const position = {{ x: (r.left + r.width / 2) * k, y: (r.top + r.height / 2) * k }};
         window.__TAURI_INTERNALS__.invoke('plugin:event|emit', {{ event: 'tauri://drag-drop', payload: {{ paths: arguments[0], position }} }});
         return true;"
    );
    s.wait_until("the drop target", &js, json!([paths]), Duration::from_secs(30)).await;
}

/// Presses the sync button and waits for that sync to end.
async fn sync_now(s: &Session, long: Duration) {
    let before =
        s.script("return document.querySelector('[data-testid=sync-state]')?.innerText ?? ''", json!([])).await;
    s.click(&s.wait_for("[data-testid=sync-now]", 1, long).await[0]).await;
    s.wait_until(
        "the background sync to finish",
        "const b = document.querySelector('[data-testid=sync-now]'); const t = document.querySelector('[data-testid=sync-state]');
         return b && !b.disabled && t && t.innerText !== arguments[0];",
        json!([before]),
        long,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn desktop_a_secretary_prepares_and_publishes_a_meeting() {
    if !can_run() {
        return;
    }
    let server = TestServer::start(ServerOptions { demo_users: true, ..Default::default() }).await;
    let long = Duration::from_secs(90);
    let profile = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let docx = files.path().join("Báo cáo KT-XH.docx");
    std::fs::write(&docx, office::docx("Báo cáo tình hình kinh tế - xã hội", &["Đẩy mạnh cải cách hành chính."]))
        .unwrap();
    let xlsx = files.path().join("du-toan.xlsx");
    std::fs::write(&xlsx, office::xlsx(&[&["Khoản mục", "Dự toán"], &["Chi thường xuyên", "820 tỷ đồng"]])).unwrap();
    let pdf = files.path().join("to-trinh.pdf");
    std::fs::write(&pdf, make_pdf("Tờ trình", "Đề nghị điều chỉnh quy hoạch phân khu.")).unwrap();

    let exports = tempfile::tempdir().unwrap();
    let desktop = Desktop::launch_with(&app_binary(), profile.path(), &[("PHONGHOP_EXPORT_DIR", exports.path())]).await;
    let s = &desktop.session;
    s.type_into(&s.wait_for("[data-testid=server]", 1, long).await[0], &server.url).await;
    s.type_into(&s.wait_for("[data-testid=username]", 1, long).await[0], "secretary1").await;
    s.type_into(&s.wait_for("[data-testid=password]", 1, long).await[0], "demo").await;
    s.click(&s.wait_for("[data-testid=login]", 1, long).await[0]).await;
    s.click(&s.wait_for("[data-testid=open-prepare]", 1, long).await[0]).await;

    // A new draft.
    s.type_into(&s.wait_for("[data-testid=new-title]", 1, long).await[0], "Phiên họp chuyên đề tháng 12").await;
    s.wait_for("[data-testid=new-starts]", 1, long).await;
    s.script(
        "const e = document.querySelector('[data-testid=new-starts]'); e.value = '2026-12-18T08:00';
         e.dispatchEvent(new Event('input', {bubbles: true}));",
        json!([]),
    )
    .await;
    s.click(&s.wait_for("[data-testid=create-meeting]", 1, long).await[0]).await;
    s.wait_until(
        "the draft opened",
        "return document.querySelector('[data-testid=prepare-status]')?.innerText === 'Bản nháp'",
        json!([]),
        long,
    )
    .await;

    // Participants, found by name typed without diacritics.
    s.click(&s.wait_for("[data-testid=tab-participants]", 1, long).await[0]).await;
    for (query, name) in [("nguyen van an", "Nguyễn Văn An"), ("tran thi binh", "Trần Thị Bình")] {
        let q = s.wait_for("[data-testid=people-query]", 1, long).await;
        s.type_into(&q[0], query).await;
        s.keys(&q[0], "\u{E007}").await;
        click(s, "[data-testid=directory-entry] [data-testid=add-participant]", "", "the directory finds the leader")
            .await;
        s.wait_until("the participant added", "return [...document.querySelectorAll('[data-testid=participant]')].some(e => e.innerText.includes(arguments[0]))", json!([name]), long).await;
    }

    // Three agenda items.
    s.click(&s.wait_for("[data-testid=tab-agenda]", 1, long).await[0]).await;
    for (title, presenter) in [
        ("Báo cáo kinh tế - xã hội", "Sở Kế hoạch và Đầu tư"),
        ("Dự toán ngân sách", "Sở Tài chính"),
        ("Tờ trình quy hoạch", "Sở Xây dựng"),
    ] {
        s.type_into(&s.wait_for("[data-testid=new-item-title]", 1, long).await[0], title).await;
        s.type_into(&s.wait_for("[data-testid=new-item-presenter]", 1, long).await[0], presenter).await;
        if title.starts_with("Báo cáo") {
            // The first item has a planned start and a duration.
            s.script(
                "for (const [id, v] of [['new-item-time', '08:30'], ['new-item-minutes', '45']]) {
                   const e = document.querySelector(`[data-testid=${id}]`); e.value = v;
                   e.dispatchEvent(new Event('input', {bubbles: true})); }",
                json!([]),
            )
            .await;
        }
        s.click(&s.wait_for("[data-testid=add-item]", 1, long).await[0]).await;
        s.wait_until("the item added", "return [...document.querySelectorAll('[data-testid=item-title]')].some(e => e.innerText.includes(arguments[0]))", json!([title]), long).await;
    }
    // One file dropped from the file manager onto each item.
    let item = |n: usize| format!("document.querySelectorAll('[data-testid=prepare-item]')[{n}]");
    for (n, f) in [(0, &docx), (1, &xlsx), (2, &pdf)] {
        drop_files(s, &item(n), &[f]).await;
    }
    s.wait_until("three documents, converted", "return document.querySelectorAll('[data-testid=prepare-item] [data-testid=prepare-document]').length === 3 && document.querySelectorAll('[data-testid=prepare-pending]').length === 0", json!([]), Duration::from_secs(180)).await;

    // A damaged Word file: its own error, and it stays listed under its item as failed.
    let whole = office::docx("Báo cáo", &["Nội dung bị cắt."]);
    let broken = files.path().join("bao-cao-hong.docx");
    std::fs::write(&broken, &whole[..whole.len() / 3]).unwrap();
    drop_files(s, &item(1), &[&broken]).await;
    s.wait_for("[data-testid=prepare-error][data-code=damaged_file]", 1, Duration::from_secs(180)).await;
    s.wait_until(
        "the damaged file listed as failed under its item",
        "const c = document.querySelectorAll('[data-testid=prepare-item]')[1]?.querySelector('[data-testid=prepare-conversion][data-state=failed]');
         return !!c && c.innerText.includes('bao-cao-hong.docx');",
        json!([]),
        long,
    )
    .await;

    // A Word file protected by a password: its own code, and the app says (in
    // Vietnamese) to remove the password and upload again — not that it is damaged.
    if let Some(protected) = meeting_e2e::protected::files_or_skip() {
        let locked = files.path().join("bao-cao-co-mat-khau.docx");
        std::fs::copy(protected.join("protected.docx"), &locked).unwrap();
        drop_files(s, &item(1), &[&locked]).await;
        let shown = "[data-testid=prepare-error][data-code=password_protected]";
        s.wait_for(shown, 1, Duration::from_secs(180)).await;
        let text = s.script("return document.querySelector(arguments[0])?.innerText", json!([shown])).await;
        let text = text.as_str().unwrap_or_default();
        assert!(text.contains("mật khẩu") && text.contains("tải lên lại"), "{text}");
    }

    // The meeting's own details are edited in place.
    s.click(&s.wait_for("[data-testid=edit-meeting]", 1, long).await[0]).await;
    s.type_into(&s.wait_for("[data-testid=meeting-location]", 1, long).await[0], "Phòng họp số 1, UBND tỉnh").await;
    s.click(&s.wait_for("[data-testid=save-meeting]", 1, long).await[0]).await;
    s.wait_until(
        "the location saved",
        "return !document.querySelector('[data-testid=meeting-form]') && document.querySelector('section header')?.innerText.includes('Phòng họp số 1')",
        json!([]),
        long,
    )
    .await;

    // The last item moves up with Alt+↑ on its title.
    let last = s.wait_for("[data-testid=item-title]", 3, long).await;
    s.keys(&last[2], "\u{E00A}\u{E013}\u{E000}").await;
    s.wait_until("the agenda reordered", "const t = [...document.querySelectorAll('[data-testid=item-title]')].map(e => e.innerText); return t[1]?.includes('Tờ trình');", json!([]), long).await;
    assert_eq!(titles(s).await, ["1. Báo cáo kinh tế - xã hội", "2. Tờ trình quy hoạch", "3. Dự toán ngân sách"]);

    // A title half-edited survives a background sync.
    s.click(&s.wait_for("[data-testid=item-title]", 3, long).await[0]).await;
    let input = s.wait_for("[data-testid=item-title-input]", 1, long).await;
    s.type_into(&input[0], "Báo cáo kinh tế - xã hội năm 20").await;
    sync_now(s, long).await;
    let kept = s.script("return document.querySelector('[data-testid=item-title-input]')?.value", json!([])).await;
    assert_eq!(kept, json!("Báo cáo kinh tế - xã hội năm 20"), "the half-edited title was lost in a sync");
    s.keys(&s.wait_for("[data-testid=item-title-input]", 1, long).await[0], "26\u{E007}").await;
    s.wait_until(
        "the title saved",
        "return [...document.querySelectorAll('[data-testid=item-title]')].some(e => e.innerText.includes('năm 2026'))",
        json!([]),
        long,
    )
    .await;

    // New versions of the PDF, picked and dropped onto its document: same document,
    // version 3, and the history lists all three; the DOCX's original office file can be saved; the PDF is
    // marked confidential.
    let pdf2 = files.path().join("to-trinh-sua.pdf");
    std::fs::write(&pdf2, make_pdf("Tờ trình", "Đề nghị điều chỉnh quy hoạch phân khu, bản sửa.")).unwrap();
    let doc_of = |title: &str| {
        format!(
            "[...document.querySelectorAll('[data-testid=prepare-document]')].find(e => e.innerText.includes('{title}'))"
        )
    };
    let pdf_row = doc_of("to-trinh");
    let n = s
        .script(
            &format!("return [...document.querySelectorAll('[data-testid=prepare-document]')].indexOf({pdf_row})"),
            json!([]),
        )
        .await;
    let n = n.as_u64().expect("the PDF listed") as usize;
    let replace = s.wait_for("[data-testid=prepare-document] [data-testid=replace-file]", 3, long).await;
    s.keys(&replace[n], pdf2.to_str().unwrap()).await;
    s.wait_until("version 2", &format!("return !!{pdf_row}?.innerText.includes('v2')"), json!([]), long).await;
    // …and another one dropped on it from the file manager.
    let pdf3 = files.path().join("to-trinh-sua-lan-2.pdf");
    std::fs::write(&pdf3, make_pdf("Tờ trình", "Đề nghị điều chỉnh quy hoạch phân khu, bản sửa lần 2.")).unwrap();
    drop_files(s, &pdf_row, &[&pdf3]).await;
    s.wait_until("version 3", &format!("return !!{pdf_row}?.innerText.includes('v3')"), json!([]), long).await;
    s.script(&format!("{pdf_row}.querySelector('[data-testid=doc-versions]').click()"), json!([])).await;
    s.wait_until(
        "two versions listed",
        &format!("return {pdf_row}?.querySelectorAll('[data-testid=version]').length === 3"),
        json!([]),
        long,
    )
    .await;
    s.script(&format!("{pdf_row}.querySelector('[data-testid=doc-confidential]').click()"), json!([])).await;
    s.wait_until(
        "marked confidential",
        &format!("return !!{pdf_row}?.querySelector('.badge.secret')"),
        json!([]),
        long,
    )
    .await;
    // "Cho lưu ngoại tuyến" unticked, then ticked again: the server follows the box.
    let sec = Http::login(&server.url, "secretary1").await;
    for want in [false, true] {
        s.script(&format!("{pdf_row}.querySelector('[data-testid=doc-offline-copy]').click()"), json!([])).await;
        offline_copy_becomes(&sec, want, long).await;
        s.wait_until(
            "the box shows it",
            &format!("return {pdf_row}?.querySelector('[data-testid=doc-offline-copy]')?.checked === arguments[0]"),
            json!([want]),
            long,
        )
        .await;
    }
    let docx_row = doc_of("Báo cáo KT-XH");
    s.script(&format!("{docx_row}.querySelector('[data-testid=doc-versions]').click()"), json!([])).await;
    s.wait_until(
        "the DOCX's history",
        &format!("return !!{docx_row}?.querySelector('[data-testid=save-original]')"),
        json!([]),
        long,
    )
    .await;
    s.script(&format!("{docx_row}.querySelector('[data-testid=save-original]').click()"), json!([])).await;
    s.wait_until(
        "the original saved",
        &format!("return !!{docx_row}?.querySelector('[data-testid=original-saved]')"),
        json!([]),
        long,
    )
    .await;
    let saved = exports.path().join("Báo cáo KT-XH.docx");
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        std::fs::read(&docx).unwrap(),
        "the original must come back as uploaded"
    );

    // Any document opens in the same viewer from here (a draft's too), and back leads here.
    click(s, "[data-testid=open-document]", "du-toan", "the spreadsheet's PDF opened").await;
    s.wait_until("the spreadsheet painted in the viewer", &format!("return ({INK}) > 0"), json!([0]), long).await;
    s.click(&s.wait_for("[data-testid=viewer-back]", 1, long).await[0]).await;
    s.wait_for("[data-testid=prepare-item]", 3, long).await;

    // leader2 leaves again before publishing.
    s.click(&s.wait_for("[data-testid=tab-participants]", 1, long).await[0]).await;
    click(s, "[data-testid=participant]", "Trần Thị Bình", "leader2 listed").await;
    let (js, args) = (
        "const li = [...document.querySelectorAll('[data-testid=participant]')].find(e => e.innerText.includes(arguments[0]));
         const b = li && [...li.querySelectorAll('button')].find(b => b.innerText === 'Bỏ'); if (!b) return false; b.click(); return true;".to_owned(),
        json!(["Trần Thị Bình"]),
    );
    s.wait_until("leader2 removed", &js, args, long).await;
    s.wait_until(
        "only leader1 and the organizer",
        "return document.querySelectorAll('[data-testid=participant]').length === 2",
        json!([]),
        long,
    )
    .await;

    // Publish: nothing is wrong, so no check; the status says so.
    s.click(&s.wait_for("[data-testid=tab-agenda]", 1, long).await[0]).await;
    s.click(&s.wait_for("[data-testid=publish]", 1, long).await[0]).await;
    if !s.find_all("[data-testid=publish-check]").await.is_empty() {
        s.click(&s.wait_for("[data-testid=publish-anyway]", 1, long).await[0]).await;
    }
    s.wait_until(
        "published",
        "return document.querySelector('[data-testid=prepare-status]')?.innerText === 'Đã phát hành'",
        json!([]),
        long,
    )
    .await;
    save(s, "prepare-published.png").await;

    // leader1 syncs: the whole meeting arrives, and the secretary sees their device ready.
    let devices = tempfile::tempdir().unwrap();
    let l1 = devices.path().join("leader1");
    meeting_login(&l1, &server.url, "leader1");
    let report = meeting(&l1, &["sync", "--json"]);
    assert_eq!(report["blobs_downloaded"], 3, "{report}");
    s.click(&s.wait_for("[data-testid=tab-participants]", 1, long).await[0]).await;
    s.wait_until(
        "leader1's device shown up to date",
        "const li = [...document.querySelectorAll('[data-testid=participant]')].find(e => e.innerText.includes('Nguyễn Văn An'));
         return !!li && !!li.querySelector('[data-testid=device-state]')?.innerText.includes('(1/1)') && !!li.querySelector('.badge.ok');",
        json!([]),
        long,
    )
    .await;

    // The history lists what was done, by the secretary.
    s.click(&s.wait_for("[data-testid=tab-history]", 1, long).await[0]).await;
    s.wait_until(
        "the history",
        "return document.querySelectorAll('[data-testid=audit-entry]').length >= 12",
        json!([]),
        long,
    )
    .await;

    // The meeting's folder, linked in the app: a file put there becomes one of the
    // meeting's other documents; deleted, it waits for confirmation, then goes.
    let folder = files.path().join("Họp chuyên đề");
    std::fs::create_dir(&folder).unwrap();
    let appendix = folder.join("Phụ lục số liệu.pdf");
    std::fs::write(&appendix, make_pdf("Phụ lục", "Số liệu bổ sung của Sở Tài chính.")).unwrap();
    s.click(&s.wait_for("[data-testid=tab-folder]", 1, long).await[0]).await;
    s.type_into(&s.wait_for("[data-testid=hot-folder-path]", 1, long).await[0], folder.to_str().unwrap()).await;
    s.click(&s.wait_for("[data-testid=hot-folder-link]", 1, long).await[0]).await;
    s.wait_until(
        "the folder's file uploaded by the app's watcher",
        "return !!document.querySelector('[data-testid=hot-folder-event][data-event=uploaded]')",
        json!([]),
        long,
    )
    .await;
    s.click(&s.wait_for("[data-testid=tab-agenda]", 1, long).await[0]).await;
    click(s, ".other [data-testid=prepare-document]", "Phụ lục số liệu", "the folder's file among the documents").await;
    std::fs::remove_file(&appendix).unwrap();
    s.wait_until(
        "the deletion waiting for confirmation",
        "return document.querySelector('[data-testid=deletions-count]')?.innerText === '1'",
        json!([]),
        long,
    )
    .await;
    assert_eq!(
        s.find_all(".other [data-testid=prepare-document]").await.len(),
        1,
        "a file deleted from the folder must stay in the meeting until confirmed"
    );
    s.click(&s.wait_for("[data-testid=tab-folder]", 1, long).await[0]).await;
    s.click(&s.wait_for("[data-testid=confirm-deletion]", 1, long).await[0]).await;
    s.wait_until(
        "the deletion settled",
        "return document.querySelectorAll('[data-testid=waiting-deletion]').length === 0 && !document.querySelector('[data-testid=deletions-count]')",
        json!([]),
        long,
    )
    .await;
    s.click(&s.wait_for("[data-testid=tab-agenda]", 1, long).await[0]).await;
    s.wait_until(
        "the document removed from the meeting",
        "return document.querySelectorAll('.other [data-testid=prepare-document]').length === 0 && document.querySelectorAll('[data-testid=prepare-item]').length === 3",
        json!([]),
        long,
    )
    .await;

    // A half-typed agenda note in the meeting view survives a background sync too.
    sync_now(s, long).await;
    click(s, ".brand", "", "back to the meetings").await;
    click(s, "[data-testid=meeting]", "Phiên họp chuyên đề", "the published meeting on the device").await;
    s.click(&s.wait_for("[data-testid=item-note-add]", 1, long).await[0]).await;
    s.type_into(&s.wait_for("[data-testid=item-note-text]", 1, long).await[0], "Cần bổ sung số li").await;
    sync_now(s, long).await;
    let note = s.script("return document.querySelector('[data-testid=item-note-text]')?.value", json!([])).await;
    assert_eq!(note, json!("Cần bổ sung số li"), "the half-typed note was lost in a sync");

    // Next month's meeting starts as a copy of this one: agenda and documents, no upload.
    click(s, ".brand", "", "back to the meetings").await;
    s.click(&s.wait_for("[data-testid=open-prepare]", 1, long).await[0]).await;
    click(s, "[data-testid=copy-meeting]", "", "the copy button").await;
    s.type_into(&s.wait_for("[data-testid=copy-title]", 1, long).await[0], "Phiên họp chuyên đề tháng 1").await;
    s.script(
        "const e = document.querySelector('[data-testid=copy-starts]'); e.value = '2027-01-15T08:00';
         e.dispatchEvent(new Event('input', {bubbles: true}));",
        json!([]),
    )
    .await;
    s.click(&s.wait_for("[data-testid=copy-create]", 1, long).await[0]).await;
    s.wait_until(
        "the copy opened as a draft with the agenda and documents",
        "return document.querySelector('h2')?.innerText === 'Phiên họp chuyên đề tháng 1'
           && document.querySelector('[data-testid=prepare-status]')?.innerText === 'Bản nháp'
           && document.querySelectorAll('[data-testid=prepare-item]').length === 3
           && document.querySelectorAll('[data-testid=prepare-item] [data-testid=prepare-document]').length === 3",
        json!([]),
        long,
    )
    .await;
    desktop.quit().await;

    // leader1 in the app, on a profile of its own: after its first sync the meeting is
    // there, marked new, every document ready offline and readable, the words found
    // without diacritics.
    let app_l1 = devices.path().join("leader1-app");
    let desktop = Desktop::launch(&app_binary(), &app_l1).await;
    let s = &desktop.session;
    s.type_into(&s.wait_for("[data-testid=server]", 1, long).await[0], &server.url).await;
    s.type_into(&s.wait_for("[data-testid=username]", 1, long).await[0], "leader1").await;
    s.type_into(&s.wait_for("[data-testid=password]", 1, long).await[0], "demo").await;
    s.click(&s.wait_for("[data-testid=login]", 1, long).await[0]).await;
    s.wait_until(
        "the meeting on leader1's app, new and ready offline",
        "const m = [...document.querySelectorAll('[data-testid=meeting]')].find(e => e.innerText.includes('chuyên đề tháng 12'));
         return !!m && !!m.querySelector('[data-testid=ready-offline]') && !!m.querySelector('[data-testid=meeting-new]');",
        json!([]),
        long,
    )
    .await;
    assert_eq!(s.find_all("[data-testid=meeting]").await.len(), 1, "a draft copy must not reach a leader");
    click(s, "[data-testid=meeting]", "chuyên đề tháng 12", "the meeting").await;
    s.wait_for("[data-testid=document][data-available=true]", 3, long).await;
    let first = s.script("return document.querySelector('[data-testid=agenda-item]').innerText", json!([])).await;
    let first = first.as_str().unwrap_or_default();
    assert!(first.contains("08:30") && first.contains("45′"), "the planned start and duration: {first}");
    for (title, what) in
        [("to-trinh", "the PDF"), ("du-toan", "the converted XLSX"), ("Báo cáo KT-XH", "the converted DOCX")]
    {
        click(s, "[data-testid=document]", title, what).await;
        s.wait_until(&format!("{what} painted"), &format!("return ({INK}) > 0"), json!([0]), long).await;
        if title != "Báo cáo KT-XH" {
            s.click(&s.wait_for("[data-testid=viewer-back]", 1, long).await[0]).await;
        }
    }
    s.click(&s.wait_for("[data-testid=open-search]", 1, long).await[0]).await;
    let input = s.wait_for("[data-testid=search-all-input]", 1, long).await;
    s.type_into(&input[0], "chi thuong xuyen").await;
    s.keys(&input[0], "\u{E007}").await;
    click(s, "[data-testid=search-hit]", "du-toan", "the spreadsheet's words found without diacritics").await;

    // The secretary adds a document afterwards: leader1's next sync marks it new.
    let mid = sec
        .get("/meetings")
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["title"] == "Phiên họp chuyên đề tháng 12")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sec.upload(&mid, "bo-sung.pdf", make_pdf("Bổ sung", "Ý kiến bổ sung của Sở Nội vụ.")).await.expect(201);
    sync_now(s, long).await;
    click(s, ".brand", "", "back to the meetings").await;
    s.wait_until(
        "the meeting marked changed",
        "return document.querySelector('[data-testid=meeting-changed]')?.innerText.includes('1')",
        json!([]),
        long,
    )
    .await;
    click(s, "[data-testid=meeting]", "chuyên đề tháng 12", "the meeting again").await;
    s.wait_until(
        "the added document marked new, and only it",
        "const c = [...document.querySelectorAll('[data-testid=document-change]')];
         return c.length === 1 && c[0].dataset.change === 'new' && c[0].closest('[data-testid=document]').innerText.includes('bo-sung')
           && !!document.querySelector('[data-testid=changed-since]');",
        json!([]),
        long,
    )
    .await;
    save(s, "prepare-leader-new.png").await;
    desktop.quit().await;

    // The CLI on another device of leader1 agrees.
    meeting(&l1, &["sync"]);
    assert!(meeting(&l1, &["verify", "--json"])["ok"].as_bool().unwrap_or(true));
    for words in ["cai cach hanh chinh", "chi thuong xuyen", "quy hoach phan khu"] {
        let hits = meeting(&l1, &["search", words, "--json"]);
        assert!(!hits.as_array().unwrap().is_empty(), "{words:?} not found on leader1's device");
    }
    // leader2 has nothing of it.
    let l2 = devices.path().join("leader2");
    meeting_login(&l2, &server.url, "leader2");
    meeting(&l2, &["sync"]);
    assert_eq!(meeting(&l2, &["meetings", "--json"]), json!([]));
}

/// Waits until the server says the prepared meeting's PDF may (or may not) be kept offline.
async fn offline_copy_becomes(sec: &Http, want: bool, within: Duration) {
    let deadline = std::time::Instant::now() + within;
    loop {
        let meetings = sec.get("/meetings").await;
        let m = meetings.as_array().unwrap().iter().find(|m| m["title"] == "Phiên họp chuyên đề tháng 12").unwrap();
        let detail = sec.get(&format!("/meetings/{}", m["id"].as_str().unwrap())).await;
        let doc = detail["documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["filename"].as_str().is_some_and(|f| f.starts_with("to-trinh")))
            .cloned();
        if doc.as_ref().is_some_and(|d| d["offline_copy"] == want) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "offline copy {want} on the server: {doc:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

//! The engine end to end: the real worker process, the real libpdfium (run
//! `scripts/fetch-pdfium` first), generated Vietnamese documents and, when
//! `../shared/pdf-corpus` is present, real third-party files clean, malformed and encrypted.

mod common;

use common::{corpus, service};
use meeting_pdf::{PdfError, Priority};

fn vietnamese_pdf(dir: &std::path::Path) -> std::path::PathBuf {
    common::vietnamese_pdf(dir, 30, 3)
}

#[tokio::test]
async fn opens_renders_extracts_and_searches_a_vietnamese_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = service();
    let (doc, info) = pdf.open(&vietnamese_pdf(dir.path()), None).await.expect("open");
    assert!(info.pages.len() >= 3);
    assert!((info.pages[0].width - 595.28).abs() < 0.5, "A4 width in points");

    let page = pdf.render(doc, 0, 800, Priority::Visible, None).await.expect("render");
    assert_eq!(page.width, 800);
    assert_eq!(page.height, (800.0 * 841.89 / 595.28_f32).round() as u32);
    assert!(page.ink_ratio() > 0.005, "the page has text on it, ink {}", page.ink_ratio());
    let again = pdf.render(doc, 0, 800, Priority::Visible, None).await.expect("cached");
    assert!(std::sync::Arc::ptr_eq(&page, &again), "a second request comes from the cache");

    let text = pdf.text(doc, 0).await.expect("text");
    assert!(text.text.contains("cải cách hành chính"), "{}", &text.text[..200.min(text.text.len())]);
    let first = text.chars.iter().find(|c| c.ch == 'B').expect("a char box");
    assert!(
        first.rect.left >= 0.0 && first.rect.right <= info.pages[0].width && first.rect.top <= info.pages[0].height
    );

    let hits = pdf.search(doc, "CẢI CÁCH", 1000).await.expect("search");
    assert!(hits.len() >= 31, "heading + 30 paragraphs, got {}", hits.len());
    assert!(hits.iter().any(|h| h.page > 0), "hits on later pages too");
    assert!(hits.iter().all(|h| !h.rects.is_empty()));

    assert_eq!(pdf.render(doc, 99, 800, Priority::Visible, None).await.unwrap_err().code(), "page_out_of_range");
    assert_eq!(pdf.render(doc, 0, 0, Priority::Visible, None).await.unwrap_err().code(), "invalid");
}

#[tokio::test]
async fn the_service_survives_the_worker_dying_and_reopens_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = service();
    let (doc, _) = pdf.open(&vietnamese_pdf(dir.path()), None).await.expect("open");
    assert_eq!(pdf.crash_worker_for_tests().await, Err(PdfError::Crashed));
    let page = pdf.render(doc, 1, 400, Priority::Visible, None).await.expect("works again after a restart");
    assert!(page.ink_ratio() > 0.005);
}

#[tokio::test]
async fn advancing_a_view_cancels_its_queued_renders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = service();
    let (doc, _) = pdf.open(&vietnamese_pdf(dir.path()), None).await.expect("open");
    let view = pdf.new_view();
    let old = pdf.advance(view);
    // Queue far more than the worker can finish at once, then move on.
    let pending: Vec<_> = (0..40)
        .map(|i| {
            let pdf = pdf.clone();
            tokio::spawn(async move { pdf.render(doc, i % 3, 1000 + i, Priority::Background, Some(old)).await })
        })
        .collect();
    tokio::task::yield_now().await;
    let new = pdf.advance(view);
    let fresh = pdf.render(doc, 0, 640, Priority::Visible, Some(new)).await;
    assert!(fresh.is_ok());
    let mut cancelled = 0;
    for p in pending {
        if p.await.expect("join") == Err(PdfError::Cancelled) {
            cancelled += 1;
        }
    }
    assert!(cancelled > 0, "stale renders must be dropped, not all rendered");
}

#[tokio::test]
async fn every_clean_corpus_file_renders_every_page() {
    let Some(files) = corpus("clean") else { return };
    let pdf = service();
    for f in files {
        let (doc, info) = pdf.open(&f, None).await.unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(!info.pages.is_empty(), "{}", f.display());
        let mut inked = 0;
        for p in 0..info.pages.len() as u32 {
            let b = pdf
                .render(doc, p, 300, Priority::Visible, None)
                .await
                .unwrap_or_else(|e| panic!("{} page {p}: {e}", f.display()));
            assert_eq!(b.width, 300);
            if b.ink_ratio() > 0.0 {
                inked += 1;
            }
        }
        assert!(inked > 0, "{}: every page rendered blank", f.display());
        pdf.close(doc);
    }
}

#[tokio::test]
async fn links_lead_to_pages_or_addresses() {
    let Some(files) = corpus("clean") else { return };
    let pdf = service();
    let mut internal = 0;
    let mut external = 0;
    for f in files.iter().filter(|f| f.to_string_lossy().contains("link") || f.to_string_lossy().contains("outline")) {
        let (doc, info) = pdf.open(f, None).await.expect("open");
        for p in 0..info.pages.len() as u32 {
            for link in pdf.links(doc, p).await.expect("links") {
                assert!(
                    link.rect.right > link.rect.left && link.rect.top > link.rect.bottom,
                    "{}: empty link box",
                    f.display()
                );
                match link.target {
                    meeting_pdf::LinkTarget::Page { page } => {
                        assert!((page as usize) < info.pages.len());
                        internal += 1;
                    }
                    meeting_pdf::LinkTarget::Uri { uri } => {
                        assert!(!uri.is_empty());
                        external += 1;
                    }
                }
            }
        }
    }
    eprintln!("links: {internal} internal, {external} external");
    assert!(internal + external > 0, "the corpus link documents carry links");
}

#[tokio::test]
async fn malformed_files_render_or_fail_with_a_typed_error_and_the_engine_stays_up() {
    let Some(files) = corpus("malformed") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let good = vietnamese_pdf(dir.path());
    let pdf = service();
    for f in files {
        match pdf.open(&f, None).await {
            Ok((doc, info)) => {
                for p in 0..info.pages.len().min(20) as u32 {
                    if let Err(e) = pdf.render(doc, p, 200, Priority::Visible, None).await {
                        eprintln!("{} page {p}: {} ({})", f.display(), e, e.code());
                    }
                }
                pdf.close(doc);
            }
            Err(e) => {
                eprintln!("{}: {} ({})", f.display(), e, e.code());
                assert!(
                    matches!(
                        e,
                        PdfError::Malformed(_)
                            | PdfError::Crashed
                            | PdfError::UnsupportedSecurity
                            | PdfError::PasswordRequired
                    ),
                    "{}: untyped failure {e:?}",
                    f.display()
                );
            }
        }
        // Whatever that file did, the engine still works.
        let (doc, _) = pdf.open(&good, None).await.expect("the engine still opens good files");
        pdf.render(doc, 0, 200, Priority::Visible, None).await.expect("and renders them");
        pdf.close(doc);
    }
}

#[tokio::test]
async fn encrypted_files_need_the_right_password() {
    let Some(files) = corpus("encrypted") else { return };
    let pdf = service();
    for f in files {
        assert_eq!(pdf.open(&f, None).await.err(), Some(PdfError::PasswordRequired), "{}", f.display());
        assert_eq!(pdf.open(&f, Some("sai mật khẩu")).await.err(), Some(PdfError::WrongPassword), "{}", f.display());
        let mut opened = None;
        for pw in ["âge", "hôtel"] {
            if let Ok(ok) = pdf.open(&f, Some(pw)).await {
                opened = Some(ok);
                break;
            }
        }
        let (doc, _) = opened.unwrap_or_else(|| panic!("{} opens with neither corpus password", f.display()));
        let text = pdf.text(doc, 0).await.expect("text");
        assert!(text.text.to_lowercase().contains("hello"), "{}: {}", f.display(), text.text);
    }
}

#[tokio::test]
async fn a_rotated_page_reports_its_rotation_with_boxes_in_unrotated_space() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = vietnamese_pdf(dir.path());
    let rotated = dir.path().join("xoay.pdf");
    // Long documents learn a page's rotation from its text layer, not from `info`.
    let status = std::process::Command::new("qpdf")
        .arg("--rotate=+90:1")
        .arg(&plain)
        .arg(&rotated)
        .status()
        .expect("qpdf (Debian package qpdf)");
    assert!(status.success());
    let pdf = service();
    let (doc, info) = pdf.open(&rotated, None).await.expect("open");
    assert!(info.pages[0].width > info.pages[0].height, "the first page is shown landscape: {:?}", info.pages[0]);
    let text = pdf.text(doc, 0).await.expect("text");
    assert_eq!(text.rotation, 90);
    assert_eq!(pdf.text(doc, 1).await.expect("text").rotation, 0, "only the first page was turned");
    // Boxes stay in the unrotated page (595 wide, 842 tall), where a viewer maps them.
    // (In the shown, landscape space no box could sit above y = 595.)
    assert!(text.chars.iter().all(|c| c.rect.right <= 596.0 && c.rect.top <= 842.0));
    assert!(text.chars.iter().any(|c| c.rect.top > 700.0), "the heading sits near the unrotated top");
    let page = pdf.render(doc, 0, 842, Priority::Visible, None).await.expect("render");
    assert_eq!((page.width, page.height), (842, 595), "rendered as shown");
}

/// The viewer paints the part of a first page on screen before the whole page: such a
/// band must be exactly those rows of the whole page, or the page would jump when the
/// whole arrives.
#[tokio::test]
async fn a_band_of_rows_is_exactly_those_rows_of_the_whole_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = service();
    let (doc, _) = pdf.open(&vietnamese_pdf(dir.path()), None).await.expect("open");
    let whole = pdf.render(doc, 0, 800, Priority::Visible, None).await.expect("render");
    let row = 800 * 4;
    for (top, count) in [(0, 300), (417, 200), (whole.height - 50, 500)] {
        let band = pdf.render_rows(doc, 0, 800, Some((top, count)), Priority::Visible, None).await.expect("band");
        let rows = count.min(whole.height - top);
        assert_eq!((band.width, band.height), (800, rows), "band {top}+{count} is cut at the page's end");
        let expected = &whole.rgba[top as usize * row..(top + rows) as usize * row];
        assert!(band.rgba == expected, "band {top}+{count} differs from the whole page's rows");
    }
    assert!(
        pdf.render_rows(doc, 0, 800, Some((0, 300)), Priority::Visible, None).await.expect("band").ink_ratio() > 0.001,
        "the top band has the heading on it"
    );
    let again = pdf.render(doc, 0, 800, Priority::Visible, None).await.expect("cached");
    assert!(std::sync::Arc::ptr_eq(&whole, &again), "bands do not replace the cached whole page");
    let below = pdf.render_rows(doc, 0, 800, Some((whole.height, 10)), Priority::Visible, None).await;
    assert_eq!(below.unwrap_err().code(), "invalid", "rows below the page are refused");
}

#[tokio::test]
async fn pages_drawn_into_shared_memory_stay_intact_while_held_and_the_pipe_takes_over() {
    use meeting_pdf::{Pixels, ServiceOptions};
    let dir = tempfile::tempdir().expect("tempdir");
    let file = vietnamese_pdf(dir.path());
    // What each page must be: drawn by pdfium in this process.
    let mut engine = meeting_pdf::engine::Engine::load().expect("pdfium");
    engine.open(1, &meeting_pdf::Source::plain(&file), None, None).expect("open here");
    let expected: Vec<_> = (0..3).map(|p| engine.render(1, p, 600).expect("render here")).collect();

    // The app's settings: no cache, so pages stay where the worker drew them.
    let pdf = common::service_with(ServiceOptions { cache_bytes: 0, ..Default::default() });
    let (doc, _) = pdf.open(&file, None).await.expect("open");
    let render = |p| pdf.render(doc, p, 600, Priority::Visible, None);
    let shared = |b: &meeting_pdf::Bitmap| matches!(b.rgba, Pixels::Shared(_));
    let first = render(0).await.expect("page 1");
    let second = render(1).await.expect("page 2");
    assert!(shared(&first) && shared(&second), "both pages in the service's pixel files");
    // Both files are lent: the third page comes through the pipe and overwrites neither.
    let third = render(2).await.expect("page 3");
    assert!(!shared(&third), "no free pixel file: the pipe");
    for (got, want) in [(&first, &expected[0]), (&second, &expected[1]), (&third, &expected[2])] {
        assert_eq!((got.width, got.height), (want.width, want.height));
        assert!(got.rgba == want.rgba, "a held page's pixels are the page's, whatever was drawn since");
    }
    drop((first, second));
    let again = render(2).await.expect("page 3 again");
    assert!(shared(&again), "returned files are used again");
    assert!(again.rgba == expected[2].rgba);
}

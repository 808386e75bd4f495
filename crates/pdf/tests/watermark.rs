//! Issue 10, acceptance 5 (render side): a watermarked document's pages carry the
//! viewer's words in their pixels, drawn by the worker. Checked against bare pdfium's
//! render of the same page: the pixels differ only in the watermark's bands, and there
//! they are exactly the words given — the same words stamped on a blank page of the same
//! size — and not another viewer's.

mod common;

use common::service;
use meeting_pdf::Priority;

const A: &str = "Nguyễn Văn An · 03/12/2026 09:15";
const B: &str = "Trần Thị Bình · 03/12/2026 09:15";

/// A blank A4 page (pdfium rebuilds the cross-reference table it lacks).
fn blank_a4(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("blank.pdf");
    let body = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
                2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
                3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] >> endobj\n\
                trailer << /Root 1 0 R >>\n%%EOF\n";
    std::fs::write(&path, body).expect("write");
    path
}

/// Pixels (as indexes) where two renders differ.
fn changed(a: &[u8], b: &[u8]) -> Vec<usize> {
    a.chunks_exact(4).zip(b.chunks_exact(4)).enumerate().filter(|(_, (x, y))| x != y).map(|(i, _)| i).collect()
}

#[tokio::test]
async fn a_watermarked_page_carries_exactly_the_viewers_words_in_its_pixels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = common::vietnamese_pdf(dir.path(), 30, 1);
    let blank = blank_a4(dir.path());
    let pdf = service();
    let width = 900;
    let render = |path: std::path::PathBuf, mark: Option<&str>| {
        let pdf = pdf.clone();
        let mark = mark.map(str::to_owned);
        async move {
            let (h, _) = pdf.open_watermarked(path.as_path(), None, mark).await.expect("open");
            pdf.render(h, 0, width, Priority::Visible, None).await.expect("render")
        }
    };
    let bare = render(doc.clone(), None).await;
    let marked_a = render(doc.clone(), Some(A)).await;
    let marked_b = render(doc.clone(), Some(B)).await;
    let stamp_a = render(blank.clone(), Some(A)).await;
    let blank_bare = render(blank.clone(), None).await;
    let (w, h) = (bare.width as usize, bare.height as usize);
    assert_eq!((marked_a.width, marked_a.height), (bare.width, bare.height));

    // The watermark changed pixels, and only in its three bands.
    let diff = changed(&bare.rgba, &marked_a.rgba);
    assert!(diff.len() > w * 5, "the watermark is visible: {} pixels changed", diff.len());
    let in_band = |i: &usize| {
        let y = (i / w) as f32 / h as f32;
        [0.22f32, 0.5, 0.78].iter().any(|b| (y - b).abs() < 0.04)
    };
    assert!(diff.iter().all(in_band), "nothing outside the watermark's bands changes");

    // Where the document's page is white, the watermark is exactly the stamp of the
    // viewer's words on a blank page: the words, not a fixed pattern.
    let words_a: std::collections::HashSet<usize> = changed(&blank_bare.rgba, &stamp_a.rgba).into_iter().collect();
    assert!(!words_a.is_empty());
    let white = |r: &[u8], i: usize| r[i * 4..i * 4 + 3].iter().all(|&c| c == 255);
    let agree = |marked: &[u8]| {
        let on_white: Vec<usize> = (0..w * h).filter(|&i| white(&bare.rgba, i) && in_band(&i)).collect();
        let same = on_white
            .iter()
            .filter(|&&i| (bare.rgba[i * 4..i * 4 + 4] != marked[i * 4..i * 4 + 4]) == words_a.contains(&i))
            .count();
        same as f64 / on_white.len() as f64
    };
    let (a, b) = (agree(&marked_a.rgba), agree(&marked_b.rgba));
    assert!(a > 0.999, "viewer A's page carries A's words: {a}");
    assert!(b < a - 0.005, "viewer B's page carries other words: {b} vs {a}");
}

/// The band the viewer paints first carries the stamps where the whole page has them.
#[tokio::test]
async fn a_band_of_a_watermarked_page_is_those_rows_of_the_whole_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = common::vietnamese_pdf(dir.path(), 30, 1);
    let pdf = service();
    let (h, _) = pdf.open_watermarked(doc.as_path(), None, Some(A.to_owned())).await.expect("open");
    let whole = pdf.render(h, 0, 900, Priority::Visible, None).await.expect("render");
    let top = whole.height / 2 - 100; // across the middle stamp
    let band = pdf.render_rows(h, 0, 900, Some((top, 200)), Priority::Visible, None).await.expect("band");
    let row = 900 * 4;
    assert!(band.rgba == whole.rgba[top as usize * row..(top as usize + 200) * row], "the stamp falls where it falls");
    let bare = pdf.open(doc.as_path(), None).await.expect("open").0;
    let unmarked = pdf.render_rows(bare, 0, 900, Some((top, 200)), Priority::Visible, None).await.expect("band");
    assert!(changed(&unmarked.rgba, &band.rgba).len() > 900, "and it is there");
}

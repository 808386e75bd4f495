//! Pages the engine keeps loaded between draws (`Engine::kept`), with pdfium in this
//! process: a test binary of its own, as pdfium is bound once per process.

mod common;

fn vietnamese_pdf(dir: &std::path::Path) -> std::path::PathBuf {
    common::vietnamese_pdf(dir, 30, 3)
}

#[test]
fn a_page_kept_loaded_is_drawn_the_same_and_never_outlives_its_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = vietnamese_pdf(dir.path());
    // A one-page document of another shape (pdfium rebuilds the missing cross-reference table).
    let wide = dir.path().join("wide.pdf");
    std::fs::write(
        &wide,
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
         3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 400 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    )
    .expect("write");
    let mut engine = meeting_pdf::engine::Engine::load().expect("pdfium");
    engine.open(1, &meeting_pdf::Source::plain(&file), None, None).expect("open");
    let first = engine.render(1, 0, 600).expect("page 1");
    let band = engine.render_rows(1, 0, 600, Some((100, 200))).expect("band of the kept page");
    let again = engine.render(1, 0, 600).expect("page 1 again, kept loaded");
    assert!(first.rgba == again.rgba, "a kept page draws as it did loaded afresh");
    assert!(band.rgba == first.rgba[100 * 600 * 4..300 * 600 * 4], "a band of a kept page is the page's rows");
    // Drawn from a third page and back: only two are kept, the first is loaded again.
    for p in [1, 2, 0] {
        engine.render(1, p, 600).expect("paging");
    }
    assert!(engine.render(1, 0, 600).expect("page 1 once more").rgba == first.rgba);

    // Replaced under the same handle: the new document's page, not the kept one.
    engine.open(1, &meeting_pdf::Source::plain(&wide), None, None).expect("open the wide one");
    let replaced = engine.render(1, 0, 600).expect("the wide page");
    assert_eq!((replaced.width, replaced.height), (600, 150), "the replacing document's page shape");
    engine.close(1);
    assert_eq!(engine.render(1, 0, 600).unwrap_err().code(), "not_open", "a closed document draws nothing");
}

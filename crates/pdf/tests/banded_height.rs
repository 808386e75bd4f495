//! `engine::banded_height`, which the app uses to know whether a page can be drawn
//! ahead in rows, against the engine's drawing, with pdfium in this process: a test
//! binary of its own, as pdfium is bound once per process.

/// `banded_height` says what the engine draws: a page's full height at a width when it
/// draws that width in bands; nothing for a page too tall for one bitmap, which it
/// draws whole and narrower (the app draws no cover ahead for such a page).
#[test]
fn banded_height_is_the_height_the_engine_draws_and_none_when_it_cannot_band() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = |w: u32, h: u32| {
        let file = dir.path().join(format!("{w}x{h}.pdf"));
        std::fs::write(
            &file,
            format!(
                "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
                 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 {w} {h}]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
            ),
        )
        .expect("write");
        file
    };
    let mut engine = meeting_pdf::engine::Engine::load().expect("pdfium");
    engine.open(1, &meeting_pdf::Source::plain(&page(486, 720)), None, None).expect("open");
    let whole = engine.render(1, 0, 1096).expect("a cover-shaped page");
    assert_eq!(meeting_pdf::engine::banded_height(486.0, 720.0, 1096), Some(whole.height));
    let band = engine.render_rows(1, 0, 1096, Some((0, 700))).expect("a band");
    assert_eq!((band.width, band.height), (1096, 700));

    engine.open(2, &meeting_pdf::Source::plain(&page(100, 14000)), None, None).expect("open a tall page");
    assert_eq!(meeting_pdf::engine::banded_height(100.0, 14000.0, 300), None, "42000 px: too tall");
    let tall = engine.render_rows(2, 0, 300, Some((0, 200))).expect("drawn whole");
    assert!(tall.width < 300 && tall.height > 200, "narrowed and whole, not the band: {}x{}", tall.width, tall.height);
}

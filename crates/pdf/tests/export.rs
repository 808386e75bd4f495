//! Annotated copies, checked the way a reader would: the real worker writes them, the
//! real libpdfium opens and draws them, `qpdf --check` judges their structure, and the
//! original file's bytes are compared before and after.

mod common;

use std::path::Path;
use std::process::Command;

use common::{corpus, service};
use meeting_pdf::{ExportMode, Markup, MarkupKind, Priority};

fn vietnamese_pdf(dir: &Path) -> std::path::PathBuf {
    common::vietnamese_pdf(dir, 8, 2)
}

/// `qpdf --check`: exit 0 is clean, 3 is "warnings only" (as for many real files).
fn qpdf_check(path: &Path) -> Result<(), String> {
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("qpdf is needed for this test (scripts/setup installs it): {e}"));
    match out.status.code() {
        Some(0) => Ok(()),
        _ => Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))),
    }
}

fn mark(id: &str, page: u32, kind: MarkupKind, color: [f32; 3], text: &str) -> Markup {
    Markup {
        id: id.into(),
        page,
        kind,
        color,
        opacity: 1.0,
        text: text.into(),
        author: "Lãnh đạo 1".into(),
        modified: "D:20261123090000Z".into(),
    }
}

/// RGB of the pixel at page point (x, y) of a render one pixel per point.
fn pixel(b: &meeting_pdf::Bitmap, page_height: f32, x: f32, y: f32) -> [u8; 3] {
    let (px, py) = (x.round() as usize, (page_height - y).round() as usize);
    let i = (py * b.width as usize + px) * 4;
    [b.rgba[i], b.rgba[i + 1], b.rgba[i + 2]]
}

#[tokio::test]
async fn an_annotated_copy_passes_qpdf_shows_its_marks_in_pdfium_and_leaves_the_original_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = vietnamese_pdf(dir.path());
    let before = std::fs::read(&original).expect("read");
    let pdf = service();
    let (doc, info) = pdf.open(&original, None).await.expect("open");
    let hit = pdf.search(doc, "cải cách", 1).await.expect("search").remove(0);
    let r = hit.rects[0];
    let quad = [r.left, r.top, r.right, r.top, r.left, r.bottom, r.right, r.bottom];
    // A red stroke through the empty bottom margin of page 1.
    let stroke = vec![[100.0, 30.0], [300.0, 30.0]];
    let marks = vec![
        mark("hl", 0, MarkupKind::Highlight(vec![quad]), [1.0, 0.85, 0.0], "Ý chính"),
        mark("ul", 0, MarkupKind::Underline(vec![quad]), [0.0, 0.0, 1.0], ""),
        mark("ink", 0, MarkupKind::Ink(vec![stroke], 6.0), [1.0, 0.0, 0.0], ""),
        mark("note", 0, MarkupKind::Note([500.0, 800.0]), [1.0, 0.9, 0.3], "Đề nghị bổ sung số liệu quý III"),
        mark("box", 1, MarkupKind::FreeText([50.0, 50.0, 250.0, 100.0]), [0.0, 0.5, 0.0], "Ghi chú"),
    ];

    let out = dir.path().join("ban-co-ghi-chu.pdf");
    let written = pdf.export(&original, marks.clone(), ExportMode::Annotations, &out).await.expect("export");
    let copy = std::fs::read(&out).expect("copy");
    assert_eq!(written, copy.len() as u64);
    assert_eq!(std::fs::read(&original).expect("read"), before, "the original's bytes are unchanged");
    assert!(copy.starts_with(&before), "the copy is the original plus an update");
    qpdf_check(&out).expect("qpdf --check passes on the annotated copy");

    let (annotated, _) = pdf.open(&out, None).await.expect("pdfium opens the copy");
    let on_first = pdf.annotations(annotated, 0).await.expect("annotations");
    let kinds: Vec<(&str, Option<&str>)> =
        on_first.iter().map(|a| (a.kind.as_str(), a.name.as_deref())).filter(|(k, _)| *k != "popup").collect();
    assert_eq!(
        kinds,
        [("highlight", Some("hl")), ("underline", Some("ul")), ("ink", Some("ink")), ("text", Some("note"))]
    );
    let note = on_first.iter().find(|a| a.name.as_deref() == Some("note")).expect("note");
    assert_eq!(note.contents.as_deref(), Some("Đề nghị bổ sung số liệu quý III"));
    let on_second = pdf.annotations(annotated, 1).await.expect("annotations");
    assert_eq!(on_second.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(), ["free_text"]);

    // Drawn by pdfium from the appearance streams written with them.
    let width = info.pages[0].width.round() as u32;
    let height = info.pages[0].height;
    let plain = pdf.render(doc, 0, width, Priority::Visible, None).await.expect("render");
    let marked = pdf.render(annotated, 0, width, Priority::Visible, None).await.expect("render");
    assert_eq!(pixel(&plain, height, 200.0, 30.0), [255, 255, 255], "the margin is blank in the original");
    let [red, green, blue] = pixel(&marked, height, 200.0, 30.0);
    assert!(red > 200 && green < 60 && blue < 60, "the ink stroke is drawn: {red},{green},{blue}");
}

#[tokio::test]
async fn a_flattened_copy_draws_the_marks_into_the_page_without_annotations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = vietnamese_pdf(dir.path());
    let pdf = service();
    let stroke = vec![[100.0, 30.0], [300.0, 30.0]];
    let marks = vec![
        mark("ink", 0, MarkupKind::Ink(vec![stroke], 6.0), [0.0, 0.0, 1.0], ""),
        // Words in a box, wrapped inside it: drawn with the embedded font, so they are
        // part of the page's text once flattened.
        mark(
            "box",
            0,
            MarkupKind::FreeText([330.0, 40.0, 560.0, 110.0]),
            [0.0, 0.4, 0.0],
            "Đề nghị Sở Tài chính bổ sung số liệu quý III trước phiên họp",
        ),
    ];
    let out = dir.path().join("ban-in.pdf");
    pdf.export(&original, marks, ExportMode::Flattened, &out).await.expect("export");
    qpdf_check(&out).expect("qpdf --check passes on the flattened copy");
    let (doc, info) = pdf.open(&out, None).await.expect("open");
    assert!(pdf.annotations(doc, 0).await.expect("annotations").is_empty(), "flattened: no annotations left");
    let page = pdf.render(doc, 0, info.pages[0].width.round() as u32, Priority::Visible, None).await.expect("render");
    let [red, green, blue] = pixel(&page, info.pages[0].height, 200.0, 30.0);
    assert!(blue > 200 && red < 60 && green < 60, "the stroke is part of the page: {red},{green},{blue}");
    let text = pdf.text(doc, 0).await.expect("text").text;
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Đề nghị Sở Tài chính bổ sung số liệu quý III"), "the box's words are on the page: {flat}");
}

#[tokio::test]
async fn exporting_refuses_a_missing_file_a_wrong_page_and_protected_documents_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = vietnamese_pdf(dir.path());
    let pdf = service();
    let out = dir.path().join("x.pdf");
    let note = |page| vec![mark("n", page, MarkupKind::Note([10.0, 10.0]), [1.0, 1.0, 0.0], "x")];
    let err = pdf.export(&dir.path().join("missing.pdf"), note(0), ExportMode::Annotations, &out).await.unwrap_err();
    assert_eq!(err.code(), "io");
    let err = pdf.export(&original, note(7), ExportMode::Annotations, &out).await.unwrap_err();
    assert_eq!(err.code(), "page_out_of_range", "{err}");
    let locked = dir.path().join("locked.pdf");
    let status = Command::new("qpdf")
        .args(["--encrypt", "mk", "mk", "256", "--"])
        .arg(&original)
        .arg(&locked)
        .status()
        .expect("qpdf");
    assert!(status.success());
    let err = pdf.export(&locked, note(0), ExportMode::Annotations, &out).await.unwrap_err();
    assert_eq!(err.code(), "export_unsupported", "{err}");
    assert!(!out.exists(), "a failed export leaves no file");
}

/// Real third-party files, some already annotated: their own annotations survive, ours
/// is added, and the copy is as sound as the original was. Malformed files get a typed
/// error or a sound copy, and the engine keeps working.
#[tokio::test]
async fn corpus_files_keep_their_own_annotations_and_gain_ours() {
    let (Some(clean), Some(annotated), Some(malformed)) = (corpus("clean"), corpus("annotated"), corpus("malformed"))
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = service();
    let highlight = vec![mark(
        "ours",
        0,
        MarkupKind::Highlight(vec![[72.0, 720.0, 200.0, 720.0, 72.0, 700.0, 200.0, 700.0]]),
        [1.0, 0.9, 0.0],
        "Xem lại",
    )];
    let mut exported = 0;
    for f in clean.iter().chain(&annotated) {
        let (doc, _) = pdf.open(f, None).await.unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let had = pdf.annotations(doc, 0).await.expect("annotations").len();
        let out = dir.path().join(f.file_name().expect("name"));
        match pdf.export(f, highlight.clone(), ExportMode::Annotations, &out).await {
            Ok(_) => {
                exported += 1;
                if qpdf_check(f).is_ok() {
                    qpdf_check(&out).unwrap_or_else(|e| panic!("{}: the copy fails qpdf --check: {e}", f.display()));
                }
                let (copy, _) = pdf.open(&out, None).await.unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                let now = pdf.annotations(copy, 0).await.expect("annotations");
                assert_eq!(now.len(), had + 1, "{}: its own annotations plus ours", f.display());
                assert!(now.iter().any(|a| a.name.as_deref() == Some("ours")), "{}", f.display());
                pdf.render(copy, 0, 300, Priority::Visible, None).await.expect("the copy renders");
            }
            Err(e) => assert!(
                matches!(e.code(), "malformed_pdf" | "export_unsupported"),
                "{}: unexpected error {e}",
                f.display()
            ),
        }
    }
    eprintln!("{exported} of {} real files exported", clean.len() + annotated.len());
    assert!(exported * 2 > clean.len() + annotated.len(), "most real files export: {exported}");
    for f in &malformed {
        let out = dir.path().join(f.file_name().expect("name"));
        if let Err(e) = pdf.export(f, highlight.clone(), ExportMode::Annotations, &out).await {
            assert!(
                matches!(e.code(), "malformed_pdf" | "export_unsupported" | "page_out_of_range"),
                "{}: {e}",
                f.display()
            );
        }
    }
    let (doc, _) = pdf.open(&clean[0], None).await.expect("the engine still works");
    pdf.render(doc, 0, 100, Priority::Visible, None).await.expect("render");
}

use super::*;

/// A two-page document as lopdf writes it (classic cross-reference table), the first page
/// with an annotation of its own and inherited resources.
fn two_pages() -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(Dictionary::new(), b"0 0 1 rg 10 10 50 50 re f 2 0 0 2 0 0 cm".to_vec()));
    let link = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Annot".to_vec())),
        ("Subtype", Object::Name(b"Square".to_vec())),
        ("Rect", reals([0.0, 0.0, 5.0, 5.0])),
    ]));
    let mut kids = Vec::new();
    for i in 0..2 {
        let mut page = Dictionary::from_iter([
            ("Type", Object::Name(b"Page".to_vec())),
            ("Parent", Object::Reference(pages_id)),
            ("Contents", Object::Reference(content)),
        ]);
        if i == 0 {
            page.set("Annots", Object::Array(vec![Object::Reference(link)]));
        }
        kids.push(Object::Reference(doc.add_object(page)));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(Dictionary::from_iter([
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Kids", Object::Array(kids)),
            ("Count", Object::Integer(2)),
            ("MediaBox", reals([0.0, 0.0, 300.0, 400.0])),
            ("Resources", Object::Dictionary(Dictionary::from_iter([("ProcSet", Object::Array(vec![]))]))),
        ])),
    );
    let catalog = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Catalog".to_vec())),
        ("Pages", Object::Reference(pages_id)),
    ]));
    doc.trailer.set("Root", Object::Reference(catalog));
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

fn mark(page: u32, kind: MarkupKind) -> Markup {
    Markup {
        id: format!("id-{page}"),
        page,
        kind,
        color: [1.0, 0.9, 0.0],
        opacity: 0.4,
        text: "Đồng ý, cần bổ sung số liệu".into(),
        author: "Nguyễn Văn A".into(),
        modified: "D:20261123080000Z".into(),
    }
}

fn page_dict(doc: &Document, page: u32) -> &Dictionary {
    let id = doc.get_pages()[&(page + 1)];
    doc.get_dictionary(id).expect("page")
}

#[test]
fn annotations_are_appended_after_the_untouched_original() {
    let original = two_pages();
    let quad = [20.0, 120.0, 80.0, 120.0, 20.0, 100.0, 80.0, 100.0];
    let marks = vec![
        mark(0, MarkupKind::Highlight(vec![quad])),
        mark(0, MarkupKind::Note([200.0, 300.0])),
        mark(1, MarkupKind::Ink(vec![vec![[10.0, 10.0], [40.0, 60.0]], vec![[5.0, 5.0]]], 2.0)),
    ];
    let copy = annotate(&original, &marks, ExportMode::Annotations).expect("export");
    assert!(copy.starts_with(&original), "the original bytes are the copy's prefix");

    let doc = Document::load_mem(&copy).expect("the copy parses");
    let annots = page_dict(&doc, 0).get(b"Annots").and_then(Object::as_array).expect("annots");
    // The page's own annotation, the highlight, the note and the note's popup.
    assert_eq!(annots.len(), 4);
    let subtypes: Vec<Vec<u8>> = annots
        .iter()
        .filter_map(|a| {
            doc.dereference(a).ok()?.1.as_dict().ok()?.get(b"Subtype").ok()?.as_name().ok().map(<[u8]>::to_vec)
        })
        .collect();
    assert_eq!(subtypes, [b"Square".to_vec(), b"Highlight".to_vec(), b"Text".to_vec(), b"Popup".to_vec()]);
    let highlight = doc.dereference(&annots[1]).expect("ref").1.as_dict().expect("dict");
    assert_eq!(highlight.get(b"QuadPoints").and_then(Object::as_array).map(Vec::len).ok(), Some(8));
    let contents = highlight.get(b"Contents").and_then(Object::as_str).expect("contents");
    assert_eq!(
        lopdf::decode_text_string(&Object::String(contents.to_vec(), StringFormat::Hexadecimal)).ok().as_deref(),
        Some("Đồng ý, cần bổ sung số liệu")
    );
    let ink = page_dict(&doc, 1).get(b"Annots").and_then(Object::as_array).expect("page 2 annots");
    assert_eq!(ink.len(), 1);
}

#[test]
fn flattened_marks_are_drawn_after_the_page_content_and_keep_its_resources() {
    let original = two_pages();
    let marks = vec![mark(0, MarkupKind::Ink(vec![vec![[10.0, 10.0], [40.0, 60.0]]], 3.0))];
    let copy = annotate(&original, &marks, ExportMode::Flattened).expect("export");
    assert!(copy.starts_with(&original));
    let doc = Document::load_mem(&copy).expect("parses");
    let page = page_dict(&doc, 0);
    let contents = page.get(b"Contents").and_then(Object::as_array).expect("contents array");
    assert_eq!(contents.len(), 3, "q, the original content, our drawing");
    let resources = page.get(b"Resources").and_then(Object::as_dict).expect("own resources");
    assert!(resources.has(b"ProcSet"), "inherited resources are kept");
    assert!(resources.get(b"XObject").and_then(Object::as_dict).expect("xobjects").has(b"PhMark0"));
    // The second page still inherits, untouched.
    assert!(!page_dict(&doc, 1).has(b"Resources"));
    let annots = page.get(b"Annots").and_then(Object::as_array).expect("annots");
    assert_eq!(annots.len(), 1, "flattening adds no annotation");
}

#[test]
fn wrong_pages_and_garbage_are_refused_with_their_own_errors() {
    let original = two_pages();
    let err = annotate(&original, &[mark(2, MarkupKind::Note([1.0, 1.0]))], ExportMode::Annotations).unwrap_err();
    assert_eq!(err, PdfError::PageOutOfRange { page: 2, count: 2 });
    let err = annotate(b"%PDF-1.7 this is not a pdf", &[], ExportMode::Annotations).unwrap_err();
    assert_eq!(err.code(), "malformed_pdf");
}

#[test]
fn the_copy_is_written_whole_or_not_at_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("ban-sao.pdf");
    assert_eq!(write_whole(&out, b"abc").expect("write"), 3);
    assert_eq!(std::fs::read(&out).expect("read"), b"abc");
    let missing = dir.path().join("no-such-dir").join("x.pdf");
    assert_eq!(write_whole(&missing, b"abc").unwrap_err().code(), "io");
    assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1, "no temporary file left behind");
}

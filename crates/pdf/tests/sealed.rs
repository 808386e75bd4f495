//! Sealed documents through the real worker and libpdfium: pdfium reads the plaintext
//! through the decrypting reader (no plaintext file anywhere), draws exactly what it
//! draws from the plain file, survives a worker restart, and a damaged copy is named
//! as such.

mod common;

use std::io::Write as _;

use common::service;
use meeting_pdf::{Priority, Source};
use meeting_seal::{Key32, SealedWriter};

fn seal(plain: &std::path::Path, out: &std::path::Path, key: &Key32, aad: &str) {
    let bytes = std::fs::read(plain).expect("read");
    let mut w = SealedWriter::new(std::fs::File::create(out).expect("create"), key, 0, aad.as_bytes()).expect("w");
    w.write_all(&bytes).expect("write");
    w.finish().expect("finish");
}

#[tokio::test]
async fn a_sealed_document_renders_and_reads_exactly_like_the_plain_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = common::vietnamese_pdf(dir.path(), 30, 3);
    let sealed = dir.path().join("sealed");
    let key = Key32::random();
    seal(&plain, &sealed, &key, "sha-of-doc");
    assert!(!std::fs::read(&sealed).expect("read").windows(5).any(|w| w == b"%PDF-"));

    let pdf = service();
    let (a, info_a) = pdf.open(&plain, None).await.expect("plain");
    let (b, info_b) = pdf.open(Source::sealed(&sealed, &key, "sha-of-doc"), None).await.expect("sealed");
    assert_eq!(info_a.pages.len(), info_b.pages.len());
    for page in 0..info_a.pages.len() as u32 {
        let pa = pdf.render(a, page, 600, Priority::Visible, None).await.expect("render plain");
        let pb = pdf.render(b, page, 600, Priority::Visible, None).await.expect("render sealed");
        let differ = pa.rgba.iter().zip(pb.rgba.iter()).filter(|(x, y)| x != y).count();
        assert!(
            pa.rgba == pb.rgba,
            "page {page} draws the same pixels: {differ} of {} differ, {}x{} vs {}x{}",
            pa.rgba.len(),
            pa.width,
            pa.height,
            pb.width,
            pb.height
        );
    }
    let text = pdf.text(b, 0).await.expect("text");
    assert!(text.text.contains("cải cách hành chính"));
    assert_eq!(pdf.crash_worker_for_tests().await, Err(meeting_pdf::PdfError::Crashed));
    pdf.render(b, 1, 300, Priority::Visible, None).await.expect("reopened, with its key, after a restart");

    let out = dir.path().join("export.pdf");
    pdf.export(Source::sealed(&sealed, &key, "sha-of-doc"), Vec::new(), meeting_pdf::ExportMode::Annotations, &out)
        .await
        .expect("export from a sealed original");
    let copy = std::fs::read(&out).expect("read");
    assert!(copy.starts_with(&std::fs::read(&plain).expect("read")), "the decrypted original is the copy's prefix");
}

#[tokio::test]
async fn a_damaged_swapped_or_wrongly_keyed_copy_is_a_damaged_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = common::vietnamese_pdf(dir.path(), 30, 3);
    let sealed = dir.path().join("sealed");
    let key = Key32::random();
    seal(&plain, &sealed, &key, "sha-a");
    let pdf = service();
    let code = |r: Result<_, meeting_pdf::PdfError>| r.map(|_| ()).unwrap_err().code();

    assert_eq!(code(pdf.open(Source::sealed(&sealed, &key, "sha-b"), None).await), "damaged_copy", "swapped");
    assert_eq!(code(pdf.open(Source::sealed(&sealed, &Key32::random(), "sha-a"), None).await), "damaged_copy");
    let bytes = std::fs::read(&sealed).expect("read");
    let cut = dir.path().join("cut");
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).expect("write");
    assert_eq!(code(pdf.open(Source::sealed(&cut, &key, "sha-a"), None).await), "damaged_copy", "truncated");
    let mut flipped = bytes.clone();
    flipped[40] ^= 4;
    let flip = dir.path().join("flip");
    std::fs::write(&flip, &flipped).expect("write");
    assert_eq!(code(pdf.open(Source::sealed(&flip, &key, "sha-a"), None).await), "damaged_copy", "bit flip");
    assert_eq!(code(pdf.open(Source::sealed(&plain, &key, "sha-a"), None).await), "damaged_copy", "a plain file");
    pdf.open(Source::sealed(&sealed, &key, "sha-a"), None).await.expect("the service is fine after all that");
}

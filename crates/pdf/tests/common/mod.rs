//! Fixtures shared by the engine's test binaries: the real worker, generated Vietnamese
//! documents, and the shared third-party corpus (skipped with a message when absent).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use meeting_pdf::{PdfService, ServiceOptions, WorkerCommand};

/// A service whose worker is the crate's own `meeting-pdf-worker` binary.
pub fn service() -> PdfService {
    service_with(ServiceOptions::default())
}

/// [`service`] with other settings.
pub fn service_with(options: ServiceOptions) -> PdfService {
    if let Err(e) = meeting_pdf::locate::find() {
        panic!("{e}");
    }
    let cmd = WorkerCommand { program: PathBuf::from(env!("CARGO_BIN_EXE_meeting-pdf-worker")), args: vec![] };
    PdfService::start(cmd, options)
}

/// A report of `paragraphs` paragraphs (each mentions "cải cách hành chính"), at least
/// `min_pages` long, written into `dir`.
pub fn vietnamese_pdf(dir: &Path, paragraphs: usize, min_pages: usize) -> PathBuf {
    use meeting_server::demo::pdf::{Block, render};
    let font = meeting_server::demo::load_font().expect("DejaVu Sans (fonts-dejavu-core)");
    let mut blocks = vec![Block::Heading("Báo cáo cải cách hành chính".into())];
    for i in 0..paragraphs {
        blocks.push(Block::Paragraph(format!(
            "Đoạn {i}: Đồng chí Chủ tịch chỉ đạo đẩy mạnh cải cách hành chính, nâng cao chất lượng phục vụ người dân và doanh nghiệp."
        )));
    }
    let (bytes, pages) = render(&font, "Báo cáo", &blocks, min_pages).expect("render");
    assert!(pages >= min_pages);
    let path = dir.join("bao-cao.pdf");
    std::fs::write(&path, bytes).expect("write");
    path
}

/// The PDFs of `../shared/pdf-corpus/<sub>`, or `None` (with a message) without it.
pub fn corpus(sub: &str) -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pdf-corpus").join(sub);
    let Ok(rd) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: {} is absent (the shared PDF corpus lives beside the checkout)", dir.display());
        return None;
    };
    let mut files: Vec<PathBuf> =
        rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "pdf")).collect();
    files.sort();
    Some(files)
}

//! The pixel files give their pages back once the worker is idle (`Slots::release_free`):
//! a reader reading a page for a while holds no page's pixels in the app or the worker.
//! Its own test binary: it measures every pixel file of its process.

mod common;

use std::time::{Duration, Instant};

use meeting_pdf::{Pixels, Priority, ServiceOptions};

/// Bytes of memory behind this process's pixel files (the service's memory files).
fn pixel_file_bytes() -> u64 {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .flatten()
        .filter(|e| std::fs::read_link(e.path()).is_ok_and(|t| t.to_string_lossy().contains("meeting-pdf-pixels")))
        .filter_map(|e| std::fs::metadata(e.path()).ok())
        .map(|m| m.blocks() * 512)
        .sum()
}

#[tokio::test]
async fn an_idle_worker_leaves_no_page_in_the_pixel_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = common::vietnamese_pdf(dir.path(), 30, 3);
    // The app's settings: no cache, so pages stay where the worker drew them.
    let pdf = common::service_with(ServiceOptions { cache_bytes: 0, ..Default::default() });
    let (doc, _) = pdf.open(&file, None).await.expect("open");
    let render = |p| pdf.render(doc, p, 900, Priority::Visible, None);
    let expected = render(1).await.expect("page 2").rgba.to_vec();

    let page = render(0).await.expect("page 1");
    assert!(matches!(page.rgba, Pixels::Shared(_)), "drawn into a pixel file");
    let len = page.rgba.len() as u64;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(pixel_file_bytes() >= len, "a page still held is kept, however idle the worker");
    drop(page);
    let deadline = Instant::now() + Duration::from_secs(5);
    while pixel_file_bytes() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pixel_file_bytes(), 0, "an idle worker's pixel files gave every page back");

    let again = render(1).await.expect("page 2 again");
    assert!(matches!(again.rgba, Pixels::Shared(_)), "the emptied file is drawn into again");
    assert!(*again.rgba == expected[..], "and the page reads whole");
}

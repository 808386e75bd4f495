//! `bench-annotations`: 10,000 annotations across 20 documents, pushed from one device
//! and pulled onto a fresh one, over loopback through a byte-counting proxy.
//!
//! The mix is what a meeting produces: highlights (three quads each), pen strokes (40
//! points) and notes, with a line of text each. Reported: time and bytes (both ways) to
//! push them all (`annotations::push`, batches of 1,000), and to bring them onto a fresh
//! device (login + a full sync, which also fetches the 20 small documents).
//! Target: both under 3 s. `cargo run --release -p meeting-bench --bin bench-annotations`.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use meeting_bench::{LocalServer, PASSWORD, Prepared};
use meeting_protocol::{Annotation, InkPath, Point, Quad, Shape, Visibility};
use uuid::Uuid;

const DOCUMENTS: usize = 20;
const TARGET: Duration = Duration::from_secs(3);

fn main() -> ExitCode {
    meeting_bench::exit("bench-annotations", run())
}

/// Bytes through the proxy: (client → server, server → client).
#[derive(Clone, Default)]
struct Counter(Arc<(AtomicU64, AtomicU64)>);

impl Counter {
    fn take(&self) -> (u64, u64) {
        (self.0.0.swap(0, Ordering::Relaxed), self.0.1.swap(0, Ordering::Relaxed))
    }
}

/// A TCP proxy in front of the server that counts what crosses it.
async fn proxy(upstream: std::net::SocketAddr) -> anyhow::Result<(String, Counter)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let counter = Counter::default();
    let c = counter.clone();
    tokio::spawn(async move {
        while let Ok((down, _)) = listener.accept().await {
            let c = c.clone();
            tokio::spawn(async move {
                let Ok(up) = tokio::net::TcpStream::connect(upstream).await else { return };
                let (down_r, down_w) = down.into_split();
                let (up_r, up_w) = up.into_split();
                // Counted as they pass: pooled connections stay open past the measurement.
                let c2 = c.clone();
                tokio::spawn(pump(down_r, up_w, move |n| c2.0.0.fetch_add(n, Ordering::Relaxed)));
                pump(up_r, down_w, move |n| c.0.1.fetch_add(n, Ordering::Relaxed)).await;
            });
        }
    });
    Ok((url, counter))
}

async fn pump(
    mut from: impl tokio::io::AsyncRead + Unpin,
    mut to: impl tokio::io::AsyncWrite + Unpin,
    count: impl Fn(u64) -> u64,
) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 || to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        count(n as u64);
    }
    let _ = to.shutdown().await;
}

fn annotation(i: usize, meeting: Uuid, (doc, sha): &(Uuid, String), author: Uuid) -> Annotation {
    let now = time::OffsetDateTime::now_utc();
    let y = 700.0 - (i % 30) as f32 * 20.0;
    let quad = |dy: f32| Quad {
        points: [
            Point { x: 72.0, y: y - dy },
            Point { x: 520.0, y: y - dy },
            Point { x: 72.0, y: y - dy - 12.0 },
            Point { x: 520.0, y: y - dy - 12.0 },
        ],
    };
    let shape = match i % 10 {
        0..=3 => Shape::Highlight { quads: vec![quad(0.0), quad(14.0), quad(28.0)] },
        4..=6 => Shape::Ink {
            paths: vec![InkPath {
                points: (0..40).map(|k| Point { x: 80.0 + k as f32 * 10.0, y: y + (k % 5) as f32 }).collect(),
            }],
            width: 1.5,
        },
        _ => Shape::Note { at: Point { x: 40.0, y } },
    };
    Annotation {
        id: Uuid::now_v7(),
        meeting_id: meeting,
        document_id: Some(*doc),
        agenda_item_id: None,
        document_sha256: Some(sha.clone()),
        page: Some((i % 2) as u32),
        shape,
        color: "#ffd400".into(),
        opacity: 0.4,
        text: format!("Ý kiến số {i}: đề nghị làm rõ số liệu ở mục này."),
        anchor: None,
        author_id: author,
        visibility: if i.is_multiple_of(3) { Visibility::Participants } else { Visibility::Private },
        created_at: now,
        updated_at: now,
        version: 0,
        deleted: false,
        needs_review: false,
    }
}

fn run() -> anyhow::Result<bool> {
    let annotations = meeting_bench::sized("--annotations", 10_000, 300);
    let work = tempfile::tempdir()?;
    let server = LocalServer::start(&work.path().join("server"))?;
    let rt = tokio::runtime::Runtime::new()?;
    let font = meeting_server::demo::load_font()?;
    let (push_took, push_bytes, pull_took, pull_bytes, pulled) = rt.block_on(async {
        let prepared = Prepared::meeting(&server.url, "Họp nhiều ý kiến").await?;
        let mut docs = Vec::new();
        for i in 0..DOCUMENTS {
            let title = format!("Tài liệu {i}");
            let blocks = [meeting_server::demo::pdf::Block::Heading(title.clone())];
            let (pdf, _) = meeting_server::demo::pdf::render(&font, &title, &blocks, 2)?;
            let (id, sha) = prepared.upload(&format!("tai-lieu-{i}.pdf"), pdf).await?;
            docs.push((Uuid::parse_str(&id)?, sha));
        }
        let upstream: std::net::SocketAddr = server.url.trim_start_matches("http://").parse()?;
        let (url, counter) = proxy(upstream).await?;
        let sync = |p: &meeting_client::Profile| {
            let p = p.clone();
            async move { meeting_client::sync(&p, &meeting_client::SyncOptions::default(), &|_| {}).await }
        };

        let laptop = meeting_client::Profile::open(&work.path().join("laptop"))?;
        let me = laptop.login(&url, "leader", PASSWORD).await?;
        sync(&laptop).await?;
        let meeting = Uuid::parse_str(&prepared.meeting)?;
        let mut store = laptop.store()?;
        let t = Instant::now();
        for i in 0..annotations {
            store.save_annotation(&annotation(i, meeting, &docs[i % DOCUMENTS], me.user.id))?;
        }
        eprintln!("saved {annotations} annotations on the device in {:.0} ms", t.elapsed().as_secs_f64() * 1e3);

        counter.take();
        let api = laptop.api(&store)?;
        let t = Instant::now();
        let report = meeting_client::annotations::push(&mut store, &api).await?;
        let push_took = t.elapsed();
        let push_bytes = counter.take();
        if report.applied != annotations {
            bail!("the server took {} of {annotations} changes: {report:?}", report.applied);
        }

        let tablet = meeting_client::Profile::open(&work.path().join("tablet"))?;
        tablet.login(&url, "leader", PASSWORD).await?;
        counter.take();
        let t = Instant::now();
        sync(&tablet).await?;
        let pull_took = t.elapsed();
        let pull_bytes = counter.take();
        let pulled = tablet.store()?.annotations(None)?.len();
        anyhow::Ok((push_took, push_bytes, pull_took, pull_bytes, pulled))
    })?;
    if pulled != annotations {
        bail!("the fresh device has {pulled} of {annotations} annotations");
    }
    let mb = |b: u64| b as f64 / 1e6;
    println!("{annotations} annotations across {DOCUMENTS} documents, over loopback:");
    println!(
        "  push from the device      {:>7.0} ms   {:>6.2} MB up, {:>6.2} MB down",
        push_took.as_secs_f64() * 1e3,
        mb(push_bytes.0),
        mb(push_bytes.1)
    );
    println!(
        "  pull onto a fresh device  {:>7.0} ms   {:>6.2} MB up, {:>6.2} MB down (full sync, documents included)",
        pull_took.as_secs_f64() * 1e3,
        mb(pull_bytes.0),
        mb(pull_bytes.1)
    );
    let pass = push_took < TARGET && pull_took < TARGET;
    println!("target: both under {} s — {}", TARGET.as_secs(), if pass { "PASS" } else { "FAIL" });
    Ok(pass)
}

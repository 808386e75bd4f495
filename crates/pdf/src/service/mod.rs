//! The engine as the app and the CLI use it: requests go through a priority queue to a
//! worker process that owns pdfium.
//!
//! - **Priorities**: visible pages before their neighbours before thumbnails; first come,
//!   first served within a priority.
//! - **Generations**: a view (one scrolling viewer) takes a new [`Ticket`] whenever what
//!   it wants changes; queued work of older tickets is dropped at once, so fast
//!   scrolling never queues up stale renders.
//! - **Crash recovery**: if the worker dies (pdfium crashed on a hostile file) or hangs
//!   past the watchdog, the request in flight fails with [`PdfError::Crashed`], a new
//!   worker starts on the next request and open documents are reopened lazily. A
//!   document that kills the worker twice is refused from then on ([`PdfError::Poisoned`]).
//! - **Cache**: rendered pages are kept in an LRU bounded in bytes.

use std::collections::{BinaryHeap, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::PdfError;
use crate::cache::RenderCache;
use crate::source::Source;
use crate::types::{Bitmap, DocInfo, PageText, Pixels, Priority, SearchHit};
use crate::wire::{Op, Reply};

mod dispatcher;
use dispatcher::Dispatcher;

/// How to start a worker process.
#[derive(Debug, Clone)]
pub struct WorkerCommand {
    /// Executable.
    pub program: PathBuf,
    /// Arguments (e.g. the hidden `pdf-worker` subcommand of the app's own binary).
    pub args: Vec<OsString>,
}

/// Settings of a service.
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    /// Longest a single request may take before the worker is considered hung.
    pub request_timeout: Duration,
    /// Byte budget of the render cache.
    pub cache_bytes: usize,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        Self { request_timeout: Duration::from_secs(30), cache_bytes: 160 << 20 }
    }
}

/// An open document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocHandle(pub u64);

/// A view's claim on the queue; requests of older tickets of the same view are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    view: u64,
    generation: u64,
}

type Outcome = Result<(Reply, Pixels), PdfError>;

struct Job {
    priority: Priority,
    seq: u64,
    ticket: Option<Ticket>,
    op: Op,
    reply: oneshot::Sender<Outcome>,
}

impl PartialEq for Job {
    fn eq(&self, o: &Self) -> bool {
        self.priority == o.priority && self.seq == o.seq
    }
}
impl Eq for Job {}
impl PartialOrd for Job {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Job {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        // Max-heap: higher priority first, then the older request.
        self.priority.cmp(&o.priority).then(o.seq.cmp(&self.seq))
    }
}

#[derive(Default)]
struct Queue {
    jobs: BinaryHeap<Job>,
    generations: HashMap<u64, u64>,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    seq: AtomicU64,
    next_doc: AtomicU64,
    next_view: AtomicU64,
    cache: Mutex<RenderCache>,
    /// Whether renders are cached at all (the app's are not).
    caches: bool,
}

/// Closes the queue when the last service handle goes away.
struct Closer(Arc<Shared>);

impl Drop for Closer {
    fn drop(&mut self) {
        if let Ok(mut q) = self.0.queue.lock() {
            q.closed = true;
        }
        self.0.wake.notify_all();
    }
}

/// Handle to the engine; cheap to clone.
#[derive(Clone)]
pub struct PdfService {
    shared: Arc<Shared>,
    _closer: Arc<Closer>,
}

fn lost() -> PdfError {
    PdfError::Engine("the PDF service stopped".into())
}

impl PdfService {
    /// Starts the service; the worker process itself starts on the first request.
    pub fn start(command: WorkerCommand, options: ServiceOptions) -> Self {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
            seq: AtomicU64::new(0),
            next_doc: AtomicU64::new(1),
            next_view: AtomicU64::new(1),
            cache: Mutex::new(RenderCache::new(options.cache_bytes)),
            caches: options.cache_bytes > 0,
        });
        let s = shared.clone();
        std::thread::Builder::new()
            .name("pdf-dispatch".into())
            .spawn(move || Dispatcher::new(s, command, options.request_timeout).run())
            .map_err(|e| tracing::error!("cannot start the PDF dispatcher: {e}"))
            .ok();
        Self { _closer: Arc::new(Closer(shared.clone())), shared }
    }

    fn submit(&self, op: Op, priority: Priority, ticket: Option<Ticket>) -> oneshot::Receiver<Outcome> {
        let (tx, rx) = oneshot::channel();
        let seq = self.shared.seq.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut q) = self.shared.queue.lock() {
            q.jobs.push(Job { priority, seq, ticket, op, reply: tx });
        }
        self.shared.wake.notify_one();
        rx
    }

    async fn call(&self, op: Op, priority: Priority, ticket: Option<Ticket>) -> Outcome {
        self.submit(op, priority, ticket).await.map_err(|_| lost())?
    }

    /// Opens a PDF: a plain file (`&Path`), or a sealed one ([`Source::sealed`]).
    pub async fn open(
        &self,
        source: impl Into<Source>,
        password: Option<&str>,
    ) -> Result<(DocHandle, DocInfo), PdfError> {
        self.open_watermarked(source, password, None).await
    }

    /// [`PdfService::open`], every rendered page of it carrying `watermark` in its pixels
    /// (drawn in the worker, see [`crate::watermark`]).
    pub async fn open_watermarked(
        &self,
        source: impl Into<Source>,
        password: Option<&str>,
        watermark: Option<String>,
    ) -> Result<(DocHandle, DocInfo), PdfError> {
        let doc = self.shared.next_doc.fetch_add(1, Ordering::Relaxed);
        let op = Op::Open { doc, source: source.into(), password: password.map(str::to_owned), watermark };
        match self.call(op, Priority::Visible, None).await? {
            (Reply::Opened(info), _) => Ok((DocHandle(doc), info)),
            other => Err(PdfError::Engine(format!("unexpected answer {:?}", other.0))),
        }
    }

    /// Closes a document and drops its cached pages.
    pub fn close(&self, doc: DocHandle) {
        if let Ok(mut c) = self.shared.cache.lock() {
            c.forget_doc(doc.0);
        }
        drop(self.submit(Op::Close { doc: doc.0 }, Priority::Visible, None));
    }

    /// A new view id, for [`PdfService::advance`].
    pub fn new_view(&self) -> u64 {
        self.shared.next_view.fetch_add(1, Ordering::Relaxed)
    }

    /// Starts a new generation for `view`: queued requests of its older tickets are
    /// answered [`PdfError::Cancelled`] right away.
    pub fn advance(&self, view: u64) -> Ticket {
        let mut cancelled = Vec::new();
        let ticket = match self.shared.queue.lock() {
            Ok(mut q) => {
                let g = q.generations.entry(view).or_insert(0);
                *g += 1;
                let ticket = Ticket { view, generation: *g };
                let jobs = std::mem::take(&mut q.jobs);
                let (stale, keep): (Vec<Job>, Vec<Job>) = jobs
                    .into_iter()
                    .partition(|j| j.ticket.is_some_and(|t| t.view == view && t.generation < ticket.generation));
                q.jobs = keep.into();
                cancelled = stale;
                ticket
            }
            Err(_) => Ticket { view, generation: 0 },
        };
        for j in cancelled {
            let _ = j.reply.send(Err(PdfError::Cancelled));
        }
        ticket
    }

    /// Renders a page `width` pixels wide, from the cache when possible.
    pub async fn render(
        &self,
        doc: DocHandle,
        page: u32,
        width: u32,
        priority: Priority,
        ticket: Option<Ticket>,
    ) -> Result<Arc<Bitmap>, PdfError> {
        self.render_rows(doc, page, width, None, priority, ticket).await
    }

    /// [`render`](Self::render), or only the pixel rows `(top, count)` of the page
    /// (`Engine::render_rows`): the part on screen, before the whole. Bands skip the cache.
    pub async fn render_rows(
        &self,
        doc: DocHandle,
        page: u32,
        width: u32,
        rows: Option<(u32, u32)>,
        priority: Priority,
        ticket: Option<Ticket>,
    ) -> Result<Arc<Bitmap>, PdfError> {
        let whole = rows.is_none();
        if whole && let Some(hit) = self.shared.cache.lock().ok().and_then(|mut c| c.get(doc.0, page, width)) {
            return Ok(hit);
        }
        match self.call(Op::Render { doc: doc.0, page, width, rows, slot: None }, priority, ticket).await? {
            (Reply::Rendered { width: w, height: h, .. }, rgba) => {
                if rgba.len() != (w as usize) * (h as usize) * 4 {
                    return Err(PdfError::Engine(format!("a {w}x{h} render came with {} bytes", rgba.len())));
                }
                let caching = whole && self.shared.caches;
                // A cached page must not keep a pixel slot lent: it gets a copy.
                let rgba = match rgba {
                    Pixels::Shared(lent) if caching => Pixels::Owned(lent.to_vec()),
                    other => other,
                };
                let bitmap = Arc::new(Bitmap { width: w, height: h, rgba });
                if caching && let Ok(mut c) = self.shared.cache.lock() {
                    c.put(doc.0, page, width, bitmap.clone());
                }
                Ok(bitmap)
            }
            other => Err(PdfError::Engine(format!("unexpected answer {:?}", other.0))),
        }
    }

    /// The text layer of a page.
    pub async fn text(&self, doc: DocHandle, page: u32) -> Result<PageText, PdfError> {
        match self.call(Op::Text { doc: doc.0, page }, Priority::Visible, None).await? {
            (Reply::Text(t), _) => Ok(t),
            other => Err(PdfError::Engine(format!("unexpected answer {:?}", other.0))),
        }
    }

    /// The links of a page.
    pub async fn links(&self, doc: DocHandle, page: u32) -> Result<Vec<crate::PageLink>, PdfError> {
        match self.call(Op::Links { doc: doc.0, page }, Priority::Visible, None).await? {
            (Reply::Links(l), _) => Ok(l),
            other => Err(PdfError::Engine(format!("unexpected answer {:?}", other.0))),
        }
    }

    /// Finds `query` in the whole document (case-insensitive), up to `limit` hits.
    pub async fn search(&self, doc: DocHandle, query: &str, limit: usize) -> Result<Vec<SearchHit>, PdfError> {
        match self.call(Op::Search { doc: doc.0, query: query.to_owned(), limit }, Priority::Visible, None).await? {
            (Reply::Hits(h), _) => Ok(h),
            other => Err(PdfError::Engine(format!("unexpected answer {:?}", other.0))),
        }
    }

    /// The annotations a page holds.
    pub async fn annotations(&self, doc: DocHandle, page: u32) -> Result<Vec<crate::PageAnnotation>, PdfError> {
        match self.call(Op::Annotations { doc: doc.0, page }, Priority::Visible, None).await? {
            (Reply::Annotations(a), _) => Ok(a),
            other => Err(PdfError::Engine(format!("unexpected answer {:?}", other.0))),
        }
    }

    /// Writes a copy of the PDF at `path` with `marks` added to `out` (see
    /// [`crate::export`]). The file appears whole or not at all; the original is only read.
    pub async fn export(
        &self,
        source: impl Into<Source>,
        marks: Vec<crate::Markup>,
        mode: crate::ExportMode,
        out: &Path,
    ) -> Result<u64, PdfError> {
        let op = Op::Export { source: source.into(), marks, mode };
        let bytes = match self.call(op, Priority::Visible, None).await? {
            (Reply::Exported, bytes) => bytes.into_vec(),
            other => return Err(PdfError::Engine(format!("unexpected answer {:?}", other.0))),
        };
        let out = out.to_owned();
        tokio::task::spawn_blocking(move || crate::export::write_whole(&out, &bytes))
            .await
            .map_err(|e| PdfError::Io(e.to_string()))?
    }

    /// Bytes of rendered pages held in the cache.
    pub fn cached_bytes(&self) -> usize {
        self.shared.cache.lock().map_or(0, |c| c.used())
    }

    /// Kills the worker as a crash would (tests of recovery).
    #[doc(hidden)]
    pub async fn crash_worker_for_tests(&self) -> Result<(), PdfError> {
        self.call(Op::Abort, Priority::Visible, None).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_pop_by_priority_then_age() {
        let job = |priority, seq| Job { priority, seq, ticket: None, op: Op::Abort, reply: oneshot::channel().0 };
        let mut heap: BinaryHeap<Job> = vec![
            job(Priority::Background, 0),
            job(Priority::Nearby, 1),
            job(Priority::Visible, 2),
            job(Priority::Visible, 3),
        ]
        .into();
        let order: Vec<u64> = std::iter::from_fn(|| heap.pop().map(|j| j.seq)).collect();
        assert_eq!(order, vec![2, 3, 1, 0]);
    }
}

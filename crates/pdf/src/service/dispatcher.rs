//! The service's one dispatcher thread: takes jobs off the queue by priority, drives
//! the worker process over its pipes, watches it with a deadline, restarts it after a
//! crash and reopens documents in the new one, and lends the shared pixel slots.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Job, Outcome, Shared, Ticket, WorkerCommand};
use crate::PdfError;
use crate::pixels::{Reserved, Slots};
use crate::source::Source;
use crate::types::Pixels;
use crate::wire::{Answer, Op, Reply, read_frame, write_frame};

struct Worker {
    child: Arc<Mutex<Child>>,
    input: BufWriter<ChildStdin>,
    output: BufReader<ChildStdout>,
}

struct DocEntry {
    source: Source,
    password: Option<String>,
    watermark: Option<String>,
    loaded_in: Option<u64>,
    crashes: u32,
}

/// When the request in flight must be done by, and the worker to kill if it is not.
type Deadline = Arc<Mutex<Option<(Instant, Arc<Mutex<Child>>)>>>;

pub(super) struct Dispatcher {
    shared: Arc<Shared>,
    command: WorkerCommand,
    timeout: Duration,
    worker: Option<Worker>,
    incarnation: u64,
    docs: HashMap<u64, DocEntry>,
    deadline: Deadline,
    /// The pixel files shared with every worker this dispatcher starts.
    slots: Option<Arc<Slots>>,
    /// Whether a slot may hold pages: one was drawn into since they were last given back.
    slots_held: bool,
}

/// How long the worker sits idle before the pixel slots give their pages back
/// ([`Slots::release_free`] says why not sooner). Paging keeps them; reading a page
/// for a second does not.
const IDLE_RELEASE: Duration = Duration::from_secs(1);

impl Dispatcher {
    pub(super) fn new(shared: Arc<Shared>, command: WorkerCommand, timeout: Duration) -> Self {
        let deadline: Deadline = Arc::new(Mutex::new(None));
        let d = deadline.clone();
        let s = shared.clone();
        // Watchdog: a request running past its deadline means a hung worker; killing
        // it turns the hang into the crash path.
        let _ = std::thread::Builder::new().name("pdf-watchdog".into()).spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(250));
                if s.queue.lock().map_or(true, |q| q.closed) && d.lock().map_or(true, |x| x.is_none()) {
                    return;
                }
                if let Ok(mut guard) = d.lock()
                    && let Some((when, child)) = guard.as_ref()
                    && Instant::now() > *when
                {
                    tracing::warn!("PDF worker hung past its deadline; killing it");
                    if let Ok(mut c) = child.lock() {
                        let _ = c.kill();
                    }
                    *guard = None;
                }
            }
        });
        let slots = Slots::new();
        Self {
            shared,
            command,
            timeout,
            worker: None,
            incarnation: 0,
            docs: HashMap::new(),
            deadline,
            slots,
            slots_held: false,
        }
    }

    /// The next job, waiting for one; while waiting, once the worker has been idle for
    /// [`IDLE_RELEASE`], the pixel slots give their pages back.
    fn next_job(&mut self) -> Option<Job> {
        loop {
            let mut q = self.shared.queue.lock().ok()?;
            loop {
                if let Some(job) = q.jobs.pop() {
                    return Some(job);
                }
                if q.closed {
                    return None;
                }
                if !self.slots_held {
                    q = self.shared.wake.wait(q).ok()?;
                    continue;
                }
                let (guard, waited) = self.shared.wake.wait_timeout(q, IDLE_RELEASE).ok()?;
                q = guard;
                if waited.timed_out() && q.jobs.is_empty() {
                    break;
                }
            }
            drop(q);
            // A slot still lent (its page being sent on) is tried again after another wait.
            self.slots_held = !self.slots.as_ref().is_none_or(|s| s.release_free());
        }
    }

    fn is_stale(&self, t: Option<Ticket>) -> bool {
        let Some(t) = t else { return false };
        self.shared.queue.lock().is_ok_and(|q| q.generations.get(&t.view).is_some_and(|g| *g > t.generation))
    }

    pub(super) fn run(mut self) {
        while let Some(job) = self.next_job() {
            if job.reply.is_closed() {
                continue;
            }
            if self.is_stale(job.ticket) {
                let _ = job.reply.send(Err(PdfError::Cancelled));
                continue;
            }
            let outcome = self.handle(job.op);
            let _ = job.reply.send(outcome);
        }
        if let Some(w) = self.worker.take() {
            drop(w.input);
            if let Ok(mut c) = w.child.lock() {
                let _ = c.wait();
            }
        }
    }

    fn handle(&mut self, mut op: Op) -> Outcome {
        match &op {
            Op::Open { doc, source, password, watermark } => {
                self.docs.insert(
                    *doc,
                    DocEntry {
                        source: source.clone(),
                        password: password.clone(),
                        watermark: watermark.clone(),
                        loaded_in: None,
                        crashes: 0,
                    },
                );
            }
            Op::Close { doc } => {
                self.docs.remove(doc);
                if self.worker.is_some() {
                    let _ = self.roundtrip(&op);
                }
                return Ok((Reply::Closed, Vec::new().into()));
            }
            // Not about an open document: an export reads its file itself.
            Op::Abort | Op::Export { .. } => {}
            other => {
                let doc = other.doc().unwrap_or_default();
                match self.docs.get(&doc) {
                    None => return Err(PdfError::NotOpen),
                    Some(e) if e.crashes >= 2 => return Err(PdfError::Poisoned),
                    Some(_) => {}
                }
            }
        }
        self.ensure_worker()?;
        // A document opened in an earlier worker is reopened in this one first.
        if !matches!(op, Op::Open { .. } | Op::Abort)
            && let Some(doc) = op.doc()
            && let Some(e) = self.docs.get(&doc)
            && e.loaded_in != Some(self.incarnation)
        {
            let reopen = Op::Open {
                doc,
                source: e.source.clone(),
                password: e.password.clone(),
                watermark: e.watermark.clone(),
            };
            self.roundtrip(&reopen)?;
            if let Some(e) = self.docs.get_mut(&doc) {
                e.loaded_in = Some(self.incarnation);
            }
        }
        // A render is drawn into a free pixel slot when there is one.
        let slot = match &mut op {
            Op::Render { slot, .. } => {
                let reserved = self.slots.as_ref().and_then(|s| s.reserve());
                *slot = reserved.as_ref().map(Reserved::index);
                self.slots_held |= reserved.is_some();
                reserved
            }
            _ => None,
        };
        let outcome = self.roundtrip_into(&op, slot);
        if let Op::Open { doc, .. } = &op {
            match &outcome {
                Ok(_) => {
                    if let Some(e) = self.docs.get_mut(doc) {
                        e.loaded_in = Some(self.incarnation);
                    }
                }
                Err(PdfError::Crashed) => {}
                Err(_) => {
                    self.docs.remove(doc);
                }
            }
        }
        outcome
    }

    fn ensure_worker(&mut self) -> Result<(), PdfError> {
        if self.worker.is_some() {
            return Ok(());
        }
        let mut command = Command::new(&self.command.program);
        if let Some(paths) = self.slots.as_ref().and_then(|s| s.paths()) {
            command.env(crate::worker::PIXELS_ENV, paths);
        }
        crate::worker::tune_malloc(&mut command);
        let mut child = command
            .args(&self.command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                PdfError::Engine(format!("cannot start the PDF worker {}: {e}", self.command.program.display()))
            })?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(PdfError::Engine("the PDF worker has no pipes".into()));
        };
        // A page is ~15 MB of pixels; through the default 64 KiB pipe that is hundreds
        // of wake-ups per page. A larger pipe (best effort: capped by
        // /proc/sys/fs/pipe-max-size) cut the transfer overhead noticeably (bench-render).
        let _ = rustix::pipe::fcntl_setpipe_size(&output, 1 << 20);
        self.incarnation += 1;
        self.worker = Some(Worker {
            child: Arc::new(Mutex::new(child)),
            input: BufWriter::with_capacity(64 * 1024, input),
            output: BufReader::with_capacity(1 << 20, output),
        });
        Ok(())
    }

    /// Sends one request and reads its answer; a broken pipe means the worker died.
    fn roundtrip(&mut self, op: &Op) -> Outcome {
        self.roundtrip_into(op, None)
    }

    /// [`roundtrip`](Self::roundtrip) of a render request that names `slot`.
    fn roundtrip_into(&mut self, op: &Op, slot: Option<Reserved>) -> Outcome {
        let Some(w) = self.worker.as_mut() else { return Err(PdfError::Crashed) };
        if let Ok(mut d) = self.deadline.lock() {
            *d = Some((Instant::now() + self.timeout, w.child.clone()));
        }
        let result = write_frame(&mut w.input, op, op.payload()).and_then(|()| read_frame::<Answer>(&mut w.output));
        if let Ok(mut d) = self.deadline.lock() {
            *d = None;
        }
        let result = match result {
            Ok(Some((Ok(Reply::Rendered { width, height, shared: true }), _))) => match slot {
                Some(slot) => slot
                    .lease((width as usize) * (height as usize) * 4)
                    .map(|lent| Some((Ok(Reply::Rendered { width, height, shared: true }), Pixels::Shared(lent)))),
                None => Err(std::io::Error::other("the worker drew into a pixel file no request named")),
            },
            other => other.map(|answer| answer.map(|(a, payload)| (a, Pixels::Owned(payload)))),
        };
        match result {
            Ok(Some((answer, payload))) => answer.map(|r| (r, payload)),
            Ok(None) | Err(_) => {
                if let Some(w) = self.worker.take()
                    && let Ok(mut c) = w.child.lock()
                {
                    let _ = c.kill();
                    let _ = c.wait();
                }
                if let Some(doc) = op.doc()
                    && let Some(e) = self.docs.get_mut(&doc)
                {
                    e.crashes += 1;
                    e.loaded_in = None;
                }
                tracing::warn!(?op, "the PDF worker stopped; it restarts on the next request");
                Err(PdfError::Crashed)
            }
        }
    }
}

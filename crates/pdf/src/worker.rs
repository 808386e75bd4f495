//! The worker process: reads requests from stdin, runs them on the one [`Engine`], and
//! writes answers to stdout. If pdfium crashes on a hostile file, only this process
//! dies; the service notices the closed pipe and starts a new one.

use std::io::{BufReader, BufWriter};
use std::process::ExitCode;

use crate::PdfError;
use crate::engine::Engine;
use crate::pixels::WorkerSlots;
use crate::wire::{Answer, Op, Reply, read_frame, write_frame};

/// Runs the worker loop until stdin closes. Embed it in a binary's `main` (the app and
/// the CLI start themselves with a worker argument; see `meeting-pdf-worker`).
pub fn run() -> ExitCode {
    let mut input = BufReader::with_capacity(64 * 1024, std::io::stdin().lock());
    let mut output = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    // Loaded on the first request, so a missing library is reported as an answer.
    let mut engine: Option<Result<Engine, PdfError>> = None;
    // The service's pixel files (`crate::pixels`): a render drawn into the one its
    // request names is read by the app where it lies.
    let mut slots = WorkerSlots::open(std::env::var_os(PIXELS_ENV));
    // The buffer of a render that goes through the pipe (no slot free, or a page over
    // the slots' size). Without slots every render takes the pipe, and the buffer is
    // kept for the next one: a fresh ~15 MB buffer per page cost more than the render
    // itself (8.0 against 14.2 ms a page in bench-render: with the fixed mmap threshold
    // each one is a new mapping, faulted in page by page). One larger than `KEEP_FRAME`
    // (a page zoomed far in) is given back after its render.
    let mut frame = Vec::new();
    loop {
        let op: Op = match read_frame(&mut input) {
            Ok(Some((op, payload))) => Op::with_payload(op, payload),
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("meeting-pdf-worker: bad request stream: {e}");
                return ExitCode::FAILURE;
            }
        };
        if matches!(op, Op::Abort) {
            std::process::abort();
        }
        let engine = engine.get_or_insert_with(Engine::load);
        let (answer, payload): (Answer, Vec<u8>) = match engine {
            Err(e) => (Err(e.clone()), Vec::new()),
            Ok(engine) => execute(engine, op, &mut slots, &mut frame),
        };
        if let Err(e) = write_frame(&mut output, &answer, &payload) {
            eprintln!("meeting-pdf-worker: cannot answer: {e}");
            return ExitCode::FAILURE;
        }
        // A pipe render's buffer is kept for the next one only where there are no
        // slots: with them, the pipe is the rare case, not worth ~15 MB held.
        if !slots.any() && matches!(answer, Ok(Reply::Rendered { .. })) && payload.capacity() <= KEEP_FRAME {
            frame = payload;
        }
    }
}

/// Largest render buffer the worker keeps between renders: what a pixel slot takes.
const KEEP_FRAME: usize = crate::pixels::SLOT_MAX;

/// Where the service's pixel files can be opened (`/proc/PID/fd/N` paths, joined as
/// `PATH` is).
pub const PIXELS_ENV: &str = "MEETING_PDF_PIXELS";

/// The glibc allocator settings for processes that make and free page bitmaps (see
/// [`tune_malloc`]; the desktop app starts itself with them too).
pub const MALLOC_SETTINGS: [(&str, &str); 2] =
    [("MALLOC_MMAP_THRESHOLD_", "262144"), ("MALLOC_TRIM_THRESHOLD_", "1048576")];

/// glibc's allocator settings for a worker, unless the caller set them: a page bitmap
/// is a ~10 MB block made and freed per render. By default glibc raises its mmap
/// threshold to the size of the first big block freed, and every later bitmap then
/// comes from the brk heap, which only shrinks from its top: the worker kept ~25 MB it
/// no longer used (`bench-reader --smaps`). A fixed threshold keeps big blocks in their
/// own mappings, given back to the system when freed. Other allocators ignore these.
pub(crate) fn tune_malloc(command: &mut std::process::Command) {
    for (name, value) in MALLOC_SETTINGS {
        if std::env::var_os(name).is_none() {
            command.env(name, value);
        }
    }
}

fn execute(engine: &mut Engine, op: Op, slots: &mut WorkerSlots, frame: &mut Vec<u8>) -> (Answer, Vec<u8>) {
    let doc = match &op {
        Op::Open { .. } => None,
        other => other.doc(),
    };
    let answer = run_op(engine, op, slots, frame);
    match doc.and_then(|d| engine.damage(d)) {
        Some(damaged) => (Err(damaged), Vec::new()),
        None => answer,
    }
}

fn run_op(engine: &mut Engine, op: Op, slots: &mut WorkerSlots, frame: &mut Vec<u8>) -> (Answer, Vec<u8>) {
    let nothing = Vec::new;
    match op {
        Op::Open { doc, source, password, watermark } => {
            (engine.open(doc, &source, password.as_deref(), watermark.as_deref()).map(Reply::Opened), nothing())
        }
        Op::Close { doc } => {
            engine.close(doc);
            (Ok(Reply::Closed), nothing())
        }
        Op::Render { doc, page, width, rows, slot } => {
            let mut shared = false;
            let drawn = engine.render_with(doc, page, width, rows, |len| {
                // No slot named, none here, the page too large for one, or no memory
                // for it: the pipe.
                match slot.and_then(|i| slots.buffer(i, len)) {
                    Some(buf) => {
                        shared = true;
                        buf
                    }
                    None => {
                        frame.resize(len, 0);
                        &mut frame[..]
                    }
                }
            });
            match drawn {
                Ok((width, height)) if shared => (Ok(Reply::Rendered { width, height, shared }), nothing()),
                Ok((width, height)) => (Ok(Reply::Rendered { width, height, shared }), std::mem::take(frame)),
                Err(e) => (Err(e), nothing()),
            }
        }
        Op::Text { doc, page } => (engine.text(doc, page).map(Reply::Text), nothing()),
        Op::Links { doc, page } => (engine.links(doc, page).map(Reply::Links), nothing()),
        Op::Search { doc, query, limit } => (engine.search(doc, &query, limit).map(Reply::Hits), nothing()),
        Op::Annotations { doc, page } => (engine.annotations(doc, page).map(Reply::Annotations), nothing()),
        Op::Export { source, marks, mode } => match source.read_all() {
            Ok(original) => match crate::export::annotate(&original, &marks, mode) {
                Ok(copy) => (Ok(Reply::Exported), copy),
                Err(e) => (Err(e), nothing()),
            },
            Err(e) => (Err(e), nothing()),
        },
        Op::Abort => (Err(PdfError::Invalid("abort".into())), nothing()),
    }
}

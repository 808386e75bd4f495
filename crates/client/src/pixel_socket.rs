//! Page pixels to the app's own web view over a loopback WebSocket.
//!
//! Why not Tauri's IPC: on Linux an IPC answer reaches WebKitGTK as a custom-scheme
//! response, which WebKit reads 8 KiB at a time through the window's main loop. Measured
//! in the WebKit the app runs (2.50, this machine, medians of six): a 3.2 MB band took
//! 25 ms to reach the page's script that way and 10 ms as one WebSocket message; a
//! 13 MB page 112 ms against 56 ms (29 ms as four messages). A loopback HTTP fetch is no
//! faster than the custom scheme. The window's thread no longer pumps pixels either.
//!
//! The socket listens on 127.0.0.1 only, for as long as the app runs. A connection is
//! accepted only with the random token in its path (handed to the page over IPC) and
//! from one of the app's own origins, so neither another user on the machine nor a web
//! page in a browser can ask for a confidential document's pixels. The socket carries
//! nothing the IPC command does not: the same requests go to the same
//! [`AppCore::render_page_rows`], errors come back as the same `{code, message}`.
//!
//! The protocol is the least WebSocket (RFC 6455) the page needs, written here rather
//! than taken from `tungstenite`, whose writer copies every message into a buffer it
//! keeps (13 MB more held by the app per connection, and a copy per page):
//! - page → app: text messages, one [`PageRequest`] (JSON) each;
//! - app → page: a text message `{"id": …, "len": N}`, then the viewer's frame
//!   (`[RGBA…][u32 width][u32 height]`, as IPC carries it) in binary messages of at most
//!   [`CHUNK`] bytes, N in all; or a text message `{"id": …, "error": {code, message}}`.
//!   One answer's messages are never interleaved with another's.
//!
//! Why chunks: WebKit's network process assembles each message whole before handing it
//! on. Measured with 30 pages of 13 MB: one message a page left the network process at
//! 42 MB PSS and took 35 ms a page; 1 MiB messages 31 MB and 23 ms.
//!
//! Answers come in the order renders finish, not the order they were asked.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use meeting_pdf::{Bitmap, Priority};
use serde::{Deserialize, Serialize};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, BufReader,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::app::{AppCore, UiResult};

/// One page render the viewer asks for (the IPC command `render_page`'s arguments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageRequest {
    /// The page's own number for this request, echoed in its answer.
    pub id: u32,
    /// The open document.
    pub handle: u64,
    /// Page index from 0.
    pub page: u32,
    /// Width in pixels.
    pub width: u32,
    /// Queue priority.
    pub priority: Priority,
    /// The view that asks (renders of an older generation of it are dropped).
    pub view: u64,
    /// The view's generation.
    pub generation: u64,
    /// Only these pixel rows `[top, count]`, if given.
    #[serde(default)]
    pub rows: Option<(u32, u32)>,
}

/// What answers page requests: [`AppCore`] in the app; anything in tests of the socket.
pub trait Pages: Send + Sync + 'static {
    /// The page's pixels (sent as the frame `[RGBA…][u32 width][u32 height]`), or the error.
    fn render(&self, request: PageRequest) -> impl Future<Output = UiResult<Arc<Bitmap>>> + Send;
}

impl Pages for AppCore {
    fn render(&self, r: PageRequest) -> impl Future<Output = UiResult<Arc<Bitmap>>> + Send {
        self.render_page_rows(r.handle, r.page, r.width, r.rows, r.priority, r.view, r.generation)
    }
}

/// The running socket; it stops when dropped.
pub struct PixelSocket {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for PixelSocket {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Web views connected at once; one window needs one (a reload briefly two).
const MAX_CONNECTIONS: usize = 8;
/// Largest request accepted from the page (a request is ~150 bytes of JSON).
const MAX_REQUEST: u64 = 4096;
/// Largest handshake accepted.
const MAX_HANDSHAKE: usize = 8192;
/// Largest binary message sent (see the module's doc).
pub const CHUNK: usize = 1 << 20;

/// Answers waiting for the socket per connection: renders finished beyond these wait to
/// be sent, so a page that reads slowly does not pile frames up in the app.
const QUEUED_ANSWERS: usize = 4;

impl PixelSocket {
    /// Listens on a free loopback port, for connections from `origins` (e.g.
    /// `tauri://localhost`) that know the token in [`url`](Self::url).
    pub async fn start<P: Pages>(pages: Arc<P>, origins: Vec<String>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let port = listener.local_addr()?.port();
        let token = hex::encode(meeting_seal::Key32::random().as_bytes());
        let url = format!("ws://127.0.0.1:{port}/{token}");
        let gate = Arc::new(Gate { token, origins, open: AtomicUsize::new(0) });
        let task = tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(s) => s,
                    Err(e) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!("pixel socket: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                if !peer.ip().is_loopback() {
                    continue;
                }
                tracing::debug!("pixel socket: connection from {peer}");
                let (pages, gate) = (pages.clone(), gate.clone());
                tokio::spawn(async move {
                    if gate.open.fetch_add(1, Ordering::SeqCst) < MAX_CONNECTIONS
                        && let Err(e) = connection(stream, pages, &gate).await
                    {
                        tracing::debug!("pixel socket: connection ended: {e}");
                    }
                    gate.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Ok(Self { url, task })
    }

    /// Where the page connects: `ws://127.0.0.1:PORT/TOKEN`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Who may connect.
struct Gate {
    token: String,
    origins: Vec<String>,
    open: AtomicUsize,
}

async fn connection<P: Pages>(stream: TcpStream, pages: Arc<P>, gate: &Gate) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::with_capacity(MAX_HANDSHAKE, read);
    let head = tokio::time::timeout(Duration::from_secs(5), read_head(&mut read))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no handshake in 5 s"))??;
    let key = match handshake_key(&head, gate) {
        Ok(key) => key,
        Err(why) => {
            tracing::warn!("pixel socket: connection refused: {why}");
            write.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await?;
            return Ok(());
        }
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    write.write_all(answer.as_bytes()).await?;

    let (tx, mut rx) = mpsc::channel::<Outgoing>(QUEUED_ANSWERS);
    let writer = tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            let close = matches!(out, Outgoing::Close);
            send(&mut write, out).await?;
            if close {
                break;
            }
        }
        write.shutdown().await
    });
    let result = read_requests(&mut read, pages, &tx).await;
    // Renders still running finish into a closed channel; the writer ends with the close.
    let _ = tx.send(Outgoing::Close).await;
    drop(tx);
    let _ = writer.await;
    result
}

/// The request line and headers, up to the blank line.
async fn read_head(read: &mut (impl AsyncBufRead + Unpin)) -> std::io::Result<String> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let n = (&mut *read).take((MAX_HANDSHAKE - before) as u64).read_until(b'\n', &mut head).await?;
        if n == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "handshake cut short or too long"));
        }
        if head[before..] == *b"\r\n" || head[before..] == *b"\n" {
            return String::from_utf8(head)
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "handshake is not UTF-8"));
        }
    }
}

/// The client's `Sec-WebSocket-Key` when the handshake is a WebSocket upgrade to the
/// token's path from an allowed origin; else why not.
fn handshake_key(head: &str, gate: &Gate) -> Result<String, String> {
    let mut lines = head.lines();
    let request = lines.next().unwrap_or_default();
    let path = match request.split(' ').collect::<Vec<_>>()[..] {
        ["GET", path, version] if version.starts_with("HTTP/1.") => path,
        _ => return Err(format!("not a GET request: {request:.40}")),
    };
    if !same(path.trim_start_matches('/').as_bytes(), gate.token.as_bytes()) {
        return Err("wrong token".into());
    }
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    let origin = header("origin").unwrap_or_default();
    if !gate.origins.contains(&origin) {
        return Err(format!("origin {origin:?} is not the app's"));
    }
    if !header("upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket")) {
        return Err("not a WebSocket upgrade".into());
    }
    if header("sec-websocket-version").as_deref() != Some("13") {
        return Err("WebSocket version is not 13".into());
    }
    header("sec-websocket-key").filter(|k| !k.is_empty()).ok_or_else(|| "no Sec-WebSocket-Key".to_owned())
}

/// Compares without stopping at the first difference (the token is a secret).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

enum Outgoing {
    /// A request's id and its page, sent from where the PDF worker drew it.
    Frame(u32, Arc<Bitmap>),
    Text(String),
    Pong(Vec<u8>),
    Close,
}

async fn send(write: &mut (impl AsyncWrite + Unpin), out: Outgoing) -> std::io::Result<()> {
    match out {
        Outgoing::Frame(id, page) => {
            let trailer = page.trailer();
            let head = serde_json::json!({ "id": id, "len": page.rgba.len() + trailer.len() }).to_string();
            message(write, 0x1, head.as_bytes()).await?;
            for chunk in page.rgba.chunks(CHUNK) {
                message(write, 0x2, chunk).await?;
            }
            message(write, 0x2, &trailer).await?;
        }
        Outgoing::Text(text) => message(write, 0x1, text.as_bytes()).await?,
        Outgoing::Pong(data) => message(write, 0xA, &data).await?,
        Outgoing::Close => message(write, 0x8, &[]).await?,
    }
    write.flush().await
}

/// One final, unmasked message. The payload goes to the socket from where it lies.
async fn message(write: &mut (impl AsyncWrite + Unpin), opcode: u8, payload: &[u8]) -> std::io::Result<()> {
    write.write_all(&frame_header(opcode, payload.len())).await?;
    write.write_all(payload).await
}

/// A final, unmasked frame's header (a server's frames are never masked).
fn frame_header(opcode: u8, len: usize) -> Vec<u8> {
    let mut h = vec![0x80 | opcode];
    match len {
        0..=125 => h.push(len as u8),
        126..=0xFFFF => {
            h.push(126);
            h.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            h.push(127);
            h.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    h
}

/// Reads the page's frames until it closes; each request is rendered in a task of its
/// own, so a slow page does not hold up the next request.
async fn read_requests<P: Pages>(
    read: &mut (impl AsyncRead + Unpin),
    pages: Arc<P>,
    tx: &mpsc::Sender<Outgoing>,
) -> std::io::Result<()> {
    loop {
        let mut head = [0u8; 2];
        if let Err(e) = read.read_exact(&mut head).await {
            return if e.kind() == std::io::ErrorKind::UnexpectedEof { Ok(()) } else { Err(e) };
        }
        let (fin, opcode, masked) = (head[0] & 0x80 != 0, head[0] & 0x0F, head[1] & 0x80 != 0);
        let len = match head[1] & 0x7F {
            126 => u64::from(read.read_u16().await?),
            127 => read.read_u64().await?,
            n => u64::from(n),
        };
        // A browser masks every frame and sends a request whole; anything else is not
        // the viewer.
        if !fin || !masked || len > MAX_REQUEST {
            return Err(bad("unmasked, fragmented or oversized frame"));
        }
        let mut mask = [0u8; 4];
        read.read_exact(&mut mask).await?;
        let mut payload = vec![0u8; len as usize];
        read.read_exact(&mut payload).await?;
        payload.iter_mut().enumerate().for_each(|(i, b)| *b ^= mask[i % 4]);
        match opcode {
            0x1 => {
                let request: PageRequest =
                    serde_json::from_slice(&payload).map_err(|e| bad(&format!("not a page request: {e}")))?;
                let (pages, tx) = (pages.clone(), tx.clone());
                tokio::spawn(async move {
                    let id = request.id;
                    let out = match pages.render(request).await {
                        Ok(page) => Outgoing::Frame(id, page),
                        Err(error) => Outgoing::Text(serde_json::json!({ "id": id, "error": error }).to_string()),
                    };
                    // A closed channel: the page left; nobody waits for this answer.
                    let _ = tx.send(out).await;
                });
            }
            0x8 => return Ok(()),
            0x9 => {
                let _ = tx.send(Outgoing::Pong(payload)).await;
            }
            0xA => {}
            _ => return Err(bad("unexpected frame")),
        }
    }
}

fn bad(why: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_owned())
}

#[cfg(test)]
#[path = "pixel_socket_tests.rs"]
mod tests;

//! A loopback TCP proxy between a client and the server that can slow blob responses,
//! cut every connection after a number of blob bytes, or refuse connections: the
//! "network" of the resume tests. Tests wait on its byte counter through a channel.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does to traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyMode {
    /// Pass everything through.
    Forward,
    /// Pass through, but blob responses at roughly 4 MB/s.
    Throttle,
    /// Throttle, and after this many blob-response bytes cut every connection and
    /// refuse new ones.
    CutAfterBlobBytes(u64),
    /// Accept and immediately close connections.
    Refuse,
    /// Pass annotation pushes to the server, but cut the connection instead of passing
    /// the answer back, this many times: the server has committed, the client never
    /// learns it (a lost acknowledgement).
    DropPushAnswers(u32),
}

struct State {
    upstream: Mutex<SocketAddr>,
    mode: Mutex<ProxyMode>,
    blob_bytes: AtomicU64,
    cut: AtomicBool,
    progress: watch::Sender<u64>,
}

/// A running proxy; stops with the test's runtime.
pub struct Proxy {
    /// `http://127.0.0.1:PORT` to give the client.
    pub url: String,
    state: Arc<State>,
}

impl Proxy {
    /// Starts a proxy to `upstream`.
    pub async fn start(upstream: SocketAddr, mode: ProxyMode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State {
            upstream: Mutex::new(upstream),
            mode: Mutex::new(mode),
            blob_bytes: AtomicU64::new(0),
            cut: AtomicBool::new(false),
            progress: watch::channel(0).0,
        });
        let s = state.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move { handle(s, conn).await });
            }
        });
        Self { url, state }
    }

    /// Changes the mode; clears a previous cut.
    pub fn set_mode(&self, mode: ProxyMode) {
        *self.state.mode.lock().unwrap() = mode;
        self.state.cut.store(false, Ordering::SeqCst);
    }

    /// Points the proxy at another server address (after a restart).
    pub fn set_upstream(&self, addr: SocketAddr) {
        *self.state.upstream.lock().unwrap() = addr;
    }

    /// Blob-response bytes passed so far.
    pub fn blob_bytes(&self) -> u64 {
        self.state.blob_bytes.load(Ordering::SeqCst)
    }

    /// Waits until at least `n` blob-response bytes have passed; panics after `timeout`.
    pub async fn wait_blob_bytes(&self, n: u64, timeout: Duration) {
        let mut rx = self.state.progress.subscribe();
        let r = tokio::time::timeout(timeout, rx.wait_for(|v| *v >= n)).await;
        assert!(r.is_ok(), "only {} blob bytes passed the proxy within {timeout:?}", self.blob_bytes());
    }
}

async fn handle(s: Arc<State>, client: TcpStream) {
    let mode = *s.mode.lock().unwrap();
    if mode == ProxyMode::Refuse {
        return;
    }
    let upstream = *s.upstream.lock().unwrap();
    // A small receive buffer keeps the proxy from soaking up a whole blob ahead of the
    // throttled client, so killing the server really leaves the transfer unfinished.
    let Ok(socket) = tokio::net::TcpSocket::new_v4() else { return };
    let _ = socket.set_recv_buffer_size(32 * 1024);
    let Ok(server) = socket.connect(upstream).await else { return };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let blob_seen = Arc::new(AtomicBool::new(false));
    let seen = blob_seen.clone();
    let push_seen = Arc::new(AtomicBool::new(false));
    let pushing = push_seen.clone();
    let up = tokio::spawn(async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if buf[..n].windows(18).any(|w| w == b"GET /api/v1/blobs/") {
                seen.store(true, Ordering::SeqCst);
            }
            if buf[..n].windows(29).any(|w| w == b"POST /api/v1/annotations/push") {
                pushing.store(true, Ordering::SeqCst);
            }
            if sw.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    });
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if s.cut.load(Ordering::SeqCst) {
            break;
        }
        let n = match sr.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mode = *s.mode.lock().unwrap();
        if let ProxyMode::DropPushAnswers(left) = mode
            && left > 0
            && push_seen.load(Ordering::SeqCst)
        {
            // The answer has started to arrive, so the server has committed: drop it.
            *s.mode.lock().unwrap() = if left > 1 { ProxyMode::DropPushAnswers(left - 1) } else { ProxyMode::Forward };
            break;
        }
        if blob_seen.load(Ordering::SeqCst) {
            let total = s.blob_bytes.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
            s.progress.send_replace(total);
            if let ProxyMode::CutAfterBlobBytes(limit) = mode
                && total >= limit
            {
                *s.mode.lock().unwrap() = ProxyMode::Refuse;
                s.cut.store(true, Ordering::SeqCst);
                break;
            }
            if mode != ProxyMode::Forward {
                tokio::time::sleep(Duration::from_millis(4)).await;
            }
        }
        if cw.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    up.abort();
}

//! A load balancer on loopback in front of several server instances, as HAProxy in TCP
//! mode would be: each new connection goes to the next instance in turn; an instance
//! that refuses the connection (killed, restarting) is skipped for the next one. A
//! connection stays on its instance until it closes — killing the instance cuts it, and
//! the client's retry opens a new one, which lands on a live instance.
//!
//! It counts, per instance, the requests whose first line starts with a given text, so
//! a test can show that work really went to both.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

struct State {
    upstreams: Vec<SocketAddr>,
    next: AtomicUsize,
    /// Request-line prefixes counted, and per prefix the count per instance.
    counted: Mutex<Vec<(String, Vec<usize>)>>,
}

/// A running balancer; stops with the test's runtime.
pub struct Balancer {
    /// `http://127.0.0.1:PORT` to give clients.
    pub url: String,
    state: Arc<State>,
}

impl Balancer {
    /// Balances over `upstreams` (their addresses stay fixed: restart instances on the
    /// same port).
    pub async fn start(upstreams: Vec<SocketAddr>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State { upstreams, next: AtomicUsize::new(0), counted: Mutex::new(Vec::new()) });
        let s = state.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move { handle(s, conn).await });
            }
        });
        Self { url, state }
    }

    /// Counts from now on the requests whose line starts with `prefix` (e.g.
    /// `"POST /api/v1/votes/"`), per instance.
    pub fn count(&self, prefix: &str) {
        let n = self.state.upstreams.len();
        self.state.counted.lock().unwrap().push((prefix.to_owned(), vec![0; n]));
    }

    /// The counts for `prefix`, per instance in the order given to [`Balancer::start`].
    pub fn counted(&self, prefix: &str) -> Vec<usize> {
        let counted = self.state.counted.lock().unwrap();
        counted.iter().find(|(p, _)| p == prefix).map(|(_, c)| c.clone()).unwrap_or_default()
    }
}

async fn handle(s: Arc<State>, client: TcpStream) {
    let n = s.upstreams.len();
    let first = s.next.fetch_add(1, Ordering::SeqCst);
    let mut picked = None;
    for i in 0..n {
        let which = (first + i) % n;
        if let Ok(server) = TcpStream::connect(s.upstreams[which]).await {
            picked = Some((which, server));
            break;
        }
    }
    // No instance up: the client sees the connection close, as behind a real balancer.
    let Some((which, server)) = picked else { return };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let counter = s.clone();
    let up = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            {
                let mut counted = counter.counted.lock().unwrap();
                for (prefix, counts) in counted.iter_mut() {
                    // Request lines start a packet, or follow the previous body's CRLF.
                    let hits = buf[..n]
                        .windows(prefix.len())
                        .enumerate()
                        .filter(|(at, w)| *w == prefix.as_bytes() && (*at == 0 || buf[..n][..*at].ends_with(b"\r\n")));
                    counts[which] += hits.count();
                }
            }
            if sw.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = sw.shutdown().await;
    });
    let _ = tokio::io::copy(&mut sr, &mut cw).await;
    let _ = cw.shutdown().await;
    up.abort();
}

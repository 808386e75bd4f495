//! A round-robin TCP balancer on loopback in front of the instances, as HAProxy in TCP
//! mode: each new connection goes to the next instance; one that refuses is skipped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::{TcpListener, TcpStream};

/// Starts the balancer; its `http://` address. It runs until the runtime stops.
pub async fn start(upstreams: Vec<SocketAddr>) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let upstreams = Arc::new(upstreams);
    let next = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (upstreams, first) = (upstreams.clone(), next.fetch_add(1, Ordering::Relaxed));
            tokio::spawn(async move {
                for i in 0..upstreams.len() {
                    if let Ok(mut server) = TcpStream::connect(upstreams[(first + i) % upstreams.len()]).await {
                        let _ = client.set_nodelay(true);
                        let _ = server.set_nodelay(true);
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        return;
                    }
                }
            });
        }
    });
    Ok(url)
}

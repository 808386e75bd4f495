//! The plaintext floor of the sync's downloads, in the same run: the same HTTP client,
//! parallelism, hashing, background writeback, fsync and rename as the sync's blob
//! cache, without sealing and without the store. The sync before encryption did this
//! and a little more (the feed, the store), so "encrypted sync ≤ 1.1× this" is at least
//! as strict as "≤ 1.1× the plaintext sync" the issue asks for.

use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::StreamExt as _;
use meeting_client::blob_sink::Writeback;
use sha2::{Digest as _, Sha256};

pub async fn fetch_all(
    url: &str,
    token: &str,
    shas: &[String],
    dir: &Path,
    parallel: usize,
) -> anyhow::Result<Duration> {
    std::fs::create_dir_all(dir.join("partial"))?;
    let http = reqwest::Client::new();
    let t = Instant::now();
    let mut results =
        futures_util::stream::iter(shas).map(|sha| fetch_one(&http, url, token, sha, dir)).buffer_unordered(parallel);
    while let Some(r) = results.next().await {
        r?;
    }
    Ok(t.elapsed())
}

async fn fetch_one(http: &reqwest::Client, url: &str, token: &str, sha: &str, dir: &Path) -> anyhow::Result<()> {
    let mut resp = http.get(format!("{url}/api/v1/blobs/{sha}")).bearer_auth(token).send().await?.error_for_status()?;
    let part = dir.join("partial").join(sha);
    let file = std::fs::File::create(&part)?;
    let (feed, mut fed) = tokio::sync::mpsc::channel::<bytes::Bytes>(32);
    let (want, dest) = (sha.to_owned(), dir.join(sha));
    let sink = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut file = std::io::BufWriter::with_capacity(1 << 20, file);
        let (mut hasher, mut writeback) = (Sha256::new(), Writeback::default());
        while let Some(chunk) = fed.blocking_recv() {
            hasher.update(&chunk);
            file.write_all(&chunk)?;
            writeback.maybe_start(&mut file, chunk.len());
        }
        file.flush()?;
        writeback.finish();
        file.get_ref().sync_all()?;
        if hex::encode(hasher.finalize()) != want {
            bail!("blob {want} did not match its hash");
        }
        std::fs::rename(&part, &dest)?;
        Ok(())
    });
    while let Some(chunk) = resp.chunk().await? {
        feed.send(chunk).await.context("the writer stopped")?;
    }
    drop(feed);
    sink.await??;
    Ok(())
}

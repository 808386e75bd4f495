//! Blobs in an S3-compatible bucket, through `object_store` (Apache Arrow's client:
//! maintained, used by many data systems, speaks to AWS and to S3-compatible servers,
//! with ranged and streamed reads and multipart uploads; it reuses the workspace's
//! reqwest and rustls, so it adds no TLS stack of its own).

use std::io;
use std::path::Path;
use std::sync::Arc;

use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload, WriteMultipart};

use super::BlobRead;
use crate::error::{AppError, AppResult};

/// Above this size a blob is uploaded in parts (a single PUT must be held in memory).
const MULTIPART_FROM: u64 = 32 * 1024 * 1024;
/// Size of one part of a multipart upload.
const PART: usize = 8 * 1024 * 1024;
/// Parts in flight at once (bounds memory to about this many parts).
const PARTS_IN_FLIGHT: usize = 4;

/// `--blobs s3://BUCKET[/PREFIX]` with `--s3-endpoint` and `--s3-region`; credentials
/// from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// The bucket.
    pub bucket: String,
    /// Keys start with this (empty, or ending in `/`).
    pub prefix: String,
    /// An S3-compatible server's address (`http://127.0.0.1:9000`); `None` for AWS.
    pub endpoint: Option<String>,
    /// The region (S3-compatible servers accept any; `us-east-1` when not given).
    pub region: String,
    /// Reads this process has in flight at once; more wait their turn (see
    /// [`super::BlobStore::turn`]).
    pub max_reads: usize,
}

/// Reads in flight per process unless `--s3-reads` says otherwise: enough to keep a
/// bucket busy, few enough that 500 laptops syncing at once queue here, in order, rather
/// than as 2,000 requests that a small S3-compatible server answers unevenly (measured
/// with moto: some waited past the laptops' 30 s read timeout).
pub const DEFAULT_MAX_READS: usize = 32;

impl S3Location {
    /// Reads `s3://BUCKET[/PREFIX]`.
    pub fn parse(url: &str, endpoint: Option<&str>, region: Option<&str>) -> Result<Self, String> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| {
            format!(
                "không hiểu nơi lưu tệp {url:?}: hãy dùng s3://TÊN_BUCKET / unknown blob store {url:?}: use s3://BUCKET"
            )
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{url:?} names no bucket: use s3://BUCKET"));
        }
        let prefix = prefix.trim_matches('/');
        Ok(Self {
            bucket: bucket.to_owned(),
            prefix: if prefix.is_empty() { String::new() } else { format!("{prefix}/") },
            endpoint: endpoint.map(str::to_owned),
            region: region.unwrap_or("us-east-1").to_owned(),
            max_reads: DEFAULT_MAX_READS,
        })
    }
}

/// An opened bucket.
#[derive(Clone)]
pub(super) struct Bucket {
    store: Arc<dyn ObjectStore>,
    location: S3Location,
    /// Turns to read (`location.max_reads` of them), fair: first come, first served.
    pub(super) reads: Arc<tokio::sync::Semaphore>,
}

fn io_error(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e.to_string()),
        other => io::Error::other(other.to_string()),
    }
}

impl Bucket {
    pub(super) fn open(location: &S3Location) -> AppResult<Self> {
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&location.bucket)
            .with_region(&location.region)
            // Path-style requests: what S3-compatible servers on an office's network expect.
            .with_virtual_hosted_style_request(false);
        if let Some(endpoint) = &location.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder.build().map_err(|e| {
            AppError::Stored(format!(
                "không mở được bucket {} / cannot open bucket {}: {e}",
                location.bucket, location.bucket
            ))
        })?;
        let reads = Arc::new(tokio::sync::Semaphore::new(location.max_reads.max(1)));
        Ok(Self { store: Arc::new(store), location: location.clone(), reads })
    }

    pub(super) fn describe(&self) -> String {
        let l = &self.location;
        let at = l.endpoint.as_deref().map(|e| format!(" at {e}")).unwrap_or_default();
        format!("s3://{}/{}{at}", l.bucket, l.prefix)
    }

    fn key(&self, sha256: &str) -> Key {
        Key::from(super::object_key(&self.location.prefix, sha256))
    }

    pub(super) async fn size(&self, sha256: &str) -> io::Result<Option<u64>> {
        match self.store.head(&self.key(sha256)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(io_error(e)),
        }
    }

    /// Every blob under the prefix: its name and when it was written.
    pub(super) async fn list(&self) -> io::Result<Vec<(String, time::OffsetDateTime)>> {
        let prefix = self.location.prefix.trim_end_matches('/');
        let prefix = (!prefix.is_empty()).then(|| Key::from(prefix));
        let mut listing = self.store.list(prefix.as_ref());
        let mut out = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(io_error)?;
            let Some(name) = meta.location.filename().filter(|n| super::is_blob_name(n)) else { continue };
            let written = time::OffsetDateTime::from_unix_timestamp(meta.last_modified.timestamp())
                .map_err(|e| io::Error::other(format!("{}: {e}", meta.location)))?;
            out.push((name.to_owned(), written));
        }
        Ok(out)
    }

    /// Deletes a blob (nothing to do when it is gone already).
    pub(super) async fn remove(&self, sha256: &str) -> io::Result<()> {
        match self.store.delete(&self.key(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io_error(e)),
        }
    }

    /// Whether the bucket has the blob.
    pub(super) async fn has(&self, sha256: &str) -> io::Result<bool> {
        Ok(self.size(sha256).await?.is_some())
    }

    /// Uploads the file at `path` under the blob's key, unless the bucket has it.
    pub(super) async fn commit(&self, sha256: &str, path: &Path, size: u64) -> AppResult<()> {
        if self.size(sha256).await?.is_some() {
            return Ok(());
        }
        let key = self.key(sha256);
        if size < MULTIPART_FROM {
            let bytes = tokio::fs::read(path).await?;
            self.store.put(&key, PutPayload::from(bytes)).await.map_err(io_error)?;
            return Ok(());
        }
        use tokio::io::AsyncReadExt as _;
        let upload = self.store.put_multipart(&key).await.map_err(io_error)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut file = tokio::fs::File::open(path).await?;
        let mut buf = vec![0u8; PART];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            writer.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(io_error)?;
            writer.write(&buf[..n]);
        }
        // An upload not finished (an error above) is aborted when `writer` drops: no
        // object appears under the key.
        writer.finish().await.map_err(io_error)?;
        Ok(())
    }

    pub(super) async fn read(&self, sha256: &str, range: Option<(u64, u64)>) -> io::Result<BlobRead> {
        let options =
            GetOptions { range: range.map(|(start, end)| GetRange::Bounded(start..end + 1)), ..Default::default() };
        let got = self.store.get_opts(&self.key(sha256), options).await.map_err(io_error)?;
        let size = got.meta.size;
        let stream = got.into_stream().map_err(io_error).boxed();
        Ok(BlobRead { size, stream })
    }
}

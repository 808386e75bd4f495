//! Moving an office that outgrew one machine — SQLite and blob files in its data
//! directory — to PostgreSQL and an S3-compatible bucket (`meeting-server migrate`).
//!
//! What devices see afterwards is the same office: the same server id, feed positions,
//! tokens and blobs, so they go on syncing where they stopped, with nothing downloaded
//! again and nobody logging in again.
//!
//! The order keeps every step safe to interrupt and rerun: blobs first (each checked
//! against its name while it is read, so a file damaged on disk stops the move before
//! any of it reaches the database; blobs the bucket already has are skipped), then every
//! table in one PostgreSQL transaction ([`crate::store::copy`]): the database is either
//! untouched or complete, and a target that already holds an office is refused. The
//! server must be stopped while it runs: what it wrote afterwards would stay behind.

use std::path::{Path, PathBuf};

use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};

use crate::blobs::{self, BlobLocation, BlobStore};
use crate::store::{self, Db, Location};

/// Blobs uploaded at once.
const PARALLEL_UPLOADS: usize = 4;

/// Where the office goes.
#[derive(Debug, Clone)]
pub struct Target {
    /// `postgres://USER@HOST/DB`.
    pub database: String,
    /// The bucket (or another directory).
    pub blobs: BlobLocation,
}

/// What was moved.
#[derive(Debug, Clone)]
pub struct Moved {
    /// Blob files copied (or already in the bucket).
    pub blobs: usize,
    /// Their bytes.
    pub bytes: u64,
    /// The database's rows per table.
    pub copied: store::copy::Copied,
}

/// Moves the office in `data_dir` to `target`, telling `say` how it goes.
pub async fn run(data_dir: &Path, target: &Target, say: fn(String)) -> anyhow::Result<Moved> {
    let db_file = data_dir.join("server.db");
    if !db_file.is_file() {
        anyhow::bail!(
            "không có {0} — thư mục dữ liệu này chưa từng có máy chủ chạy / no {0}: no server has run on this data directory",
            db_file.display()
        );
    }
    let location = Location::from_flag(Some(&target.database), data_dir)?;
    if !matches!(location, Location::Postgres(_)) {
        anyhow::bail!("--database phải là postgres://… / --database must be postgres://…");
    }
    let (source, target_db) = {
        let location = location.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<(Db, Db)> {
            let source = Db::open(&Location::Sqlite(db_file))?;
            let target = Db::open(&location)?;
            store::copy::check_empty_target(&target)?;
            Ok((source, target))
        })
        .await??
    };
    say(format!("Nguồn / from: {} · Đích / to: {}", source.describe(), target_db.describe()));

    // A scratch directory of the move's own: the store clears it, and a server's would
    // be in use if someone forgot to stop it.
    let scratch = data_dir.join("migrate-tmp");
    let store = BlobStore::open(&target.blobs, &scratch)?;
    let files = blobs::files_in(&data_dir.join("blobs")).or_else(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Ok(Vec::new()),
        _ => Err(e),
    })?;
    let total: u64 = files.iter().map(|f| f.2).sum();
    say(format!(
        "Chép {} tệp tài liệu ({}) vào {} / copying {} blob files",
        files.len(),
        megabytes(total),
        store.describe(),
        files.len()
    ));
    let (mut done, mut bytes, mut damaged) = (0usize, 0u64, Vec::new());
    let mut uploads = futures_util::stream::iter(files.iter().cloned())
        .map(|(sha, path, size, _)| {
            let store = &store;
            async move { (copy_blob(store, &sha, &path, size).await, sha, size) }
        })
        .buffer_unordered(PARALLEL_UPLOADS);
    while let Some((result, sha, size)) = uploads.next().await {
        match result {
            Ok(true) => {}
            Ok(false) => damaged.push(sha),
            Err(e) => anyhow::bail!("tệp {sha}: {e:#}"),
        }
        done += 1;
        bytes += size;
        if done % 50 == 0 || done == files.len() {
            say(format!("  {done}/{} tệp · {} / {}", files.len(), megabytes(bytes), megabytes(total)));
        }
    }
    drop(uploads);
    if !damaged.is_empty() {
        anyhow::bail!(
            "{n} tệp có nội dung không khớp tên (hỏng trên đĩa), chưa chép gì vào cơ sở dữ liệu: {list} — \
             khôi phục chúng từ bản sao lưu rồi chạy lại / {n} files do not match their names (damaged on \
             disk); the database was not copied",
            n = damaged.len(),
            list = damaged.join(", ")
        );
    }

    say("Chép cơ sở dữ liệu (một giao dịch) / copying the database (one transaction)".to_owned());
    let copied = tokio::task::spawn_blocking(move || {
        store::copy::sqlite_to_postgres(&source, &target_db, &mut |table, rows| {
            say(format!("  {table}: {rows} dòng / rows"));
        })
    })
    .await??;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(Moved { blobs: files.len(), bytes: total, copied })
}

/// Copies one blob after checking its bytes against its name: `Ok(false)` when they
/// differ (nothing is copied).
async fn copy_blob(store: &BlobStore, sha: &str, path: &Path, size: u64) -> anyhow::Result<bool> {
    let file: PathBuf = path.to_owned();
    let actual = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut hasher = Sha256::new();
        std::io::copy(&mut std::fs::File::open(file)?, &mut hasher)?;
        Ok(hex::encode(hasher.finalize()))
    })
    .await??;
    if actual != sha {
        return Ok(false);
    }
    store.import(sha, path, size).await?;
    Ok(true)
}

/// Bytes as Vietnamese writes megabytes: `1.234,5 MB`.
pub fn megabytes(bytes: u64) -> String {
    let tenths = (bytes * 10 + 524_288) / 1_048_576;
    let (whole, tenth) = (tenths / 10, tenths % 10);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{grouped},{tenth} MB")
}

#[cfg(test)]
mod tests {
    #[test]
    fn megabytes_read_the_vietnamese_way() {
        assert_eq!(super::megabytes(0), "0,0 MB");
        assert_eq!(super::megabytes(1_572_864), "1,5 MB");
        assert_eq!(super::megabytes(1_294_336_000), "1.234,4 MB");
    }
}

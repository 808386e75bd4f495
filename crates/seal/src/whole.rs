//! Writing a small file whole or not at all.
//!
//! The wrapped keys and the copies a user exports must never be seen half-written: a
//! crash or a full disk mid-way would leave a keys file that opens nothing, or half a
//! PDF. The bytes go to a temporary file beside the target, are fsynced, renamed over
//! it, and the folder is fsynced so the rename itself survives a power cut.

use std::io::Write as _;
use std::path::Path;

/// Writes `bytes` to `out` atomically; on failure the temporary file is removed and
/// `out` is as it was.
pub fn write_whole(out: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.part"));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, out)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    // Best effort: some file systems refuse to fsync a folder.
    let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_file_and_leaves_no_litter() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("keys.json");
        std::fs::write(&out, b"old").expect("old");
        super::write_whole(&out, b"new").expect("write");
        assert_eq!(std::fs::read(&out).expect("read"), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
        let missing = dir.path().join("no/such/folder/x");
        assert!(super::write_whole(&missing, b"x").is_err());
    }
}

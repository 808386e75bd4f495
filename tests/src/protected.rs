//! Office files protected by a password, made by the office programs' own encryption
//! (LibreOffice for DOC, XLS and OpenDocument, Apache POI for PPT and OOXML:
//! `tests/office/protect.py`),
//! once (~20 s) and kept in the temporary directory under the makers' hash, for every
//! test process that uploads them (nextest runs each test in a process of its own).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The password the files are protected with.
pub const PASSWORD: &str = "MatKhau@2026";

/// The formats made, each as `protected.EXT`.
pub const FORMATS: &[&str] = &["doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp"];

/// The folder holding `protected.EXT` for each of [`FORMATS`] and
/// `default-encryption.xlsx` (Excel's built-in password: LibreOffice opens it without
/// one). `Err` says what is missing to make them (the caller skips, or fails under CI).
pub fn files() -> Result<&'static Path, String> {
    static MADE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    MADE.get_or_init(make).as_ref().map(PathBuf::as_path).map_err(Clone::clone)
}

fn make() -> Result<PathBuf, String> {
    use std::hash::{Hash as _, Hasher as _};
    let office = Path::new(env!("CARGO_MANIFEST_DIR")).join("office");
    let script = office.join("protect.py");
    let mut hash = std::hash::DefaultHasher::new();
    for maker in [&script, &office.join("Protect.java")] {
        std::fs::read(maker).map_err(|e| format!("{}: {e}", maker.display()))?.hash(&mut hash);
    }
    PASSWORD.hash(&mut hash);
    let kept = std::env::temp_dir().join(format!("phonghop-protected-office-{:016x}", hash.finish()));
    if all_there(&kept).is_empty() {
        return Ok(kept);
    }
    // Made beside, then renamed into place: tests in other processes may be making them too.
    let dir = tempfile::Builder::new()
        .prefix("phonghop-protected-office-new-")
        .tempdir_in(std::env::temp_dir())
        .map_err(|e| e.to_string())?;
    // Debian's Python: LibreOffice's UNO bridge (python3-uno) is built for it.
    let out = std::process::Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(dir.path())
        .arg(PASSWORD)
        .output()
        .map_err(|e| format!("running {}: {e}", script.display()))?;
    let missing = all_there(dir.path());
    if !out.status.success() || !missing.is_empty() {
        return Err(format!(
            "making password-protected office files needs LibreOffice with python3-uno, a JDK and \
             libapache-poi-java (scripts/setup installs them); {} exited {}, missing {missing:?}: {}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // Another process may have put its own in place first: theirs are as good.
    let made = dir.keep();
    if std::fs::rename(&made, &kept).is_err() {
        let _ = std::fs::remove_dir_all(&made);
    }
    if all_there(&kept).is_empty() { Ok(kept) } else { Err(format!("{} is incomplete", kept.display())) }
}

/// The files of [`FORMATS`] (and the default-encryption workbook) missing from `dir`.
fn all_there(dir: &Path) -> Vec<String> {
    let all = FORMATS.iter().map(|e| format!("protected.{e}")).chain(["default-encryption.xlsx".to_owned()]);
    all.filter(|f| !dir.join(f).is_file()).collect()
}

/// [`files`], or `None` after saying why the caller skips; under CI a failure.
pub fn files_or_skip() -> Option<&'static Path> {
    match files() {
        Ok(dir) => Some(dir),
        Err(why) => {
            assert!(std::env::var_os("CI").is_none(), "{why}");
            eprintln!("skipping: {why}");
            None
        }
    }
}

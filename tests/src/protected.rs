//! Office files protected by a password, made by the office programs' own encryption
//! (LibreOffice for DOC and XLS, Apache POI for PPT and OOXML: `tests/office/protect.py`),
//! once per test process and shared by the tests that upload them.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The password the files are protected with.
pub const PASSWORD: &str = "MatKhau@2026";

/// The formats made, each as `protected.EXT`.
pub const FORMATS: &[&str] = &["doc", "docx", "xls", "xlsx", "ppt", "pptx"];

/// The folder holding `protected.EXT` for each of [`FORMATS`] and
/// `default-encryption.xlsx` (Excel's built-in password: LibreOffice opens it without
/// one). `Err` says what is missing to make them (the caller skips, or fails under CI).
pub fn files() -> Result<&'static Path, String> {
    static MADE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    MADE.get_or_init(make).as_ref().map(PathBuf::as_path).map_err(Clone::clone)
}

fn make() -> Result<PathBuf, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("office/protect.py");
    // Kept for the life of the test process (the files are shared by its tests).
    let dir = tempfile::Builder::new().prefix("protected-office-").tempdir().map_err(|e| e.to_string())?.keep();
    // Debian's Python: LibreOffice's UNO bridge (python3-uno) is built for it.
    let out = std::process::Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(&dir)
        .arg(PASSWORD)
        .output()
        .map_err(|e| format!("running {}: {e}", script.display()))?;
    let all = FORMATS.iter().map(|e| format!("protected.{e}")).chain(["default-encryption.xlsx".to_owned()]);
    let missing: Vec<String> = all.filter(|f| !dir.join(f).is_file()).collect();
    if !out.status.success() || !missing.is_empty() {
        return Err(format!(
            "making password-protected office files needs LibreOffice with python3-uno, a JDK and \
             libapache-poi-java (scripts/setup installs them); {} exited {}, missing {missing:?}: {}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(dir)
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

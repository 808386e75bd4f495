//! Settings the app's processes and the WebKit processes it starts read from their
//! environment when they start: glibc's allocator, JavaScriptCore and GDK.
//!
//! - **glibc's allocator.** Page images are ~10 MB blocks, made and freed as the reader
//!   pages. glibc raises its mmap threshold to the size of the first big block freed,
//!   after which every later one comes from the brk heap, which only shrinks from its
//!   top: measured with `bench-reader --smaps`, the web process's `[heap]` grew 9 → 40 MB
//!   while paging and kept it. A fixed threshold keeps big blocks in their own mappings,
//!   returned to the system when freed: PSS of all processes while paging fell ~30–40 MB.
//! - **No JavaScript JIT in the web process** (`JSC_useJIT=0`). The UI's scripts are
//!   small and event-driven; the pages are drawn by pdfium in the worker. Measured with
//!   `bench-reader` on freeculture.pdf: the web process's peak while paging fell from
//!   188–202 to 159–170 MB, click → cover unchanged (143–203 ms against 159–206, the
//!   run-to-run spread). It also leaves the process that parses documents' text with no
//!   memory both writable and executable, which is what a confidential reader wants.
//! - **No GL in GTK** (`GDK_GL=disable`), unless `PHONGHOP_GPU=1` asks for the GPU (see
//!   `webview`): with software rendering GTK only probes GLX at start, which loaded
//!   Mesa's GLX driver into the app for nothing (~3 MB).
//!
//! - **flite's voices left unloaded** (`LD_LIBRARY_PATH` starting with `webkit-lib/`
//!   beside the binary): libwebkit2gtk links eleven flite libraries for speech
//!   synthesis, and loading them relocates tens of thousands of pointers in each of
//!   WebKit's three processes, ~15 MB PSS in all while reading, for a feature the app
//!   never uses. `scripts/build-webkit-shims` (run by `scripts/build-app`) makes
//!   stand-ins with their sonames: empty ones for the six WebKit calls nothing in, and
//!   for the four voices ones that load the real voice the first time it is asked for.
//!   Used only when the directory's stamp names the very WebKit file this process
//!   loaded: stand-ins made for another WebKit might lack a symbol it needs, and the
//!   app would not start. The path is inherited by WebKit's processes and the PDF
//!   worker (pdfium alone), the only programs the app starts. Measured with
//!   `bench-reader --runs 3`: 296 → 283 MB while paging.
//!
//! A variable the caller set is left as it is (the library path gets the stand-ins in
//! front). The values are read only when a process starts, and setting them in a
//! running process is unsafe (other threads may read the environment), so the app
//! starts itself again, once, with them set: `exec` keeps the process id, so whoever
//! started the app sees nothing. Loading the app's binary and its libraries twice costs
//! ~70 ms of the way to the meetings list (`bench-reader`, 707–717 against 636–639 ms
//! with the variables set beforehand); a launcher (a `.desktop` entry's `env`, a wrapper
//! script) that sets them saves it, as the re-exec is then skipped.

use meeting_client::app::WEB_ENGINE_SETTINGS;
use meeting_pdf::worker::MALLOC_SETTINGS;

/// The variables and values the app wants, given whether the GPU was asked for.
fn wanted(gpu: bool) -> Vec<(&'static str, &'static str)> {
    let web = WEB_ENGINE_SETTINGS.into_iter().filter(|(name, _)| !(gpu && *name == "GDK_GL"));
    MALLOC_SETTINGS.into_iter().chain(web).collect()
}

/// The wanted variables the environment does not have yet.
fn missing(gpu: bool, present: impl Fn(&str) -> bool) -> Vec<(&'static str, &'static str)> {
    wanted(gpu).into_iter().filter(|(name, _)| !present(name)).collect()
}

/// Whether `stamp` (as `scripts/build-webkit-shims` writes it) names this WebKit file.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn stamp_names(stamp: &str, path: &std::path::Path, size: u64, mtime: u64) -> bool {
    let mut fields = stamp.trim().rsplitn(3, ' ');
    let (Some(m), Some(n), Some(p)) = (fields.next(), fields.next(), fields.next()) else { return false };
    std::path::Path::new(p) == path && n.parse() == Ok(size) && m.parse() == Ok(mtime)
}

/// The stand-ins' directory beside the program, when it was made for the WebKit this
/// process loaded (the module's documentation says why that matters).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn webkit_shims(program: &std::path::Path) -> Option<std::path::PathBuf> {
    let dir = program.parent()?.join("webkit-lib");
    let stamp = std::fs::read_to_string(dir.join("stamp")).ok()?;
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let webkit =
        maps.lines().filter_map(|l| l.split_whitespace().nth(5)).find(|p| p.contains("/libwebkit2gtk-4.1.so"))?;
    let webkit = std::fs::canonicalize(webkit).ok()?;
    let meta = std::fs::metadata(&webkit).ok()?;
    let mtime = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    stamp_names(&stamp, &webkit, meta.len(), mtime).then_some(dir)
}

/// The library path with `dir` first, or `None` when it is there already (or cannot be
/// put there: a `:` in its name).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn library_path_with(dir: &std::path::Path, current: Option<&std::ffi::OsStr>) -> Option<std::ffi::OsString> {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = dir.as_os_str();
    if dir.as_bytes().contains(&b':') {
        return None;
    }
    let current = current.filter(|c| !c.is_empty());
    if current.is_some_and(|c| c.as_bytes().split(|b| *b == b':').any(|p| p == dir.as_bytes())) {
        return None;
    }
    let mut path = dir.to_owned();
    if let Some(c) = current {
        path.push(":");
        path.push(c);
    }
    Some(path)
}

/// Replaces this process by itself with the settings, unless they are all set already
/// (by the first start, or by whoever wants others). Returns only when it did not: the
/// app then runs as it is.
pub fn reexec_with_settings() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt as _;
        let gpu = std::env::var_os("PHONGHOP_GPU").is_some_and(|v| v == "1");
        let missing = missing(gpu, |name| std::env::var_os(name).is_some());
        let Ok(program) = std::env::current_exe() else { return };
        let library_path = webkit_shims(&program)
            .and_then(|dir| library_path_with(&dir, std::env::var_os("LD_LIBRARY_PATH").as_deref()));
        if missing.is_empty() && library_path.is_none() {
            return;
        }
        let mut args = std::env::args_os();
        let arg0 = args.next().unwrap_or_else(|| program.clone().into_os_string());
        let mut command = std::process::Command::new(&program);
        command.arg0(arg0).args(args).envs(missing);
        if let Some(path) = library_path {
            command.env("LD_LIBRARY_PATH", path);
        }
        let error = command.exec();
        eprintln!("phonghop: cannot restart with its settings ({error}); running without them");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_the_caller_set_is_kept_and_a_full_environment_needs_no_restart() {
        let names = |v: Vec<(&'static str, &'static str)>| v.into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        let all = names(missing(false, |_| false));
        assert!(all.contains(&"JSC_useJIT") && all.contains(&"GDK_GL") && all.contains(&"MALLOC_MMAP_THRESHOLD_"));
        // The GPU asked for: GTK keeps its GL.
        assert!(!names(missing(true, |_| false)).contains(&"GDK_GL"));
        // Set by the caller (here: JavaScript's JIT wanted back): not overridden.
        assert!(!names(missing(false, |n| n == "JSC_useJIT")).contains(&"JSC_useJIT"));
        assert!(missing(false, |_| true).is_empty());
    }

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn the_stand_ins_are_used_only_with_the_webkit_they_were_made_for() {
        let webkit = std::path::Path::new("/usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0.19.9");
        let stamp = "/usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0.19.9 92218976 1782809781\n";
        assert!(stamp_names(stamp, webkit, 92_218_976, 1_782_809_781));
        // An upgraded WebKit: another size or time, or another file.
        assert!(!stamp_names(stamp, webkit, 92_218_977, 1_782_809_781));
        assert!(!stamp_names(stamp, webkit, 92_218_976, 1_782_809_782));
        assert!(!stamp_names(
            stamp,
            std::path::Path::new("/usr/lib/libwebkit2gtk-4.1.so.0.20.0"),
            92_218_976,
            1_782_809_781
        ));
        assert!(!stamp_names("", webkit, 0, 0));
        // A path with spaces still reads.
        let spaced = std::path::Path::new("/opt/web kit/libwebkit2gtk-4.1.so.0");
        assert!(stamp_names("/opt/web kit/libwebkit2gtk-4.1.so.0 5 6", spaced, 5, 6));
    }

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn the_stand_ins_come_first_on_the_library_path_once() {
        let dir = std::path::Path::new("/opt/phonghop/webkit-lib");
        let os = |s: &str| std::ffi::OsString::from(s);
        assert_eq!(library_path_with(dir, None), Some(os("/opt/phonghop/webkit-lib")));
        assert_eq!(library_path_with(dir, Some(&os(""))), Some(os("/opt/phonghop/webkit-lib")));
        assert_eq!(
            library_path_with(dir, Some(&os("/usr/local/lib"))),
            Some(os("/opt/phonghop/webkit-lib:/usr/local/lib"))
        );
        // Already there (the restarted app): no second restart.
        assert_eq!(library_path_with(dir, Some(&os("/x:/opt/phonghop/webkit-lib"))), None);
        // A directory the path cannot hold.
        assert_eq!(library_path_with(std::path::Path::new("/a:b/webkit-lib"), None), None);
    }
}

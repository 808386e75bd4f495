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
//! A variable the caller set is left as it is. The values are read only when a process
//! starts, and setting them in a running process is unsafe (other threads may read the
//! environment), so the app starts itself again, once, with them set: `exec` keeps the
//! process id, so whoever started the app sees nothing. Loading the app's binary and its
//! libraries twice costs ~70 ms of the way to the meetings list (`bench-reader`, 707–717
//! against 636–639 ms with the variables set beforehand); a launcher (a `.desktop`
//! entry's `env`, a wrapper script) that sets them saves it, as the re-exec is then
//! skipped.

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

/// Replaces this process by itself with the settings, unless they are all set already
/// (by the first start, or by whoever wants others). Returns only when it did not: the
/// app then runs as it is.
pub fn reexec_with_settings() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt as _;
        let gpu = std::env::var_os("PHONGHOP_GPU").is_some_and(|v| v == "1");
        let missing = missing(gpu, |name| std::env::var_os(name).is_some());
        if missing.is_empty() {
            return;
        }
        let Ok(program) = std::env::current_exe() else { return };
        let mut args = std::env::args_os();
        let arg0 = args.next().unwrap_or_else(|| program.clone().into_os_string());
        let error = std::process::Command::new(&program).arg0(arg0).args(args).envs(missing).exec();
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
}

//! glibc allocator settings for the app and the WebKit processes it starts.
//!
//! Page images are ~10 MB blocks, made and freed as the reader pages. glibc raises its
//! mmap threshold to the size of the first big block freed, after which every later
//! one comes from the brk heap, which only shrinks from its top: measured with
//! `bench-reader --smaps`, the web process's `[heap]` grew 9 → 40 MB while paging and
//! kept it. A fixed threshold keeps big blocks in their own mappings, returned to the
//! system when freed: PSS of all processes while paging fell ~30–40 MB.
//!
//! glibc reads these variables only when a process starts, and WebKit's processes are
//! started by the app with its environment. Setting them in a running process is unsafe
//! (other threads may read the environment), so the app starts itself again, once,
//! with them set: `exec` keeps the process id, so whoever started the app sees nothing.
//! Loading the app's binary and its libraries twice costs ~70 ms of the way to the
//! meetings list (`bench-reader`, 707–717 against 636–639 ms with the variables set
//! beforehand); a launcher (a `.desktop` entry's `env`, a wrapper script) that sets
//! them saves it, as the re-exec is then skipped.

use meeting_pdf::worker::MALLOC_SETTINGS as SETTINGS;

/// Replaces this process by itself with the settings, unless they are set already (by
/// the first start, or by whoever wants others). Returns only when it did not: the app
/// then runs as it is.
pub fn reexec_with_settings() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt as _;
        if SETTINGS.iter().any(|(name, _)| std::env::var_os(name).is_some()) {
            return;
        }
        let Ok(program) = std::env::current_exe() else { return };
        let mut args = std::env::args_os();
        let arg0 = args.next().unwrap_or_else(|| program.clone().into_os_string());
        let error = std::process::Command::new(&program).arg0(arg0).args(args).envs(SETTINGS).exec();
        eprintln!("phonghop: cannot restart with allocator settings ({error}); running without them");
    }
}

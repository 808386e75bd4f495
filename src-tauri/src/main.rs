//! `phonghop`: the desktop app. Started with `pdf-worker` as first argument it is its
//! own PDF engine process instead (see `meeting_pdf::worker`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    if std::env::args_os().nth(1).is_some_and(|a| a == meeting_client::PDF_WORKER_ARG) {
        return meeting_pdf::worker::run();
    }
    phonghop_desktop::run()
}

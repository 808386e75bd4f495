//! The standalone PDF worker process (see `meeting_pdf::worker`).

fn main() -> std::process::ExitCode {
    meeting_pdf::worker::run()
}

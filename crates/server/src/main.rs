//! `meeting-server`: see [`meeting_server::cli`].

fn main() -> std::process::ExitCode {
    meeting_server::cli::main()
}

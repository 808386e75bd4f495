//! `meeting`: see [`meeting_client::cli`].

fn main() -> std::process::ExitCode {
    meeting_client::cli::main()
}

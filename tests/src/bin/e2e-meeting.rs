//! The `meeting` CLI binary, built inside this package for the end-to-end tests.

fn main() -> std::process::ExitCode {
    meeting_cli::main()
}

//! The `meeting-server` binary, built inside this package so the end-to-end tests can
//! run it as a real process through `CARGO_BIN_EXE_*`, always freshly built.

fn main() -> std::process::ExitCode {
    meeting_server::cli::main()
}

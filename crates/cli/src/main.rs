//! `meeting`: see [`meeting_cli`].

fn main() -> std::process::ExitCode {
    meeting_cli::main()
}

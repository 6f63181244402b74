//! The `plansift` binary: loads configuration, installs tracing, runs one command.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}

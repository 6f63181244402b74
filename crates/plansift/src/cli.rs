//! Command-line interface.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "plansift",
    version,
    about = "Construction documents in, citable sheets and spec sections out"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Process one PDF and print its Result v1 JSON on stdout (no server, no data directory).
    Process {
        file: PathBuf,
        /// plans, specifications, documents, addenda, mixed or other
        #[arg(long)]
        classification: Option<String>,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Process {
            file,
            classification,
        } => process(&file, classification.as_deref()),
    }
}

fn process(file: &std::path::Path, classification: Option<&str>) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let result = plansift_jobs::process_file(&name, bytes, classification);
    println!(
        "{}",
        serde_json::to_string_pretty(&result).expect("result serializes")
    );
    ExitCode::SUCCESS
}

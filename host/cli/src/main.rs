//! The `sandpress` command.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// sandpress: Blosc2-style chunked compression with sandboxed WebAssembly codecs and filters.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay python-blosc2's tutorial on user-defined codecs and filters with WebAssembly plugins.
    Demo {
        /// Worker threads (python-blosc2 is limited to 1 with user codecs).
        #[arg(short = 'T', long, default_value_t = 2)]
        threads: usize,
    },
    /// Measure compression and decompression speed of built-ins, Wasm plugins and native twins.
    Bench(sandpress::bench::Options),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Demo { threads } => sandpress::demo::run(threads, &mut out),
        Command::Bench(opts) => sandpress::bench::run(&opts, &mut out),
    };
    let _ = out.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sandpress: {e:#}");
            ExitCode::FAILURE
        }
    }
}

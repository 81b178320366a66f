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
    /// Compress a file (raw bytes or .npy) into a Blosc2 frame (.b2frame).
    #[command(visible_alias = "c")]
    Compress(sandpress::files::compress::CompressArgs),
    /// Decompress a frame back into its bytes (or its .npy).
    #[command(visible_alias = "d")]
    Decompress(sandpress::files::decompress::DecompressArgs),
    /// Show what a frame holds: sizes, codecs and filters per chunk, metalayers, plugins.
    Info(sandpress::files::info::InfoArgs),
    /// Write the example plugin components (built from guest-examples/) to a directory.
    ExamplePlugins {
        /// Directory to write NAME.wasm files into (created if missing).
        dir: std::path::PathBuf,
    },
}

/// Rewrites zstd-style shorthands clap cannot express: `-3` for
/// `--clevel 3`, and `-d`/`--decompress` first for the `decompress` command.
fn shorthands(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out: Vec<std::ffi::OsString> = Vec::new();
    for (i, a) in args.enumerate() {
        match a.to_str() {
            Some("-d" | "--decompress") if i == 1 => out.push("decompress".into()),
            Some(s) if s.len() == 2 && s.starts_with('-') && s.as_bytes()[1].is_ascii_digit() => {
                out.push(format!("--clevel={}", &s[1..]).into())
            }
            _ => out.push(a),
        }
    }
    out
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(shorthands(std::env::args_os()));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Demo { threads } => sandpress::demo::run(threads, &mut out),
        Command::Bench(opts) => sandpress::bench::run(&opts, &mut out),
        Command::Compress(a) => sandpress::files::compress::run(&a).map(|s| eprintln!("{s}")),
        Command::Decompress(a) => sandpress::files::decompress::run(&a).map(|s| eprintln!("{s}")),
        Command::Info(a) => sandpress::files::info::run(&a, &mut out),
        Command::ExamplePlugins { dir } => sandpress::files::examples::write(&dir, &mut out),
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

//! The command line: arguments, dispatch, and one line on error.

use std::ffi::OsString;
use std::io::Write;

use clap::{Parser, Subcommand};

/// sandpress: Blosc2-style chunked compression with sandboxed WebAssembly codecs and filters.
#[derive(Parser)]
#[command(version, about, args_override_self = true)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Replay python-blosc2's tutorial on user-defined codecs and filters with WebAssembly plugins.
    Demo {
        /// Worker threads (python-blosc2 is limited to 1 with user codecs).
        #[arg(short = 'T', long, default_value_t = 2)]
        threads: usize,
    },
    /// Measure compression and decompression speed of built-ins, Wasm plugins and native twins.
    Bench(crate::bench::Options),
    /// Compress a file (raw bytes or .npy) into a Blosc2 frame (.b2frame).
    #[command(visible_alias = "c")]
    Compress(crate::files::compress::CompressArgs),
    /// Decompress a frame back into its bytes (or its .npy).
    #[command(visible_alias = "d")]
    Decompress(crate::files::decompress::DecompressArgs),
    /// Show what a frame holds: sizes, codecs and filters per chunk, metalayers, plugins.
    Info(crate::files::info::InfoArgs),
    /// Write, build and check plugins in Rust, C or AssemblyScript.
    #[command(subcommand)]
    Plugin(crate::plugin_cmd::PluginCommand),
    /// Run the multi-tenant compression service (HTTP API under /v1).
    Serve(crate::service_cmd::ServeArgs),
    /// Measure the service on loopback: throughput, a noisy neighbour, memory of idle tenants
    /// (a development tool: built with `--features load`).
    #[cfg(feature = "load")]
    Load(crate::load::LoadOptions),
    /// Add, list, remove tenants of the service, or rotate their tokens.
    #[command(subcommand)]
    Tenant(crate::service_cmd::TenantCommand),
    /// Write the example plugin components (built from examples/) to a directory.
    ExamplePlugins {
        /// Directory to write NAME.wasm files into (created if missing).
        dir: std::path::PathBuf,
    },
}

/// Rewrites zstd-style shorthands clap cannot express: `-3` for
/// `--clevel 3`, and `-d`/`--decompress` first for the `decompress` command.
pub fn shorthands(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out: Vec<OsString> = Vec::new();
    for (i, a) in args.into_iter().enumerate() {
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

/// Runs the command line `args` (program name first): output on `out`,
/// summaries and the one-line error on `err`. Returns the exit code: 0;
/// 2 for a usage error (clap's message and usage text, as most commands
/// do); 1 for any other error, with one line.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let cli = match Cli::try_parse_from(shorthands(args)) {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let _ = write!(err, "{}", e.render());
            return 2;
        }
        Err(e) => {
            let _ = write!(out, "{}", e.render());
            return 0;
        }
    };
    let none = |r: anyhow::Result<()>| r.map(|()| None);
    match &cli.command {
        Command::Compress(a) => guard_temp_files(&a.input, &a.common),
        Command::Decompress(a) => guard_temp_files(&a.input, &a.common),
        _ => {}
    }
    let result = match cli.command {
        Command::Demo { threads } => none(crate::demo::run(threads, out)),
        Command::Bench(opts) => none(crate::bench::run(&opts, out)),
        Command::Compress(a) => crate::files::compress::run(&a).map(Some),
        Command::Decompress(a) => crate::files::decompress::run(&a).map(Some),
        Command::Info(a) => none(crate::files::info::run(&a, out)),
        Command::ExamplePlugins { dir } => none(crate::files::examples::write(&dir, out)),
        Command::Plugin(cmd) => none(crate::plugin_cmd::run(&cmd, out)),
        Command::Serve(a) => none(crate::service_cmd::serve(&a, err)),
        Command::Tenant(cmd) => none(crate::service_cmd::tenant(&cmd, out)),
        #[cfg(feature = "load")]
        Command::Load(o) => none(crate::load::run(&o, out)),
    };
    let _ = out.flush();
    match result {
        Ok(summary) => {
            if let Some(s) = summary {
                let _ = writeln!(err, "{s}");
            }
            0
        }
        // A reader that went away (`sandpress info f | head`) is not an error.
        Err(e) if broken_pipe(&e) => 0,
        Err(e) => {
            let _ = writeln!(err, "sandpress: {}", crate::error_line::one_line(&e));
            1
        }
    }
}

/// Removes the file commands' temporary files on SIGINT and SIGTERM (and
/// stale ones of dead processes), in the output's directory (beside the
/// input unless `-o` says otherwise) and the system's temporary directory.
fn guard_temp_files(input: &std::path::Path, common: &crate::files::io::CommonArgs) {
    use crate::files::{io, temp};
    let mut dirs = vec![std::env::temp_dir()];
    match common.output.as_deref() {
        Some(o) if !io::is_dash(o) => dirs.push(temp::dir_of(o)),
        Some(_) => {}
        None if !io::is_dash(input) => dirs.push(temp::dir_of(input)),
        None => {}
    }
    temp::guard(&dirs);
}

fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

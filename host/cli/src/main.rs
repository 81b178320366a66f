//! The `sandpress` command.

use std::process::ExitCode;

/// mimalloc keeps the pages of freed chunks for the next ones, where glibc's
/// malloc gives multi-megabyte blocks back to the system and the next chunk
/// faults fresh zeroed pages in, one by one: for fast pipelines that cost
/// as much as the compression (commit 0e75272 has the figures).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let code = sandpress::cli::run(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(code as u8)
}

//! The `sandpress` command.

use std::process::ExitCode;

/// mimalloc keeps the pages of freed chunks for the next ones, where glibc's
/// malloc gives multi-megabyte blocks back to the system and the next chunk
/// faults fresh zeroed pages in, one by one: for fast pipelines that cost
/// as much as the compression (commit 0e75272 has the figures).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Not locked for the whole run: `serve`'s threads write to stderr
    // too, and a lock held here by the main thread would block the first
    // of them for good (and the runtime worker it runs on with it).
    let code = sandpress::cli::run(
        std::env::args_os(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    ExitCode::from(code as u8)
}

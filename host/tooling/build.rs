//! Copies the SDK files that `sandpress plugin new` vendors into a new
//! project (the C header and glue, the AssemblyScript module, the Rust
//! SDK's lock file) from the repository's `sdk/` into `$OUT_DIR/sdk/`, so
//! the crate embeds them from its own build output.

use std::env;
use std::fs;
use std::path::PathBuf;

/// The SDK files embedded, relative to the repository's `sdk/`.
const FILES: [&str; 4] = [
    "c/sandpress.h",
    "c/sandpress.c",
    "assemblyscript/sandpress.ts",
    "rust/Cargo.lock",
];

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it")).join("sdk");
    let sdk = manifest.join("../../sdk");
    for file in FILES {
        let from = sdk.join(file);
        let to = out.join(file);
        println!("cargo::rerun-if-changed={}", from.display());
        let copied = to
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| fs::copy(&from, &to));
        if let Err(e) = copied {
            println!(
                "cargo::error=cannot copy {} into the build: {e}",
                from.display()
            );
            std::process::exit(1);
        }
    }
}

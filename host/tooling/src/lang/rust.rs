//! Rust plugins: a `cdylib` crate on the `sandpress-guest` SDK, built for
//! `wasm32-unknown-unknown`.

use std::path::{Path, PathBuf};
use std::process::Command;

use sandpress_core::plugin::PluginKind;

use super::{NewFile, run_step};
use crate::error::ToolError;
use crate::project::Project;

/// The target Rust plugins are built for.
pub const TARGET: &str = "wasm32-unknown-unknown";

/// Where the SDK crate is (this repository's copy).
pub fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk/rust")
}

/// The files of a new Rust project.
pub fn new_files(name: &str, kind: PluginKind) -> Vec<NewFile> {
    let sdk = sdk_dir();
    let sdk = sdk.canonicalize().unwrap_or(sdk);
    let cargo = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
sandpress-guest = {{ path = "{}" }}

[profile.release]
opt-level = 3
lto = true
codegen-units = 1
panic = "abort"

# A project of its own, even inside another workspace.
[workspace]
"#,
        sdk.display().to_string().replace('\\', "/")
    );
    let lib = match kind {
        PluginKind::Codec => CODEC,
        PluginKind::Filter => FILTER,
        PluginKind::Prefilter => PREFILTER,
        PluginKind::Postfilter => POSTFILTER,
    };
    vec![
        (PathBuf::from("Cargo.toml"), cargo),
        // The versions the SDK is tested with (cargo drops what is unused).
        (PathBuf::from("Cargo.lock"), LOCK.to_string()),
        (PathBuf::from("src/lib.rs"), lib.replace("NAME", name)),
    ]
}

const LOCK: &str = include_str!(concat!(env!("OUT_DIR"), "/sdk/rust/Cargo.lock"));

const CODEC: &str = r#"//! NAME: a sandpress codec. `encode` stores a block of one repeated item
//! as that item; `decode` repeats it back. Other blocks are stored raw.

use sandpress_guest::{BlockInfo, Codec};

struct Plugin;

impl Codec for Plugin {
    fn encode(input: &[u8], _meta: u8, info: &BlockInfo) -> Result<Option<Vec<u8>>, String> {
        let ts = (info.typesize as usize).max(1);
        if input.len() < 2 * ts || input.len() % ts != 0 {
            return Ok(None);
        }
        let first = &input[..ts];
        if input.chunks(ts).all(|item| item == first) {
            Ok(Some(first.to_vec()))
        } else {
            Ok(None)
        }
    }

    fn decode(input: &[u8], _meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        if input.is_empty() {
            return Err("empty input".into());
        }
        let n = info.blocksize as usize;
        Ok(input.iter().copied().cycle().take(n).collect())
    }
}

sandpress_guest::export_codec!(Plugin);
"#;

const FILTER: &str = r#"//! NAME: a sandpress filter. `forward` replaces each byte by its
//! difference with the byte before; `backward` adds them back up.

use sandpress_guest::{BlockInfo, Filter};

struct Plugin;

impl Filter for Plugin {
    fn forward(input: &[u8], _meta: u8, _info: &BlockInfo) -> Result<Vec<u8>, String> {
        let mut prev = 0u8;
        Ok(input
            .iter()
            .map(|&b| {
                let d = b.wrapping_sub(prev);
                prev = b;
                d
            })
            .collect())
    }

    fn backward(input: &[u8], _meta: u8, _info: &BlockInfo) -> Result<Vec<u8>, String> {
        let mut acc = 0u8;
        Ok(input
            .iter()
            .map(|&d| {
                acc = acc.wrapping_add(d);
                acc
            })
            .collect())
    }
}

sandpress_guest::export_filter!(Plugin);
"#;

const PREFILTER: &str = r#"//! NAME: a sandpress prefilter, run on each block before the filters.
//! This one passes blocks through unchanged.

use sandpress_guest::{BlockInfo, Prefilter};

struct Plugin;

impl Prefilter for Plugin {
    fn prefilter(input: &[u8], _meta: u8, _info: &BlockInfo) -> Result<Vec<u8>, String> {
        Ok(input.to_vec())
    }
}

sandpress_guest::export_prefilter!(Plugin);
"#;

const POSTFILTER: &str = r#"//! NAME: a sandpress postfilter, run on each block after the filters
//! are undone. This one passes blocks through unchanged.

use sandpress_guest::{BlockInfo, Postfilter};

struct Plugin;

impl Postfilter for Plugin {
    fn postfilter(input: &[u8], _meta: u8, _info: &BlockInfo) -> Result<Vec<u8>, String> {
        Ok(input.to_vec())
    }
}

sandpress_guest::export_postfilter!(Plugin);
"#;

/// Builds the project's crate and returns the core module.
pub fn build(p: &Project) -> Result<Vec<u8>, ToolError> {
    let target_dir = p.dir.join("target");
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(&p.dir)
        .args(["build", "--release", "--target", TARGET])
        .env("CARGO_TARGET_DIR", &target_dir);
    // What an outer cargo (running this from a build or a test) set for
    // itself must not leak into the plugin's build.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_MAKEFLAGS",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    run_step("cargo build", &mut cmd)?;
    let module = target_dir
        .join(TARGET)
        .join("release")
        .join(format!("{}.wasm", p.name.replace('-', "_")));
    std::fs::read(&module).map_err(|e| ToolError::io(module, e))
}

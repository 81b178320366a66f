//! Builds the Rust example plugins of `examples/rust` for
//! `wasm32-unknown-unknown` with a nested `cargo build --release`, turns
//! each core module into a component with `wit-component`, checks that it
//! imports nothing and exports its one interface (and `types`), and writes it to
//! `$OUT_DIR/<plugin>.wasm`, where `src/lib.rs` picks it up with
//! `include_bytes!`.
//!
//! The nested build has its own target directory,
//! `examples/rust/target/sandpress-example-plugins` (git-ignored), shared by
//! every profile of the host build so that a guest is compiled once, and
//! again only when its sources change. This script reruns only when the
//! guest sources or the WIT contract change.

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sandpress_contract::PluginKind;

#[path = "src/surface.rs"]
mod surface;

/// The target the guests are built for.
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Each example plugin: its crate (a directory of the examples workspace)
/// and its kind, which names the interface its component must export.
const PLUGINS: [(&str, PluginKind); 4] = [
    ("repeat-codec", PluginKind::Codec),
    ("delta-filter", PluginKind::Filter),
    ("step-codec", PluginKind::Codec),
    ("byte-shuffle", PluginKind::Filter),
];

/// What the components are built from, relative to the guest workspace
/// (directories are watched whole; none of these holds a `target/`).
const GUEST_SOURCES: [&str; 16] = [
    "Cargo.toml",
    "Cargo.lock",
    "../../sdk/rust/Cargo.toml",
    "../../sdk/rust/src",
    "../../sdk/rust/worlds",
    "algorithms/Cargo.toml",
    "algorithms/src",
    "repeat-codec/Cargo.toml",
    "repeat-codec/src",
    "delta-filter/Cargo.toml",
    "delta-filter/src",
    "step-codec/Cargo.toml",
    "step-codec/src",
    "byte-shuffle/Cargo.toml",
    "byte-shuffle/src",
    ".cargo",
];

/// Why the build script failed.
struct Failure {
    /// One line for the user.
    message: String,
    /// Whether the script's stderr (the nested cargo's messages) matters:
    /// then the script exits non-zero so cargo prints it.
    show_output: bool,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure {
            message,
            show_output: false,
        }
    }
}

fn main() {
    if let Err(failure) = run() {
        // Cargo prints this as one `error: ...` line and fails the build.
        println!("cargo::error={}", failure.message.replace('\n', " "));
        if failure.show_output {
            std::process::exit(1);
        }
    }
}

fn run() -> Result<(), Failure> {
    let manifest_dir = env_path("CARGO_MANIFEST_DIR")?;
    let out_dir = env_path("OUT_DIR")?;
    let repo = manifest_dir.join("../..");
    let repo = repo.canonicalize().unwrap_or(repo);
    let guests = repo.join("examples/rust");

    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/surface.rs");
    println!("cargo::rerun-if-changed={}", repo.join("wit").display());
    for source in GUEST_SOURCES {
        let path = guests.join(source);
        // A path that does not exist would make cargo rerun this every time.
        if path.exists() {
            println!("cargo::rerun-if-changed={}", path.display());
        }
    }

    check_wasm_target()?;
    let target_dir = guests.join("target/sandpress-example-plugins");
    build_guests(&guests, &target_dir)?;

    let release = target_dir.join(WASM_TARGET).join("release");
    for (name, kind) in PLUGINS {
        let module_path = release.join(format!("{}.wasm", name.replace('-', "_")));
        let module = fs::read(&module_path).map_err(|e| {
            format!(
                "cannot read the guest module {}: {e}",
                module_path.display()
            )
        })?;
        let component = componentize(name, &module, kind)?;
        write_if_changed(&out_dir.join(format!("{name}.wasm")), &component)?;
    }
    Ok(())
}

fn env_path(name: &str) -> Result<PathBuf, String> {
    env::var_os(name)
        .map(PathBuf::from)
        .ok_or_else(|| format!("{name} is not set (is this running under cargo?)"))
}

/// Fails with one actionable message when the standard library for the
/// Wasm target is not installed. (Installing it from here would change the
/// user's toolchain and reach the network behind their back.)
fn check_wasm_target() -> Result<(), String> {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", WASM_TARGET])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", Path::new(&rustc).display()))?;
    let libdir = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || libdir.is_empty() || !Path::new(&libdir).is_dir() {
        return Err(format!(
            "sandpress-example-plugins builds its example plugins for the Rust target \
             {WASM_TARGET}, which is not installed: run `rustup target add {WASM_TARGET}`"
        ));
    }
    Ok(())
}

/// Runs `cargo build --release --target wasm32-unknown-unknown` in the
/// guest workspace, in an environment cleared of what the outer cargo set
/// for this build script (flags, target directory, jobserver, wrappers).
fn build_guests(guests: &Path, target_dir: &Path) -> Result<(), Failure> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    command
        .current_dir(guests)
        .args([
            "build",
            "--release",
            "--locked",
            "--workspace",
            "--target",
            WASM_TARGET,
        ])
        .arg("--manifest-path")
        .arg(guests.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        // The build script's stdout is read by cargo as instructions.
        .stdout(Stdio::from(io::stderr()))
        .stderr(Stdio::inherit());
    for (key, _) in env::vars_os() {
        if let Some(key) = key.to_str().filter(|k| must_clear(k)) {
            command.env_remove(key);
        }
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run {}: {e}", Path::new(&cargo).display()))?;
    if !status.success() {
        return Err(Failure {
            message: format!(
                "building the guest examples in {} failed ({status}); cargo's messages are \
                 below (`cargo build --release --target {WASM_TARGET}` there shows them alone)",
                guests.display()
            ),
            show_output: true,
        });
    }
    Ok(())
}

/// Whether an inherited environment variable must not reach the nested
/// cargo: everything cargo sets for a build script or reads as build
/// configuration, except where to find crates and how to print.
fn must_clear(key: &str) -> bool {
    const KEEP: [&str; 6] = [
        "CARGO_HOME",
        "CARGO_NET_",
        "CARGO_HTTP_",
        "CARGO_REGISTRY",
        "CARGO_REGISTRIES_",
        "CARGO_TERM_",
    ];
    const CLEAR: [&str; 13] = [
        "RUSTFLAGS",
        "RUSTDOCFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "MAKEFLAGS",
        "MFLAGS",
        "TARGET",
        "HOST",
        "OUT_DIR",
        "PROFILE",
        "OPT_LEVEL",
        "DEBUG",
        "NUM_JOBS",
        "RUSTC_LINKER",
    ];
    if key.starts_with("__CARGO") || CLEAR.contains(&key) {
        return true;
    }
    key.starts_with("CARGO") && !KEEP.iter().any(|keep| key.starts_with(keep))
}

/// Turns a core module into a component, and checks that it imports
/// nothing and exports `export` (and the shared types) only.
fn componentize(name: &str, module: &[u8], kind: PluginKind) -> Result<Vec<u8>, String> {
    // The shared types are exported too (rather than imported) so that
    // components import nothing.
    let types = PluginKind::types_interface_name();
    let export = kind.interface_name();
    let component = wit_component::ComponentEncoder::default()
        .validate(true)
        .module(module)
        .and_then(|mut encoder| encoder.encode())
        .map_err(|e| format!("cannot turn {name} into a component: {e:#}"))?;
    let surface = surface::surface(&component)
        .map_err(|e| format!("cannot read the component {name}: {e}"))?;
    if !surface.imports.is_empty() {
        return Err(format!(
            "the component {name} imports {}; example plugins must import nothing",
            surface.imports.join(", ")
        ));
    }
    if surface.exports != [types.as_str(), export.as_str()] {
        return Err(format!(
            "the component {name} exports [{}] where [{types}, {export}] was expected",
            surface.exports.join(", ")
        ));
    }
    Ok(component)
}

/// Writes `bytes` to `path` unless it already holds them (keeps the file's
/// time stamp, and so the crate's fingerprint, when nothing changed).
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

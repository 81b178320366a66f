//! Helpers shared by sandpress's tests, each written once: what a test
//! does when a tool it needs is missing, where the tools that
//! `scripts/setup` installs are found, and the bytes of int sequences.
//!
//! This crate depends on no other sandpress crate, so that every crate of
//! the workspace can list it under `[dev-dependencies]` without a cycle.
//!
//! # Tests that need a tool
//!
//! A test that needs something a plain Rust install lacks (clang-19, asc,
//! the python-blosc2 venv, moto's S3 server) asks [`needs`] (or the
//! [`require!`] macro) first. When the tool is there, the test runs. When
//! it is missing, the test prints one line to stderr,
//!
//! ```text
//! skipped: needs clang-19 (./scripts/test installs it)
//! ```
//!
//! and returns, so that `cargo test --workspace` passes on a machine with
//! only Rust and the wasm32 target. With `SANDPRESS_REQUIRE_ALL=1` in the
//! environment (`scripts/test` sets it) a missing tool fails the test
//! instead, with the same message: CI runs every test or fails.
//!
//! Tests only *use* tools: installing them is `scripts/setup`'s job.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable that turns a missing tool into a failure
/// (set to `1` by `scripts/test`).
pub const REQUIRE_ALL: &str = "SANDPRESS_REQUIRE_ALL";

/// The line a test prints when it skips for want of `what`.
pub fn skip_line(what: &str) -> String {
    format!("skipped: needs {what} (./scripts/test installs it)")
}

/// Whether `SANDPRESS_REQUIRE_ALL` is set to `1`.
pub fn require_all() -> bool {
    std::env::var_os(REQUIRE_ALL).is_some_and(|v| v == "1")
}

/// Whether a test that needs `what` may go on: `true` when `available`.
///
/// When it is not, and `SANDPRESS_REQUIRE_ALL=1` is set, this panics with
/// [`skip_line`]`(what)`, failing the test. Otherwise it writes that line
/// to stderr and returns `false`; the test then returns without checking
/// anything (see [`require!`]). The line is written to the process's
/// stderr directly, past the test harness's capture, so that it shows in
/// the output of a passing `cargo test`.
#[track_caller]
pub fn needs(what: &str, available: bool) -> bool {
    decide(
        what,
        available,
        require_all(),
        &mut std::io::stderr().lock(),
    )
}

/// [`needs`], with the environment and stderr given.
fn decide(what: &str, available: bool, require_all: bool, stderr: &mut dyn Write) -> bool {
    if available {
        return true;
    }
    let line = skip_line(what);
    if require_all {
        panic!("{line}");
    }
    let _ = writeln!(stderr, "{line}");
    false
}

/// Returns from the enclosing test (a function returning `()`) when
/// `$available` is false, after [`needs`] has printed the skip line (or
/// panicked under `SANDPRESS_REQUIRE_ALL=1`).
///
/// ```no_run
/// # fn clang() -> Option<std::path::PathBuf> { None }
/// // Not run: under SANDPRESS_REQUIRE_ALL=1 the missing tool is a failure.
/// fn builds_the_c_examples() {
///     sandpress_test_support::require!("clang-19", clang().is_some());
///     unreachable!("not reached without clang-19");
/// }
/// # builds_the_c_examples();
/// ```
#[macro_export]
macro_rules! require {
    ($what:expr, $available:expr $(,)?) => {
        if !$crate::needs($what, $available) {
            return;
        }
    };
}

// ------------------------------------------------------------------ tools

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `program` found in a directory of `PATH` (as a file), if any.
pub fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// What the C plugins' tests need, in their skip line.
pub const C_TOOLS: &str = "clang-19, lld-19 and wasi-libc";

/// Whether C plugins can be built: `$SANDPRESS_CLANG` is set, or
/// `clang-19` is on `PATH` (the rule `sandpress plugin build` follows).
pub fn has_clang() -> bool {
    std::env::var_os("SANDPRESS_CLANG").is_some_and(|c| !c.is_empty())
        || on_path("clang-19").is_some()
}

/// What the AssemblyScript plugins' tests need, in their skip line.
pub const AS_TOOLS: &str = "asc (AssemblyScript 0.28) and node";

/// Whether AssemblyScript plugins can be built without installing
/// anything: `node` is on `PATH` and `asc` is installed in
/// `assemblyscript_dir` (where `scripts/setup` puts it and where
/// `sandpress plugin build` looks for it).
pub fn has_asc(assemblyscript_dir: Option<&Path>) -> bool {
    on_path("node").is_some()
        && assemblyscript_dir
            .is_some_and(|d| d.join("node_modules").join(".bin").join("asc").is_file())
}

/// What the differential tests against python-blosc2 need, in their skip
/// line.
pub const PYTHON_BLOSC2: &str = "the python-blosc2 4.14.1 venv in target/pyenv";

/// What the tests on S3-compatible storage need, in their skip line.
pub const MOTO: &str = "moto's S3 server in target/motoenv";

/// Runs `tests/interop/<script> --check`, which installs nothing and
/// prints the path of the installed tool when it is there and usable;
/// that path, or `None`.
fn checked(script: &str) -> Option<PathBuf> {
    let root = repo_root();
    let out = Command::new("bash")
        .arg(root.join("tests/interop").join(script))
        .arg("--check")
        .current_dir(&root)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let stdout = String::from_utf8(out.stdout).ok()?;
    let line = stdout.lines().rev().find(|l| !l.trim().is_empty())?;
    Some(PathBuf::from(line.trim()))
}

/// The python of the python-blosc2 venv (`target/pyenv`, or
/// `$SANDPRESS_PYENV`) when `scripts/setup` has made it and it imports
/// python-blosc2 4.14.1, numpy and msgpack; `None` otherwise. Nothing is
/// installed.
pub fn python_blosc2() -> Option<PathBuf> {
    checked("setup-venv.sh")
}

/// The `moto_server` of the moto venv (`target/motoenv`, or
/// `$SANDPRESS_MOTOENV`) when `scripts/setup` has made it; `None`
/// otherwise. Nothing is installed.
pub fn moto_server() -> Option<PathBuf> {
    checked("setup-moto.sh")
}

// ------------------------------------------------------------------ data

/// The little-endian bytes of int32 `values`: `i32_le_bytes(0..3)` is
/// `[0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]`.
pub fn i32_le_bytes(values: impl IntoIterator<Item = i32>) -> Vec<u8> {
    values.into_iter().flat_map(i32::to_le_bytes).collect()
}

/// The little-endian bytes of uint32 `values`.
pub fn u32_le_bytes(values: impl IntoIterator<Item = u32>) -> Vec<u8> {
    values.into_iter().flat_map(u32::to_le_bytes).collect()
}

/// `n` bytes that do not compress (xorshift64 from a fixed seed, the same
/// bytes every run), so that each chunk is stored near its full size.
pub fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_bytes_are_little_endian() {
        assert_eq!(i32_le_bytes(-1..1), [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
        assert_eq!(u32_le_bytes([0x0403_0201]), [1, 2, 3, 4]);
        assert!(i32_le_bytes(0..0).is_empty());
    }

    #[test]
    fn the_skip_line_names_what_and_where_it_comes_from() {
        assert_eq!(
            skip_line("clang-19"),
            "skipped: needs clang-19 (./scripts/test installs it)"
        );
    }

    #[test]
    fn a_missing_tool_is_one_line_or_a_failure() {
        let mut err = Vec::new();
        assert!(decide("x", true, false, &mut err));
        assert!(decide("x", true, true, &mut err));
        assert!(err.is_empty());
        assert!(!decide("x", false, false, &mut err));
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "skipped: needs x (./scripts/test installs it)\n"
        );
        let failed = std::panic::catch_unwind(|| decide("x", false, true, &mut Vec::new()));
        let message = failed.expect_err("a missing tool fails under SANDPRESS_REQUIRE_ALL=1");
        assert_eq!(
            message.downcast_ref::<String>().map(String::as_str),
            Some("skipped: needs x (./scripts/test installs it)")
        );
    }

    #[test]
    fn the_repository_root_holds_the_workspace() {
        assert!(repo_root().join("Cargo.toml").is_file());
        assert!(repo_root().join("tests/interop/setup-venv.sh").is_file());
    }
}

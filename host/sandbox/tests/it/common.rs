//! Helpers shared by the test modules.

use std::path::PathBuf;
use std::time::Duration;

use sandpress_core::plugin::BlockInfo;
use sandpress_sandbox::{Limits, Sandbox};

/// Deadline used by the tests, short so that endless loops end quickly.
pub const DEADLINE: Duration = Duration::from_millis(50);

/// Memory limit used by the tests.
pub const MEMORY: usize = 16 << 20;

/// The folder of the shared WAT guests.
pub fn guests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests")
}

/// The binary of guest `name` (a file in `tests/guests/`).
pub fn guest(name: &str) -> Vec<u8> {
    let path = guests_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    wat::parse_str(&text).unwrap_or_else(|e| panic!("{name} does not parse: {e}"))
}

/// Test limits: a 50 ms deadline and 16 MiB of memory.
pub fn limits() -> Limits {
    Limits::default().deadline(DEADLINE).memory(MEMORY)
}

/// A sandbox with [`limits`] and no disk cache.
pub fn sandbox() -> Sandbox {
    sandbox_with(limits())
}

/// A sandbox with these limits and no disk cache.
pub fn sandbox_with(limits: Limits) -> Sandbox {
    Sandbox::builder()
        .no_cache()
        .limits(limits)
        .build()
        .expect("sandbox")
}

/// Block info for a block of `len` bytes.
pub fn info(len: usize) -> BlockInfo {
    BlockInfo {
        typesize: 1,
        blocksize: u32::try_from(len).expect("block size fits u32"),
        ..BlockInfo::default()
    }
}

/// A block of `len` bytes whose first byte is `first` (the hostile guests'
/// trigger) followed by a counting pattern.
pub fn block(first: u8, len: usize) -> Vec<u8> {
    let mut block: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    if let Some(b) = block.first_mut() {
        *b = first;
    }
    block
}

#[test]
fn every_guest_parses() {
    let mut names: Vec<_> = std::fs::read_dir(guests_dir())
        .expect("guests folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wat"))
        .collect();
    names.sort();
    assert!(names.len() >= 15, "{names:?}");
    for name in names {
        let _ = guest(&name);
    }
}

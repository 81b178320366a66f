//! The disk cache of compiled components.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use sandpress_core::plugin::FilterPlugin;
use sandpress_sandbox::Sandbox;

use crate::common::{block, guest, info, limits};

/// A fresh, empty directory under the system's temp dir.
pub fn temp_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "sandpress-sandbox-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn cached_sandbox(dir: &Path) -> Sandbox {
    Sandbox::builder()
        .cache_dir(dir)
        .limits(limits())
        .build()
        .expect("sandbox")
}

pub fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default()
}

fn assert_filter_works(sandbox: &Sandbox, bytes: &[u8]) {
    let filter = sandbox.load_filter(200, bytes).expect("loads");
    let input = block(4, 100);
    let mut out = vec![0; 100];
    filter
        .forward(&input, 0, &info(100), &mut out)
        .expect("forward");
    assert_eq!(out, input);
}

#[test]
fn compiled_components_are_cached_and_reused() {
    let base = temp_dir();
    let bytes = guest("identity_filter.wat");
    let sandbox = cached_sandbox(&base);
    let dir = sandbox.cache_dir().expect("cache on").to_owned();
    assert!(dir.starts_with(&base));
    assert_filter_works(&sandbox, &bytes);
    let files = entries(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].to_string_lossy().ends_with(".cwasm"));

    // A second sandbox with the same configuration loads the entry (had it
    // compiled again, the entry would have been rewritten, and artifacts
    // differ from one compilation to the next).
    let entry = std::fs::read(&files[0]).expect("read entry");
    let again = cached_sandbox(&base);
    assert_eq!(again.cache_dir(), Some(dir.as_path()));
    assert_filter_works(&again, &bytes);
    assert_eq!(entries(&dir), files);
    assert!(std::fs::read(&files[0]).expect("read entry") == entry);
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn a_corrupt_entry_is_replaced_by_a_fresh_compile() {
    let base = temp_dir();
    let bytes = guest("identity_filter.wat");
    let sandbox = cached_sandbox(&base);
    assert_filter_works(&sandbox, &bytes);
    let dir = sandbox.cache_dir().expect("cache on").to_owned();
    let entry = entries(&dir).pop().expect("one entry");
    let good = std::fs::read(&entry).expect("read entry");

    // Damage one byte of the artifact, then truncate it.
    let mut damaged = good.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 0xFF;
    for (what, bad) in [
        ("damaged", damaged),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("empty", Vec::new()),
    ] {
        std::fs::write(&entry, &bad).expect("write entry");
        assert_filter_works(&cached_sandbox(&base), &bytes);
        let now = std::fs::read(&entry).expect("rewritten");
        assert!(now != bad, "{what} entry was kept");
        assert!(
            is_sound(&now),
            "{what} entry was replaced by an unsound one"
        );
    }
    let _ = std::fs::remove_dir_all(&base);
}

/// Whether a cache file holds the sha256 of the rest of it, then the rest.
fn is_sound(entry: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    entry.len() > 32 && Sha256::digest(&entry[32..]).as_slice() == &entry[..32]
}

#[test]
fn fuel_gets_its_own_cache_directory() {
    let base = temp_dir();
    let plain = cached_sandbox(&base);
    let fueled = Sandbox::builder()
        .cache_dir(&base)
        .limits(limits().fuel(Some(1 << 30)))
        .build()
        .expect("sandbox");
    assert_ne!(plain.cache_dir(), fueled.cache_dir());
}

#[test]
fn no_cache_means_no_directory() {
    let sandbox = Sandbox::builder().no_cache().build().expect("sandbox");
    assert_eq!(sandbox.cache_dir(), None);
}

//! The on-disk cache of compiled components.
//!
//! An entry is `<dir>/wasmtime-<engine hash>/<component sha256>.cwasm`: the
//! engine hash is wasmtime's `precompile_compatibility_hash` (wasmtime
//! version and every setting that changes the code, fuel included), so an
//! entry is only ever given to an engine that produced it. The file holds
//! the sha256 of the artifact followed by the artifact; a file that is
//! short, does not match its digest or does not deserialize is deleted and
//! the component compiled again. Files are written to a temporary name and
//! renamed, so a reader never sees half an entry. Nothing but this module
//! deserializes compiled code, and only from files it named itself.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Length of the digest that precedes each artifact.
const DIGEST_LEN: usize = 32;

/// Makes temporary file names unique within the process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The cache of one engine configuration.
#[derive(Debug, Clone)]
pub(crate) struct DiskCache {
    dir: PathBuf,
}

impl DiskCache {
    /// The cache under `base` for `engine`'s configuration. Nothing is
    /// created on disk until the first entry is stored.
    pub(crate) fn new(base: &Path, engine: &Engine) -> Self {
        let mut hasher = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_hash = hex(&hasher.0.finalize()[..8]);
        DiskCache {
            dir: base.join(format!("wasmtime-{engine_hash}")),
        }
    }

    /// The default cache directory: `$SANDPRESS_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/sandpress`, else `$HOME/.cache/sandpress`; `None`
    /// when none of them is set.
    pub(crate) fn default_dir() -> Option<PathBuf> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(dir) = var("SANDPRESS_CACHE_DIR") {
            return Some(PathBuf::from(dir));
        }
        if let Some(dir) = var("XDG_CACHE_HOME") {
            return Some(PathBuf::from(dir).join("sandpress"));
        }
        var("HOME").map(|home| PathBuf::from(home).join(".cache").join("sandpress"))
    }

    /// The directory entries of this engine configuration go to.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry_path(&self, sha256: &[u8; 32]) -> PathBuf {
        self.dir.join(format!("{}.cwasm", hex(sha256)))
    }

    /// The compiled component for `sha256`, if the cache has a sound entry.
    /// An entry that is unsound is deleted.
    pub(crate) fn load(&self, engine: &Engine, sha256: &[u8; 32]) -> Option<Component> {
        let path = self.entry_path(sha256);
        let bytes = fs::read(&path).ok()?;
        let component = bytes
            .split_at_checked(DIGEST_LEN)
            .filter(|(digest, artifact)| Sha256::digest(artifact).as_slice() == *digest)
            .and_then(|(_, artifact)| deserialize(engine, artifact));
        if component.is_none() {
            let _ = fs::remove_file(&path);
        }
        component
    }

    /// Stores `component` under `sha256`. Failures are ignored: the cache
    /// only saves time.
    pub(crate) fn store(&self, sha256: &[u8; 32], component: &Component) {
        let Ok(artifact) = component.serialize() else {
            return;
        };
        let _ = self.write_atomically(&self.entry_path(sha256), &artifact);
    }

    fn write_atomically(&self, path: &Path, artifact: &[u8]) -> std::io::Result<()> {
        create_private_dir(&self.dir)?;
        let temp = self.dir.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut file = fs::File::create(&temp)?;
            file.write_all(&Sha256::digest(artifact))?;
            file.write_all(artifact)?;
            file.sync_all()?;
            fs::rename(&temp, path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written
    }
}

/// Deserializes an artifact read from the cache.
#[allow(unsafe_code)]
fn deserialize(engine: &Engine, artifact: &[u8]) -> Option<Component> {
    // SAFETY: `Component::deserialize` requires bytes that wasmtime itself
    // produced for a compatible engine, since they hold machine code that
    // will run. These bytes come only from a file in this cache, at a path
    // made of the engine's compatibility hash and the component's sha256,
    // that `DiskCache::store` wrote from `Component::serialize` of an engine
    // with that hash; they matched the sha256 stored with them, so they are
    // not truncated or damaged. Wasmtime also checks the header and the
    // engine compatibility before using them. Bytes from anywhere else
    // (plugin input, frames, user paths) never reach this function.
    unsafe { Component::deserialize(engine, artifact) }.ok()
}

/// Creates `dir` (and its parents) readable by the current user only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Feeds a `Hash` into sha256, for a digest that does not change between
/// Rust versions the way `DefaultHasher` may.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        let mut first = [0; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

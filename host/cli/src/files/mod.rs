//! The file commands: `compress`, `decompress` and `info`, in the
//! conventions of `zstd` and `gzip`.

pub mod compress;
pub mod decompress;
pub mod examples;
pub mod info;
pub mod io;
pub mod npy;
pub mod progress;
pub mod spec;
pub mod temp;

use std::path::Path;

use sandpress_frame::Frame;

/// Opens a frame; format errors are prefixed with the file's name (I/O
/// errors name it already).
pub fn open_frame(path: &Path) -> anyhow::Result<Frame> {
    Frame::open(path).map_err(|e| match e {
        sandpress_core::Error::Io { .. } => anyhow::Error::new(e),
        other => anyhow::Error::new(other).context(path.display().to_string()),
    })
}

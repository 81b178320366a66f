//! The benchmark's big buffers (a dataset to compress, the buffer it is
//! decompressed into) as numpy allocates large arrays: anonymous memory
//! with transparent huge pages advised, where the system offers them.
//!
//! python-blosc2 reads from and decompresses into numpy arrays, which get
//! huge pages on Linux; a `Vec` of the same size gets 4 KiB pages (unless
//! the system makes every mapping huge). Measured on this project's
//! machine, decompressing zstd + shuffle into a 64 MiB buffer with huge
//! pages was 9-15% faster than into a `Vec`: without this the comparison
//! would measure the allocator, not the library.

use std::ops::{Deref, DerefMut};

use anyhow::{Context, Result};
use memmap2::{Advice, MmapMut};

/// A zero-filled buffer of anonymous memory.
pub(super) struct Buffer {
    map: MmapMut,
    len: usize,
}

impl Buffer {
    /// `len` zero bytes, huge pages advised (a refusal is not an error).
    pub(super) fn zeroed(len: usize) -> Result<Buffer> {
        // A mapping cannot be empty.
        let map = MmapMut::map_anon(len.max(1)).context("mapping a benchmark buffer")?;
        #[cfg(target_os = "linux")]
        let _ = map.advise(Advice::HugePage);
        Ok(Buffer { map, len })
    }

    /// A copy of `bytes`.
    pub(super) fn copy_of(bytes: &[u8]) -> Result<Buffer> {
        let mut buffer = Buffer::zeroed(bytes.len())?;
        buffer.copy_from_slice(bytes);
        Ok(buffer)
    }
}

impl Deref for Buffer {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.map[..self.len]
    }
}

impl DerefMut for Buffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.map[..self.len]
    }
}

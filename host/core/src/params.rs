//! Compression and decompression parameters, as Blosc2 names them.

use std::sync::Arc;

use sandpress_format::{MAX_FILTERS, ids};

use crate::plugin::TransformPlugin;

/// Whether a block is stored as one stream, or as one stream per byte of the
/// item (which helps fast codecs after a shuffle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SplitMode {
    /// Always split (python-blosc2's historical default).
    Always,
    /// Never split.
    Never,
    /// Split when it usually pays: BloscLZ, LZ4 or low-level Zstd after a
    /// byte shuffle, for items of at most 16 bytes.
    #[default]
    Auto,
}

/// A prefilter or postfilter with its meta byte.
#[derive(Clone)]
pub struct Transform {
    /// The plugin.
    pub plugin: Arc<dyn TransformPlugin>,
    /// Meta byte passed with every call.
    pub meta: u8,
}

impl std::fmt::Debug for Transform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transform")
            .field("plugin", &self.plugin.meta().name)
            .field("meta", &self.meta)
            .finish()
    }
}

/// Compression parameters (Blosc2's `cparams`).
#[derive(Debug, Clone)]
pub struct CParams {
    /// Codec id: a built-in ([`ids::ZSTD`], [`ids::LZ4`]) or a registered user codec (160-255).
    pub codec: u8,
    /// Meta byte given to the codec.
    pub codec_meta: u8,
    /// Compression level 0-9 (0 stores raw).
    pub clevel: u8,
    /// Bytes per item, 1-255.
    pub typesize: u8,
    /// Block size in bytes; 0 picks one automatically.
    pub blocksize: usize,
    /// Worker threads for the blocks of a chunk (and the chunks of an append).
    pub nthreads: usize,
    /// Filter ids, applied in order; 0 is no filter.
    pub filters: [u8; MAX_FILTERS],
    /// Meta byte of each filter.
    pub filters_meta: [u8; MAX_FILTERS],
    /// Stream splitting.
    pub splitmode: SplitMode,
    /// Applied to each block before the filters; not recorded in chunks.
    pub prefilter: Option<Transform>,
}

impl Default for CParams {
    /// Zstd level 1 after a byte shuffle, typesize 8, automatic block size,
    /// one thread: python-blosc2's defaults.
    fn default() -> Self {
        CParams {
            codec: ids::ZSTD,
            codec_meta: 0,
            clevel: 1,
            typesize: 8,
            blocksize: 0,
            nthreads: 1,
            filters: [0, 0, 0, 0, 0, ids::SHUFFLE],
            filters_meta: [0; MAX_FILTERS],
            splitmode: SplitMode::Auto,
            prefilter: None,
        }
    }
}

/// Decompression parameters (Blosc2's `dparams`).
#[derive(Debug, Clone)]
pub struct DParams {
    /// Worker threads.
    pub nthreads: usize,
    /// Applied to each block after the filters; not recorded in chunks.
    pub postfilter: Option<Transform>,
}

impl Default for DParams {
    fn default() -> Self {
        DParams {
            nthreads: 1,
            postfilter: None,
        }
    }
}

impl CParams {
    /// Whether blocks of `blocksize` bytes are split into one stream per byte of the item.
    pub fn splits(&self, blocksize: usize) -> bool {
        let ts = usize::from(self.typesize);
        match self.splitmode {
            SplitMode::Always => true,
            SplitMode::Never => false,
            SplitMode::Auto => {
                let fast = matches!(self.codec, ids::BLOSCLZ | ids::LZ4)
                    || (self.codec == ids::ZSTD && self.clevel <= 5);
                fast && self.filters.contains(&ids::SHUFFLE) && ts <= 16 && blocksize / ts >= 32
            }
        }
    }

    /// The block size used for a chunk of `nbytes`: the one asked for, or
    /// the one C-Blosc2's tuner picks from the codec, level, split mode and
    /// typesize; at most `nbytes`, a multiple of the typesize when larger.
    pub fn effective_blocksize(&self, nbytes: usize) -> usize {
        let ts = usize::from(self.typesize.max(1));
        if nbytes < ts {
            return nbytes.max(1);
        }
        let mut bs = if self.blocksize > 0 {
            self.blocksize
        } else if nbytes < 32 << 10 {
            nbytes
        } else {
            // Codecs that compress better with more context ("HCR").
            let hcr = matches!(self.codec, ids::LZ4HC | ids::ZLIB | ids::ZSTD);
            let mut bs: usize = if hcr { 64 << 10 } else { 32 << 10 };
            bs = match self.clevel {
                0 => bs / 4,
                1 => bs / 2,
                2 => bs,
                3 => bs * 2,
                4 | 5 => bs * 4,
                6..=8 => bs * 8,
                _ => bs * if hcr { 16 } else { 8 },
            };
            if self.clevel > 0 && self.splits(bs) {
                let per_item: usize = match self.clevel {
                    1..=3 => 32 << 10,
                    4..=6 => 64 << 10,
                    7 => 128 << 10,
                    8 => 256 << 10,
                    _ => 512 << 10,
                };
                bs = (per_item * ts).clamp(32 << 10, 4 << 20);
            }
            bs
        };
        bs = bs.min(nbytes);
        if bs > ts {
            bs -= bs % ts;
        }
        bs.max(1)
    }
}

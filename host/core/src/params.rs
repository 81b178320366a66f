//! Compression and decompression parameters, as Blosc2 names them.

use std::sync::Arc;

use sandpress_format::ids;

use crate::filter_chain::FilterChain;
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

impl SplitMode {
    /// Every mode, in the order of their frame-header codes.
    pub const ALL: [SplitMode; 3] = [SplitMode::Always, SplitMode::Never, SplitMode::Auto];

    /// The mode's name, as python-blosc2 spells it in lower case.
    pub const fn name(self) -> &'static str {
        match self {
            SplitMode::Always => "always",
            SplitMode::Never => "never",
            SplitMode::Auto => "auto",
        }
    }

    /// The code a frame header records (C-Blosc2's `BLOSC_ALWAYS_SPLIT` = 1,
    /// `NEVER_SPLIT` = 2, `AUTO_SPLIT` = 3).
    pub const fn code(self) -> u8 {
        match self {
            SplitMode::Always => 1,
            SplitMode::Never => 2,
            SplitMode::Auto => 3,
        }
    }

    /// The mode of a frame-header code; `None` for codes this version does
    /// not know (C-Blosc2's `FORWARD_COMPAT_SPLIT` = 4 among them).
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(SplitMode::Always),
            2 => Some(SplitMode::Never),
            3 => Some(SplitMode::Auto),
            _ => None,
        }
    }
}

impl std::fmt::Display for SplitMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A split mode's name that is none of `always`, `never`, `auto`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("split mode {found:?}: expected always, never or auto")]
pub struct ParseSplitModeError {
    /// The text given.
    pub found: String,
}

impl std::str::FromStr for SplitMode {
    type Err = ParseSplitModeError;

    /// Parses `always`, `never` or `auto` (any case).
    ///
    /// ```
    /// use sandpress_core::SplitMode;
    /// assert_eq!("never".parse::<SplitMode>(), Ok(SplitMode::Never));
    /// assert_eq!(SplitMode::Auto.to_string(), "auto");
    /// assert!("sometimes".parse::<SplitMode>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SplitMode::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseSplitModeError {
                found: s.to_owned(),
            })
    }
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
    /// The filters, each with its meta byte, applied in order.
    pub filters: FilterChain,
    /// Stream splitting.
    pub splitmode: SplitMode,
    /// Applied to each block before the filters; not recorded in chunks.
    pub prefilter: Option<Transform>,
    /// Verify on write: when a user codec or user filter is in the
    /// pipeline, every block it encodes is decoded again right away, on a
    /// thread that never encodes (so in another instance of the plugin),
    /// and compared with what was encoded; a difference fails the chunk
    /// with [`Error::Verify`](crate::Error::Verify). Default `true`; no
    /// effect on pipelines of built-ins only.
    pub verify: bool,
    /// Record an xxh3-64 checksum of each chunk's uncompressed bytes when
    /// chunks are made from data (the frame keeps them in the vlmeta entry
    /// [`checksums::VLMETA_NAME`](crate::frame::checksums::VLMETA_NAME)). Default `true`.
    pub checksums: bool,
}

/// The uncompressed bytes per chunk when none is asked for (4 MiB), in the
/// CLI and the service alike.
pub const DEFAULT_CHUNKSIZE: usize = 4 << 20;

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
            filters: FilterChain::shuffle(),
            splitmode: SplitMode::Auto,
            prefilter: None,
            verify: true,
            checksums: true,
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
    /// Check each chunk read against the checksum recorded for it, when
    /// there is one (a mismatch is [`Error::Checksum`](crate::Error::Checksum));
    /// chunks and frames without checksums read as before. Default `true`.
    /// Not checked when a postfilter is set (the bytes are then not the
    /// ones the checksum was taken of).
    pub check: bool,
}

impl Default for DParams {
    fn default() -> Self {
        DParams {
            nthreads: 1,
            postfilter: None,
            check: true,
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
                fast && self.filters.contains(ids::SHUFFLE) && ts <= 16 && blocksize / ts >= 32
            }
        }
    }

    /// `bytes` rounded down to whole items, at least one: the chunk size
    /// used when `bytes` are asked for.
    ///
    /// ```
    /// let cp = sandpress_core::CParams { typesize: 8, ..Default::default() };
    /// assert_eq!(cp.whole_items(1000), 1000);
    /// assert_eq!(cp.whole_items(1001), 1000);
    /// assert_eq!(cp.whole_items(3), 8);
    /// ```
    pub fn whole_items(&self, bytes: usize) -> usize {
        let ts = usize::from(self.typesize.max(1));
        (bytes / ts).max(1) * ts
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

/// Parses a size in bytes: `4M`, `64K`, `1G` (powers of 1024, any case)
/// or plain digits; the error says what was wrong, for a message.
pub fn parse_size(s: &str) -> std::result::Result<usize, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (
            &t[..i],
            match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("unknown size suffix in {s:?} (K, M, G)")),
            },
        ),
        _ => (t, 1),
    };
    let n: usize = num.parse().map_err(|_| format!("{s:?} is not a size"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod size_tests {
    use super::parse_size;

    #[test]
    fn sizes_take_k_m_g_suffixes() {
        assert_eq!(parse_size("4M"), Ok(4 << 20));
        assert_eq!(parse_size(" 64k "), Ok(64 << 10));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("123"), Ok(123));
        assert!(parse_size("4T").unwrap_err().contains("suffix"));
        assert!(parse_size("x").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}

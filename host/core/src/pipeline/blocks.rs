//! Decoding single blocks of a chunk (what C-Blosc2's `blosc2_getitem_ctx`
//! does to read a few items): a reader of an N-d slice decodes only the
//! blocks the slice touches.

use std::sync::OnceLock;

use sandpress_format::ChunkHeader;

use super::decompress::Job;
use super::scratch::with_scratch;
use crate::error::{Error, Result};
use crate::params::DParams;
use crate::registry::Registry;

/// One chunk, parsed and with its codec and filters resolved, ready to
/// decode any of its blocks on its own.
///
/// A block goes through the chunk's codec, filters and the postfilter of
/// `dp`, exactly as in [`decompress_chunk`](super::decompress_chunk); the
/// chunk's checksum (which covers the whole chunk) is not checked. A chunk
/// with the delta filter decodes its first block once, on the first call
/// that needs it, and keeps it.
///
/// ```
/// use sandpress_core::{CParams, DParams, Registry};
/// use sandpress_core::pipeline::{BlockDecoder, compress_chunk};
/// let cp = CParams { typesize: 4, blocksize: 64, ..CParams::default() };
/// let data: Vec<u8> = (0..100u32).flat_map(|i| i.to_le_bytes()).collect();
/// let chunk = compress_chunk(&data, &cp, &Registry::new(), 0).unwrap();
/// let (dp, reg) = (DParams::default(), Registry::new());
/// let dec = BlockDecoder::new(&chunk, &dp, &reg, 0).unwrap();
/// assert_eq!(dec.nblocks(), 7); // six of 64 bytes, one of 16
/// let mut out = vec![0; dec.block_len(6)];
/// dec.decode(6, &mut out).unwrap();
/// assert_eq!(out, &data[384..]);
/// ```
pub struct BlockDecoder<'a> {
    job: Job<'a>,
    first: OnceLock<Vec<u8>>,
}

impl<'a> BlockDecoder<'a> {
    /// Parses `chunk` (chunk number `index`, named in errors and given to
    /// plugins) and resolves its codec and filters in `registry`.
    pub fn new(chunk: &'a [u8], dp: &'a DParams, registry: &Registry, index: u64) -> Result<Self> {
        Ok(BlockDecoder {
            job: Job::new(chunk, dp, registry, index)?,
            first: OnceLock::new(),
        })
    }

    /// The chunk's header.
    pub fn header(&self) -> &ChunkHeader {
        self.job.header()
    }

    /// Number of blocks.
    pub fn nblocks(&self) -> usize {
        self.header().nblocks()
    }

    /// Uncompressed bytes of block `j` (`blocksize`, less for a short last
    /// block; 0 past the last).
    pub fn block_len(&self, j: usize) -> usize {
        if j < self.nblocks() {
            self.header().block_len(j)
        } else {
            0
        }
    }

    /// Whether the first block was decoded as the reference of others
    /// (chunks with the delta filter).
    pub fn decoded_first(&self) -> bool {
        self.first.get().is_some()
    }

    /// Decodes block `j` into `out`, which must be exactly
    /// [`block_len(j)`](Self::block_len) bytes.
    pub fn decode(&self, j: usize, out: &mut [u8]) -> Result<()> {
        let n = self.nblocks();
        if j >= n {
            return Err(Error::OutOfRange {
                what: "block",
                index: j as u64,
                len: n as u64,
            });
        }
        if out.len() != self.block_len(j) {
            return Err(Error::BufferSize {
                expected: self.block_len(j),
                found: out.len(),
            });
        }
        if j == 0 || !self.job.needs_first() {
            return with_scratch(|s| self.job.decode_block(j, &[], out, s));
        }
        let first = match self.first.get() {
            Some(f) => f,
            None => {
                let mut f = vec![0; self.block_len(0)];
                with_scratch(|s| self.job.decode_block(0, &[], &mut f, s))?;
                self.first.get_or_init(|| f)
            }
        };
        with_scratch(|s| self.job.decode_block(j, first, out, s))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use sandpress_format::{Special, ids};

    use super::*;
    use crate::pipeline::{compress_chunk, decompress_chunk, special_chunk};
    use crate::{CParams, FilterChain};

    fn data(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (i / 7) as u8 ^ (x as u8 & 3)
            })
            .collect()
    }

    /// Every block decoded on its own, in any order, equals its part of
    /// the whole chunk decoded.
    fn blocks_equal_whole(chunk: &[u8]) {
        let (dp, reg) = (DParams::default(), Registry::new());
        let dec = BlockDecoder::new(chunk, &dp, &reg, 5).unwrap();
        let n = dec.header().nbytes as usize;
        let mut whole = vec![0; n];
        decompress_chunk(chunk, &dp, &reg, 5, &mut whole).unwrap();
        let bs = dec.header().blocksize as usize;
        for j in (0..dec.nblocks()).rev() {
            let mut out = vec![0xaa; dec.block_len(j)];
            dec.decode(j, &mut out).unwrap();
            assert_eq!(out, whole[j * bs..j * bs + out.len()], "block {j}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn single_blocks_equal_the_whole_chunk(
            len in 0usize..6000,
            typesize in prop_oneof![Just(1u8), Just(2), Just(4), Just(8), Just(3)],
            codec in prop_oneof![Just(ids::ZSTD), Just(ids::LZ4), Just(ids::BLOSCLZ), Just(ids::ZLIB)],
            filters in prop_oneof![
                Just(vec![]),
                Just(vec![(ids::SHUFFLE, 0)]),
                Just(vec![(ids::BITSHUFFLE, 0)]),
                Just(vec![(ids::DELTA, 0), (ids::SHUFFLE, 0)]),
            ],
            blocks in 1usize..9,
            seed in any::<u64>(),
        ) {
            let len = len - len % usize::from(typesize);
            let bs = (len / blocks).max(1).next_multiple_of(usize::from(typesize));
            let cp = CParams {
                codec,
                typesize,
                blocksize: bs,
                filters: FilterChain::of(&filters).unwrap(),
                ..CParams::default()
            };
            let chunk = compress_chunk(&data(len, seed), &cp, &Registry::new(), 5).unwrap();
            blocks_equal_whole(&chunk);
        }
    }

    #[test]
    fn special_and_raw_chunks_decode_block_by_block() {
        for special in [Special::Zeros, Special::Value, Special::Nans] {
            blocks_equal_whole(
                &special_chunk(special, 8, 4096, &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap(),
            );
        }
        // Below 32 bytes a chunk is stored raw (memcpyed).
        let cp = CParams {
            typesize: 2,
            blocksize: 8,
            ..CParams::default()
        };
        blocks_equal_whole(&compress_chunk(&data(30, 1), &cp, &Registry::new(), 0).unwrap());
    }

    #[test]
    fn a_block_past_the_end_or_a_wrong_buffer_is_an_error() {
        let cp = CParams {
            typesize: 4,
            blocksize: 64,
            ..CParams::default()
        };
        let chunk = compress_chunk(&data(256, 2), &cp, &Registry::new(), 0).unwrap();
        let (dp, reg) = (DParams::default(), Registry::new());
        let dec = BlockDecoder::new(&chunk, &dp, &reg, 0).unwrap();
        assert!(matches!(
            dec.decode(4, &mut [0; 64]),
            Err(Error::OutOfRange {
                what: "block",
                index: 4,
                len: 4
            })
        ));
        assert!(matches!(
            dec.decode(1, &mut [0; 63]),
            Err(Error::BufferSize {
                expected: 64,
                found: 63
            })
        ));
    }
}

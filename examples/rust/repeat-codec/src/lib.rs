//! `repeat-codec`: the repeated-value codec of python-blosc2's tutorial
//! "User-defined codecs and filters" (codec id 160 there), as a sandpress
//! plugin.
//!
//! A block whose `typesize`-byte items are all equal is stored as the value
//! (`typesize` bytes) then the item count (4 bytes, little-endian if `meta`
//! is 0, big-endian otherwise); any other block is declined and stored raw.
//! The algorithm lives in [`sandpress_algorithms::repeat`], shared with the
//! native implementation the benchmarks compare against.

use sandpress_algorithms::repeat;
use sandpress_guest::{BlockInfo, Codec};

/// The repeated-value codec.
struct RepeatCodec;

impl Codec for RepeatCodec {
    fn encode(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Option<Vec<u8>>, String> {
        let mut out = Vec::new();
        Ok(repeat::encode(input, info.typesize as usize, meta, &mut out).then_some(out))
    }

    fn decode(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        sandpress_guest::with_output(info.blocksize as usize, |out| {
            repeat::decode(input, info.typesize as usize, meta, out)
        })
        .map_err(|e| e.to_string())
    }
}

sandpress_guest::export_codec!(RepeatCodec);

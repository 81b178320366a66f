//! `byte-shuffle`: a byte-shuffle filter like Blosc's SHUFFLE, as a
//! sandpress plugin.
//!
//! Forward gathers byte `j` of every `typesize`-byte item into stream `j`
//! (the trailing bytes that do not form a whole item stay at the end);
//! backward undoes it. `meta` is ignored. The algorithm lives in
//! [`sandpress_algorithms::shuffle`], shared with the native
//! implementation.

use sandpress_algorithms::shuffle;
use sandpress_guest::{BlockInfo, Filter};

/// The byte-shuffle filter.
struct ByteShuffle;

impl Filter for ByteShuffle {
    fn forward(input: &[u8], _meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        sandpress_guest::with_output(input.len(), |out| {
            shuffle::forward(input, info.typesize as usize, out)
        })
        .map_err(|e| e.to_string())
    }

    fn backward(input: &[u8], _meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        sandpress_guest::with_output(input.len(), |out| {
            shuffle::backward(input, info.typesize as usize, out)
        })
        .map_err(|e| e.to_string())
    }
}

sandpress_guest::export_filter!(ByteShuffle);

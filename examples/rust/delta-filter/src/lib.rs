//! `delta-filter`: the delta filter of python-blosc2's tutorial
//! "User-defined codecs and filters" (filter id 160 there), as a sandpress
//! plugin.
//!
//! Forward keeps the first item and replaces each later item by its
//! wrapping difference with the item before; backward is the running sum.
//! Items of 1, 2, 4 (the tutorial's int32) and 8 bytes are little-endian
//! integers; items of any other size are differenced byte lane by byte
//! lane. Trailing bytes that do not form a whole item are left as they are.
//! `meta` is ignored.
//!
//! Both directions work in place in the buffer the host passed in, so a
//! call allocates nothing. The algorithm lives in
//! [`sandpress_algorithms::delta`], shared with the native implementation.

use sandpress_algorithms::delta;
use sandpress_guest::{BlockInfo, Filter};

/// The delta filter.
struct DeltaFilter;

impl Filter for DeltaFilter {
    fn forward(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        Self::forward_owned(input.to_vec(), meta, info)
    }

    fn backward(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        Self::backward_owned(input.to_vec(), meta, info)
    }

    fn forward_owned(mut block: Vec<u8>, _meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        delta::forward_in_place(&mut block, info.typesize as usize).map_err(|e| e.to_string())?;
        Ok(block)
    }

    fn backward_owned(mut block: Vec<u8>, _meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        delta::backward_in_place(&mut block, info.typesize as usize).map_err(|e| e.to_string())?;
        Ok(block)
    }
}

sandpress_guest::export_filter!(DeltaFilter);

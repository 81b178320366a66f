//! `step-codec`: the start/step codec of python-blosc2's tutorial
//! "User-defined codecs and filters" (codec id 184 there), as a sandpress
//! plugin.
//!
//! Used after `delta-filter`, it stores an arithmetic sequence in two items:
//! a block of at least three `typesize`-byte items whose items after the
//! first are all equal becomes its first item (`start`) and its second
//! (`step`), 8 bytes for int32; any other block is declined and stored raw.
//! `meta` is ignored. The algorithm lives in
//! [`sandpress_algorithms::step`], shared with the native implementation.

use sandpress_algorithms::step;
use sandpress_guest::{BlockInfo, Codec};

/// The start/step codec.
struct StepCodec;

impl Codec for StepCodec {
    fn encode(input: &[u8], _meta: u8, info: &BlockInfo) -> Result<Option<Vec<u8>>, String> {
        let mut out = Vec::new();
        Ok(step::encode(input, info.typesize as usize, &mut out).then_some(out))
    }

    fn decode(input: &[u8], _meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        sandpress_guest::with_output(info.blocksize as usize, |out| {
            step::decode(input, info.typesize as usize, out)
        })
        .map_err(|e| e.to_string())
    }
}

sandpress_guest::export_codec!(StepCodec);

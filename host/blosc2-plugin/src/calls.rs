//! One call of C-Blosc2 into a component, in safe code: the block and the
//! answer C-Blosc2 expects.
//!
//! C-Blosc2 tells a plugin neither the chunk's index nor the block's: the
//! components get 0 for both and for the offset.

use std::cell::RefCell;
use std::ffi::c_int;

use sandpress_core::plugin::BlockInfo;
use sandpress_kernels::copy::copy_bytes;

use crate::plugins;

thread_local! {
    /// The encoder's answer, kept per thread across calls.
    static ENCODED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The message kept for `last_error`: which plugin, and why it failed.
fn failed(kind: &str, id: u8, e: &sandpress_core::plugin::PluginError) -> String {
    format!("{kind} {id}: {}", sandpress_core::error::one_line(e))
}

fn block_info(typesize: i32, len: usize) -> BlockInfo {
    BlockInfo {
        typesize: u32::try_from(typesize).unwrap_or(1).max(1),
        blocksize: u32::try_from(len).unwrap_or(u32::MAX),
        ..BlockInfo::default()
    }
}

/// Encodes `input` with codec `id` into `output`: the encoded size, or 0
/// when the block is better stored raw (the codec declined, or its answer
/// does not fit in `output`).
pub fn encode(
    id: u8,
    input: &[u8],
    output: &mut [u8],
    meta: u8,
    typesize: i32,
) -> Result<c_int, String> {
    let codec = plugins::codec(id)?;
    ENCODED.with_borrow_mut(|out| {
        let info = block_info(typesize, input.len());
        let encoded = codec
            .encode(input, meta, &info, out)
            .map_err(|e| failed("codec", id, &e))?;
        if !encoded || out.len() >= input.len() || out.len() > output.len() {
            return Ok(0);
        }
        copy_bytes(&mut output[..out.len()], out);
        c_int::try_from(out.len()).map_err(|_| "an encoded block past 2 GiB".to_owned())
    })
}

/// Decodes `input` with codec `id` into all of `output`: its length.
pub fn decode(
    id: u8,
    input: &[u8],
    output: &mut [u8],
    meta: u8,
    typesize: i32,
) -> Result<c_int, String> {
    let codec = plugins::codec(id)?;
    let info = block_info(typesize, output.len());
    codec
        .decode(input, meta, &info, output)
        .map_err(|e| failed("codec", id, &e))?;
    c_int::try_from(output.len()).map_err(|_| "a block past 2 GiB".to_owned())
}

/// Runs filter `id` forward or backward from `input` into `output`: 0.
pub fn filter(
    id: u8,
    forward: bool,
    input: &[u8],
    output: &mut [u8],
    meta: u8,
    typesize: i32,
) -> Result<c_int, String> {
    let filter = plugins::filter(id)?;
    let info = block_info(typesize, input.len());
    let done = if forward {
        filter.forward(input, meta, &info, output)
    } else {
        filter.backward(input, meta, &info, output)
    };
    done.map_err(|e| failed("filter", id, &e))?;
    Ok(0)
}

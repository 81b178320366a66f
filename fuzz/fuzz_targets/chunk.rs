//! Decompresses arbitrary bytes as one chunk (see
//! `sandpress_frame::fuzzing::chunk`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sandpress_frame::fuzzing::chunk(data);
});

//! Opens arbitrary bytes as a frame, then reads and decompresses what it
//! holds (see `sandpress_frame::fuzzing::frame`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sandpress_frame::fuzzing::frame(data);
});

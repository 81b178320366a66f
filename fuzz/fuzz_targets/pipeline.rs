//! Builds a random valid pipeline of built-ins and round-trips data
//! through it (see `sandpress_frame::fuzzing::pipeline`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sandpress_frame::fuzzing::pipeline(data);
});

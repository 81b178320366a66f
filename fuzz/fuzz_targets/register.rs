//! Registers arbitrary bytes as each kind of plugin and calls what loads
//! (see `sandpress_sandbox::fuzzing::register`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sandpress_sandbox::fuzzing::register(data);
});

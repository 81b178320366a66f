//! The structured fuzz bodies on random inputs: `fuzzing::pipeline` (a
//! random pipeline of built-ins, round-tripped) and
//! `sandpress_sandbox::fuzzing::register` (plugin registration from
//! arbitrary and from damaged valid components). What the fuzzer runs,
//! run here on every test run.

use proptest::prelude::*;
use sandpress_core::plugin::PluginKind;
use sandpress_example_plugins::{DELTA_FILTER, REPEAT_CODEC};
use sandpress_frame::fuzzing;
use sandpress_sandbox::fuzzing::{Registered, register};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_pipelines_round_trip(
        spec in proptest::collection::vec(any::<u8>(), 40),
        data in proptest::collection::vec(0u8..4, 0..20_000),
    ) {
        // Few distinct values: the codecs find something to compress.
        let mut input = spec;
        input.extend(data);
        fuzzing::pipeline(&input);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn damaged_components_register_or_fail_cleanly(
        which in 0..2usize,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = [DELTA_FILTER, REPEAT_CODEC][which].to_vec();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        register(&bytes);
    }
}

#[test]
fn valid_components_register_and_run() {
    // The undamaged components load as their one kind and both their calls
    // succeed: the body reaches past registration.
    let filter = register(DELTA_FILTER);
    assert_eq!(filter.kinds, [PluginKind::Filter]);
    assert_eq!(filter.calls_ok, 2);
    let codec = register(REPEAT_CODEC);
    assert_eq!(codec.kinds, [PluginKind::Codec]);
    assert_eq!(codec.calls_ok, 2);
    assert_eq!(register(&[]), Registered::default());
    assert_eq!(register(b"\0asm\x0d\0\x01\0"), Registered::default());
}

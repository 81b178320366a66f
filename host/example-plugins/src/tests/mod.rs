//! The built components: well-formed, importing nothing, exporting their
//! one interface (and `types`, which holds only the `block-info` type).

use crate::surface::surface;
use crate::{BYTE_SHUFFLE, DELTA_FILTER, REPEAT_CODEC, STEP_CODEC, examples};
use sandpress_core::plugin::PluginKind;

#[test]
fn components_import_nothing_and_export_their_interface() {
    for example in examples() {
        let found = surface(example.bytes).unwrap();
        let interface = match example.kind {
            PluginKind::Codec => "sandpress:plugin/codec@0.1.0",
            PluginKind::Filter => "sandpress:plugin/filter@0.1.0",
            other => panic!("no example of kind {other}"),
        };
        assert_eq!(found.imports, Vec::<String>::new(), "{}", example.name);
        assert_eq!(
            found.exports,
            ["sandpress:plugin/types@0.1.0", interface],
            "{}",
            example.name
        );
    }
}

#[test]
fn components_validate() {
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    for example in examples() {
        validator.reset();
        validator
            .validate_all(example.bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", example.name));
        // A component (layer 1), not a core module.
        assert_eq!(
            &example.bytes[..8],
            b"\0asm\x0d\0\x01\0",
            "{}",
            example.name
        );
    }
}

#[test]
fn examples_are_the_four_constants() {
    let names: Vec<_> = examples().iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        ["repeat-codec", "delta-filter", "step-codec", "byte-shuffle"]
    );
    let constants = [REPEAT_CODEC, DELTA_FILTER, STEP_CODEC, BYTE_SHUFFLE];
    for (example, bytes) in examples().iter().zip(constants) {
        assert_eq!(example.bytes, bytes, "{}", example.name);
    }
    assert_ne!(REPEAT_CODEC, STEP_CODEC);
}

mod run;

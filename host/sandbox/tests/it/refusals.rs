//! Components the sandbox refuses to load, each with its error variant.

use sandpress_core::plugin::PluginKind;
use sandpress_sandbox::{Limits, Sandbox, SandboxError};

use crate::common::{guest, sandbox};

#[test]
fn a_core_module_is_refused_as_such() {
    let err = sandbox()
        .load_codec("core", 200, &guest("core_module.wat"))
        .unwrap_err();
    assert_eq!(err, SandboxError::CoreModule);
}

#[test]
fn text_is_not_wasm() {
    let err = sandbox().load_filter(200, b"(component)").unwrap_err();
    assert!(matches!(err, SandboxError::NotWasm { .. }), "{err:?}");
}

#[test]
fn a_filter_is_not_a_codec() {
    let err = sandbox()
        .load_codec("filter", 200, &guest("identity_filter.wat"))
        .unwrap_err();
    assert_eq!(
        err,
        SandboxError::MissingInterface {
            kind: PluginKind::Codec,
            expected: "sandpress:plugin/codec@0.1.0".to_owned(),
            found: vec!["sandpress:plugin/filter@0.1.0".to_owned()],
        }
    );
}

#[test]
fn a_codec_is_not_a_prefilter() {
    let err = sandbox()
        .load_prefilter(&guest("identity_codec.wat"))
        .unwrap_err();
    assert!(
        matches!(&err, SandboxError::MissingInterface { kind: PluginKind::Prefilter, expected, .. }
            if expected == "sandpress:plugin/prefilter@0.1.0"),
        "{err:?}"
    );
}

#[test]
fn a_non_wasi_import_is_refused_by_name() {
    let err = sandbox()
        .load_filter(200, &guest("forbidden_import.wat"))
        .unwrap_err();
    assert_eq!(
        err,
        SandboxError::ForbiddenImport {
            import: "evil:net/socket".to_owned()
        }
    );
}

#[test]
fn a_wrong_function_type_is_refused_showing_both_types() {
    let err = sandbox()
        .load_codec("sig", 200, &guest("wrong_signature_codec.wat"))
        .unwrap_err();
    let info = "record { typesize: u32, blocksize: u32, chunk-index: u64, \
                block-index: u32, offset: u32 }";
    assert_eq!(
        err,
        SandboxError::WrongSignature {
            interface: "sandpress:plugin/codec@0.1.0".to_owned(),
            function: "encode".to_owned(),
            expected: format!("func(list<u8>, u8, {info}) -> result<option<list<u8>>, string>"),
            found: format!("func(list<u8>, u8, {info}) -> result<list<u8>, string>"),
        }
    );
}

#[test]
fn a_missing_function_is_named() {
    let err = sandbox()
        .load_codec("half", 200, &guest("missing_decode_codec.wat"))
        .unwrap_err();
    assert_eq!(
        err,
        SandboxError::MissingFunction {
            interface: "sandpress:plugin/codec@0.1.0".to_owned(),
            function: "decode".to_owned(),
        }
    );
}

#[test]
fn an_oversize_component_is_refused_before_parsing() {
    let bytes = guest("identity_filter.wat");
    let sandbox = Sandbox::builder()
        .no_cache()
        .limits(Limits::default().max_component_size(100))
        .build()
        .expect("sandbox");
    assert_eq!(
        sandbox.load_filter(200, &bytes).unwrap_err(),
        SandboxError::TooLarge {
            size: bytes.len(),
            limit: 100
        }
    );
}

#[test]
fn an_initial_memory_above_the_limit_is_refused() {
    // identity_filter.wat with 300 pages (18.75 MiB) of initial memory, above
    // the tests' 16 MiB limit.
    let text = std::fs::read_to_string(crate::common::guests_dir().join("identity_filter.wat"))
        .expect("read guest")
        .replace(
            "(memory (export \"memory\") 1)",
            "(memory (export \"memory\") 300)",
        );
    let bytes = wat::parse_str(text).expect("parses");
    assert_eq!(
        sandbox().load_filter(200, &bytes).unwrap_err(),
        SandboxError::InitialMemoryTooLarge {
            initial: 300 * 65536,
            limit: crate::common::MEMORY
        }
    );
}

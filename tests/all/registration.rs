//! Registration refuses, with an error naming the problem: ids outside
//! 160-255 or taken, components that do not export the expected world,
//! imports other than WASI, components over the size limit, core modules.

use sandpress_core::plugin::{CodecPlugin, PluginKind};
use sandpress_core::registry::{Registry, RegistryError};
use sandpress_sandbox::{Limits, Sandbox, SandboxError};
use sha2::{Digest, Sha256};

use crate::common::{guest, sandbox};

#[test]
fn ids_outside_the_user_range_or_taken_are_refused() {
    let sb = sandbox();
    let mut r = Registry::new();
    let low = sb
        .load_codec("low", 159, sandpress_example_plugins::REPEAT_CODEC)
        .unwrap();
    assert_eq!(
        r.register_codec(low),
        Err(RegistryError::IdOutOfRange {
            kind: PluginKind::Codec,
            id: 159
        })
    );
    r.register_codec(
        sb.load_codec("a", 200, sandpress_example_plugins::REPEAT_CODEC)
            .unwrap(),
    )
    .unwrap();
    let again = sb
        .load_codec("b", 200, sandpress_example_plugins::STEP_CODEC)
        .unwrap();
    assert!(matches!(
        r.register_codec(again),
        Err(RegistryError::IdTaken { id: 200, .. })
    ));
    r.register_filter(
        sb.load_filter(200, sandpress_example_plugins::DELTA_FILTER)
            .unwrap(),
    )
    .expect("codec and filter ids are separate");
    let f = sb
        .load_filter(200, sandpress_example_plugins::BYTE_SHUFFLE)
        .unwrap();
    assert!(matches!(
        r.register_filter(f),
        Err(RegistryError::IdTaken {
            kind: PluginKind::Filter,
            id: 200,
            ..
        })
    ));
}

#[test]
fn the_component_hash_is_recorded() {
    let c = sandbox()
        .load_codec("repeat", 160, sandpress_example_plugins::REPEAT_CODEC)
        .unwrap();
    let expected: [u8; 32] = Sha256::digest(sandpress_example_plugins::REPEAT_CODEC).into();
    assert_eq!(c.meta().sha256, expected);
    assert_eq!(c.meta().name, "repeat");
}

#[test]
fn a_component_of_the_wrong_world_is_refused() {
    let err = sandbox()
        .load_codec("f", 160, sandpress_example_plugins::DELTA_FILTER)
        .unwrap_err();
    match err {
        SandboxError::MissingInterface {
            kind: PluginKind::Codec,
            expected,
            found,
        } => {
            assert_eq!(expected, "sandpress:plugin/codec@0.1.0");
            assert!(
                found.iter().any(|f| f == "sandpress:plugin/filter@0.1.0"),
                "{found:?}"
            );
        }
        other => panic!("expected MissingInterface, got {other}"),
    }
    assert!(matches!(
        sandbox().load_codec("m", 160, &guest("missing_decode_codec.wat")),
        Err(SandboxError::MissingFunction { function, .. }) if function == "decode"
    ));
    assert!(matches!(
        sandbox().load_codec("w", 160, &guest("wrong_signature_codec.wat")),
        Err(SandboxError::WrongSignature { function, .. }) if function == "encode"
    ));
}

#[test]
fn non_wasi_imports_are_refused_by_name() {
    match sandbox().load_filter(160, &guest("forbidden_import.wat")) {
        Err(SandboxError::ForbiddenImport { import }) => {
            assert!(import.starts_with("evil:net/socket"), "{import}")
        }
        other => panic!("expected ForbiddenImport, got {other:?}"),
    }
}

#[test]
fn core_modules_and_oversized_components_are_refused() {
    assert_eq!(
        sandbox()
            .load_codec("m", 160, &guest("core_module.wat"))
            .unwrap_err(),
        SandboxError::CoreModule
    );
    let small = Sandbox::builder()
        .limits(Limits::default().max_component_size(1000))
        .no_cache()
        .build()
        .unwrap();
    assert_eq!(
        small
            .load_codec("big", 160, sandpress_example_plugins::REPEAT_CODEC)
            .unwrap_err(),
        SandboxError::TooLarge {
            size: sandpress_example_plugins::REPEAT_CODEC.len(),
            limit: 1000
        }
    );
    assert!(matches!(
        sandbox().load_codec("junk", 160, b"not wasm at all"),
        Err(SandboxError::NotWasm { .. })
    ));
}

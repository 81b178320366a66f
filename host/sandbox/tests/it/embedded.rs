//! Components embedded in a frame: the recorded sha256 is checked before
//! anything parses, compiles or caches them.

use sandpress_core::Registry;
use sandpress_core::plugin::{PluginKind, PluginMeta};
use sandpress_core::vlmeta::PluginRecord;
use sandpress_sandbox::{Sandbox, SandboxError};

use crate::bomb::bomb_component;
use crate::cache::{entries, temp_dir};
use crate::common::{guest, limits, sandbox};

/// The identity codec as a frame records it, under its true sha256.
fn identity_record() -> PluginRecord {
    use sha2::{Digest, Sha256};
    let bytes = guest("identity_codec.wat");
    let sha256: [u8; 32] = Sha256::digest(&bytes).into();
    record(sha256, bytes)
}

fn record(sha256: [u8; 32], component: Vec<u8>) -> PluginRecord {
    PluginRecord {
        meta: PluginMeta {
            id: 200,
            kind: PluginKind::Codec,
            name: "embedded".to_owned(),
            version: String::new(),
            sha256,
        },
        component: Some(component),
    }
}

#[test]
fn a_wrong_hash_is_refused_before_compiling_or_caching() {
    let dir = temp_dir();
    let sandbox = Sandbox::builder()
        .cache_dir(&dir)
        .limits(limits())
        .build()
        .expect("sandbox");
    for component in [guest("identity_codec.wat"), bomb_component(1_200_000)] {
        let mut registry = Registry::new();
        let err = sandbox
            .register_embedded(&[record([7; 32], component)], &mut registry)
            .expect_err("refused");
        assert!(
            matches!(&err, SandboxError::HashMismatch { id: 200, recorded, .. } if *recorded == "07".repeat(32)),
            "{err:?}"
        );
        assert!(registry.codec(200).is_none());
    }
    let cached = sandbox.cache_dir().map(entries).unwrap_or_default();
    assert!(cached.is_empty(), "cached: {cached:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_right_hash_loads() {
    let mut registry = Registry::new();
    let loaded = sandbox()
        .register_embedded(&[identity_record()], &mut registry)
        .expect("loads");
    assert_eq!(loaded.len(), 1);
    assert!(registry.codec(200).is_some());
}

#[test]
fn a_registry_refusal_keeps_its_cause() {
    use sandpress_core::registry::RegistryError;
    let sandbox = sandbox();
    let mut registry = Registry::new();
    let other = sandbox
        .load_codec("embedded", 201, &guest("identity_codec.wat"))
        .expect("loads");
    registry.register_codec(other).expect("registers");
    let err = sandbox
        .register_embedded(&[identity_record()], &mut registry)
        .expect_err("the name is taken");
    assert!(
        matches!(
            &err,
            SandboxError::Register {
                source: RegistryError::NameTaken { id: 201, .. }
            }
        ),
        "{err:?}"
    );
    let source = std::error::Error::source(&err).expect("a source");
    assert!(source.downcast_ref::<RegistryError>().is_some());
    assert!(registry.codec(200).is_none());
}

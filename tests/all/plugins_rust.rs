//! `sandpress plugin new`, `build` and `check` for a Rust plugin, from an
//! empty folder, as a user runs them.

use sandpress_core::plugin::PluginKind;
use sandpress_tooling::{Lang, ToolError, build, check, new};

#[test]
fn new_build_check_a_rust_codec() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("mycodec");
    let p = new::new(&proj, "mycodec", Lang::Rust, PluginKind::Codec, 170).unwrap();
    assert_eq!((p.kind, p.lang, p.id), (PluginKind::Codec, Lang::Rust, 170));
    assert!(proj.join("README.md").exists());
    let built = build::build(&proj).unwrap();
    assert!(built.imports.is_empty(), "{:?}", built.imports);
    assert_eq!(built.path, proj.join("build/mycodec.wasm"));
    let plugin = check::load(crate::common::sandbox(), "mycodec", 170, &built.component).unwrap();
    assert_eq!(plugin.meta().kind, PluginKind::Codec);
    let report = check::check(&plugin, 0, std::time::Duration::from_millis(5));
    assert!(report.passed(), "{:?}", report.cases);
    // The template's codec stores a block of one repeated item as the item.
    let info = sandpress_core::plugin::BlockInfo {
        typesize: 4,
        blocksize: 4000,
        ..Default::default()
    };
    let check::AnyPlugin::Codec(codec) = plugin else {
        panic!("a codec");
    };
    let block: Vec<u8> = 7u32.to_le_bytes().repeat(1000);
    let mut enc = Vec::new();
    assert!(codec.encode(&block, 0, &info, &mut enc).unwrap());
    assert_eq!(enc, 7u32.to_le_bytes());
    let mut out = vec![0; 4000];
    codec.decode(&enc, 0, &info, &mut out).unwrap();
    assert_eq!(out, block);

    // A second project in a folder that is not empty is refused.
    let e = new::new(&proj, "again", Lang::Rust, PluginKind::Filter, 160).unwrap_err();
    assert!(e.to_string().contains("not empty"), "{e}");
    // A project that does not compile names the failed step.
    std::fs::write(proj.join("src/lib.rs"), "this is not rust").unwrap();
    let e = build::build(&proj).unwrap_err();
    assert!(
        matches!(
            e,
            ToolError::StepFailed {
                step: "cargo build",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn check_names_what_a_non_plugin_lacks() {
    let sandbox = crate::common::sandbox();
    let core = wat::parse_str("(module)").unwrap();
    let e = check::load(sandbox, "x", 160, &core)
        .err()
        .expect("a core module is refused");
    assert!(e.to_string().contains("core WebAssembly module"), "{e}");
    let empty = wat::parse_str("(component)").unwrap();
    let e = check::load(sandbox, "x", 160, &empty)
        .err()
        .expect("no interface");
    assert!(
        e.to_string().contains("sandpress:plugin/codec@0.1.0"),
        "{e}"
    );
}

//! `sandpress plugin new`, `build` and `check` for every language, from an
//! empty folder, as a user runs them; a project that does not compile
//! names its failed step.

use std::time::Duration;

use sandpress_core::plugin::PluginKind;
use sandpress_tooling::{ToolError, build, check, new};

use super::{Lang, decode, encode, info, needs_tools};
use crate::common::sandbox;

/// What `plugin new` makes in one language, and how to break its source.
struct Template {
    lang: sandpress_tooling::Lang,
    /// The kinds made, built and checked.
    kinds: &'static [PluginKind],
    /// Files every new project of `x` has.
    files: &'static [&'static str],
    /// The project kind, file and edit that make the source not compile,
    /// and the build step that then fails.
    broken: (PluginKind, &'static str, fn(String) -> String, &'static str),
}

const TEMPLATES: [Template; 3] = [
    Template {
        lang: sandpress_tooling::Lang::Rust,
        kinds: &[PluginKind::Codec],
        files: &["README.md"],
        broken: (
            PluginKind::Codec,
            "src/lib.rs",
            |_| "this is not rust".into(),
            "cargo build",
        ),
    },
    Template {
        lang: sandpress_tooling::Lang::C,
        kinds: &[
            PluginKind::Codec,
            PluginKind::Filter,
            PluginKind::Prefilter,
            PluginKind::Postfilter,
        ],
        files: &["sdk/sandpress.h", "src/x.c"],
        broken: (
            PluginKind::Codec,
            "src/x.c",
            |_| {
                "#include \"sandpress.h\"\nint sp_encode(const uint8_t *in size_t len) { return }\n"
                    .into()
            },
            "compile",
        ),
    },
    Template {
        lang: sandpress_tooling::Lang::AssemblyScript,
        kinds: &[PluginKind::Codec, PluginKind::Filter],
        files: &[],
        broken: (
            PluginKind::Filter,
            "assembly/index.ts",
            |s| {
                let typo = s.replace("let prev: u8 = 0;", "let prev: u8 = \"zero\";");
                assert_ne!(typo, s, "the template changed: break it another way");
                typo
            },
            "compile",
        ),
    },
];

#[test]
fn new_build_check_from_an_empty_folder() {
    for t in &TEMPLATES {
        let lang = match t.lang {
            sandpress_tooling::Lang::Rust => Lang::Rust,
            sandpress_tooling::Lang::C => Lang::C,
            sandpress_tooling::Lang::AssemblyScript => Lang::AssemblyScript,
        };
        if !needs_tools(lang) {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        let what = |kind: PluginKind| format!("{:?} {kind:?}", t.lang);
        for &kind in t.kinds {
            let dir = tmp.path().join(format!("{kind:?}").to_lowercase());
            let p = new::new(&dir, "x", t.lang, kind, 160).unwrap();
            assert_eq!((p.kind, p.lang, p.id), (kind, t.lang, 160));
            for file in t.files {
                assert!(dir.join(file).is_file(), "{}: {file}", what(kind));
            }
            let b = build::build(&dir).unwrap_or_else(|e| panic!("{}: {e}", what(kind)));
            assert!(b.imports.is_empty(), "{}: {:?}", what(kind), b.imports);
            assert_eq!(b.path, dir.join("build/x.wasm"));
            let plugin = check::load(sandbox(), "x", 160, &b.component).unwrap();
            assert_eq!(check::kind(&plugin), kind);
            for meta in [0, 1] {
                let report = check::check(&plugin, meta, Duration::from_millis(1));
                let failed: Vec<_> = report.cases.iter().filter(|c| c.outcome.is_err()).collect();
                assert!(report.passed(), "{}: {failed:?}", what(kind));
            }
            if let check::AnyPlugin::Codec(codec) = plugin {
                template_codec_stores_a_repeated_item(codec.as_ref());
            }
        }
        // A second project in a folder that is not empty is refused.
        let codec = tmp.path().join("codec");
        let e = new::new(&codec, "again", t.lang, PluginKind::Filter, 160).unwrap_err();
        assert!(e.to_string().contains("not empty"), "{e}");
        // A project that does not compile names the failed step.
        let (kind, file, edit, step) = t.broken;
        let dir = tmp.path().join(format!("{kind:?}").to_lowercase());
        let source = std::fs::read_to_string(dir.join(file)).unwrap();
        std::fs::write(dir.join(file), edit(source)).unwrap();
        match build::build(&dir) {
            Err(ToolError::StepFailed { step: failed, .. }) => {
                assert_eq!(failed, step, "{:?}", t.lang);
            }
            other => panic!("{:?}: expected {step} to fail, got {other:?}", t.lang),
        }
    }
}

/// The template's codec stores a block of one repeated item as the item,
/// and declines other blocks.
fn template_codec_stores_a_repeated_item(codec: &dyn sandpress_core::plugin::CodecPlugin) {
    for item in [&7u32.to_le_bytes()[..], &[1, 2, 3], &[1, 2, 3, 4]] {
        for n in [3, 1000] {
            let block = item.repeat(n);
            let bi = info(block.len(), item.len() as u32, 0);
            let enc = encode(codec, &block, 0, &bi).unwrap();
            assert_eq!(enc.as_deref(), Some(item));
            assert_eq!(decode(codec, item, 0, &bi).unwrap(), block);
        }
    }
    let bi = info(12, 4, 0);
    let mixed = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    assert_eq!(encode(codec, &mixed, 0, &bi), Ok(None));
}

#[test]
fn check_names_what_a_non_plugin_lacks() {
    let sandbox = sandbox();
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

//! What only the AssemblyScript SDK has: its examples are built from a
//! copy of the tree, and its glue keeps the guest's memory flat over
//! thousands of 1 MiB calls.

use std::path::Path;
use std::sync::OnceLock;

use sandpress_core::plugin::{CodecPlugin, FilterPlugin, PluginError, Stopped};
use sandpress_sandbox::{Limits, Sandbox};
use sandpress_tooling::{Lang, build, componentize};

use super::{Components, examples_dir, info, needs_tools};
use crate::common::shaped;

/// Copies `from` (a file or a directory, without its `build/` and
/// `node_modules/`) into `to`.
fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if name == "build" || name == "node_modules" {
                continue;
            }
            copy_tree(&entry.path(), &to.join(name));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

/// The three examples built from source, once, with
/// `sandpress_tooling::build::build` (with the asc `scripts/setup`
/// installed; tests check [`needs_tools`] first). They
/// are built from a copy (the SDK and the project, laid out as in the
/// repository) so that concurrent test runs do not write into the source
/// tree; they import nothing.
pub fn components() -> &'static Components {
    static C: OnceLock<Components> = OnceLock::new();
    C.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        copy_tree(
            &examples_dir("../sdk/assemblyscript"),
            &tmp.path().join("sdk/assemblyscript"),
        );
        let build_one = |name: &str| {
            let dir = tmp.path().join("examples/assemblyscript").join(name);
            copy_tree(&examples_dir("assemblyscript").join(name), &dir);
            let built = build::build(&dir).unwrap_or_else(|e| panic!("building {name}: {e}"));
            assert_eq!(built.project.lang, Lang::AssemblyScript);
            assert!(
                built.imports.is_empty() && componentize::imports(&built.component).is_empty(),
                "{name} imports {:?}",
                built.imports
            );
            built.component
        };
        let (repeat, delta, step) = std::thread::scope(|s| {
            let repeat = s.spawn(|| build_one("repeat-codec"));
            let delta = s.spawn(|| build_one("delta-filter"));
            let step = build_one("step-codec");
            (repeat.join().unwrap(), delta.join().unwrap(), step)
        });
        Components {
            repeat,
            delta,
            step,
        }
    })
}

/// 2,000 calls of 1 MiB each through the ABI glue (in-place filter calls,
/// decodes that allocate their output, encodes that answer a view of their
/// input, and failing calls) in a 32 MiB sandbox: a leak of one block per
/// call would pass the limit within 32 calls.
#[test]
fn as_plugin_memory_stays_flat() {
    if !needs_tools(super::Lang::AssemblyScript) {
        return;
    }
    let c = components();
    let sb = Sandbox::builder()
        .limits(Limits::default().memory(32 << 20))
        .build()
        .unwrap();
    let delta = sb.load_filter(160, &c.delta).unwrap();
    let repeat = sb.load_codec("repeat-codec", 160, &c.repeat).unwrap();
    let step = sb.load_codec("step-codec", 184, &c.step).unwrap();
    let len = 1 << 20;
    let bi = info(len, 4, 0);
    let data = shaped(len, 4, 1, 9);
    let steps = shaped(len, 4, 4, 9);
    let mut out = vec![0; len];
    let mut enc = Vec::new();
    let value = [7, 0, 0, 0, 0, 0, 4, 0];
    for call in 0..2_000 {
        match call % 5 {
            0 => delta.forward(&data, 0, &bi, &mut out),
            1 => delta.backward(&data, 0, &bi, &mut out),
            2 => repeat.decode(&value, 0, &bi, &mut out),
            3 => step.encode(&steps, 0, &bi, &mut enc).map(|e| assert!(e)),
            _ => match repeat.decode(&value[..7], 0, &bi, &mut out) {
                Err(PluginError::Refused { .. }) => Ok(()),
                other => panic!("call {call}: {other:?}"),
            },
        }
        .unwrap_or_else(|e| {
            assert!(
                !matches!(e, PluginError::Stopped(Stopped::MemoryLimit { .. })),
                "call {call} hit the memory limit: the glue leaks"
            );
            panic!("call {call}: {e}")
        });
    }
}

//! The AssemblyScript SDK and the tutorial's three plugins written with it
//! (`guest-examples/assemblyscript`), built from source with
//! `sandpress_tooling::build::build` (asc is installed on first use):
//! they import nothing, round-trip through the pipeline, answer byte for
//! byte what the Rust components answer, keep their memory flat over
//! thousands of 1 MiB calls; and `new` + `build` + `check` work for AS
//! projects from an empty folder.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use proptest::prelude::*;
use sandpress_core::pipeline::{compress_chunk, decompress_chunk};
use sandpress_core::plugin::{
    BlockInfo, CodecPlugin, FilterPlugin, PluginError, PluginKind, Stopped,
};
use sandpress_core::{CParams, DParams, Registry, SplitMode};
use sandpress_plugins::native;
use sandpress_sandbox::{Limits, Sandbox};
use sandpress_tooling::{Lang, ToolError, build, check, componentize};

use crate::common::sandbox;

/// The AS components of the three examples.
struct Components {
    repeat: Vec<u8>,
    delta: Vec<u8>,
    step: Vec<u8>,
}

/// `guest-examples/assemblyscript`.
fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-examples/assemblyscript")
}

/// Copies `rel` (a file or a directory, without its `build/` and
/// `node_modules/`) from `from` into `to`.
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

/// The three examples built from source, once. They are built from a copy
/// (the SDK and the project, side by side as in the repository) so that
/// concurrent test runs do not write into the source tree.
fn components() -> &'static Components {
    static C: OnceLock<Components> = OnceLock::new();
    C.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        copy_tree(&examples_dir().join("sdk"), &tmp.path().join("sdk"));
        let build_one = |name: &str| {
            let dir = tmp.path().join(name);
            copy_tree(&examples_dir().join(name), &dir);
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

/// The AS plugins, loaded in the shared test sandbox.
struct AsPlugins {
    repeat: Arc<dyn CodecPlugin>,
    step: Arc<dyn CodecPlugin>,
    delta: Arc<dyn FilterPlugin>,
}

fn as_plugins() -> &'static AsPlugins {
    static P: OnceLock<AsPlugins> = OnceLock::new();
    P.get_or_init(|| {
        let c = components();
        let sb = sandbox();
        AsPlugins {
            repeat: sb.load_codec("repeat-codec", 160, &c.repeat).unwrap(),
            step: sb.load_codec("step-codec", 184, &c.step).unwrap(),
            delta: sb.load_filter(160, &c.delta).unwrap(),
        }
    })
}

/// The Rust components of the same three plugins.
fn rust_plugins() -> &'static AsPlugins {
    static P: OnceLock<AsPlugins> = OnceLock::new();
    P.get_or_init(|| {
        let sb = sandbox();
        AsPlugins {
            repeat: sb
                .load_codec("repeat-codec", 160, sandpress_plugins::REPEAT_CODEC)
                .unwrap(),
            step: sb
                .load_codec("step-codec", 184, sandpress_plugins::STEP_CODEC)
                .unwrap(),
            delta: sb
                .load_filter(160, sandpress_plugins::DELTA_FILTER)
                .unwrap(),
        }
    })
}

/// AS and native registries: codecs 160 (repeat) and 184 (step), filter
/// 160 (delta).
fn registries() -> &'static (Registry, Registry) {
    static R: OnceLock<(Registry, Registry)> = OnceLock::new();
    R.get_or_init(|| {
        let p = as_plugins();
        let mut wasm = Registry::new();
        wasm.register_codec(p.repeat.clone()).unwrap();
        wasm.register_codec(p.step.clone()).unwrap();
        wasm.register_filter(p.delta.clone()).unwrap();
        let mut nat = Registry::new();
        nat.register_codec(Arc::new(native::RepeatCodec::new()))
            .unwrap();
        nat.register_codec(Arc::new(native::StepCodec::new()))
            .unwrap();
        nat.register_filter(Arc::new(native::DeltaFilter::new()))
            .unwrap();
        (wasm, nat)
    })
}

/// Data of `len` bytes in one of five shapes, so that codecs both encode
/// and decline: one repeated item, an arithmetic sequence of little-endian
/// items, a start then one repeated step (a delta-filtered sequence), a
/// repeated item whose last byte differs, and noise.
fn shaped(len: usize, typesize: usize, shape: u8, seed: u8) -> Vec<u8> {
    let ts = typesize.max(1);
    let item = |k: usize, i: usize| -> u8 {
        let v = (k as u64).wrapping_mul(3).wrapping_add(u64::from(seed));
        v.to_le_bytes().get(i).copied().unwrap_or(0)
    };
    let mut out: Vec<u8> = (0..len)
        .map(|i| match shape {
            0 | 3 => seed.wrapping_add((i % ts) as u8),
            1 => item(i / ts, i % ts),
            2 => item(usize::from(i >= ts), i % ts),
            _ => (i as u32)
                .wrapping_mul(2_654_435_761)
                .wrapping_add(u32::from(seed))
                .to_le_bytes()[3],
        })
        .collect();
    if shape == 3
        && let Some(last) = out.last_mut()
    {
        *last ^= 0x80;
    }
    out
}

fn info(len: usize, typesize: u32, block: u32) -> BlockInfo {
    BlockInfo {
        typesize,
        blocksize: len as u32,
        chunk_index: u64::from(block) * 7,
        block_index: block,
        offset: block.wrapping_mul(len as u32),
    }
}

fn encode(
    c: &dyn CodecPlugin,
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
) -> Result<Option<Vec<u8>>, PluginError> {
    let mut out = Vec::new();
    Ok(c.encode(input, meta, bi, &mut out)?.then_some(out))
}

fn decode(
    c: &dyn CodecPlugin,
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
) -> Result<Vec<u8>, PluginError> {
    let mut out = vec![0; bi.blocksize as usize];
    c.decode(input, meta, bi, &mut out)?;
    Ok(out)
}

fn forward(
    f: &dyn FilterPlugin,
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
) -> Result<Vec<u8>, PluginError> {
    let mut out = vec![0; input.len()];
    f.forward(input, meta, bi, &mut out)?;
    Ok(out)
}

fn backward(
    f: &dyn FilterPlugin,
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
) -> Result<Vec<u8>, PluginError> {
    let mut out = vec![0; input.len()];
    f.backward(input, meta, bi, &mut out)?;
    Ok(out)
}

/// Block sizes of the equivalence test: empty, one byte, odd, block
/// multiples, 64 KiB and 1 MiB.
const SIZES: [usize; 9] = [0, 1, 7, 1001, 256, 4096, 65_536, 65_536 + 3, 1 << 20];

/// Same bytes as the Rust components for every size, typesize, meta and
/// shape; each decodes the other's output.
#[test]
fn as_plugins_answer_what_the_rust_plugins_answer() {
    let (a, r) = (as_plugins(), rust_plugins());
    let mut encoded = [0usize; 2];
    for len in SIZES {
        for ts in [1u32, 2, 4, 8] {
            for meta in [0u8, 1] {
                for shape in 0..5u8 {
                    let input = shaped(len, ts as usize, shape, len as u8 ^ meta);
                    let bi = info(len, ts, u32::from(shape));
                    let what = format!("len {len} typesize {ts} meta {meta} shape {shape}");

                    // The delta filter, both ways and back again.
                    let fwd = forward(&*a.delta, &input, meta, &bi);
                    assert_eq!(
                        fwd,
                        forward(&*r.delta, &input, meta, &bi),
                        "delta forward, {what}"
                    );
                    let fwd = fwd.unwrap();
                    let back = backward(&*a.delta, &input, meta, &bi);
                    assert_eq!(
                        back,
                        backward(&*r.delta, &input, meta, &bi),
                        "delta backward, {what}"
                    );
                    assert_eq!(
                        backward(&*a.delta, &fwd, meta, &bi).unwrap(),
                        input,
                        "{what}"
                    );

                    // The codecs, on the data and on its deltas (the tutorial's pipeline).
                    for (name, ac, rc) in
                        [("repeat", &a.repeat, &r.repeat), ("step", &a.step, &r.step)]
                    {
                        for data in [&input, &fwd] {
                            let mine = encode(&**ac, data, meta, &bi);
                            let theirs = encode(&**rc, data, meta, &bi);
                            assert_eq!(mine, theirs, "{name} encode, {what}");
                            if let Some(enc) = mine.unwrap() {
                                encoded[usize::from(name == "step")] += 1;
                                assert_eq!(
                                    decode(&**ac, &enc, meta, &bi).unwrap(),
                                    *data,
                                    "{name}, {what}"
                                );
                                assert_eq!(
                                    decode(&**rc, &enc, meta, &bi).unwrap(),
                                    *data,
                                    "{name}, {what}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        encoded[0] > 30 && encoded[1] > 30,
        "too few blocks encoded: {encoded:?}"
    );
}

/// The errors are the Rust plugins' too, word for word.
#[test]
fn as_plugins_refuse_what_the_rust_plugins_refuse() {
    let (a, r) = (as_plugins(), rust_plugins());
    let bi = |typesize: u32, blocksize: u32| BlockInfo {
        typesize,
        blocksize,
        ..BlockInfo::default()
    };
    let decodes: [(&[u8], BlockInfo); 8] = [
        (&[1, 0, 0, 0, 3, 0, 0], bi(4, 12)),
        (&[1, 0, 0, 0, 4, 0, 0, 0], bi(4, 12)),
        (&[1, 0, 0, 0, 0, 0, 0, 3], bi(4, 12)),
        (&[1, 2, 3, 4], bi(0, 12)),
        (&[], bi(1, 0)),
        (&[1, 2, 3], bi(2, 6)),
        (&[1, 2, 3, 4, 5, 6, 7, 8], bi(4, 6)),
        (&[0xff; 8], bi(u32::MAX, 16)),
    ];
    let mut refused = 0;
    for (input, bi) in decodes {
        for meta in [0, 1] {
            for (ac, rc) in [(&a.repeat, &r.repeat), (&a.step, &r.step)] {
                let mine = decode(&**ac, input, meta, &bi);
                assert_eq!(mine, decode(&**rc, input, meta, &bi), "{input:?} {bi:?}");
                refused += usize::from(matches!(mine, Err(PluginError::Refused { .. })));
            }
        }
    }
    assert!(refused >= 20, "{refused}");
    let zero = bi(0, 4);
    for data in [&[1u8, 2, 3, 4][..], &[]] {
        let mine = forward(&*a.delta, data, 0, &zero);
        assert!(
            matches!(&mine, Err(PluginError::Refused { message }) if message == "typesize is 0")
        );
        assert_eq!(mine, forward(&*r.delta, data, 0, &zero));
        assert_eq!(
            backward(&*a.delta, data, 0, &zero),
            backward(&*r.delta, data, 0, &zero)
        );
        assert_eq!(encode(&*a.repeat, data, 0, &zero), Ok(None));
        assert_eq!(encode(&*a.step, data, 0, &zero), Ok(None));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Through the pipeline (filters, split modes, the last short block),
    /// the AS plugins write the native plugins' chunks and read them back.
    #[test]
    fn as_plugins_round_trip_in_the_pipeline(
        len in prop_oneof![Just(0usize), Just(1), 2usize..200, (1usize..6).prop_map(|k| k * 256), 300usize..3000],
        typesize in 1u8..=16,
        shape in 0u8..5,
        seed in any::<u8>(),
        pipeline in prop::sample::select(vec![(160u8, [0u8; 6]), (184, [160, 0, 0, 0, 0, 0]), (184, [0; 6]), (160, [160, 160, 0, 0, 0, 0])]),
        split in prop_oneof![Just(SplitMode::Always), Just(SplitMode::Never)],
        meta in 0u8..2,
    ) {
        let (wasm, nat) = registries();
        let data = shaped(len, usize::from(typesize), shape, seed);
        let cp = CParams {
            codec: pipeline.0,
            codec_meta: meta,
            typesize,
            filters: pipeline.1,
            blocksize: 256,
            splitmode: split,
            ..CParams::default()
        };
        let w = compress_chunk(&data, &cp, wasm, 3).unwrap();
        prop_assert_eq!(&w, &compress_chunk(&data, &cp, nat, 3).unwrap(), "AS and native chunks differ");
        let mut out = vec![0; len];
        decompress_chunk(&w, &DParams::default(), wasm, 3, &mut out).unwrap();
        prop_assert_eq!(&out, &data);
    }
}

/// 2,000 calls of 1 MiB each through the ABI glue (in-place filter calls,
/// decodes that allocate their output, encodes that answer a view of their
/// input, and failing calls) in a 32 MiB sandbox: a leak of one block per
/// call would pass the limit within 32 calls.
#[test]
fn as_plugin_memory_stays_flat() {
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
    let steps = shaped(len, 4, 2, 9);
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

/// `new` + `build` + `check` for an AS codec and filter, from an empty
/// folder.
#[test]
fn new_as_projects_build_and_pass_check() {
    for (kind, name) in [(PluginKind::Codec, "x"), (PluginKind::Filter, "y")] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(name);
        sandpress_tooling::new::new(&dir, name, Lang::AssemblyScript, kind, 160).unwrap();
        let built = build::build(&dir).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert!(built.imports.is_empty(), "{:?}", built.imports);
        assert_eq!(built.path, dir.join("build").join(format!("{name}.wasm")));
        let plugin = check::load(sandbox(), name, 160, &built.component).unwrap();
        assert_eq!(check::kind(&plugin), kind);
        let report = check::check(&plugin, 0, Duration::from_millis(5));
        assert!(report.passed(), "{kind:?}: {:?}", report.cases);
        if kind == PluginKind::Codec {
            // The example stores a block of one repeated item as that item.
            let check::AnyPlugin::Codec(codec) = plugin else {
                unreachable!()
            };
            let bi = info(12, 4, 0);
            assert_eq!(
                encode(&*codec, &[1, 2, 3, 4].repeat(3), 0, &bi),
                Ok(Some(vec![1, 2, 3, 4]))
            );
            assert_eq!(
                encode(&*codec, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 0, &bi),
                Ok(None)
            );
        }
    }
}

/// A type error stops the build at the compile step.
#[test]
fn as_type_error_fails_the_compile_step() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("broken");
    sandpress_tooling::new::new(
        &dir,
        "broken",
        Lang::AssemblyScript,
        PluginKind::Filter,
        170,
    )
    .unwrap();
    let index = dir.join("assembly/index.ts");
    let source = std::fs::read_to_string(&index).unwrap();
    std::fs::write(
        &index,
        source.replace("let prev: u8 = 0;", "let prev: u8 = \"zero\";"),
    )
    .unwrap();
    match build::build(&dir) {
        Err(ToolError::StepFailed { step, .. }) => assert_eq!(step, "compile"),
        other => panic!("expected the compile step to fail, got {other:?}"),
    }
}

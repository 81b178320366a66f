//! The C plugin SDK (`guest-examples/c`): the tutorial's three plugins in C
//! are built from source, import nothing, round-trip through the pipeline,
//! and answer byte for byte what the Rust components answer; `plugin new`,
//! `build` and `check` work for C projects from an empty folder; the SDK's
//! glue frees what it allocates and turns misuse into errors.
//!
//! Needs clang-19, lld-19 and wasi-libc (`scripts/test` installs them).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use proptest::prelude::*;
use sandpress_core::pipeline::{compress_chunk, decompress_chunk};
use sandpress_core::plugin::{BlockInfo, CodecPlugin, FilterPlugin, PluginError, PluginKind};
use sandpress_core::{CParams, DParams, Registry, SplitMode};
use sandpress_plugins::native;
use sandpress_tooling::build::{Built, build};
use sandpress_tooling::error::ToolError;
use sandpress_tooling::project::Lang;
use sandpress_tooling::{check, componentize};

use crate::common::{chunks, example_pipelines, ints, sandbox, schunk, shaped};

/// The directory of the C example `name`.
fn example_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../guest-examples/c")
        .join(name)
}

/// The three C examples, built from source once per test run.
struct CExamples {
    repeat: Built,
    delta: Built,
    step: Built,
}

fn built() -> &'static CExamples {
    static B: OnceLock<CExamples> = OnceLock::new();
    B.get_or_init(|| {
        let b = |name: &str| {
            build(&example_dir(name)).unwrap_or_else(|e| panic!("building {name}: {e}"))
        };
        CExamples {
            repeat: b("repeat-codec"),
            delta: b("delta-filter"),
            step: b("step-codec"),
        }
    })
}

/// The C and the Rust components, loaded in the sandbox.
struct Loaded {
    c_repeat: Arc<dyn CodecPlugin>,
    c_step: Arc<dyn CodecPlugin>,
    c_delta: Arc<dyn FilterPlugin>,
    rs_repeat: Arc<dyn CodecPlugin>,
    rs_step: Arc<dyn CodecPlugin>,
    rs_delta: Arc<dyn FilterPlugin>,
}

fn loaded() -> &'static Loaded {
    static L: OnceLock<Loaded> = OnceLock::new();
    L.get_or_init(|| {
        let sb = sandbox();
        let b = built();
        Loaded {
            c_repeat: sb.load_codec("repeat-c", 160, &b.repeat.component).unwrap(),
            c_step: sb.load_codec("step-c", 184, &b.step.component).unwrap(),
            c_delta: sb.load_filter(160, &b.delta.component).unwrap(),
            rs_repeat: sb
                .load_codec("repeat", 160, sandpress_plugins::REPEAT_CODEC)
                .unwrap(),
            rs_step: sb
                .load_codec("step", 184, sandpress_plugins::STEP_CODEC)
                .unwrap(),
            rs_delta: sb
                .load_filter(160, sandpress_plugins::DELTA_FILTER)
                .unwrap(),
        }
    })
}

/// C and native registries with codecs 160 (repeat) and 184 (step) and
/// filter 160 (delta); both have the byte-shuffle filter 161 (the Rust
/// component in the C registry) so the pipelines mix languages.
fn registries() -> &'static (Registry, Registry) {
    static R: OnceLock<(Registry, Registry)> = OnceLock::new();
    R.get_or_init(|| {
        let l = loaded();
        let mut c = Registry::new();
        c.register_codec(l.c_repeat.clone()).unwrap();
        c.register_codec(l.c_step.clone()).unwrap();
        c.register_filter(l.c_delta.clone()).unwrap();
        c.register_filter(
            sandbox()
                .load_filter(161, sandpress_plugins::BYTE_SHUFFLE)
                .unwrap(),
        )
        .unwrap();
        let mut nat = Registry::new();
        nat.register_codec(Arc::new(native::RepeatCodec::new()))
            .unwrap();
        nat.register_codec(Arc::new(native::StepCodec::new()))
            .unwrap();
        nat.register_filter(Arc::new(native::DeltaFilter::new()))
            .unwrap();
        nat.register_filter(Arc::new(native::ByteShuffle::new()))
            .unwrap();
        (c, nat)
    })
}

/// Data of `len` bytes in one of four shapes, so codecs both compress and
/// decline: one repeated item, an arithmetic sequence of little-endian
fn info(len: usize, typesize: u32) -> BlockInfo {
    BlockInfo {
        typesize,
        blocksize: len as u32,
        chunk_index: 3,
        block_index: 5,
        offset: 7,
    }
}

/// An encoder's answer: `Some(bytes)`, `None` for "store raw", or the
/// error message.
fn encode(
    c: &dyn CodecPlugin,
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
) -> Result<Option<Vec<u8>>, String> {
    let mut out = vec![0xee; 3];
    match c.encode(input, meta, bi, &mut out) {
        Ok(true) => Ok(Some(out)),
        Ok(false) => Ok(None),
        Err(e) => Err(refused(e)),
    }
}

fn decode(c: &dyn CodecPlugin, input: &[u8], meta: u8, bi: &BlockInfo) -> Result<Vec<u8>, String> {
    let mut out = vec![0xee; bi.blocksize as usize];
    c.decode(input, meta, bi, &mut out).map_err(refused)?;
    Ok(out)
}

/// The message of an error the plugin answered; a stopped plugin fails the
/// test.
fn refused(e: PluginError) -> String {
    match e {
        PluginError::Refused { message } => message,
        other => panic!("the sandbox stopped the plugin: {other}"),
    }
}

fn filter(
    f: &dyn FilterPlugin,
    forward: bool,
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
) -> Result<Vec<u8>, String> {
    let mut out = vec![0xee; input.len()];
    let r = if forward {
        f.forward(input, meta, bi, &mut out)
    } else {
        f.backward(input, meta, bi, &mut out)
    };
    r.map_err(refused)?;
    Ok(out)
}

#[test]
fn c_examples_build_from_source_and_import_nothing() {
    let b = built();
    for (built, kind) in [
        (&b.repeat, PluginKind::Codec),
        (&b.delta, PluginKind::Filter),
        (&b.step, PluginKind::Codec),
    ] {
        assert_eq!(built.project.lang, Lang::C);
        assert_eq!(built.project.kind, kind);
        assert!(built.imports.is_empty(), "{:?}", built.imports);
        assert!(componentize::imports(&built.component).is_empty());
        assert_eq!(std::fs::read(&built.path).unwrap(), built.component);
        let module = built
            .path
            .with_file_name(format!("{}.core.wasm", built.project.name));
        assert!(module.is_file(), "{}", module.display());
    }
    assert_eq!(b.step.project.id, 184);
    // Built as the brief says a user would, from the repository root.
    let again = build(&example_dir("delta-filter")).unwrap();
    assert_eq!(again.sha256, b.delta.sha256, "the build is deterministic");
}

/// Sizes of the cross-language comparisons: 0, 1, odd, block multiples,
/// 64 KiB and 1 MiB.
const SIZES: [usize; 9] = [0, 1, 7, 1001, 256, 4096, 12, 64 << 10, 1 << 20];
const TYPESIZES: [u32; 5] = [1, 2, 4, 8, 3];

#[test]
fn c_codecs_answer_the_rust_bytes_and_decode_each_other() {
    let l = loaded();
    for (name, c, rs) in [
        ("repeat", &l.c_repeat, &l.rs_repeat),
        ("step", &l.c_step, &l.rs_step),
    ] {
        let mut compressed = 0;
        for &size in &SIZES {
            for &ts in &TYPESIZES {
                for shape in 0..4 {
                    let input = shaped(size, ts as usize, shape, size as u8 ^ 0x31);
                    let bi = info(size, ts);
                    for meta in [0u8, 1] {
                        let what = format!(
                            "{name}: size {size}, typesize {ts}, shape {shape}, meta {meta}"
                        );
                        let from_c = encode(c.as_ref(), &input, meta, &bi);
                        let from_rs = encode(rs.as_ref(), &input, meta, &bi);
                        assert_eq!(from_c, from_rs, "{what}");
                        let Ok(Some(enc)) = from_c else { continue };
                        compressed += 1;
                        assert_eq!(
                            decode(c.as_ref(), &enc, meta, &bi).as_deref(),
                            Ok(&input[..]),
                            "{what}"
                        );
                        assert_eq!(
                            decode(rs.as_ref(), &enc, meta, &bi).as_deref(),
                            Ok(&input[..]),
                            "{what}"
                        );
                    }
                }
            }
        }
        // Sizes of at least three items, of the one shape each codec
        // compresses, both metas.
        assert!(compressed >= 40, "{name}: {compressed} blocks compressed");
    }
}

#[test]
fn the_tutorial_metas_and_layouts() {
    let l = loaded();
    let block: Vec<u8> = std::iter::repeat_n(1234i32, 10_000)
        .flat_map(i32::to_le_bytes)
        .collect();
    let bi = info(block.len(), 4);
    let le = encode(l.c_repeat.as_ref(), &block, 0, &bi)
        .unwrap()
        .unwrap();
    assert_eq!(le, [0xd2, 0x04, 0, 0, 0x10, 0x27, 0, 0]);
    let be = encode(l.c_repeat.as_ref(), &block, 1, &bi)
        .unwrap()
        .unwrap();
    assert_eq!(be, [0xd2, 0x04, 0, 0, 0, 0, 0x27, 0x10]);
    // The count is read in the order meta says.
    assert_eq!(decode(l.c_repeat.as_ref(), &be, 1, &bi).unwrap(), block);
    assert!(decode(l.c_repeat.as_ref(), &be, 0, &bi).is_err());

    let seq = ints(10..110);
    let bi = info(seq.len(), 4);
    let deltas = filter(l.c_delta.as_ref(), true, &seq, 0, &bi).unwrap();
    assert_eq!(deltas[..8], [10, 0, 0, 0, 1, 0, 0, 0]);
    let enc = encode(l.c_step.as_ref(), &deltas, 0, &bi).unwrap().unwrap();
    assert_eq!(enc, [10, 0, 0, 0, 1, 0, 0, 0]);
    let back = decode(l.c_step.as_ref(), &enc, 0, &bi).unwrap();
    assert_eq!(
        filter(l.c_delta.as_ref(), false, &back, 0, &bi).unwrap(),
        seq
    );
}

#[test]
fn c_decoders_refuse_what_the_rust_decoders_refuse_with_the_same_words() {
    let l = loaded();
    let cases: [(&[u8], u32, u32); 7] = [
        (&[1, 0, 0, 0, 3, 0, 0], 4, 12),
        (&[1, 0, 0, 0, 4, 0, 0, 0], 4, 12),
        (&[1, 2, 3, 4, 5, 6, 7, 8], 4, 6),
        (&[1, 2], 1, 0),
        (&[1, 2, 3], 2, 6),
        (&[1, 2, 3, 4], 0, 8),
        (&[], 4, 16),
    ];
    for (name, c, rs) in [
        ("repeat", &l.c_repeat, &l.rs_repeat),
        ("step", &l.c_step, &l.rs_step),
    ] {
        for (input, ts, blocksize) in cases {
            let bi = BlockInfo {
                typesize: ts,
                blocksize,
                ..BlockInfo::default()
            };
            for meta in [0, 1] {
                let from_c = decode(c.as_ref(), input, meta, &bi);
                let from_rs = decode(rs.as_ref(), input, meta, &bi);
                assert_eq!(
                    from_c, from_rs,
                    "{name} {input:?} typesize {ts} blocksize {blocksize}"
                );
            }
        }
    }
}

#[test]
fn c_delta_answers_the_rust_bytes_both_ways() {
    let l = loaded();
    for &size in &SIZES {
        for ts in TYPESIZES.into_iter().chain([5, 16, 0]) {
            for shape in [1, 3] {
                let input = shaped(size, ts as usize, shape, 0x77);
                let bi = info(size, ts);
                for meta in [0u8, 1] {
                    let what = format!("size {size}, typesize {ts}, shape {shape}, meta {meta}");
                    let c_fwd = filter(l.c_delta.as_ref(), true, &input, meta, &bi);
                    let rs_fwd = filter(l.rs_delta.as_ref(), true, &input, meta, &bi);
                    assert_eq!(c_fwd, rs_fwd, "forward, {what}");
                    // Backward of arbitrary bytes, not only of forward's output.
                    let c_back = filter(l.c_delta.as_ref(), false, &input, meta, &bi);
                    assert_eq!(
                        c_back,
                        filter(l.rs_delta.as_ref(), false, &input, meta, &bi),
                        "backward, {what}"
                    );
                    let Ok(fwd) = c_fwd else { continue };
                    assert_eq!(
                        filter(l.c_delta.as_ref(), false, &fwd, meta, &bi).as_deref(),
                        Ok(&input[..]),
                        "{what}"
                    );
                    assert_eq!(
                        filter(l.rs_delta.as_ref(), false, &fwd, meta, &bi).as_deref(),
                        Ok(&input[..]),
                        "{what}"
                    );
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// The same round trips as the Rust examples (`example_plugins`).
    #[test]
    fn c_examples_round_trip_and_match_native(
        len in prop_oneof![Just(0usize), Just(1), 2usize..200, (1usize..6).prop_map(|k| k * 256), 300usize..3000],
        typesize in 1u8..=16,
        shape in 0u8..4,
        seed in any::<u8>(),
        pipeline in prop::sample::select(example_pipelines()),
        split in prop_oneof![Just(SplitMode::Always), Just(SplitMode::Never)],
        meta in 0u8..2,
    ) {
        let (c, nat) = registries();
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
        let w = compress_chunk(&data, &cp, c, 5).unwrap();
        let n = compress_chunk(&data, &cp, nat, 5).unwrap();
        prop_assert_eq!(&w, &n, "C and native chunks differ");
        let mut out = vec![0; len];
        decompress_chunk(&w, &DParams::default(), c, 5, &mut out).unwrap();
        prop_assert_eq!(&out, &data);
        decompress_chunk(&w, &DParams::default(), nat, 5, &mut out).unwrap();
        prop_assert_eq!(&out, &data);
    }
}

#[test]
fn c_tutorial_pipeline_compresses_and_threads_agree() {
    let (c, _) = registries();
    let data = ints(10_000..10_000 + 300_000);
    let mut one = schunk(c.clone(), 184, [160, 0, 0, 0, 0, 0], 100_000, 1);
    let mut two = schunk(c.clone(), 184, [160, 0, 0, 0, 0, 0], 100_000, 2);
    one.append(&data).unwrap();
    two.append(&data).unwrap();
    assert_eq!(chunks(&one), chunks(&two));
    assert!(one.cratio() > 500.0, "cratio {}", one.cratio());
    let mut out = vec![0; data.len()];
    two.get_slice(0..two.nitems(), &mut out).unwrap();
    assert_eq!(out, data);
}

#[test]
fn new_build_check_from_an_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    for kind in [
        PluginKind::Codec,
        PluginKind::Filter,
        PluginKind::Prefilter,
        PluginKind::Postfilter,
    ] {
        let dir = tmp.path().join(format!("{kind:?}").to_lowercase());
        let project = sandpress_tooling::new::new(&dir, "x", Lang::C, kind, 160).unwrap();
        assert_eq!(project.lang, Lang::C);
        assert!(dir.join("sdk/sandpress.h").is_file());
        assert!(dir.join("src/x.c").is_file());
        let b = build(&dir).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert!(b.imports.is_empty(), "{kind:?}: {:?}", b.imports);
        let plugin = check::load(sandbox(), "x", 160, &b.component).unwrap();
        assert_eq!(check::kind(&plugin), kind);
        for meta in [0, 1] {
            let report = check::check(&plugin, meta, Duration::from_millis(1));
            let failed: Vec<_> = report.cases.iter().filter(|c| c.outcome.is_err()).collect();
            assert!(report.passed(), "{kind:?}: {failed:?}");
        }
    }
    // The example codec does store a block of one repeated item as the item.
    let codec = check::load(
        sandbox(),
        "x",
        160,
        &std::fs::read(tmp.path().join("codec/build/x.wasm")).unwrap(),
    )
    .unwrap();
    let check::AnyPlugin::Codec(codec) = codec else {
        panic!("not a codec")
    };
    let block = [1u8, 2, 3].repeat(1000);
    let bi = info(block.len(), 3);
    let enc = encode(codec.as_ref(), &block, 0, &bi).unwrap();
    assert_eq!(enc.as_deref(), Some(&[1u8, 2, 3][..]));
    assert_eq!(decode(codec.as_ref(), &[1, 2, 3], 0, &bi).unwrap(), block);
}

/// A C project named `name` of `kind` whose source is `source`.
fn project(root: &Path, name: &str, kind: PluginKind, source: &str) -> PathBuf {
    let dir = root.join(name);
    sandpress_tooling::new::new(&dir, name, Lang::C, kind, 200).unwrap();
    std::fs::write(dir.join("src").join(format!("{name}.c")), source).unwrap();
    dir
}

#[test]
fn a_syntax_error_fails_the_compile_step() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = project(
        tmp.path(),
        "broken",
        PluginKind::Codec,
        "#include \"sandpress.h\"\nint sp_encode(const uint8_t *in size_t len) { return }\n",
    );
    match build(&dir) {
        Err(ToolError::StepFailed { step, .. }) => assert_eq!(step, "compile"),
        other => panic!("expected the compile step to fail: {other:?}"),
    }
    // A plugin of the wrong kind links but is not the world plugin.toml names.
    let dir = project(
        tmp.path(),
        "wrongkind",
        PluginKind::Codec,
        "#include \"sandpress.h\"\n\
         int sp_prefilter(const uint8_t *in, size_t len, uint8_t m, const sp_block_info *i, sp_buf *o) {\n\
           (void)in, (void)len, (void)m, (void)i; sp_buf_use_input(o); return SP_OK; }\n\
         SP_EXPORT_PREFILTER;\n",
    );
    assert!(matches!(build(&dir), Err(ToolError::Componentize(_))));
}

/// A codec whose answers depend on `meta`, exercising every path of the
/// SDK's glue.
const MISUSE: &str = r#"#include <stdlib.h>
#include <string.h>
#include "sandpress.h"

int sp_encode(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info, sp_buf *out) {
    (void)info;
    switch (meta) {
    case 0: { /* a copy, reallocated twice and truncated */
        sp_buf_alloc(out, len + 100);
        uint8_t *p = sp_buf_alloc(out, len + 8);
        if (p == NULL) return sp_error(out, "out of memory");
        memcpy(p, in, len);
        sp_buf_truncate(out, len);
        return SP_OK; }
    case 1: return SP_STORE_RAW;
    case 2: return sp_error(out, "no, thanks");
    case 3: sp_buf_use_input(out); return sp_errorf(out, "%zu bytes \xff\xfe refused", len);
    case 4: return 42;
    case 5: sp_buf_alloc(out, len); sp_error(out, "changed my mind"); return SP_OK;
    case 6: return sp_error(out, NULL);
    case 7: { sp_buf_use_input(out); sp_buf_truncate(out, len / 2); return SP_OK; }
    default: { char *mine = malloc(len + 1); free(mine); return SP_OK; }
    }
}

int sp_decode(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info, sp_buf *out) {
    (void)meta, (void)info;
    uint8_t *p = sp_buf_use_input(out);
    for (size_t i = 0; i < len; i++) p[i] ^= 0;
    (void)in;
    return SP_OK;
}

SP_EXPORT_CODEC;
"#;

/// A filter answering SP_STORE_RAW, which only an encoder may.
const RAW_FILTER: &str = r#"#include "sandpress.h"
int sp_forward(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info, sp_buf *out) {
    (void)in, (void)len, (void)meta, (void)info, (void)out;
    return SP_STORE_RAW;
}
int sp_backward(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info, sp_buf *out) {
    (void)in, (void)meta, (void)info;
    return sp_buf_alloc(out, len) ? SP_OK : sp_error(out, "out of memory");
}
SP_EXPORT_FILTER;
"#;

#[test]
fn the_glue_frees_what_it_allocates_and_turns_misuse_into_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let b = build(&project(tmp.path(), "misuse", PluginKind::Codec, MISUSE)).unwrap();
    assert!(b.imports.is_empty(), "{:?}", b.imports);
    let codec = sandbox().load_codec("misuse", 200, &b.component).unwrap();
    let c = codec.as_ref();
    let block = shaped(1 << 20, 1, 3, 9);
    let bi = info(block.len(), 1);
    // The sandbox gives the guest 16 MiB: a leaked 1 MiB per call would
    // run out within 16 calls.
    for round in 0..40 {
        let what = format!("round {round}");
        assert_eq!(encode(c, &block, 0, &bi), Ok(Some(block.clone())), "{what}");
        assert_eq!(encode(c, &block, 1, &bi), Ok(None), "{what}");
        assert_eq!(
            encode(c, &block, 2, &bi),
            Err("no, thanks".into()),
            "{what}"
        );
        assert_eq!(
            encode(c, &block, 3, &bi),
            Err("1048576 bytes ?? refused".into()),
            "{what}"
        );
        let generic = encode(c, &block, 4, &bi).unwrap_err();
        assert!(generic.contains("without a message"), "{generic}");
        assert_eq!(
            encode(c, &block, 5, &bi),
            Err("changed my mind".into()),
            "{what}"
        );
        assert!(
            encode(c, &block, 6, &bi)
                .unwrap_err()
                .contains("no message")
        );
        assert_eq!(
            encode(c, &block, 7, &bi),
            Ok(Some(block[..block.len() / 2].to_vec())),
            "{what}"
        );
        assert_eq!(encode(c, &block, 8, &bi), Ok(Some(Vec::new())), "{what}");
        assert_eq!(
            decode(c, &block, 0, &bi).as_deref(),
            Ok(&block[..]),
            "{what}"
        );
    }
    // Empty blocks: empty answers, and the same errors.
    let empty = info(0, 1);
    for (meta, expected) in [
        (0, Ok(Some(Vec::new()))),
        (1, Ok(None)),
        (7, Ok(Some(Vec::new()))),
    ] {
        assert_eq!(encode(c, &[], meta, &empty), expected, "meta {meta}");
    }
    assert_eq!(encode(c, &[], 3, &empty), Err("0 bytes ?? refused".into()));
    assert_eq!(decode(c, &[], 0, &empty), Ok(Vec::new()));

    let b = build(&project(
        tmp.path(),
        "rawfilter",
        PluginKind::Filter,
        RAW_FILTER,
    ))
    .unwrap();
    let f = sandbox().load_filter(200, &b.component).unwrap();
    let bi = info(100, 1);
    let err = filter(f.as_ref(), true, &[0; 100], 0, &bi).unwrap_err();
    assert!(err.contains("SP_STORE_RAW"), "{err}");
    assert!(filter(f.as_ref(), false, &[0; 100], 0, &bi).is_ok());
}

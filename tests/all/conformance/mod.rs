//! One conformance table run over the languages of the tutorial's three
//! plugins (repeat codec 160, delta filter 160, step codec 184): the Rust
//! components of `sandpress_example_plugins`, and the C (`examples/c`) and
//! AssemblyScript (`examples/assemblyscript`) ones built from source once
//! per run. [`cases`] holds every test once, run for each language, and
//! the cross-language checks (the same bytes, each decoding the others'
//! output); what only one language has is in its own file.
//!
//! The C examples need clang-19, lld-19 and wasi-libc, the AssemblyScript
//! ones asc and node (`scripts/setup` installs them). A test runs for the
//! languages whose tools are here and prints one "skipped: needs …" line
//! for each other one (a failure under `SANDPRESS_REQUIRE_ALL=1`, which
//! `scripts/test` sets).

mod assemblyscript;
mod c;
mod cases;
mod tooling;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sandpress_core::Registry;
use sandpress_core::plugin::{BlockInfo, CodecPlugin, FilterPlugin, PluginError};
use sandpress_example_plugins::native;

use crate::common::sandbox;

/// A language the tutorial's plugins are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Rust,
    C,
    AssemblyScript,
}

/// Every language, Rust (the reference the others are compared with) first.
pub const LANGS: [Lang; 3] = [Lang::Rust, Lang::C, Lang::AssemblyScript];

/// What building `lang`'s examples needs, for the skip line; whether it
/// is here (nothing is installed).
pub fn tools(lang: Lang) -> (&'static str, bool) {
    match lang {
        Lang::Rust => ("cargo", true),
        Lang::C => (
            sandpress_test_support::C_TOOLS,
            sandpress_test_support::has_clang(),
        ),
        Lang::AssemblyScript => (
            sandpress_test_support::AS_TOOLS,
            sandpress_test_support::has_asc(
                sandpress_tooling::lang::assemblyscript::shared_dir().as_deref(),
            ),
        ),
    }
}

/// Whether a test may run `lang`'s part: its tools are here; otherwise
/// the skip line is printed ([`sandpress_test_support::needs`]).
pub fn needs_tools(lang: Lang) -> bool {
    let (what, here) = tools(lang);
    sandpress_test_support::needs(what, here)
}

/// The languages a test runs for, Rust first: those whose tools are here,
/// with a skip line for each other one. Call it once per test.
pub fn langs() -> Vec<Lang> {
    LANGS.into_iter().filter(|&l| needs_tools(l)).collect()
}

/// The component bytes of the three plugins in one language.
pub struct Components {
    pub repeat: Vec<u8>,
    pub delta: Vec<u8>,
    pub step: Vec<u8>,
}

/// The three plugins of one language, loaded in the shared test sandbox,
/// and a registry holding them (with the Rust byte-shuffle filter 161, so
/// that the pipelines mix languages and built-ins).
pub struct Plugins {
    pub lang: Lang,
    pub repeat: Arc<dyn CodecPlugin>,
    pub step: Arc<dyn CodecPlugin>,
    pub delta: Arc<dyn FilterPlugin>,
    pub registry: Registry,
}

/// `examples/<dir>` of the repository.
pub fn examples_dir(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(dir)
}

/// The components of `lang`, built (for C and AS) once per run.
pub fn components(lang: Lang) -> &'static Components {
    static RUST: OnceLock<Components> = OnceLock::new();
    match lang {
        Lang::Rust => RUST.get_or_init(|| Components {
            repeat: sandpress_example_plugins::REPEAT_CODEC.to_vec(),
            delta: sandpress_example_plugins::DELTA_FILTER.to_vec(),
            step: sandpress_example_plugins::STEP_CODEC.to_vec(),
        }),
        Lang::C => c::components(),
        Lang::AssemblyScript => assemblyscript::components(),
    }
}

/// The plugins of `lang`, loaded once per run.
pub fn plugins(lang: Lang) -> &'static Plugins {
    static P: [OnceLock<Plugins>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    P[lang as usize].get_or_init(|| {
        let (c, sb) = (components(lang), sandbox());
        let repeat = sb.load_codec("repeat", 160, &c.repeat).unwrap();
        let step = sb.load_codec("step", 184, &c.step).unwrap();
        let delta = sb.load_filter(160, &c.delta).unwrap();
        let mut registry = Registry::new();
        registry.register_codec(repeat.clone()).unwrap();
        registry.register_codec(step.clone()).unwrap();
        registry.register_filter(delta.clone()).unwrap();
        registry
            .register_filter(
                sb.load_filter(161, sandpress_example_plugins::BYTE_SHUFFLE)
                    .unwrap(),
            )
            .unwrap();
        Plugins {
            lang,
            repeat,
            step,
            delta,
            registry,
        }
    })
}

/// The native twins of the four example plugins.
pub fn native_registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| {
        let mut nat = Registry::new();
        nat.register_codec(Arc::new(native::RepeatCodec::new()))
            .unwrap();
        nat.register_codec(Arc::new(native::StepCodec::new()))
            .unwrap();
        nat.register_filter(Arc::new(native::DeltaFilter::new()))
            .unwrap();
        nat.register_filter(Arc::new(native::ByteShuffle::new()))
            .unwrap();
        nat
    })
}

/// The block info of block `block` of `len` bytes.
pub fn info(len: usize, typesize: u32, block: u32) -> BlockInfo {
    BlockInfo {
        typesize,
        blocksize: len as u32,
        chunk_index: u64::from(block) * 7,
        block_index: block,
        offset: block.wrapping_mul(len as u32),
    }
}

/// An encoder's answer: `Some(bytes)`, or `None` for "store raw". The
/// output starts with stale bytes the plugin must replace.
pub fn encode(
    c: &dyn CodecPlugin,
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
) -> Result<Option<Vec<u8>>, PluginError> {
    let mut out = vec![0xee; 3];
    Ok(c.encode(input, meta, bi, &mut out)?.then_some(out))
}

pub fn decode(
    c: &dyn CodecPlugin,
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
) -> Result<Vec<u8>, PluginError> {
    let mut out = vec![0xee; bi.blocksize as usize];
    c.decode(input, meta, bi, &mut out)?;
    Ok(out)
}

/// A filter's output, `forward` or backward.
pub fn filter(
    f: &dyn FilterPlugin,
    forward: bool,
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
) -> Result<Vec<u8>, PluginError> {
    let mut out = vec![0xee; input.len()];
    if forward {
        f.forward(input, meta, bi, &mut out)?;
    } else {
        f.backward(input, meta, bi, &mut out)?;
    }
    Ok(out)
}

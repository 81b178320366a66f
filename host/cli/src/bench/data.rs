//! What `sandpress bench` measures: the datasets and the pipelines.

use std::sync::Arc;

use anyhow::Result;
use sandpress_core::format::ids;
use sandpress_core::plugin::{CodecPlugin, FilterPlugin};
use sandpress_core::{FilterChain, Registry};
use sandpress_example_plugins::native;
use sandpress_sandbox::Sandbox;

/// A generated dataset.
pub(super) struct Dataset {
    pub(super) name: &'static str,
    pub(super) bytes: Vec<u8>,
}

pub(super) fn datasets(size: usize) -> Vec<Dataset> {
    let n = size / 4;
    let arange: Vec<u8> = (0..n as i32).flat_map(i32::to_le_bytes).collect();
    let repeated: Vec<u8> = std::iter::repeat_n(1234i32, n)
        .flat_map(i32::to_le_bytes)
        .collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut v: i32 = 0;
    let walk: Vec<u8> = (0..n)
        .flat_map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v = v.wrapping_add((x % 21) as i32 - 10);
            v.to_le_bytes()
        })
        .collect();
    vec![
        Dataset {
            name: "arange",
            bytes: arange,
        },
        Dataset {
            name: "repeated value",
            bytes: repeated,
        },
        Dataset {
            name: "random walk",
            bytes: walk,
        },
    ]
}

/// A pipeline to measure: its parameters and the plugins it needs.
pub(super) struct Pipeline {
    pub(super) name: String,
    pub(super) codec: u8,
    pub(super) filters: FilterChain,
    pub(super) registry: Registry,
}

fn registry(
    codecs: Vec<Arc<dyn CodecPlugin>>,
    filters: Vec<Arc<dyn FilterPlugin>>,
) -> Result<Registry> {
    let mut r = Registry::new();
    for c in codecs {
        r.register_codec(c)?;
    }
    for f in filters {
        r.register_filter(f)?;
    }
    Ok(r)
}

pub(super) fn pipelines(sandbox: &Sandbox) -> Result<Vec<Pipeline>> {
    let shuffle = FilterChain::shuffle();
    let none = FilterChain::new();
    let delta = FilterChain::of(&[(160, 0)])?;
    let user_shuffle = FilterChain::of(&[(161, 0)])?;
    let wasm_repeat: Arc<dyn CodecPlugin> =
        sandbox.load_codec("repeat", 160, sandpress_example_plugins::REPEAT_CODEC)?;
    let wasm_step: Arc<dyn CodecPlugin> =
        sandbox.load_codec("step", 184, sandpress_example_plugins::STEP_CODEC)?;
    let wasm_delta: Arc<dyn FilterPlugin> =
        sandbox.load_filter(160, sandpress_example_plugins::DELTA_FILTER)?;
    let wasm_shuffle: Arc<dyn FilterPlugin> =
        sandbox.load_filter(161, sandpress_example_plugins::BYTE_SHUFFLE)?;
    let p = |name: &str, codec, filters, registry| Pipeline {
        name: name.to_string(),
        codec,
        filters,
        registry,
    };
    Ok(vec![
        p(
            "zstd-1 + shuffle (built-in)",
            ids::ZSTD,
            shuffle,
            Registry::new(),
        ),
        p(
            "lz4-1 + shuffle (built-in)",
            ids::LZ4,
            shuffle,
            Registry::new(),
        ),
        p(
            "repeat codec 160 (wasm)",
            160,
            none,
            registry(vec![wasm_repeat], vec![])?,
        ),
        p(
            "repeat codec 160 (native)",
            160,
            none,
            registry(vec![Arc::new(native::RepeatCodec::new())], vec![])?,
        ),
        p(
            "delta 160 + step 184 (wasm)",
            184,
            delta,
            registry(vec![wasm_step], vec![wasm_delta])?,
        ),
        p(
            "delta 160 + step 184 (native)",
            184,
            delta,
            registry(
                vec![Arc::new(native::StepCodec::new())],
                vec![Arc::new(native::DeltaFilter::new())],
            )?,
        ),
        p(
            "byte-shuffle 161 + lz4 (wasm)",
            ids::LZ4,
            user_shuffle,
            registry(vec![], vec![wasm_shuffle])?,
        ),
        p(
            "byte-shuffle 161 + lz4 (native)",
            ids::LZ4,
            user_shuffle,
            registry(vec![], vec![Arc::new(native::ByteShuffle::new())])?,
        ),
    ])
}

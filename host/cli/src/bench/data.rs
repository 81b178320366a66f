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
    /// Size of one item: the typesize the pipelines are given.
    pub(super) typesize: u8,
    /// The item type, as numpy names it.
    pub(super) dtype: &'static str,
}

impl Dataset {
    /// The chunk size the rows of this dataset use: `asked`, rounded down
    /// to whole items (both libraries require them).
    pub(super) fn chunksize(&self, asked: usize) -> usize {
        let typesize = usize::from(self.typesize);
        (asked / typesize * typesize).max(typesize)
    }

    fn int32(name: &'static str, items: impl Iterator<Item = i32>) -> Dataset {
        Dataset {
            name,
            bytes: items.flat_map(i32::to_le_bytes).collect(),
            typesize: 4,
            dtype: "int32",
        }
    }
}

/// A xorshift64 generator: the same pseudo-random data on every run.
struct XorShift(u64);

impl XorShift {
    fn new() -> XorShift {
        XorShift(0x9E37_79B9_7F4A_7C15)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The int32 datasets of the plugin rows: `size` bytes each.
pub(super) fn datasets(size: usize) -> Vec<Dataset> {
    ["arange", "repeated-value", "random-walk"]
        .into_iter()
        .filter_map(|slug| dataset(slug, size))
        .collect()
}

/// The datasets compared with python-blosc2, by their names on the command
/// line: the int32 ones, a smooth float64 series (a sine with noise in its
/// last digits), text-like bytes (words of a small vocabulary) and 12-byte
/// records (a structured dtype: a counter, a float32 sine and a random
/// walk), whose typesize has no shuffle kernel of its own.
pub(super) const COMPARED_DATASETS: [&str; 6] = [
    "arange",
    "repeated-value",
    "random-walk",
    "sine-noise",
    "text",
    "records",
];

/// The dataset named `slug` (see [`COMPARED_DATASETS`]), `size` bytes long.
pub(super) fn dataset(slug: &str, size: usize) -> Option<Dataset> {
    let n = size / 4;
    let mut rng = XorShift::new();
    Some(match slug {
        "arange" => Dataset::int32("arange", 0..n as i32),
        "repeated-value" => Dataset::int32("repeated value", std::iter::repeat_n(1234, n)),
        "random-walk" => {
            let mut v: i32 = 0;
            let walk = (0..n).map(move |_| {
                v = v.wrapping_add((rng.next() % 21) as i32 - 10);
                v
            });
            Dataset::int32("random walk", walk)
        }
        "sine-noise" => Dataset {
            name: "sine + noise",
            bytes: (0..size / 8)
                .flat_map(|i| {
                    let noise = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                    (1000.0 * (i as f64 * 1e-4).sin() + 1e-3 * noise).to_le_bytes()
                })
                .collect(),
            typesize: 8,
            dtype: "float64",
        },
        "text" => Dataset {
            name: "text",
            bytes: text(size, &mut rng),
            typesize: 1,
            dtype: "uint8",
        },
        "records" => {
            let mut walk: i32 = 0;
            Dataset {
                name: "records",
                bytes: (0..size / 12)
                    .flat_map(|i| {
                        walk = walk.wrapping_add((rng.next() % 21) as i32 - 10);
                        let mut record = [0u8; 12];
                        record[..4].copy_from_slice(&(i as i32).to_le_bytes());
                        let sine = (1000.0 * (i as f64 * 1e-4).sin()) as f32;
                        record[4..8].copy_from_slice(&sine.to_le_bytes());
                        record[8..].copy_from_slice(&walk.to_le_bytes());
                        record
                    })
                    .collect(),
                typesize: 12,
                dtype: "<i4,<f4,<i4",
            }
        }
        _ => return None,
    })
}

/// `size` bytes of words, spaces, punctuation and line breaks, drawn with a
/// skew towards the first words as in natural text.
fn text(size: usize, rng: &mut XorShift) -> Vec<u8> {
    const WORDS: [&str; 32] = [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "it",
        "as",
        "was",
        "with",
        "be",
        "by",
        "on",
        "not",
        "he",
        "this",
        "are",
        "or",
        "his",
        "from",
        "at",
        "which",
        "but",
        "have",
        "an",
        "had",
        "they",
        "compression",
        "chunk",
    ];
    let mut out = Vec::with_capacity(size + 16);
    while out.len() < size {
        let r = rng.next();
        // The smaller of two draws favours the common words.
        let word = ((r & 31) as usize).min(((r >> 5) & 31) as usize);
        out.extend_from_slice(WORDS[word].as_bytes());
        out.push(match (r >> 10) % 16 {
            0 => b'\n',
            1 => b',',
            _ => b' ',
        });
    }
    out.truncate(size);
    out
}

/// A pipeline to measure: its parameters and the plugins it needs.
pub(super) struct Pipeline {
    pub(super) name: String,
    pub(super) codec: u8,
    pub(super) clevel: u8,
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
        clevel: 1,
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

/// The built-in codecs and levels compared with python-blosc2, by the names
/// both sides use.
pub(super) const COMPARED_CODECS: [(&str, u8, u8); 4] = [
    ("zstd", ids::ZSTD, 1),
    ("zstd", ids::ZSTD, 5),
    ("lz4", ids::LZ4, 1),
    ("blosclz", ids::BLOSCLZ, 5),
];

/// The built-in filters compared with python-blosc2.
pub(super) const COMPARED_FILTERS: [&str; 3] = ["shuffle", "bitshuffle", "none"];

/// A built-in pipeline: `codec` at `clevel` after `filter` (one of
/// [`COMPARED_FILTERS`]).
pub(super) fn builtin(codec: (&str, u8, u8), filter: &str) -> Result<Pipeline> {
    let (name, id, clevel) = codec;
    let filters = match filter {
        "shuffle" => FilterChain::shuffle(),
        "bitshuffle" => FilterChain::of(&[(sandpress_core::filters::BITSHUFFLE, 0)])?,
        "none" => FilterChain::new(),
        other => anyhow::bail!("unknown filter {other:?}: expected shuffle, bitshuffle or none"),
    };
    Ok(Pipeline {
        name: format!("{name}-{clevel} + {filter}"),
        codec: id,
        clevel,
        filters,
        registry: Registry::new(),
    })
}

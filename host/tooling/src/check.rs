//! `sandpress plugin check`: validate a component against the contract,
//! then round-trip generated blocks through it in the sandbox and time it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sandpress_core::plugin::{
    BlockInfo, CodecPlugin, FilterPlugin, PluginError, PluginKind, PluginMeta, Stopped,
    TransformPlugin,
};
use sandpress_sandbox::{Sandbox, SandboxError};

/// Block sizes every check runs (0, 1, odd, 64 KiB, 1 MiB).
pub const SIZES: [usize; 5] = [0, 1, 1001, 64 << 10, 1 << 20];
/// Typesizes every check runs.
pub const TYPESIZES: [u32; 4] = [1, 2, 4, 8];
/// Sizes that are timed.
const TIMED: usize = 64 << 10;

/// A loaded plugin of any kind.
#[derive(Clone)]
pub enum AnyPlugin {
    /// A codec.
    Codec(Arc<dyn CodecPlugin>),
    /// A filter.
    Filter(Arc<dyn FilterPlugin>),
    /// A prefilter or postfilter.
    Transform(Arc<dyn TransformPlugin>),
}

impl AnyPlugin {
    /// Who it is.
    pub fn meta(&self) -> &PluginMeta {
        match self {
            AnyPlugin::Codec(p) => p.meta(),
            AnyPlugin::Filter(p) => p.meta(),
            AnyPlugin::Transform(p) => p.meta(),
        }
    }
}

/// Loads `bytes` as whichever kind of plugin it is: the registration checks
/// (component, world, imports, size) run here.
pub fn load(
    sandbox: &Sandbox,
    name: &str,
    id: u8,
    bytes: &[u8],
) -> Result<AnyPlugin, SandboxError> {
    let not_this = |e: &SandboxError| matches!(e, SandboxError::MissingInterface { .. });
    let first = match sandbox.load_codec(name, id, bytes) {
        Ok(c) => return Ok(AnyPlugin::Codec(c)),
        Err(e) if not_this(&e) => e,
        Err(e) => return Err(e),
    };
    match sandbox.load_filter(id, bytes) {
        Ok(f) => return Ok(AnyPlugin::Filter(f)),
        Err(e) if not_this(&e) => {}
        Err(e) => return Err(e),
    }
    match sandbox.load_prefilter(bytes) {
        Ok(t) => return Ok(AnyPlugin::Transform(t)),
        Err(e) if not_this(&e) => {}
        Err(e) => return Err(e),
    }
    match sandbox.load_postfilter(bytes) {
        Ok(t) => Ok(AnyPlugin::Transform(t)),
        Err(e) if not_this(&e) => Err(first),
        Err(e) => Err(e),
    }
}

/// One block size and typesize through the plugin.
#[derive(Debug, Clone)]
pub struct Case {
    /// Block size in bytes.
    pub size: usize,
    /// Item size.
    pub typesize: u32,
    /// The data the case ran on ([`Pattern::name`]): for a codec the
    /// first pattern it encoded, or the last it declined.
    pub pattern: &'static str,
    /// For a codec, the patterns it stored raw before one it encoded (all
    /// of them when it encoded none).
    pub raw: Vec<&'static str>,
    /// Whether the plugin's decode (or backward) ran on this case.
    pub decoded: bool,
    /// What happened: `Ok(note)` or the failure.
    pub outcome: Result<&'static str, String>,
    /// Round trips per second, as MB/s of block data, for timed sizes.
    pub mb_per_s: Option<f64>,
}

/// What `check` found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The plugin's identity (kind, id, sha256).
    pub meta: PluginMeta,
    /// Every case run.
    pub cases: Vec<Case>,
    /// Why the check ended before running every case: the sandbox stopped
    /// the plugin for CPU (deadline or fuel), and every further case would
    /// most likely cost as much again for the same verdict.
    pub halted: Option<String>,
}

impl Report {
    /// Whether every case passed (a halted check did not).
    pub fn passed(&self) -> bool {
        self.halted.is_none() && self.cases.iter().all(|c| c.outcome.is_ok())
    }

    /// Cases where the plugin's decode (or backward) ran.
    pub fn decoded(&self) -> usize {
        self.cases.iter().filter(|c| c.decoded).count()
    }

    /// Whether the plugin is a codec that stored every case raw, so that
    /// its decode never ran: a check that proves nothing about decoding,
    /// which `plugin check` counts as a failure.
    pub fn decode_never_ran(&self) -> bool {
        self.meta.kind == PluginKind::Codec && self.decoded() == 0
    }
}

/// Data a case runs on. A codec may decline data it does not fit (the
/// tutorial's repeat codec takes only a block of one repeated value): each
/// codec case tries these in turn until one is encoded, so that decode is
/// exercised too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// A random walk of items (smooth data, what most codecs take).
    Walk,
    /// One item repeated.
    Repeat,
    /// An arithmetic run of items, `start, start + step, …`.
    Arithmetic,
    /// A first item, then one other repeated: an arithmetic run after a
    /// delta filter.
    StartStep,
    /// Pseudo-random bytes.
    Random,
}

impl Pattern {
    /// Every pattern, in the order a codec case tries them.
    pub const ALL: [Pattern; 5] = [
        Pattern::Walk,
        Pattern::Repeat,
        Pattern::Arithmetic,
        Pattern::StartStep,
        Pattern::Random,
    ];

    /// Its name in a report.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::Walk => "walk",
            Pattern::Repeat => "repeated value",
            Pattern::Arithmetic => "arithmetic run",
            Pattern::StartStep => "start, step, step",
            Pattern::Random => "random",
        }
    }

    /// `size` bytes of this pattern in `typesize`-byte items
    /// (little-endian; the last item cut when `size` is not a multiple).
    pub fn block(self, size: usize, typesize: u32, seed: u64) -> Vec<u8> {
        let ts = typesize.max(1) as usize;
        let item = |v: u64| {
            let mut b = v.to_le_bytes().to_vec();
            b.resize(ts, 0);
            b
        };
        let items = |f: &dyn Fn(u64) -> u64| {
            let mut out: Vec<u8> = (0..size.div_ceil(ts) as u64)
                .flat_map(|i| item(f(i)))
                .collect();
            out.truncate(size);
            out
        };
        match self {
            Pattern::Walk => block(size, typesize, seed),
            Pattern::Repeat => items(&|_| 0x5a5a_1234 ^ seed),
            Pattern::Arithmetic => items(&|i| 7 + 3 * i),
            Pattern::StartStep => items(&|i| if i == 0 { 7 } else { 3 }),
            Pattern::Random => {
                let mut x = seed | 1;
                (0..size)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        x as u8
                    })
                    .collect()
            }
        }
    }
}

/// A failed round trip, and whether the sandbox stopped it for CPU.
struct Failure {
    message: String,
    cpu: bool,
}

impl From<PluginError> for Failure {
    fn from(e: PluginError) -> Self {
        let cpu = matches!(
            e,
            PluginError::Stopped(Stopped::Deadline { .. } | Stopped::OutOfFuel { .. })
        );
        Failure {
            message: e.to_string(),
            cpu,
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure {
            message,
            cpu: false,
        }
    }
}

/// Deterministic test data: a random walk of `typesize`-byte items.
pub fn block(size: usize, typesize: u32, seed: u64) -> Vec<u8> {
    let ts = typesize.max(1) as usize;
    let mut x: u64 = 0;
    let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut out = Vec::with_capacity(size + ts);
    while out.len() < size {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x = x.wrapping_add((s >> 60).wrapping_sub(8));
        out.extend_from_slice(&x.to_le_bytes()[..ts.min(8)]);
        out.resize(out.len() + ts.saturating_sub(8), 0);
    }
    out.truncate(size);
    out
}

fn info(size: usize, typesize: u32) -> BlockInfo {
    BlockInfo {
        typesize,
        blocksize: size as u32,
        ..BlockInfo::default()
    }
}

/// Notes of a round trip in which nothing was decoded.
const STORED_RAW: [&str; 2] = [
    "stored raw (the encoder declined)",
    "stored raw (no smaller)",
];

/// One round trip of `input`; `Ok(note)` when it came back identical.
fn round_trip(
    p: &AnyPlugin,
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
) -> Result<&'static str, Failure> {
    match p {
        AnyPlugin::Codec(c) => {
            let mut enc = Vec::new();
            if !c.encode(input, meta, bi, &mut enc).map_err(Failure::from)? {
                return Ok(STORED_RAW[0]);
            }
            if enc.len() >= input.len() {
                return Ok(STORED_RAW[1]);
            }
            let mut out = vec![0; input.len()];
            c.decode(&enc, meta, bi, &mut out).map_err(Failure::from)?;
            if out != input {
                return Err(format!(
                    "decode(encode(x)) differs from x ({} bytes encoded)",
                    enc.len()
                )
                .into());
            }
            Ok("round trip")
        }
        AnyPlugin::Filter(f) => {
            let mut fwd = vec![0; input.len()];
            f.forward(input, meta, bi, &mut fwd)
                .map_err(Failure::from)?;
            let mut back = vec![0; input.len()];
            f.backward(&fwd, meta, bi, &mut back)
                .map_err(Failure::from)?;
            if back != input {
                return Err(String::from("backward(forward(x)) differs from x").into());
            }
            Ok("round trip")
        }
        AnyPlugin::Transform(t) => {
            let mut out = vec![0; input.len()];
            t.apply(input, meta, bi, &mut out).map_err(Failure::from)?;
            Ok("ran (one-way)")
        }
    }
}

/// Runs every case through `plugin` with `meta`; sizes of 64 KiB and more
/// are also timed for about `budget` each. A codec's case tries each
/// [`Pattern`] until one is encoded (so decode runs), and records those
/// it stored raw. The first call the sandbox stops for CPU (deadline or
/// fuel) ends the check, with that verdict in [`Report::halted`].
pub fn check(plugin: &AnyPlugin, meta: u8, budget: Duration) -> Report {
    let mut cases = Vec::new();
    for &size in &SIZES {
        for &ts in &TYPESIZES {
            let case = run_case(plugin, meta, size, ts, budget);
            let halted = case.1;
            cases.push(case.0);
            if halted.is_some() {
                return Report {
                    meta: plugin.meta().clone(),
                    cases,
                    halted,
                };
            }
        }
    }
    Report {
        meta: plugin.meta().clone(),
        cases,
        halted: None,
    }
}

/// One block size and typesize: the case, and the verdict when the
/// sandbox stopped the plugin for CPU.
fn run_case(
    plugin: &AnyPlugin,
    meta: u8,
    size: usize,
    ts: u32,
    budget: Duration,
) -> (Case, Option<String>) {
    let bi = info(size, ts);
    let seed = size as u64 ^ u64::from(ts);
    let patterns: &[Pattern] = match plugin {
        AnyPlugin::Codec(_) => &Pattern::ALL,
        _ => &[Pattern::Walk],
    };
    let mut raw = Vec::new();
    let (mut pattern, mut input, mut outcome) = (Pattern::Walk, Vec::new(), Ok(STORED_RAW[0]));
    for &p in patterns {
        pattern = p;
        input = p.block(size, ts, seed);
        outcome = round_trip(plugin, &input, meta, &bi);
        match &outcome {
            Ok(note) if STORED_RAW.contains(note) => raw.push(p.name()),
            _ => break,
        }
    }
    let decoded = matches!(outcome, Ok(n) if !STORED_RAW.contains(&n))
        && !matches!(plugin, AnyPlugin::Transform(_));
    let mut mb_per_s = None;
    if outcome.is_ok() && size >= TIMED {
        match time(plugin, &input, meta, &bi, budget) {
            Ok(speed) => mb_per_s = Some(speed),
            Err(failure) => outcome = Err(failure),
        }
    }
    let halted = match &outcome {
        Err(f) if f.cpu => Some(f.message.clone()),
        _ => None,
    };
    let case = Case {
        size,
        typesize: ts,
        pattern: pattern.name(),
        raw,
        decoded,
        outcome: outcome.map_err(|f| f.message),
        mb_per_s,
    };
    (case, halted)
}

/// Round trips of `input` for about `budget`, as MB/s of block data; the
/// first failure ends the timing.
fn time(
    plugin: &AnyPlugin,
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
    budget: Duration,
) -> Result<f64, Failure> {
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget || n == 0 {
        round_trip(plugin, input, meta, bi)?;
        n += 1;
    }
    Ok(input.len() as f64 * f64::from(n) / start.elapsed().as_secs_f64() / 1e6)
}

/// The id a component in a plugin project is registered under by
/// default: `plugin.toml`'s, looked for beside the component and in the
/// directory above (a project's `build/NAME.wasm`).
pub fn project_id(component: &std::path::Path) -> Option<u8> {
    let dir = component.parent()?;
    [Some(dir), dir.parent()]
        .into_iter()
        .flatten()
        .find(|d| d.join(crate::project::MANIFEST).is_file())
        .and_then(|d| crate::project::Project::load(d).ok())
        .map(|p| p.id)
}

/// Which kind a loaded plugin is.
pub fn kind(p: &AnyPlugin) -> PluginKind {
    p.meta().kind
}

//! The frames sandpress writes for python-blosc2: the axes, the plan that
//! covers them, and the data that fills each frame.

use super::*;

/// What fills a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
    Randwalk,
    Arange,
    Random,
    Zeros,
    Runs,
    Floats,
    /// int32 blocks of 1000 equal values, one block random (tutorial codec).
    RepeatBlocks,
    /// int32 cycling through 4 values (split streams the tutorial codec
    /// encodes), then arange, then a short run of 1234.
    Cycle4,
}

pub(super) const KINDS: [Kind; 5] = [
    Kind::Randwalk,
    Kind::Arange,
    Kind::Random,
    Kind::Zeros,
    Kind::Runs,
];
pub(super) const CLEVELS: [u8; 4] = [0, 1, 5, 9];
pub(super) const TYPESIZES: [u8; 5] = [1, 2, 4, 8, 16];
pub(super) const SPLITS: [SplitMode; 3] = [SplitMode::Always, SplitMode::Never, SplitMode::Auto];

/// (chunksize, blocksize (0 automatic), total bytes, note); all multiples of 16.
pub(super) type Geometry = (usize, usize, usize, &'static str);
pub(super) const GEOMETRIES: [Geometry; 7] = [
    (65536, 0, 180000, "auto blocksize, last chunk shorter"),
    (
        40000,
        16384,
        100000,
        "chunksize not a multiple of blocksize",
    ),
    (
        32768,
        4096,
        131072,
        "blocksize divides chunksize, all chunks full",
    ),
    (24000, 1040, 72048, "blocksize 1040, 48-byte last chunk"),
    (262144, 0, 100000, "single chunk shorter than chunksize"),
    (4096, 512, 41040, "11 small chunks, 80-byte last chunk"),
    (50000, 50000, 100000, "blocksize == chunksize"),
];

/// Metalayer sets (msgpack, but one opaque entry: sandpress may store any bytes).
pub(super) fn meta_set(i: usize) -> Vec<(String, Vec<u8>)> {
    let m = |n: &str, v: &[u8]| (n.to_string(), v.to_vec());
    match i % 4 {
        0 => vec![],
        1 => vec![m("raw", b"\xc4\x05\x00\x01\x02\xfe\xff")],
        2 => vec![
            m("shape", b"\x92\xcd\x00\x64\xcd\x00\xc8"),
            m("dtype", b"\xa3<f4"),
        ],
        _ => vec![m(&"a".repeat(31), b"\x2a"), m("opaque", b"\xc1\x00\xff")],
    }
}
pub(super) const META_SETS: usize = 4;

/// Variable-length metalayer sets (plain msgpack).
pub(super) fn vlmeta_set(i: usize) -> Vec<(String, Vec<u8>)> {
    let m = |n: &str, v: &[u8]| (n.to_string(), v.to_vec());
    match i % 5 {
        0 => vec![],
        1 => vec![m("greeting", b"\xa5hello")],
        2 => vec![m("pair", b"\x92\x01\x02"), m("nil", b"\xc0")],
        3 => {
            let text = "lorem ipsum dolor sit amet ".repeat(80);
            let mut v = vec![0xda];
            v.extend_from_slice(&(text.len() as u16).to_be_bytes());
            v.extend_from_slice(text.as_bytes());
            vec![m("long_text", &v)]
        }
        _ => vec![m(
            "info",
            b"\x82\xa1x\x01\xa1y\x92\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xc0",
        )],
    }
}
pub(super) const VLMETA_SETS: usize = 5;

/// One frame sandpress writes for python-blosc2.
#[derive(Debug, Clone)]
pub(super) struct Spec {
    pub(super) codec: u8,
    pub(super) clevel: u8,
    pub(super) filters: &'static [u8],
    pub(super) typesize: u8,
    pub(super) geometry: Geometry,
    pub(super) split: SplitMode,
    pub(super) kind: Kind,
    pub(super) meta: usize,
    pub(super) vlmeta: usize,
    /// Filters in the last slots (as CParams::default) rather than the first.
    pub(super) last_slots: bool,
    pub(super) nthreads: usize,
    pub(super) part: &'static str,
}

impl Spec {
    pub(super) fn combo(&self) -> Combo {
        let codec = codec_name(self.codec).unwrap_or("?").to_string();
        (codec, filters_name(self.filters), self.typesize)
    }

    pub(super) fn trunc_bits(&self) -> u8 {
        if self.typesize == 4 { 10 } else { 20 }
    }

    pub(super) fn cparams(&self) -> CParams {
        let mut cp = CParams {
            codec: self.codec,
            clevel: self.clevel,
            typesize: self.typesize,
            blocksize: self.geometry.1,
            nthreads: self.nthreads,
            splitmode: self.split,
            ..CParams::default()
        };
        let start = if self.last_slots {
            MAX_FILTERS - self.filters.len()
        } else {
            0
        };
        let (mut filters, mut metas) = ([0; MAX_FILTERS], [0; MAX_FILTERS]);
        for (k, &f) in self.filters.iter().enumerate() {
            filters[start + k] = f;
            metas[start + k] = if f == ids::TRUNC_PREC {
                self.trunc_bits()
            } else {
                0
            };
        }
        cp.filters = FilterChain::from_slots(filters, metas);
        cp
    }

    pub(super) fn label(&self, n: usize) -> String {
        let codec = codec_name(self.codec).unwrap_or("unknown");
        let f = filters_name(self.filters).replace('+', "_");
        let kind = format!("{:?}", self.kind).to_lowercase();
        format!(
            "{n:03}-{codec}-c{}-{f}-ts{}-{}-{kind}",
            self.clevel,
            self.typesize,
            self.split.name()
        )
    }
}

/// The frames sandpress writes: see the module doc.
pub(super) fn plan() -> Vec<Spec> {
    let codecs: Vec<u8> = (0..=5).filter(|&c| codecs::can_compress(c)).collect();
    let mut v = Vec::new();
    let mut n = 0;
    let mut push = |s: Spec, n: &mut usize| {
        v.push(s);
        *n += 1;
    };
    let base = |codec, clevel, filters: &'static [u8], ts, kind, n: usize, part| Spec {
        codec,
        clevel,
        filters,
        typesize: ts,
        geometry: GEOMETRIES[n % GEOMETRIES.len()],
        split: SPLITS[n % 3],
        kind,
        meta: n % META_SETS,
        vlmeta: (n / 2) % VLMETA_SETS,
        last_slots: n % 2 == 1,
        nthreads: 1 + (n / 3) % 2,
        part,
    };
    for &codec in &codecs {
        for clevel in CLEVELS {
            for (name, filters) in FILTER_SETS {
                let (kind, ts) = if name == "trunc_prec" {
                    (Kind::Floats, [4, 8][(n / FILTER_SETS.len()) % 2])
                } else {
                    (
                        KINDS[n % KINDS.len()],
                        TYPESIZES[(n / KINDS.len()) % TYPESIZES.len()],
                    )
                };
                push(base(codec, clevel, filters, ts, kind, n, "matrix"), &mut n);
            }
        }
    }
    for &codec in &codecs {
        for ts in TYPESIZES {
            for (name, filters) in FILTER_SETS {
                let kind = match name {
                    "trunc_prec" if ts != 4 && ts != 8 => continue,
                    "trunc_prec" => Kind::Floats,
                    _ => [Kind::Randwalk, Kind::Runs, Kind::Arange, Kind::Random][n % 4],
                };
                let clevel = [1, 5, 9][n % 3];
                let part = "codec x typesize x filters";
                push(base(codec, clevel, filters, ts, kind, n, part), &mut n);
            }
        }
    }
    for &codec in &codecs {
        for split in SPLITS {
            let s = Spec {
                split,
                geometry: GEOMETRIES[0],
                ..base(
                    codec,
                    5,
                    &[ids::SHUFFLE],
                    4,
                    Kind::Randwalk,
                    n,
                    "split mode x codec",
                )
            };
            push(s, &mut n);
        }
    }
    let user = |split, geometry, kind, meta, vlmeta, nthreads| Spec {
        codec: 160,
        clevel: 1,
        filters: &[],
        typesize: 4,
        geometry,
        split,
        kind,
        meta,
        vlmeta,
        last_slots: false,
        nthreads,
        part: "Wasm tutorial codec 160",
    };
    let blocks = (
        40000,
        4000,
        120000,
        "blocks of 1000 equal int32, block 12 random",
    );
    push(
        user(SplitMode::Never, blocks, Kind::RepeatBlocks, 2, 1, 1),
        &mut n,
    );
    let cycle = (40000, 0, 100000, "4-value cycle, arange, short run of 1234");
    push(
        user(SplitMode::Always, cycle, Kind::Cycle4, 0, 0, 2),
        &mut n,
    );
    v
}

/// splitmix64: reproducible data without a dependency.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// In `lo..=hi`.
    pub(super) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
}

/// `nbytes` of `kind` data in `typesize`-byte little-endian items.
pub(super) fn make_data(kind: Kind, typesize: u8, nbytes: usize, rng: &mut Rng) -> Vec<u8> {
    let ts = usize::from(typesize);
    let n = nbytes / ts;
    let int32 = |vals: Vec<i32>| -> Vec<u8> { vals.iter().flat_map(|v| v.to_le_bytes()).collect() };
    let ints = |vals: &mut dyn FnMut(usize) -> i64| -> Vec<u8> {
        (0..n)
            .flat_map(|k| i128::from(vals(k)).to_le_bytes()[..ts].to_vec())
            .collect()
    };
    match kind {
        Kind::Random => (0..nbytes).map(|_| rng.next() as u8).collect(),
        Kind::Zeros => vec![0; nbytes],
        Kind::Arange => ints(&mut |k| k as i64),
        Kind::Randwalk => {
            let mut x = 0;
            ints(&mut |_| {
                x += rng.range(-20, 20);
                x
            })
        }
        Kind::Runs => {
            let (mut left, mut value) = (0, 0);
            ints(&mut |_| {
                if left == 0 {
                    left = rng.range(1, 5000);
                    value = if rng.range(0, 9) < 4 {
                        0
                    } else {
                        rng.range(-100, 100)
                    };
                }
                left -= 1;
                value
            })
        }
        Kind::Floats => (0..n)
            .flat_map(|k| {
                let x = k as f64 * 60.0 / n as f64;
                let y = x.sin() * 1000.0 + rng.range(-1000, 1000) as f64 / 1000.0;
                if ts == 4 {
                    (y as f32).to_le_bytes().to_vec()
                } else {
                    y.to_le_bytes()[..ts.min(8)].to_vec()
                }
            })
            .collect(),
        Kind::RepeatBlocks => {
            let mut v: Vec<i32> = (0..n).map(|k| (k / 1000) as i32 * 7 - 50).collect();
            for x in &mut v[12000..13000] {
                *x = rng.range(0, 99) as i32;
            }
            int32(v)
        }
        Kind::Cycle4 => {
            let cycle = [0x0102_0304, 0x1112_1314, 0x2122_2324, 0x3132_3334];
            let mut v: Vec<i32> = (0..10000).map(|k| cycle[k % 4]).collect();
            v.extend(0..10000);
            v.extend(std::iter::repeat_n(1234, n - 20000));
            int32(v)
        }
    }
}

/// Whether `got` is `want` with at most the low `drop` bits of each
/// `ts`-byte item changed (TRUNC_PREC zeroes low mantissa bits).
pub(super) fn truncated(want: &[u8], got: &[u8], ts: usize, drop: u32) -> bool {
    want.len() == got.len()
        && want.chunks(ts).zip(got.chunks(ts)).all(|(a, b)| {
            let mut x = [0u8; 8];
            for (k, (p, q)) in a.iter().zip(b).enumerate() {
                x[k] = p ^ q;
            }
            u64::from_le_bytes(x) >> drop == 0
        })
}

/// The plan covers every value of every axis, and the module doc's table is its table.
#[test]
fn interop_plan_covers_every_axis() {
    let plan = plan();
    let mut missing = Vec::new();
    let mut need = |what: &str, ok: bool| {
        if !ok {
            missing.push(what.to_string());
        }
    };
    for c in (0..=5).filter(|&c| codecs::can_compress(c)) {
        need(&format!("codec {c}"), plan.iter().any(|s| s.codec == c));
    }
    need("codec 160", plan.iter().any(|s| s.codec == 160));
    for c in CLEVELS {
        need(&format!("clevel {c}"), plan.iter().any(|s| s.clevel == c));
    }
    for (name, f) in FILTER_SETS {
        need(name, plan.iter().any(|s| s.filters == f));
    }
    for t in TYPESIZES {
        need(
            &format!("typesize {t}"),
            plan.iter().any(|s| s.typesize == t),
        );
    }
    for sp in SPLITS {
        need(sp.name(), plan.iter().any(|s| s.split == sp));
    }
    for g in GEOMETRIES {
        need(g.3, plan.iter().any(|s| s.geometry == g));
    }
    for k in KINDS.iter().chain(&[Kind::Floats]) {
        need(&format!("{k:?}"), plan.iter().any(|s| s.kind == *k));
    }
    for i in 0..META_SETS {
        need(&format!("meta set {i}"), plan.iter().any(|s| s.meta == i));
    }
    for i in 0..VLMETA_SETS {
        need(
            &format!("vlmeta set {i}"),
            plan.iter().any(|s| s.vlmeta == i),
        );
    }
    for t in [1, 2] {
        need(
            &format!("{t} threads"),
            plan.iter().any(|s| s.nthreads == t),
        );
    }
    need(
        "first and last slots",
        plan.iter().any(|s| s.last_slots) && plan.iter().any(|s| !s.last_slots),
    );
    need("100..=300 frames", (100..=300).contains(&plan.len()));
    let combos: BTreeSet<Combo> = plan.iter().map(Spec::combo).collect();
    let t = table(&combos);
    println!(
        "{RS_TITLE} {} frames, {} codec/filters/typesize combinations\n{t}",
        plan.len(),
        combos.len()
    );
    missing.extend(doc_has(RS_TITLE, &t).err());
    assert!(
        missing.is_empty(),
        "the plan misses:\n{}",
        missing.join("\n")
    );
}

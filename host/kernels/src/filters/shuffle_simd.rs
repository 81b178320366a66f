//! Byte shuffle and unshuffle with SSE2 and AVX2 (x86-64), chosen at run
//! time: kernels of their own for typesizes 2, 4, 8 and 16, and one for
//! every other typesize but 1 (16-byte columns of 16 or 32 items through a
//! 16x16 byte transpose, `transpose16!`); the callers fall back to the
//! scalar kernels on other CPUs and for the items past the last whole
//! group.
//!
//! # How
//!
//! Sixteen items of `T` bytes are `T` vectors of 16 bytes. Number each byte
//! by its position: the vector's index (its `log2 T` bits) above the byte's
//! place in the vector (4 bits). An unpack (`punpcklbw`/`punpckhbw`) of the
//! two vectors whose indices differ only in bit `k` rotates the place bits
//! up by one: the top place bit moves into bit `k` of the index (low half
//! or high half), and bit `k` of the index becomes the lowest place bit (the
//! first or the second operand). Shuffling means the places must end up
//! holding the four item bits, so each of four rounds feeds in the next
//! item bit, from the highest, wherever it sits among the index bits; the
//! byte bits end up in the index, which names the vector's byte plane.
//! Unshuffling feeds the byte bits back the same way, in `log2 T` rounds.
//! The schedules are worked out at compile time ([`Schedule`]).
//!
//! AVX2 unpacks within each 128-bit lane, so it runs two groups of sixteen
//! items at once: the second group in the high lanes, which makes each
//! plane's 32 bytes contiguous.
//!
//! The results are byte-identical with the scalar kernels by construction
//! (a fixed permutation); the tests check them against each other.

#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Labels of position bits: item bits are 0-3, byte bits 4 and up.
const fn item(bit: usize) -> usize {
    bit
}

const fn byte(bit: usize) -> usize {
    4 + bit
}

/// The unpack rounds that transpose sixteen items of `1 << t` bytes, and
/// where each resulting vector goes.
#[derive(Clone, Copy)]
struct Schedule {
    /// The index bit each round pairs vectors on.
    pairs: [usize; 4],
    rounds: usize,
    /// For each final vector: the byte plane (shuffle) or the 16-byte unit
    /// of the items (unshuffle) it is stored to.
    dest: [usize; 16],
}

impl Schedule {
    /// No rounds (typesize 1 needs none and has no kernel).
    const EMPTY: Schedule = Schedule {
        pairs: [0; 4],
        rounds: 0,
        dest: [0; 16],
    };

    /// Runs the rounds on the labels: `index[k]` is the label of index bit
    /// `k`, `place[m]` of place bit `m`; `feed` is the labels to feed in.
    const fn run(
        t: usize,
        mut index: [usize; 4],
        mut place: [usize; 4],
        feed: [usize; 4],
        rounds: usize,
    ) -> ([usize; 4], [usize; 4], [usize; 4]) {
        let mut pairs = [0; 4];
        let mut r = 0;
        while r < rounds {
            let mut k = 0;
            while k < t && index[k] != feed[r] {
                k += 1;
            }
            assert!(k < t, "the bit to feed is not an index bit");
            pairs[r] = k;
            index[k] = place[3];
            place[3] = place[2];
            place[2] = place[1];
            place[1] = place[0];
            place[0] = feed[r];
            r += 1;
        }
        (pairs, index, place)
    }

    /// Items to planes: index = the top `t` bits of `item * T + byte`.
    const fn shuffle(t: usize) -> Schedule {
        let mut index = [0; 4];
        let mut place = [0; 4];
        let mut p = 0;
        while p < 4 + t {
            let label = if p < t { byte(p) } else { item(p - t) };
            if p < 4 {
                place[p] = label;
            } else {
                index[p - 4] = label;
            }
            p += 1;
        }
        let feed = [item(3), item(2), item(1), item(0)];
        let (pairs, index, place) = Schedule::run(t, index, place, feed, 4);
        assert!(place[0] == item(0) && place[3] == item(3));
        let mut dest = [0; 16];
        let mut v = 0;
        while v < 1 << t {
            let mut k = 0;
            while k < t {
                dest[v] |= ((v >> k) & 1) << (index[k] - byte(0));
                k += 1;
            }
            v += 1;
        }
        Schedule {
            pairs,
            rounds: 4,
            dest,
        }
    }

    /// Planes to items: vector `b` is plane `b`, its places the items.
    const fn unshuffle(t: usize) -> Schedule {
        let mut index = [0; 4];
        let mut k = 0;
        while k < t {
            index[k] = byte(k);
            k += 1;
        }
        let place = [item(0), item(1), item(2), item(3)];
        // Feed the byte bits from the highest: they become the low places.
        let mut feed = [0; 4];
        let mut r = 0;
        while r < t {
            feed[r] = byte(t - 1 - r);
            r += 1;
        }
        let (pairs, index, _) = Schedule::run(t, index, place, feed, t);
        // Index bit k now holds item bit `index[k]`: bit `index[k] + t - 4`
        // of the 16-byte unit (`item * T + byte` over 16).
        let mut dest = [0; 16];
        let mut v = 0;
        while v < 1 << t {
            let mut k = 0;
            while k < t {
                dest[v] |= ((v >> k) & 1) << (index[k] + t - 4);
                k += 1;
            }
            v += 1;
        }
        Schedule {
            pairs,
            rounds: t,
            dest,
        }
    }
}

/// The schedules for typesizes 2, 4, 8 and 16, by `log2 typesize`.
const SHUFFLE: [Schedule; 5] = [
    Schedule::EMPTY,
    Schedule::shuffle(1),
    Schedule::shuffle(2),
    Schedule::shuffle(3),
    Schedule::shuffle(4),
];

const UNSHUFFLE: [Schedule; 5] = [
    Schedule::EMPTY,
    Schedule::unshuffle(1),
    Schedule::unshuffle(2),
    Schedule::unshuffle(3),
    Schedule::unshuffle(4),
];

/// The instruction sets this CPU offers, best first.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Isa {
    Avx2,
    Sse2,
}

/// The best instruction set for the kernels here, if any.
pub(super) fn detect() -> Option<Isa> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            return Some(Isa::Avx2);
        }
        // Part of x86-64 itself.
        Some(Isa::Sse2)
    }
    #[cfg(not(target_arch = "x86_64"))]
    None
}

/// The instruction set chosen once per process.
pub(super) fn best() -> Option<Isa> {
    static BEST: std::sync::OnceLock<Option<Isa>> = std::sync::OnceLock::new();
    *BEST.get_or_init(detect)
}

/// Calls kernel `f` of the instruction set `isa` for `typesize`, with
/// `args`; 0 (nothing done) for a typesize without a kernel.
macro_rules! dispatch {
    ($isa:expr, $typesize:expr, $f:ident($($arg:expr),*)) => {{
        #[cfg(target_arch = "x86_64")]
        macro_rules! by_size {
            ($set:ident) => {
                match $typesize {
                    // SAFETY (all arms): `detect` saw the CPU offer the
                    // instruction set (SSE2 is part of x86-64).
                    2 => unsafe { $set::$f::<1>($($arg),*) },
                    4 => unsafe { $set::$f::<2>($($arg),*) },
                    8 => unsafe { $set::$f::<3>($($arg),*) },
                    16 => unsafe { $set::$f::<4>($($arg),*) },
                    _ => 0,
                }
            };
        }
        #[cfg(target_arch = "x86_64")]
        let done = match $isa {
            Isa::Avx2 => by_size!(avx2),
            Isa::Sse2 => by_size!(sse2),
        };
        #[cfg(not(target_arch = "x86_64"))]
        let done = {
            let _ = ($isa, $typesize, $($arg),*);
            0
        };
        done
    }};
}

/// Calls the any-typesize kernel `$f` compiled for `$typesize` itself when
/// it is under 16 (one column of 16 bytes, whose rows past the item the
/// compiler then drops: measured 7x faster to shuffle and 4x to unshuffle
/// at typesize 3, 1.5x and 2.5x at 12, than with the typesize known at run
/// time only), and for any typesize (`0`) from 17 on, where the columns
/// are whole vectors anyway.
#[cfg(target_arch = "x86_64")]
macro_rules! by_typesize {
    ($typesize:expr, $($f:ident)::+($($arg:expr),*)) => {
        match $typesize {
            3 => $($f)::+::<3>($($arg),*),
            5 => $($f)::+::<5>($($arg),*),
            6 => $($f)::+::<6>($($arg),*),
            7 => $($f)::+::<7>($($arg),*),
            9 => $($f)::+::<9>($($arg),*),
            10 => $($f)::+::<10>($($arg),*),
            11 => $($f)::+::<11>($($arg),*),
            12 => $($f)::+::<12>($($arg),*),
            13 => $($f)::+::<13>($($arg),*),
            14 => $($f)::+::<14>($($arg),*),
            15 => $($f)::+::<15>($($arg),*),
            _ => $($f)::+::<0>($($arg),*),
        }
    };
}

/// Calls the any-typesize kernel `$f` for `$typesize`: the AVX2 one where
/// `$isa` has it (its copy for the typesize, see [`by_typesize!`]), then
/// the SSE2 one from the item the AVX2 one stopped at; 0 (nothing done)
/// off x86-64.
macro_rules! dispatch_any {
    ($isa:expr, $typesize:expr, $f:ident($($arg:expr),*)) => {{
        #[cfg(target_arch = "x86_64")]
        let done = {
            let done = match $isa {
                // SAFETY: `detect` saw the CPU offer AVX2.
                Isa::Avx2 => unsafe { by_typesize!($typesize, avx2::$f($typesize, $($arg),*)) },
                Isa::Sse2 => 0,
            };
            // SAFETY: SSE2 is part of x86-64.
            unsafe { sse2::$f($typesize, done, $($arg),*) }
        };
        #[cfg(not(target_arch = "x86_64"))]
        let done = {
            let _ = ($isa, $typesize, $($arg),*);
            0
        };
        done
    }};
}

/// Shuffles as many leading items as the kernels of `isa` handle (whole
/// groups of 16 or 32), returning how many; the caller does the rest.
/// `planes` has room for all `n = items.len() / typesize` items.
pub(super) fn shuffle(isa: Isa, typesize: usize, items: &[u8], planes: &mut [u8]) -> usize {
    assert_eq!(items.len(), planes.len());
    match typesize {
        0 | 1 => 0,
        2 | 4 | 8 | 16 => shuffle_strided(isa, typesize, items, planes, items.len() / typesize),
        _ => dispatch_any!(isa, typesize, shuffle_any(items, planes)),
    }
}

/// [`shuffle`] into planes `stride` bytes apart (plane `b` starts at
/// `planes[b * stride]`); `planes` has room for them all.
pub(super) fn shuffle_strided(
    isa: Isa,
    typesize: usize,
    items: &[u8],
    planes: &mut [u8],
    stride: usize,
) -> usize {
    dispatch!(isa, typesize, shuffle(items, planes, stride))
}

/// Undoes [`shuffle`] on the leading items it handles; returns how many.
pub(super) fn unshuffle(isa: Isa, typesize: usize, planes: &[u8], items: &mut [u8]) -> usize {
    assert_eq!(items.len(), planes.len());
    match typesize {
        0 | 1 => 0,
        2 | 4 | 8 | 16 => unshuffle_strided(isa, typesize, planes, items.len() / typesize, items),
        _ => dispatch_any!(isa, typesize, unshuffle_any(planes, items)),
    }
}

/// [`unshuffle`] from planes `stride` bytes apart (plane `b` starts at
/// `planes[b * stride]`), `items.len() / typesize` items; `planes` holds
/// them all.
pub(super) fn unshuffle_strided(
    isa: Isa,
    typesize: usize,
    planes: &[u8],
    stride: usize,
    items: &mut [u8],
) -> usize {
    dispatch!(isa, typesize, unshuffle(planes, stride, items))
}

/// Loads 16 bytes at `at`; the slice index checks the bounds.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn load16(bytes: &[u8], at: usize) -> __m128i {
    let chunk: &[u8; 16] = bytes[at..at + 16].try_into().expect("16 bytes");
    // SAFETY: `chunk` is 16 readable bytes; the load is unaligned.
    unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) }
}

/// Stores 16 bytes at `at`; the slice index checks the bounds.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn store16(bytes: &mut [u8], at: usize, v: __m128i) {
    let chunk: &mut [u8; 16] = (&mut bytes[at..at + 16]).try_into().expect("16 bytes");
    // SAFETY: `chunk` is 16 writable bytes; the store is unaligned.
    unsafe { _mm_storeu_si128(chunk.as_mut_ptr().cast(), v) }
}

/// The rounds of `s` on `v` (the first `1 << t` vectors), with the given
/// unpack instructions.
macro_rules! rounds {
    ($s:expr, $t:expr, $v:expr, $lo:ident, $hi:ident) => {
        for r in 0..$s.rounds {
            let bit = 1 << $s.pairs[r];
            for x in 0..1usize << $t {
                if x & bit == 0 {
                    let (a, b) = ($v[x], $v[x | bit]);
                    $v[x] = $lo(a, b);
                    $v[x | bit] = $hi(a, b);
                }
            }
        }
    };
}

/// Whether `group` items from item `i` on are a whole group for the
/// kernels of any typesize: `group` items, and 16 bytes readable (or
/// writable) from the start of the last, which for items under 16 bytes
/// runs into the item after it.
#[cfg(target_arch = "x86_64")]
fn group_fits(i: usize, group: usize, n: usize, typesize: usize, len: usize) -> bool {
    i + group <= n && (i + group - 1) * typesize + 16 <= len
}

/// The 16x16 byte transpose of rows `$x` (16 vectors) with the given zero
/// and unpack intrinsics, of 128 bits or of 256 (which transpose each
/// 128-bit lane on its own): byte `k` of row `j` of the answer is byte `j`
/// of `$x[k]`. Four rounds, each interleaving twice as many bytes as the
/// one before, with the indices written out so that the rows stay in
/// registers.
#[cfg(target_arch = "x86_64")]
macro_rules! transpose16 {
    ($x:expr, $zero:expr, $lo8:ident, $hi8:ident, $lo16:ident, $hi16:ident,
     $lo32:ident, $hi32:ident, $lo64:ident, $hi64:ident) => {{
        let x = $x;
        let mut a = [$zero; 16];
        for p in 0..8 {
            a[2 * p] = $lo8(x[2 * p], x[2 * p + 1]);
            a[2 * p + 1] = $hi8(x[2 * p], x[2 * p + 1]);
        }
        // `b[4q + m]`: columns 4m..4m+4 of rows 4q..4q+4, 4 bytes each.
        let mut b = [$zero; 16];
        for q in 0..4 {
            b[4 * q] = $lo16(a[4 * q], a[4 * q + 2]);
            b[4 * q + 1] = $hi16(a[4 * q], a[4 * q + 2]);
            b[4 * q + 2] = $lo16(a[4 * q + 1], a[4 * q + 3]);
            b[4 * q + 3] = $hi16(a[4 * q + 1], a[4 * q + 3]);
        }
        // `c[8h + j]`: columns 2j and 2j+1 of rows 8h..8h+8, 8 bytes each.
        let mut c = [$zero; 16];
        for h in 0..2 {
            for m in 0..4 {
                let (lo, hi) = (b[8 * h + m], b[8 * h + 4 + m]);
                c[8 * h + 2 * m] = $lo32(lo, hi);
                c[8 * h + 2 * m + 1] = $hi32(lo, hi);
            }
        }
        let mut out = [$zero; 16];
        for j in 0..8 {
            out[2 * j] = $lo64(c[j], c[8 + j]);
            out[2 * j + 1] = $hi64(c[j], c[8 + j]);
        }
        out
    }};
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::super::shuffle::columns;
    use super::*;

    /// [`transpose16!`] on 16-byte rows.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn transpose16(x: &[__m128i; 16]) -> [__m128i; 16] {
        transpose16!(
            x,
            _mm_setzero_si128(),
            _mm_unpacklo_epi8,
            _mm_unpackhi_epi8,
            _mm_unpacklo_epi16,
            _mm_unpackhi_epi16,
            _mm_unpacklo_epi32,
            _mm_unpackhi_epi32,
            _mm_unpacklo_epi64,
            _mm_unpackhi_epi64
        )
    }

    /// Shuffles the groups of 16 items of any `typesize` but 1 from item
    /// `first` on, returning the item after the last group: each column of
    /// 16 bytes of the items (see [`columns`]) is transposed into 16
    /// planes, and the planes past an item narrower than 16 bytes are
    /// dropped.
    #[target_feature(enable = "sse2")]
    pub(super) fn shuffle_any(
        typesize: usize,
        first: usize,
        items: &[u8],
        planes: &mut [u8],
    ) -> usize {
        let n = items.len() / typesize;
        let mut i = first;
        while group_fits(i, 16, n, typesize, items.len()) {
            for col in columns(typesize, 16) {
                let rows = std::array::from_fn(|u| load16(items, (i + u) * typesize + col));
                for (b, &plane) in transpose16(&rows).iter().enumerate() {
                    if col + b < typesize {
                        store16(planes, (col + b) * n + i, plane);
                    }
                }
            }
            i += 16;
        }
        i
    }

    /// Undoes [`shuffle_any`] on the groups of 16 items from item `first`
    /// on, returning the item after the last group. Items narrower than 16
    /// bytes are stored whole vectors in item order, each running into the
    /// next item, which its own store then writes over; the last one's
    /// overrun stays within `items` and is for the caller (or the next
    /// group) to write over.
    #[target_feature(enable = "sse2")]
    pub(super) fn unshuffle_any(
        typesize: usize,
        first: usize,
        planes: &[u8],
        items: &mut [u8],
    ) -> usize {
        let n = items.len() / typesize;
        let mut i = first;
        while group_fits(i, 16, n, typesize, items.len()) {
            for col in columns(typesize, 16) {
                let rows = std::array::from_fn(|b| {
                    if col + b < typesize {
                        load16(planes, (col + b) * n + i)
                    } else {
                        _mm_setzero_si128()
                    }
                });
                for (k, &item) in transpose16(&rows).iter().enumerate() {
                    store16(items, (i + k) * typesize + col, item);
                }
            }
            i += 16;
        }
        i
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn shuffle<const T: usize>(items: &[u8], planes: &mut [u8], stride: usize) -> usize {
        let (s, t, size) = (&SHUFFLE[T], T, 1 << T);
        let n = items.len() / size;
        let groups = n / 16;
        let mut v = [_mm_setzero_si128(); 16];
        for g in 0..groups {
            let base = g * 16 * size;
            for (u, slot) in v.iter_mut().enumerate().take(size) {
                *slot = load16(items, base + 16 * u);
            }
            rounds!(s, t, v, _mm_unpacklo_epi8, _mm_unpackhi_epi8);
            for (x, &vx) in v.iter().enumerate().take(size) {
                store16(planes, s.dest[x] * stride + g * 16, vx);
            }
        }
        groups * 16
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn unshuffle<const T: usize>(
        planes: &[u8],
        stride: usize,
        items: &mut [u8],
    ) -> usize {
        let (s, t, size) = (&UNSHUFFLE[T], T, 1 << T);
        let n = items.len() / size;
        let groups = n / 16;
        let mut v = [_mm_setzero_si128(); 16];
        for g in 0..groups {
            for (b, slot) in v.iter_mut().enumerate().take(size) {
                *slot = load16(planes, b * stride + g * 16);
            }
            rounds!(s, t, v, _mm_unpacklo_epi8, _mm_unpackhi_epi8);
            let base = g * 16 * size;
            for (x, &vx) in v.iter().enumerate().take(size) {
                store16(items, base + 16 * s.dest[x], vx);
            }
        }
        groups * 16
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::super::shuffle::columns;
    use super::*;

    /// [`transpose16!`] on 32-byte rows: two transposes, one per lane.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn transpose16x2(x: &[__m256i; 16]) -> [__m256i; 16] {
        transpose16!(
            x,
            _mm256_setzero_si256(),
            _mm256_unpacklo_epi8,
            _mm256_unpackhi_epi8,
            _mm256_unpacklo_epi16,
            _mm256_unpackhi_epi16,
            _mm256_unpacklo_epi32,
            _mm256_unpackhi_epi32,
            _mm256_unpacklo_epi64,
            _mm256_unpackhi_epi64
        )
    }

    /// [`sse2::shuffle_any`] on groups of 32 items: items `i + u` and
    /// `i + 16 + u` share row `u`, one per lane, so that each plane's 32
    /// bytes come out as one store. `T` is the typesize when this copy is
    /// compiled for one, 0 otherwise (see `by_typesize!`).
    #[target_feature(enable = "avx2")]
    pub(super) fn shuffle_any<const T: usize>(
        typesize: usize,
        items: &[u8],
        planes: &mut [u8],
    ) -> usize {
        debug_assert!(
            T == 0 || T == typesize,
            "compiled for {T}, called for {typesize}"
        );
        let typesize = if T == 0 { typesize } else { T };
        let n = items.len() / typesize;
        let mut i = 0;
        while group_fits(i, 32, n, typesize, items.len()) {
            for col in columns(typesize, 16) {
                let rows = std::array::from_fn(|u| {
                    let at = |k: usize| (i + k) * typesize + col;
                    _mm256_set_m128i(load16(items, at(16 + u)), load16(items, at(u)))
                });
                for (b, &plane) in transpose16x2(&rows).iter().enumerate() {
                    if col + b < typesize {
                        store32(planes, (col + b) * n + i, plane);
                    }
                }
            }
            i += 32;
        }
        i
    }

    /// [`sse2::unshuffle_any`] on groups of 32 items: the first 16 items
    /// come out of the low lanes and are stored first, in item order, then
    /// the other 16 from the high lanes. `T` as for [`shuffle_any`].
    #[target_feature(enable = "avx2")]
    pub(super) fn unshuffle_any<const T: usize>(
        typesize: usize,
        planes: &[u8],
        items: &mut [u8],
    ) -> usize {
        debug_assert!(
            T == 0 || T == typesize,
            "compiled for {T}, called for {typesize}"
        );
        let typesize = if T == 0 { typesize } else { T };
        let n = items.len() / typesize;
        let mut i = 0;
        while group_fits(i, 32, n, typesize, items.len()) {
            for col in columns(typesize, 16) {
                let rows = std::array::from_fn(|b| {
                    if col + b < typesize {
                        load32(planes, (col + b) * n + i)
                    } else {
                        _mm256_setzero_si256()
                    }
                });
                let out = transpose16x2(&rows);
                for (k, &item) in out.iter().enumerate() {
                    store16(
                        items,
                        (i + k) * typesize + col,
                        _mm256_castsi256_si128(item),
                    );
                }
                for (k, &item) in out.iter().enumerate() {
                    let high = _mm256_extracti128_si256::<1>(item);
                    store16(items, (i + 16 + k) * typesize + col, high);
                }
            }
            i += 32;
        }
        i
    }

    #[target_feature(enable = "avx2")]
    fn load32(bytes: &[u8], at: usize) -> __m256i {
        let chunk: &[u8; 32] = bytes[at..at + 32].try_into().expect("32 bytes");
        // SAFETY: `chunk` is 32 readable bytes; the load is unaligned.
        unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) }
    }

    #[target_feature(enable = "avx2")]
    fn store32(bytes: &mut [u8], at: usize, v: __m256i) {
        let chunk: &mut [u8; 32] = (&mut bytes[at..at + 32]).try_into().expect("32 bytes");
        // SAFETY: `chunk` is 32 writable bytes; the store is unaligned.
        unsafe { _mm256_storeu_si256(chunk.as_mut_ptr().cast(), v) }
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn shuffle<const T: usize>(items: &[u8], planes: &mut [u8], stride: usize) -> usize {
        let (s, t, size) = (&SHUFFLE[T], T, 1 << T);
        let n = items.len() / size;
        let groups = n / 32;
        let mut v = [_mm256_setzero_si256(); 16];
        for g in 0..groups {
            // Vector `u` takes 16-byte unit `u` of the first group into its
            // low lane and of the second into its high lane: units `2k` and
            // `2k + 1` come in together, as whole 32-byte loads.
            let group = &items[g * 32 * size..(g + 1) * 32 * size];
            for k in 0..size / 2 {
                let (a, b) = (load32(group, 32 * k), load32(group, 16 * size + 32 * k));
                v[2 * k] = _mm256_permute2x128_si256::<0x20>(a, b);
                v[2 * k + 1] = _mm256_permute2x128_si256::<0x31>(a, b);
            }
            rounds!(s, t, v, _mm256_unpacklo_epi8, _mm256_unpackhi_epi8);
            for (x, &vx) in v.iter().enumerate().take(size) {
                store32(planes, s.dest[x] * stride + g * 32, vx);
            }
        }
        groups * 32
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn unshuffle<const T: usize>(
        planes: &[u8],
        stride: usize,
        items: &mut [u8],
    ) -> usize {
        let (s, t, size) = (&UNSHUFFLE[T], T, 1 << T);
        let n = items.len() / size;
        let groups = n / 32;
        let mut unit = [0; 16];
        for x in 0..size {
            unit[s.dest[x]] = x;
        }
        let mut v = [_mm256_setzero_si256(); 16];
        for g in 0..groups {
            for (b, slot) in v.iter_mut().enumerate().take(size) {
                *slot = load32(planes, b * stride + g * 32);
            }
            rounds!(s, t, v, _mm256_unpacklo_epi8, _mm256_unpackhi_epi8);
            // Vector `unit[u]` holds 16-byte unit `u` of the first group in
            // its low lane and of the second in its high lane: units `2k`
            // and `2k + 1` go out together, as whole 32-byte stores in
            // order (half as many stores as one per lane, which counts
            // when the items go to memory rather than cache).
            let out = &mut items[g * 32 * size..(g + 1) * 32 * size];
            for k in 0..size / 2 {
                let (a, b) = (v[unit[2 * k]], v[unit[2 * k + 1]]);
                store32(out, 32 * k, _mm256_permute2x128_si256::<0x20>(a, b));
                store32(
                    out,
                    16 * size + 32 * k,
                    _mm256_permute2x128_si256::<0x31>(a, b),
                );
            }
        }
        groups * 32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn isas() -> Vec<Isa> {
        match detect() {
            Some(Isa::Avx2) => vec![Isa::Avx2, Isa::Sse2],
            Some(Isa::Sse2) => vec![Isa::Sse2],
            None => vec![],
        }
    }

    fn plain_shuffle(typesize: usize, items: &[u8]) -> Vec<u8> {
        let n = items.len() / typesize;
        let mut planes = vec![0; items.len()];
        for i in 0..n {
            for j in 0..typesize {
                planes[j * n + i] = items[i * typesize + j];
            }
        }
        planes
    }

    #[test]
    fn kernels_transpose_whole_groups() {
        for isa in isas() {
            for typesize in [2, 4, 8, 16] {
                for n in [32, 64, 96, 4096] {
                    let items: Vec<u8> =
                        (0..n * typesize).map(|i| (i * 7 + i / 251) as u8).collect();
                    let want = plain_shuffle(typesize, &items);
                    let mut planes = vec![0; items.len()];
                    assert_eq!(shuffle(isa, typesize, &items, &mut planes), n, "{isa:?}");
                    assert_eq!(planes, want, "{isa:?} typesize {typesize} n {n}");
                    let mut back = vec![0; items.len()];
                    assert_eq!(unshuffle(isa, typesize, &planes, &mut back), n);
                    assert_eq!(back, items, "{isa:?} typesize {typesize} n {n}");
                }
            }
        }
    }

    #[test]
    fn kernels_of_any_typesize_transpose_the_groups_they_take() {
        // Every typesize below 16 that the kernels are compiled for, and
        // some of those taken at run time.
        let typesizes = [
            3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 17, 24, 31, 32, 33, 40, 255,
        ];
        for isa in isas() {
            for typesize in typesizes {
                for n in [15, 16, 17, 31, 32, 33, 100, 1000] {
                    let items: Vec<u8> =
                        (0..n * typesize).map(|i| (i * 7 + i / 251) as u8).collect();
                    let want = plain_shuffle(typesize, &items);
                    let mut planes = vec![0xEE; items.len()];
                    let done = shuffle(isa, typesize, &items, &mut planes);
                    // Whole groups of 16, all but the last for narrow items
                    // whose last 16-byte read would run past the end.
                    let most = n / 16 * 16;
                    let least = if typesize < 16 {
                        most.saturating_sub(16)
                    } else {
                        most
                    };
                    assert!((least..=most).contains(&done), "{typesize} {n}: {done}");
                    for j in 0..typesize {
                        let (got, want) =
                            (&planes[j * n..j * n + done], &want[j * n..j * n + done]);
                        assert_eq!(got, want, "{isa:?} typesize {typesize} n {n} plane {j}");
                    }
                    let mut back = vec![0xEE; items.len()];
                    assert_eq!(unshuffle(isa, typesize, &want, &mut back), done);
                    let whole = done * typesize;
                    assert_eq!(
                        back[..whole],
                        items[..whole],
                        "{isa:?} typesize {typesize} n {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn kernels_leave_the_tail_to_the_caller() {
        for isa in isas() {
            let group = if isa == Isa::Avx2 { 32 } else { 16 };
            let items = vec![1u8; (group + 5) * 4];
            let mut planes = vec![0; items.len()];
            assert_eq!(shuffle(isa, 4, &items, &mut planes), group);
            assert_eq!(shuffle(isa, 3, &items[..36], &mut planes[..36]), 0);
        }
    }
}

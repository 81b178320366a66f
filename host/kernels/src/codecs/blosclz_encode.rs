//! A BloscLZ encoder: greedy matching through one hash table of recent
//! positions, taking matches of 7 bytes or more and starting the next
//! search a byte before a match ends, with an entropy probe over the same
//! sample of the input as C-Blosc2's. Its streams decode with C-Blosc2's
//! decoder (and ours); they need not be byte-identical with C-Blosc2's
//! encoder, but come close to its compression ratios
//! (`sandpress bench --against python-blosc2` prints both).
//!
//! What C-Blosc2's decoder (3.x) needs besides the format: the stream ends
//! with a literal run (it drops a match that ends the stream), so the last
//! bytes of the input are always literals.

/// Longest literal run one instruction holds.
const MAX_LITERALS: usize = 32;
/// Farthest distance of the two-byte form.
const NEAR_DISTANCE: usize = 8191;
/// Farthest distance of the long-distance form.
const FAR_DISTANCE: usize = NEAR_DISTANCE + 1 + 0xFFFF;
/// Bytes at the end of the input left to literals.
const TAIL: usize = 12;
/// Fewest bytes a match must cover to be taken (7, as C-Blosc2's encoder:
/// shorter ones cost more to decode than they save, and hide better
/// candidates).
const MIN_MATCHED: usize = 7;
/// Bytes at the end of a match left to the next search.
const GIVEN_BACK: usize = 1;

/// The 8 bytes at `at`, little-endian (0 past the end, which the encoder
/// never reads).
#[inline(always)]
fn read_u64(src: &[u8], at: usize) -> u64 {
    match src.get(at..at + 8) {
        Some(&[a, b, c, d, e, f, g, h]) => u64::from_le_bytes([a, b, c, d, e, f, g, h]),
        _ => 0,
    }
}

fn hash(v: u32, bits: u32) -> usize {
    (v.wrapping_mul(2_654_435_761) >> (32 - bits)) as usize
}

/// Where the encoder's instructions go: `false` when there is no room.
trait Sink {
    /// `src[from..to]` as literal runs.
    fn literals(&mut self, src: &[u8], from: usize, to: usize) -> bool;
    fn matched(&mut self, len: usize, distance: usize) -> bool;
}

/// Writes the instructions into a slice.
struct Out<'a> {
    dst: &'a mut [u8],
    at: usize,
}

impl Out<'_> {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) -> bool {
        match self.dst.get_mut(self.at..self.at + bytes.len()) {
            Some(room) => {
                room.copy_from_slice(bytes);
                self.at += bytes.len();
                true
            }
            None => false,
        }
    }
}

impl Sink for Out<'_> {
    /// Literal runs of at most 32 bytes, each behind its length.
    #[inline(always)]
    fn literals(&mut self, src: &[u8], from: usize, to: usize) -> bool {
        let n = to - from;
        // One run, as most are: its length, then a fixed 32-byte copy when
        // both sides have the room (bytes past the run are scratch, written
        // over next).
        if (1..=MAX_LITERALS).contains(&n)
            && let (Some(run), Some(room)) = (
                src.get(from..from + MAX_LITERALS),
                self.dst.get_mut(self.at..self.at + 1 + MAX_LITERALS),
            )
        {
            room[0] = n as u8 - 1;
            room[1..].copy_from_slice(run);
            self.at += 1 + n;
            return true;
        }
        src[from..to]
            .chunks(MAX_LITERALS)
            .all(|run| self.put(&[run.len() as u8 - 1]) && self.put(run))
    }

    /// A match of `len` (at least 3) bytes from `distance` (1 to 73,727)
    /// back.
    #[inline(always)]
    fn matched(&mut self, len: usize, distance: usize) -> bool {
        let far = distance > NEAR_DISTANCE;
        let high = if far { 31 } else { (distance - 1) >> 8 };
        if len <= 8 && !far {
            // The common case in one go.
            return self.put(&[((len - 2) << 5 | high) as u8, (distance - 1) as u8]);
        }
        let ok = if len <= 8 {
            self.put(&[((len - 2) << 5 | high) as u8])
        } else {
            let mut extra = len - 9;
            let mut ok = self.put(&[(7 << 5 | high) as u8]);
            while ok && extra >= 255 {
                ok = self.put(&[255]);
                extra -= 255;
            }
            ok && self.put(&[extra as u8])
        };
        ok && if far {
            let x = distance - NEAR_DISTANCE - 1;
            self.put(&[255, (x >> 8) as u8, x as u8])
        } else {
            self.put(&[(distance - 1) as u8])
        }
    }
}

/// Counts what the instructions would take, for the entropy probe.
struct Count(usize);

impl Sink for Count {
    fn literals(&mut self, _src: &[u8], from: usize, to: usize) -> bool {
        let n = to - from;
        self.0 += n + n.div_ceil(MAX_LITERALS);
        true
    }

    fn matched(&mut self, len: usize, distance: usize) -> bool {
        let extra = if len <= 8 { 0 } else { (len - 9) / 255 + 1 };
        self.0 += 1 + extra + if distance > NEAR_DISTANCE { 3 } else { 1 };
        true
    }
}

/// The hash table of recent positions, kept by each thread across calls.
/// An entry is `base + position` of the call that wrote it, so entries of
/// earlier calls (below the current `base`) read as empty and the table is
/// never cleared between calls, only when `base` would overflow.
struct Table {
    entries: Vec<u32>,
    base: u32,
}

thread_local! {
    static TABLE: std::cell::RefCell<Table> = const {
        std::cell::RefCell::new(Table { entries: Vec::new(), base: 1 })
    };
}

/// Runs the encoder on `src` into `sink` with this thread's table (a fresh
/// one if the thread's is in use); `false` if the sink ran out of room.
fn encode(clevel: u8, src: &[u8], sink: &mut impl Sink) -> bool {
    TABLE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut table) => encode_with(&mut table, clevel, src, sink),
        Err(_) => encode_with(
            &mut Table {
                entries: Vec::new(),
                base: 1,
            },
            clevel,
            src,
            sink,
        ),
    })
}

/// Most hash bits the encoder uses (from clevel 3 on).
const MAX_BITS: u32 = 14;

fn encode_with(table: &mut Table, clevel: u8, src: &[u8], sink: &mut impl Sink) -> bool {
    // 12 bits at clevel 1, 13 at 2, 14 above (as C-Blosc2: fewer
    // collisions, fewer candidates that fail), no more than the input
    // needs.
    let bits = (MAX_BITS - 3 + u32::from(clevel.clamp(1, 3)))
        .min(usize::BITS - src.len().leading_zeros())
        .max(8);
    let Ok(len) = u32::try_from(src.len()) else {
        return false;
    };
    if table.entries.len() < 1 << bits || table.base.checked_add(len + 1).is_none() {
        table.entries.clear();
        table.entries.resize(1 << MAX_BITS, 0);
        table.base = 1;
    }
    let base = table.base;
    table.base += len + 1;
    let table = &mut table.entries[..1 << bits];
    let limit = src.len() - TAIL;
    // Matches may run to here; the last byte stays a literal.
    let match_end = src.len() - 1;
    let mut anchor = 0;
    // From 1, so that the stream starts with a literal run, as it must.
    let mut ip = 1;
    // Skip faster through data that does not match, less so at high clevels.
    let skip_shift = 4 + u32::from(clevel.min(9)) / 2;
    while ip < limit {
        // `ip + 8 < match_end`: the 8 bytes here are all the search reads.
        let word = read_u64(src, ip);
        let v = word as u32;
        let h = hash(v, bits);
        let stored = table[h];
        table[h] = base + ip as u32;
        let Some(cand) = stored.checked_sub(base).map(|c| c as usize) else {
            ip += 1 + ((ip - anchor) >> skip_shift);
            continue;
        };
        let distance = ip - cand;
        // Both 8-byte words at once: the first 4 bytes decide whether this
        // is a match at all, and most matches end within the 8 (too short
        // to take), so only the longer ones need `common`.
        let diff = read_u64(src, cand) ^ word;
        if cand >= ip || distance > FAR_DISTANCE || diff as u32 != 0 {
            ip += 1 + ((ip - anchor) >> skip_shift);
            continue;
        }
        let matched = if diff != 0 {
            diff.trailing_zeros() as usize / 8
        } else {
            8 + common(src, cand + 8, ip + 8, match_end)
        };
        // Short matches are taken as literals, and a match gives up its
        // last byte to the next search, which then starts where the data
        // may change pattern: in periodic data (bit planes of a ramp, say)
        // the most recent candidate of a short match is often a poor one,
        // and the search from just before a match's end finds the period.
        if matched < MIN_MATCHED || (distance > NEAR_DISTANCE && matched < MIN_MATCHED + 2) {
            ip += 1;
            continue;
        }
        let len = matched - GIVEN_BACK;
        if !(sink.literals(src, anchor, ip) && sink.matched(len, distance)) {
            return false;
        }
        ip += len;
        anchor = ip;
        if ip < limit {
            // The two positions before the next search, from one read.
            let word = read_u64(src, ip - 2);
            table[hash(word as u32, bits)] = base + (ip - 2) as u32;
            table[hash((word >> 8) as u32, bits)] = base + (ip - 1) as u32;
        }
    }
    sink.literals(src, anchor, src.len())
}

/// Length of the common prefix of `src[a..]` and `src[b..end]`, `a < b`.
fn common(src: &[u8], a: usize, b: usize, end: usize) -> usize {
    let (x, y) = (&src[a..end], &src[b..end]);
    let mut n = 0;
    // 32 bytes at a time while they are all equal (the long matches of
    // runs and repeats), then 8 at a time to find the first that differs.
    while let (Some(p), Some(q)) = (
        x.get(n..).and_then(<[u8]>::first_chunk::<32>),
        y.get(n..).and_then(<[u8]>::first_chunk::<32>),
    ) && p == q
    {
        n += 32;
    }
    while let (Some(p), Some(q)) = (x.get(n..n + 8), y.get(n..n + 8)) {
        let diff = u64::from_le_bytes(p.try_into().unwrap_or_default())
            ^ u64::from_le_bytes(q.try_into().unwrap_or_default());
        if diff != 0 {
            return n + diff.trailing_zeros() as usize / 8;
        }
        n += 8;
    }
    n + x[n..]
        .iter()
        .zip(&y[n..])
        .take_while(|(p, q)| p == q)
        .count()
}

/// Lowest estimated compression ratio, per clevel, for which
/// [`compress_into`] compresses at all: BloscLZ streams of little gain cost
/// more to decode than they save (C-Blosc2's thresholds).
const MIN_RATIO: [f64; 10] = [0.0, 2.0, 1.5, 1.2, 1.2, 1.2, 1.2, 1.15, 1.1, 1.0];

/// Whether a sample of `src` compresses by at least the clevel's
/// [`MIN_RATIO`], estimated from a counting pass of the encoder over it:
/// C-Blosc2's entropy probe, over the same sample (4 KiB from 7/8 of the
/// input at clevel 1, 8 KiB from 3/4 at 2-3, 16 KiB from the middle at 4-6,
/// 16 KiB from the start above), so that both store the same blocks raw.
fn worth_it(clevel: u8, src: &[u8]) -> bool {
    let (part, most) = match clevel {
        0..=1 => (8, 4 << 10),
        2..=3 => (4, 8 << 10),
        4..=6 => (2, 16 << 10),
        _ => (1, 16 << 10),
    };
    let start = src.len() - src.len() / part;
    let probe = &src[start..src.len().min(start + most)];
    if probe.len() < 16 {
        return true;
    }
    let mut count = Count(0);
    encode(clevel, probe, &mut count);
    probe.len() as f64 >= MIN_RATIO[usize::from(clevel.min(9))] * count.0 as f64
}

/// Compresses `src` into `dst` as the pipeline does: `Some(n)` with the
/// stream in `dst[..n]` (bytes of `dst` past it may have been written);
/// `None` when it does not fit in `dst.len()` bytes,
/// when `src` is shorter than 16 bytes, or when a probe of its last
/// quarter says it would not compress by the clevel's minimum ratio (then
/// the caller stores the data raw, as C-Blosc2 does).
pub fn compress_into(clevel: u8, src: &[u8], dst: &mut [u8]) -> Option<usize> {
    if src.len() < 16 || !worth_it(clevel, src) {
        return None;
    }
    let mut out = Out { dst, at: 0 };
    if !encode(clevel, src, &mut out) {
        return None;
    }
    let n = out.at;
    // C-Blosc2's marker; decoders ignore the top bits of the first byte.
    out.dst[0] |= 1 << 5;
    Some(n)
}

/// Compresses `src` into `dst` (cleared first) as one BloscLZ stream at
/// `clevel` 1-9 (higher: a larger hash table up to clevel 3, and fewer
/// skipped positions on incompressible data). Returns `false`, with `dst` unspecified, when
/// the stream would be longer than `maxout` bytes or `src` is shorter than
/// 16 bytes: the caller stores the data raw.
///
/// ```
/// use sandpress_kernels::codecs::blosclz;
///
/// let data = b"abcabcabcabcabcabcabcabcabcabcabcabc".repeat(10);
/// let mut stream = Vec::new();
/// assert!(blosclz::compress(5, &data, &mut stream, data.len() - 1));
/// let mut out = vec![0; data.len()];
/// assert_eq!(blosclz::decompress(&stream, &mut out), Ok(data.len()));
/// assert_eq!(out, data);
/// ```
pub fn compress(clevel: u8, src: &[u8], dst: &mut Vec<u8>, maxout: usize) -> bool {
    dst.clear();
    if src.len() < 16 {
        return false;
    }
    // The longest a stream gets: every byte a literal, behind one length
    // byte per 32.
    let most = src.len() + src.len().div_ceil(MAX_LITERALS);
    dst.resize(maxout.min(most), 0);
    let mut out = Out { dst, at: 0 };
    let ok = encode(clevel, src, &mut out);
    let n = out.at;
    dst.truncate(n);
    if let Some(first) = dst.first_mut() {
        // C-Blosc2's marker; decoders ignore the top bits of the first byte.
        *first |= 1 << 5;
    }
    ok
}

#[cfg(test)]
mod tests {
    use sandpress_test_support::noise;

    use super::*;

    #[test]
    fn the_probe_gives_up_on_data_that_barely_compresses() {
        // Noise with every fourth byte zero compresses a little (far less
        // than the 1.2 clevel 5 asks for); `compress` still encodes it.
        let data: Vec<u8> = noise(65_536)
            .into_iter()
            .enumerate()
            .map(|(i, b)| if i % 4 == 0 { 0 } else { b })
            .collect();
        let mut room = vec![0; data.len()];
        assert_eq!(compress_into(5, &data, &mut room), None);
        let mut stream = Vec::new();
        assert!(compress(5, &data, &mut stream, usize::MAX));
        // At clevel 9 any gain is enough.
        let repetitive = b"sandpress ".repeat(6000);
        let n = compress_into(9, &repetitive, &mut room).expect("a repeated phrase compresses");
        let mut back = vec![0; repetitive.len()];
        assert_eq!(
            super::super::blosclz::decompress(&room[..n], &mut back),
            Ok(repetitive.len())
        );
        assert_eq!(back, repetitive);
    }

    #[test]
    fn periodic_bit_planes_compress_as_c_blosc2s_encoder_does() {
        // The bit planes of a ramp: runs and periods of 1 to 4096 bytes.
        // C-Blosc2 3.3's encoder makes ~720 bytes of this 128 KiB block;
        // taking every short match made over 5000.
        let ramp: Vec<u8> = (0..32_768u32).flat_map(u32::to_le_bytes).collect();
        let mut planes = vec![0; ramp.len()];
        crate::filters::bitshuffle(4, &ramp, &mut planes);
        let mut stream = vec![0; planes.len()];
        let n = compress_into(5, &planes, &mut stream).expect("compresses");
        assert!(n < 1024, "{n} bytes");
        let mut back = vec![0; planes.len()];
        assert_eq!(
            super::super::blosclz::decompress(&stream[..n], &mut back),
            Ok(planes.len())
        );
        assert_eq!(back, planes);
    }

    #[test]
    fn streams_do_not_depend_on_earlier_calls() {
        // The table keeps entries across calls; those of earlier inputs
        // must not change the stream (frames are the same whatever thread
        // compressed them, after whatever else).
        let a = b"0123456789abcdef".repeat(400);
        let b: Vec<u8> = noise(6400).iter().map(|x| x % 4).collect();
        let encode = |data: &[u8]| {
            let mut stream = Vec::new();
            assert!(compress(3, data, &mut stream, usize::MAX));
            stream
        };
        let (first_a, first_b) = (encode(&a), encode(&b));
        for _ in 0..3 {
            assert_eq!(encode(&a), first_a);
            assert_eq!(encode(&b), first_b);
        }
        let fresh = std::thread::spawn(move || encode(&b))
            .join()
            .expect("no panic");
        assert_eq!(fresh, first_b);
    }
}

//! A BloscLZ encoder: greedy matching through one hash table of recent
//! positions. Its streams decode with C-Blosc2's decoder (and ours); they
//! need not be byte-identical with C-Blosc2's encoder.
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

fn read_u32(src: &[u8], at: usize) -> u32 {
    match src.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

fn hash(v: u32, bits: u32) -> usize {
    (v.wrapping_mul(2_654_435_761) >> (32 - bits)) as usize
}

/// Appends `lits` as literal runs of at most 32 bytes.
fn put_literals(dst: &mut Vec<u8>, lits: &[u8]) {
    for run in lits.chunks(MAX_LITERALS) {
        dst.push(run.len() as u8 - 1);
        dst.extend_from_slice(run);
    }
}

/// Appends a match of `len` (at least 3) bytes from `distance` (1 to
/// 73,727) back.
fn put_match(dst: &mut Vec<u8>, len: usize, distance: usize) {
    let far = distance > NEAR_DISTANCE;
    let high = if far { 31 } else { (distance - 1) >> 8 };
    if len <= 8 {
        dst.push(((len - 2) << 5 | high) as u8);
    } else {
        dst.push((7 << 5 | high) as u8);
        let mut extra = len - 9;
        while extra >= 255 {
            dst.push(255);
            extra -= 255;
        }
        dst.push(extra as u8);
    }
    if far {
        let x = distance - NEAR_DISTANCE - 1;
        dst.extend_from_slice(&[255, (x >> 8) as u8, x as u8]);
    } else {
        dst.push((distance - 1) as u8);
    }
}

/// Length of the common prefix of `src[a..]` and `src[b..end]`, `a < b`.
fn common(src: &[u8], a: usize, b: usize, end: usize) -> usize {
    let (x, y) = (&src[a..end], &src[b..end]);
    let mut n = 0;
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

/// [`compress`] into a slice: `Some(n)` with the stream in `dst[..n]`, or
/// `None` when it does not fit in `dst.len()` bytes.
pub fn compress_into(clevel: u8, src: &[u8], dst: &mut [u8]) -> Option<usize> {
    thread_local! {
        static STREAM: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    STREAM.with(|cell| {
        let mut stream = cell.try_borrow_mut().ok()?;
        if !compress(clevel, src, &mut stream, dst.len()) {
            return None;
        }
        dst[..stream.len()].copy_from_slice(&stream);
        Some(stream.len())
    })
}

/// Compresses `src` into `dst` (cleared first) as one BloscLZ stream at
/// `clevel` 1-9 (higher: a larger hash table, and fewer skipped positions
/// on incompressible data). Returns `false`, with `dst` unspecified, when
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
    // 11 to 15 bits, and no more than the input needs.
    let bits = (10 + u32::from(clevel.clamp(1, 9)).div_ceil(2))
        .min(usize::BITS - src.len().leading_zeros())
        .max(8);
    let mut table = vec![0u32; 1 << bits];
    let limit = src.len() - TAIL;
    // Matches may run to here; the last byte stays a literal.
    let match_end = src.len() - 1;
    let mut anchor = 0;
    // From 1, so that the stream starts with a literal run, as it must.
    let mut ip = 1;
    // Skip faster through data that does not match, less so at high clevels.
    let skip_shift = 4 + u32::from(clevel.min(9)) / 2;
    while ip < limit {
        let v = read_u32(src, ip);
        let h = hash(v, bits);
        let cand = table[h] as usize;
        table[h] = ip as u32;
        let distance = ip - cand;
        if cand >= ip || distance > FAR_DISTANCE || read_u32(src, cand) != v {
            ip += 1 + ((ip - anchor) >> skip_shift);
            continue;
        }
        let len = 4 + common(src, cand + 4, ip + 4, match_end);
        if distance > NEAR_DISTANCE && len < 6 {
            ip += 1;
            continue;
        }
        put_literals(dst, &src[anchor..ip]);
        put_match(dst, len, distance);
        if dst.len() > maxout {
            return false;
        }
        ip += len;
        anchor = ip;
        if ip < limit {
            for at in [ip - 2, ip - 1] {
                table[hash(read_u32(src, at), bits)] = at as u32;
            }
        }
    }
    put_literals(dst, &src[anchor..]);
    if let Some(first) = dst.first_mut() {
        // C-Blosc2's marker; decoders ignore the top bits of the first byte.
        *first |= 1 << 5;
    }
    dst.len() <= maxout
}

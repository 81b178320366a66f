//! Copying a block between two buffers whose addresses the caller does not
//! choose (a guest's answer into C-Blosc2's or numpy's buffer, say), at
//! full speed whatever their alignment.
//!
//! glibc copies more than about 2 KiB with `rep movsb`, and on x86-64 CPUs
//! with fast string moves that runs an order of magnitude slower when the
//! destination sits 1 to 15 bytes past the source modulo 4096: a guest's answer at 8 mod 4096
//! landing in a numpy array at 16 mod 4096 is that case. [`copy_bytes`]
//! copies such pairs in pieces below that size, which glibc moves with
//! vector loads and stores at full speed; other pairs in one copy.

/// Pieces small enough that glibc never copies them with `rep movsb`
/// (its threshold is 2048 bytes or more).
const PIECE: usize = 2048;

/// Whether copying from `src` to `dst` in one call would hit the slow case:
/// the destination 1 to 63 bytes past the source modulo 4096 (the slow
/// band measured is 1 to 15; the margin costs nothing).
fn near_past(dst: *const u8, src: *const u8) -> bool {
    let distance = dst.addr().wrapping_sub(src.addr()) % 4096;
    (1..64).contains(&distance)
}

/// Copies `src` into `dst`, which must have the same length (as
/// `<[u8]>::copy_from_slice`, which panics otherwise).
pub fn copy_bytes(dst: &mut [u8], src: &[u8]) {
    if src.len() <= PIECE || !near_past(dst.as_ptr(), src.as_ptr()) {
        dst.copy_from_slice(src);
        return;
    }
    assert_eq!(dst.len(), src.len(), "copy_bytes: lengths differ");
    for (to, from) in dst.chunks_mut(PIECE).zip(src.chunks(PIECE)) {
        to.copy_from_slice(from);
    }
}

/// Replaces the bytes of `dst` with `src`, reusing its capacity.
pub fn replace_bytes(dst: &mut Vec<u8>, src: &[u8]) {
    dst.clear();
    dst.reserve(src.len());
    if src.len() <= PIECE || !near_past(dst.as_ptr(), src.as_ptr()) {
        dst.extend_from_slice(src);
        return;
    }
    for piece in src.chunks(PIECE) {
        dst.extend_from_slice(piece);
    }
}

/// Runs `copy` for every length in `lens` from every offset in `froms` of a
/// source to every offset in `tos` of a target, and checks that the bytes
/// arrive in order and nothing around them changes.
#[cfg(test)]
pub(crate) fn check_copies(
    copy: fn(&mut [u8], &[u8]),
    lens: &[usize],
    froms: &[usize],
    tos: &[usize],
) {
    let span = |v: &[usize]| v.iter().max().copied().unwrap_or(0);
    let (len, from, to) = (span(lens), span(froms), span(tos));
    let source: Vec<u8> = (0..(from + len) as u32)
        .map(|i| (i * 7 + i / 251) as u8)
        .collect();
    let mut target = vec![0u8; to + len + 64];
    for &len in lens {
        for &from in froms {
            for &to in tos {
                let src = &source[from..from + len];
                target.fill(0xA5);
                copy(&mut target[to..to + len], src);
                assert_eq!(
                    &target[to..to + len],
                    src,
                    "len {len}, from {from}, to {to}"
                );
                assert!(target[..to].iter().all(|&b| b == 0xA5), "nothing before");
                assert!(
                    target[to + len..].iter().all(|&b| b == 0xA5),
                    "nothing after"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every offset pair around the slow band, short and long: the bytes
    /// arrive in order, whichever way they were copied.
    #[test]
    fn copies_every_alignment() {
        check_copies(
            copy_bytes,
            &[0, 1, 2047, 2048, 2049, 5000, 65_536],
            &[0, 1, 8, 15, 63, 64, 200],
            &[0, 1, 9, 16, 17, 70, 100, 200],
        );
    }

    #[test]
    fn replaces_a_vec_and_keeps_its_capacity() {
        let source: Vec<u8> = (0..10_000u32).map(|i| (i % 253) as u8).collect();
        let mut out = Vec::with_capacity(20_000);
        out.extend_from_slice(b"old bytes");
        let capacity = out.capacity();
        for from in [0, 3, 8, 12] {
            replace_bytes(&mut out, &source[from..from + 9000]);
            assert_eq!(out, &source[from..from + 9000]);
            assert_eq!(out.capacity(), capacity);
        }
    }

    #[test]
    fn near_past_is_the_destination_just_after_the_source() {
        let at = |offset: usize| std::ptr::without_provenance::<u8>(0x10_0000 + offset);
        assert!(near_past(at(16), at(8)));
        assert!(near_past(at(4096 + 1), at(0)));
        assert!(!near_past(at(8), at(8)));
        assert!(!near_past(at(8), at(16)));
        assert!(!near_past(at(64), at(0)));
    }
}

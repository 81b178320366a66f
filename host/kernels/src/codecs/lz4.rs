//! LZ4 (codec id 1, and LZ4HC's streams, id 2, which decode alike) through
//! the reference C library, as C-Blosc2 uses it: `LZ4_compress_fast` with
//! C-Blosc2's acceleration for the clevel, and `LZ4_decompress_safe`, which
//! never reads or writes outside its buffers whatever the stream says.
//!
//! Why not the pure-Rust `lz4_flex`: on shuffled int32 streams its safe
//! decoder ran at about a third of the C decoder's speed (the figures are
//! in the commit that chose the C library), and it has no acceleration
//! setting.

use lz4::block::{CompressionMode, compress_to_buffer, decompress_to_buffer};

/// C-Blosc2's LZ4 acceleration: 10 - clevel (9 at clevel 1, 1 at clevel 9).
fn acceleration(clevel: u8) -> i32 {
    10 - i32::from(clevel.clamp(1, 9))
}

/// Compresses `src` into `dst`; `None` when the block does not fit in
/// `dst.len()` bytes.
pub(super) fn compress(clevel: u8, src: &[u8], dst: &mut [u8]) -> Option<usize> {
    let mode = CompressionMode::FAST(acceleration(clevel));
    match compress_to_buffer(src, Some(mode), false, dst) {
        Ok(n) if n > 0 => Some(n),
        _ => None,
    }
}

/// Decompresses the block `src` into `dst`, returning the bytes written.
pub(super) fn decompress(src: &[u8], dst: &mut [u8]) -> Result<usize, String> {
    let size = i32::try_from(dst.len()).map_err(|_| "LZ4 block over 2 GiB".to_string())?;
    decompress_to_buffer(src, Some(size), dst).map_err(|e| format!("LZ4: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acceleration_follows_c_blosc2() {
        assert_eq!(acceleration(1), 9);
        assert_eq!(acceleration(5), 5);
        assert_eq!(acceleration(9), 1);
    }

    #[test]
    fn round_trips_and_refuses_what_does_not_fit() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i / 7).to_le_bytes())
            .collect();
        let mut out = vec![0; data.len()];
        let n = compress(1, &data, &mut out).expect("compressible data fits");
        let mut back = vec![0; data.len()];
        assert_eq!(decompress(&out[..n], &mut back), Ok(data.len()));
        assert_eq!(back, data);
        assert_eq!(compress(1, &data, &mut out[..n / 2]), None);
    }

    #[test]
    fn a_corrupt_stream_is_an_error() {
        let data = vec![7u8; 4096];
        let mut out = vec![0; 4096];
        let n = compress(9, &data, &mut out).expect("a run compresses");
        let mut back = vec![0; 4096];
        // Too little room for what the stream describes.
        assert!(decompress(&out[..n], &mut back[..100]).is_err());
        // A match offset pointing before the start of the output.
        assert!(decompress(&[0x0f, 0xff, 0xff, 0xff], &mut back).is_err());
    }
}

//! The built-in codecs: Zstandard, LZ4 (which also decodes LZ4HC), zlib and
//! BloscLZ, with one compression context per thread, each writing straight
//! into the caller's buffer.

use std::cell::RefCell;

pub mod blosclz;
mod blosclz_encode;
mod lz4;
mod zlib;

use sandpress_format::ids;

thread_local! {
    static ZSTD_C: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static ZSTD_D: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// Whether `codec` is a built-in sandpress can compress with.
pub fn can_compress(codec: u8) -> bool {
    matches!(codec, ids::ZSTD | ids::LZ4 | ids::ZLIB | ids::BLOSCLZ)
}

/// Whether `codec` is a built-in sandpress can decompress.
pub fn can_decompress(codec: u8) -> bool {
    matches!(
        codec,
        ids::ZSTD | ids::LZ4 | ids::LZ4HC | ids::ZLIB | ids::BLOSCLZ
    )
}

/// Blosc2's mapping of clevel 1-9 to a Zstandard level.
fn zstd_level(clevel: u8) -> i32 {
    let max = zstd::zstd_safe::max_c_level();
    match clevel {
        0..=7 => (i32::from(clevel) * 2 - 1).max(1),
        8 => max - 2,
        _ => max,
    }
}

/// Compresses `src` into `dst`, whose length is the most the stream may
/// take: `Ok(Some(n))` with the stream in `dst[..n]`, `Ok(None)` when it
/// does not fit (the caller stores the data raw) or `src` is too short to
/// gain anything.
pub fn compress_into(
    codec: u8,
    clevel: u8,
    src: &[u8],
    dst: &mut [u8],
) -> Result<Option<usize>, String> {
    if src.len() < 2 || dst.is_empty() {
        return Ok(None);
    }
    match codec {
        ids::ZSTD => ZSTD_C.with(|cell| {
            let mut cell = cell.borrow_mut();
            if cell.is_none() {
                *cell = Some(zstd::bulk::Compressor::new(0).map_err(|e| e.to_string())?);
            }
            let c = cell.as_mut().ok_or("zstd context")?;
            c.set_compression_level(zstd_level(clevel))
                .map_err(|e| e.to_string())?;
            // Output that does not fit is an error: store raw.
            Ok(c.compress_to_buffer(src, dst).ok())
        }),
        ids::LZ4 => Ok(lz4::compress(clevel, src, dst)),
        ids::ZLIB => zlib::compress(clevel, src, dst),
        ids::BLOSCLZ => Ok(blosclz::compress_into(clevel.max(1), src, dst)),
        _ => Err(format!(
            "codec {codec} ({}) cannot compress",
            ids::codec_name(codec)
        )),
    }
}

/// Decompresses `src` into exactly `dst.len()` bytes.
pub fn decompress(codec: u8, src: &[u8], dst: &mut [u8]) -> Result<(), String> {
    let n = match codec {
        ids::ZSTD => ZSTD_D.with(|cell| {
            let mut cell = cell.borrow_mut();
            if cell.is_none() {
                *cell = Some(zstd::bulk::Decompressor::new().map_err(|e| e.to_string())?);
            }
            let d = cell.as_mut().ok_or("zstd context")?;
            d.decompress_to_buffer(src, dst).map_err(|e| e.to_string())
        })?,
        ids::LZ4 | ids::LZ4HC => lz4::decompress(src, dst)?,
        ids::ZLIB => zlib::decompress(src, dst)?,
        ids::BLOSCLZ => blosclz::decompress(src, dst).map_err(|e| e.to_string())?,
        _ => {
            return Err(format!(
                "codec {codec} ({}) cannot decompress",
                ids::codec_name(codec)
            ));
        }
    };
    if n != dst.len() {
        return Err(format!(
            "decoded {n} bytes where {} were expected",
            dst.len()
        ));
    }
    Ok(())
}

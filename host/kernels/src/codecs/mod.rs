//! The built-in codecs: Zstandard, LZ4 (which also decodes LZ4HC), zlib and
//! BloscLZ, with one compression context per thread. The BloscLZ encoder,
//! [`blosclz::compress`], is not yet offered to the pipeline.

use std::cell::RefCell;

pub mod blosclz;
mod blosclz_encode;
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

/// Compresses `src` into `dst` (cleared first) if the result is shorter than
/// `src`; `Ok(false)` when it is not (the caller stores the stream raw).
pub fn compress(codec: u8, clevel: u8, src: &[u8], dst: &mut Vec<u8>) -> Result<bool, String> {
    dst.clear();
    if src.len() < 2 {
        return Ok(false);
    }
    let maxout = src.len() - 1;
    match codec {
        ids::ZSTD => ZSTD_C.with(|cell| {
            let mut cell = cell.borrow_mut();
            if cell.is_none() {
                *cell = Some(zstd::bulk::Compressor::new(0).map_err(|e| e.to_string())?);
            }
            let c = cell.as_mut().ok_or("zstd context")?;
            c.set_compression_level(zstd_level(clevel))
                .map_err(|e| e.to_string())?;
            dst.resize(maxout, 0);
            // Output that does not fit in `maxout` bytes is an error: store raw.
            match c.compress_to_buffer(src, &mut dst[..]) {
                Ok(n) => {
                    dst.truncate(n);
                    Ok(true)
                }
                Err(_) => Ok(false),
            }
        }),
        ids::LZ4 => {
            dst.resize(lz4_flex::block::get_maximum_output_size(src.len()), 0);
            let n = lz4_flex::block::compress_into(src, dst).map_err(|e| e.to_string())?;
            dst.truncate(n);
            Ok(n <= maxout)
        }
        ids::ZLIB => zlib::compress(clevel, src, dst, maxout),
        ids::BLOSCLZ => Ok(blosclz::compress(clevel.max(1), src, dst, maxout)),
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
        ids::LZ4 | ids::LZ4HC => {
            lz4_flex::block::decompress_into(src, dst).map_err(|e| e.to_string())?
        }
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

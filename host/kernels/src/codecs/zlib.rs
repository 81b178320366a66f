//! zlib (codec id 4) through `flate2`: a zlib stream (2-byte header, deflate
//! data, Adler-32), as C-Blosc2 writes with `compress2(…, clevel)` and reads
//! with `uncompress`. One compressor and one decompressor per thread.

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

thread_local! {
    /// The compressor, with the clevel it was made for.
    static DEFLATE: RefCell<Option<(u8, Compress)>> = const { RefCell::new(None) };
    static INFLATE: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// Compresses `src` at zlib level `clevel` (Blosc2 passes its clevel 0-9
/// through) into `dst`; `Ok(None)` when the stream does not fit in
/// `dst.len()` bytes (the caller stores the data raw).
pub fn compress(clevel: u8, src: &[u8], dst: &mut [u8]) -> Result<Option<usize>, String> {
    let level = clevel.min(9);
    DEFLATE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let c = match cell.as_mut() {
            Some((l, c)) if *l == level => {
                c.reset();
                c
            }
            _ => {
                let c = Compress::new(Compression::new(u32::from(level)), true);
                &mut cell.insert((level, c)).1
            }
        };
        match c.compress(src, dst, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => usize::try_from(c.total_out())
                .map(Some)
                .map_err(|e| e.to_string()),
            Ok(_) => Ok(None),
            Err(e) => Err(format!("zlib: {e}")),
        }
    })
}

/// Decompresses the zlib stream `src` into `dst`, returning the bytes
/// written. A stream that does not end within `dst` is an error; bytes after
/// the stream's end are ignored, as zlib's `uncompress` does.
pub fn decompress(src: &[u8], dst: &mut [u8]) -> Result<usize, String> {
    INFLATE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let d = match cell.as_mut() {
            Some(d) => {
                d.reset(true);
                d
            }
            None => cell.insert(Decompress::new(true)),
        };
        match d.decompress(src, dst, FlushDecompress::Finish) {
            Ok(Status::StreamEnd) => usize::try_from(d.total_out()).map_err(|e| e.to_string()),
            Ok(_) if d.total_out() >= dst.len() as u64 => Err(format!(
                "zlib stream decodes to more than {} bytes",
                dst.len()
            )),
            Ok(_) => Err(format!(
                "zlib stream truncated after {} of {} bytes",
                d.total_in(),
                src.len()
            )),
            Err(e) => Err(format!("zlib: {e}")),
        }
    })
}

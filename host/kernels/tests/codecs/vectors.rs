//! The interop vectors python-blosc2 wrote (`tests-data/codecs/`, by
//! `gen_vectors.py`) and their parser, written once for the two crates that
//! read them: the kernels' codec tests scan their streams, and core's
//! pipeline tests (which include this file by path) decode their chunks.
//! Each crate uses part of it.
#![allow(dead_code)]

/// BloscLZ chunks written by python-blosc2.
pub const BLOSCLZ_VECTORS: &[u8] = include_bytes!("../../tests-data/codecs/blosclz.bin");
/// zlib chunks written by python-blosc2.
pub const ZLIB_VECTORS: &[u8] = include_bytes!("../../tests-data/codecs/zlib.bin");

/// One record of a vector file: a chunk and what it must decode to.
pub struct Vector<'a> {
    pub name: String,
    pub nbytes: usize,
    pub crc: u32,
    pub chunk: &'a [u8],
}

/// Parses the records `gen_vectors.py` writes (its docstring has the layout).
pub fn vectors(mut b: &[u8]) -> Vec<Vector<'_>> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> &'a [u8] {
        let (head, tail) = b.split_at(n);
        *b = tail;
        head
    }
    fn u32le(b: &mut &[u8]) -> u32 {
        u32::from_le_bytes(take(b, 4).try_into().unwrap())
    }
    let mut out = Vec::new();
    while !b.is_empty() {
        let n = usize::from(u16::from_le_bytes(take(&mut b, 2).try_into().unwrap()));
        let name = String::from_utf8(take(&mut b, n).to_vec()).unwrap();
        let nbytes = u32le(&mut b) as usize;
        let crc = u32le(&mut b);
        let len = u32le(&mut b) as usize;
        let chunk = take(&mut b, len);
        out.push(Vector {
            name,
            nbytes,
            crc,
            chunk,
        });
    }
    out
}

/// CRC-32 (IEEE), as Python's `zlib.crc32`: what a record's `crc` is of.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

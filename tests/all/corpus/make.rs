//! How the malformed frames of `tests/corpus/frames/` are made: each from a
//! valid frame by one recorded edit. Rewrite the files with
//! `cargo test -p sandpress-tests --test all corpus::write_corpus -- --ignored`
//! (files found by the fuzzer have no maker and are kept as found).
//!
//! Offsets are those of the Blosc2 frame header (see
//! `host/format/src/frame/header.rs`): fields are msgpack values at fixed
//! places, the value after its marker byte.

use sandpress_core::format::frame::{FrameHeader, Trailer};
use sandpress_core::format::{ChunkHeader, ids};
use sandpress_core::pipeline::compress_chunk;
use sandpress_core::{CParams, FilterChain, Registry, SplitMode};
use sandpress_frame::{Frame, FrameWriter};

/// Header length field (i32, big-endian).
pub const HEADER_LEN_AT: usize = 11;
/// Frame length field (u64).
pub const FRAME_LEN_AT: usize = 16;
/// General flags: version in the low nibble, offset width in bits 4-5.
pub const FLAGS_AT: usize = 25;
/// Marker of the nbytes field (0xd3).
pub const NBYTES_MARKER_AT: usize = 29;
/// nbytes (i64).
pub const NBYTES_AT: usize = 30;
/// cbytes (i64): length of the chunks section.
pub const CBYTES_AT: usize = 39;
/// typesize (i32).
pub const TYPESIZE_AT: usize = 48;
/// chunksize (i32).
pub const CHUNKSIZE_AT: usize = 58;
/// Number of filters in the pipeline field.
pub const NFILTERS_AT: usize = 70;

/// The frame python-blosc2 4.14.1 wrote (583 bytes): 100 int32 in chunks
/// of 160 bytes (3 chunks, the last of 80), zstd + shuffle, metalayers m1
/// and m2, vlmeta v1 and v2.
pub fn python() -> Vec<u8> {
    include_bytes!("../../../host/format/tests-data/python-zstd-meta-vlmeta.b2frame").to_vec()
}

/// Parameters of sandpress's test frames: LZ4 + shuffle, int32, one
/// stream per block so the bytes stay few and predictable.
fn lz4_params() -> CParams {
    CParams {
        codec: ids::LZ4,
        clevel: 5,
        typesize: 4,
        splitmode: SplitMode::Never,
        ..CParams::default()
    }
}

/// A frame written by sandpress's `FrameWriter`: `n` int32 (a ramp) in
/// chunks of `chunk_items`, metalayer "kind", vlmeta "note".
pub fn sandpress_frame(n: u32, chunk_items: usize) -> Vec<u8> {
    let meta = vec![("kind".to_string(), b"\xa3int".to_vec())];
    let mut w =
        FrameWriter::create_temp(lz4_params(), chunk_items * 4, meta, Registry::new()).unwrap();
    let data: Vec<u8> = (0..n).flat_map(|i| (i / 3).to_le_bytes()).collect();
    w.append(&data).unwrap();
    w.set_vlmeta("note", b"\xa5hello").unwrap();
    finish(w)
}

/// The bytes of a finished temporary frame.
fn finish(w: FrameWriter) -> Vec<u8> {
    let (mut file, _) = w.finish_temp().unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
    bytes
}

/// sandpress's base frame: 150 int32 in chunks of 64 items (3 chunks, the
/// last of 22 items).
pub fn sandpress() -> Vec<u8> {
    sandpress_frame(150, 64)
}

/// A frame taken apart: header, chunks section, offsets index chunk and
/// trailer, as stored.
pub struct Parts {
    pub header: FrameHeader,
    pub chunks: Vec<u8>,
    pub index: Vec<u8>,
    pub trailer: Vec<u8>,
}

impl Parts {
    /// Splits a valid frame.
    pub fn of(bytes: &[u8]) -> Parts {
        let header = FrameHeader::parse(bytes).unwrap();
        let hl = header.header_len as usize;
        let index_start = hl + header.cbytes as usize;
        let tl = Trailer::peek_len(bytes, bytes.len() as u64).unwrap() as usize;
        let trailer_start = bytes.len() - tl;
        Parts {
            chunks: bytes[hl..index_start].to_vec(),
            index: bytes[index_start..trailer_start].to_vec(),
            trailer: bytes[trailer_start..].to_vec(),
            header,
        }
    }

    /// The frame bytes, with the header's frame length and cbytes set to
    /// what the parts hold (the header's other fields are kept).
    pub fn join(mut self) -> Vec<u8> {
        self.header.cbytes = self.chunks.len() as i64;
        let hl = self.header.to_bytes().unwrap().len();
        self.header.frame_len =
            (hl + self.chunks.len() + self.index.len() + self.trailer.len()) as u64;
        let mut out = self.header.to_bytes().unwrap();
        out.extend_from_slice(&self.chunks);
        out.extend_from_slice(&self.index);
        out.extend_from_slice(&self.trailer);
        out
    }
}

/// An offsets index chunk holding `entries`, as sandpress writes one
/// (LZ4 after a shuffle of 8-byte items).
pub fn index_chunk(entries: &[i64]) -> Vec<u8> {
    let raw: Vec<u8> = entries.iter().flat_map(|e| e.to_le_bytes()).collect();
    let cp = CParams {
        typesize: 8,
        ..lz4_params()
    };
    compress_chunk(&raw, &cp, &Registry::new(), 0).unwrap()
}

/// A vlmeta value chunk holding `content`, as sandpress writes one.
pub fn meta_chunk(content: &[u8]) -> Vec<u8> {
    let cp = CParams {
        typesize: 1,
        filters: FilterChain::new(),
        ..lz4_params()
    };
    compress_chunk(content, &cp, &Registry::new(), 0).unwrap()
}

/// A trailer holding these vlmeta entries (values as stored chunks).
pub fn trailer(vlmeta: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let t = Trailer {
        vlmeta: vlmeta
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect(),
    };
    t.to_bytes().unwrap()
}

/// The index entries of a valid frame (chunk offsets in the chunks section).
pub fn offsets(bytes: &[u8]) -> Vec<u64> {
    let f = Frame::from_bytes(bytes.to_vec()).unwrap();
    (0..f.nchunks())
        .map(|i| match f.chunk_loc(i).unwrap() {
            sandpress_core::format::frame::ChunkLoc::At(o) => o,
            other => panic!("chunk {i} is {other:?}"),
        })
        .collect()
}

/// Where chunk `i` of a valid frame starts, from the start of the frame.
pub fn chunk_at(bytes: &[u8], i: usize) -> usize {
    let hl = FrameHeader::parse(bytes).unwrap().header_len as usize;
    hl + offsets(bytes)[i] as usize
}

/// Start of the trailer of a valid frame.
pub fn trailer_at(bytes: &[u8]) -> usize {
    bytes.len() - Trailer::peek_len(bytes, bytes.len() as u64).unwrap() as usize
}

/// Where the offset field of metalayer `name` is: the 4 bytes after the
/// name (a fixstr) and the 0xd2 marker, searched from `from`.
pub fn layer_offset_at(bytes: &[u8], from: usize, name: &str) -> usize {
    let mut pat = vec![0xa0 | name.len() as u8];
    pat.extend_from_slice(name.as_bytes());
    pat.push(0xd2);
    let pos = bytes[from..]
        .windows(pat.len())
        .position(|w| w == pat)
        .unwrap_or_else(|| panic!("no layer {name:?}"));
    from + pos + pat.len()
}

/// Writes `value` at `at`.
pub fn put(mut bytes: Vec<u8>, at: usize, value: &[u8]) -> Vec<u8> {
    bytes[at..at + value.len()].copy_from_slice(value);
    bytes
}

/// The first `len` bytes.
pub fn cut(mut bytes: Vec<u8>, len: usize) -> Vec<u8> {
    bytes.truncate(len);
    bytes
}

/// The first `len` bytes, with the header's frame length made to agree.
pub fn cut_fixed(bytes: Vec<u8>, len: usize) -> Vec<u8> {
    put(cut(bytes, len), FRAME_LEN_AT, &(len as u64).to_be_bytes())
}

/// Overwrites the chunk header field at `field` (byte offset in the
/// chunk header) of chunk `i` with a little-endian u32.
pub fn chunk_field(bytes: Vec<u8>, i: usize, field: usize, value: u32) -> Vec<u8> {
    let at = chunk_at(&bytes, i) + field;
    put(bytes, at, &value.to_le_bytes())
}

/// The frame with its index replaced by one holding `entries`.
pub fn with_index(bytes: &[u8], entries: &[i64]) -> Vec<u8> {
    let mut p = Parts::of(bytes);
    p.index = index_chunk(entries);
    p.join()
}

/// The frame with its trailer replaced by one holding `vlmeta`.
pub fn with_vlmeta(bytes: &[u8], vlmeta: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut p = Parts::of(bytes);
    p.trailer = trailer(vlmeta);
    p.header.has_vlmeta = !vlmeta.is_empty();
    p.join()
}

/// A sandpress frame whose plugin table ("sandpress.plugins") holds
/// `content` (stored in a well-formed vlmeta chunk).
pub fn with_plugin_table(content: &[u8]) -> Vec<u8> {
    with_vlmeta(
        &sandpress(),
        &[
            ("note", meta_chunk(b"\xa5hello")),
            ("sandpress.plugins", meta_chunk(content)),
        ],
    )
}

/// A sandpress frame holding `chunk` as its only chunk.
pub fn frame_of_chunk(chunk: &[u8]) -> Vec<u8> {
    let h = ChunkHeader::parse(chunk).unwrap();
    let cp = CParams {
        typesize: h.typesize,
        ..lz4_params()
    };
    let mut w =
        FrameWriter::create_temp(cp, h.nbytes as usize, Vec::new(), Registry::new()).unwrap();
    w.append_chunk(chunk).unwrap();
    finish(w)
}

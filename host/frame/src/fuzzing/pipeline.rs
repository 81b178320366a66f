//! The structured fuzz body: a random valid pipeline of built-ins, and a
//! round trip of the remaining bytes through it.

use arbitrary::{Result as ArbResult, Unstructured};
use sandpress_format::{MAX_FILTERS, ids};

use crate::{Frame, FrameWriter};
use sandpress_core::pipeline::{compress_chunk, decompress_chunk, decompressed_len};
use sandpress_core::{CParams, DParams, FilterChain, Registry, SChunk, SplitMode};

/// The built-in codecs a pipeline may use.
const CODECS: [u8; 5] = [ids::BLOSCLZ, ids::LZ4, ids::LZ4HC, ids::ZLIB, ids::ZSTD];
/// The built-in filters a slot may hold (0: empty slot).
const FILTERS: [u8; 5] = [
    ids::NOFILTER,
    ids::SHUFFLE,
    ids::BITSHUFFLE,
    ids::DELTA,
    ids::TRUNC_PREC,
];
/// Bytes round-tripped per input, at most (keeps executions fast).
const MAX_DATA: usize = 256 << 10;

/// What one input asks for: parameters, a chunk size and the data.
struct Case<'a> {
    cp: CParams,
    chunksize: usize,
    data: &'a [u8],
}

/// Builds a pipeline of built-ins (codec, level, typesize, up to six
/// filters with their meta bytes, block size, split mode, threads) from
/// the first bytes of `bytes`, then compresses the rest with it as one
/// chunk, as a super-chunk and as a frame, and checks that every way back
/// gives the same bytes (through the lossy TRUNC_PREC filter: the same
/// length). Parameters the pipeline refuses are fine; a panic, a wrong
/// byte or a wrong length is a bug.
///
/// ```
/// sandpress_frame::fuzzing::pipeline(&[4, 5, 1, 3, 0, 7, 7, 7, 7, 7, 7, 7, 7]);
/// ```
pub fn pipeline(bytes: &[u8]) {
    let Ok(case) = case(Unstructured::new(bytes)) else {
        return;
    };
    let lossy = case.cp.filters.contains(ids::TRUNC_PREC);
    round_trip_chunk(&case, lossy);
    round_trip_schunk(&case, lossy);
    round_trip_frame(&case, lossy);
}

fn case(mut u: Unstructured<'_>) -> ArbResult<Case<'_>> {
    let mut cp = CParams {
        codec: *u.choose(&CODECS)?,
        clevel: u.int_in_range(0..=9)?,
        typesize: if u.ratio(3, 4)? {
            *u.choose(&[1, 2, 4, 8, 16])?
        } else {
            u.int_in_range(1..=255)?
        },
        nthreads: u.int_in_range(1..=2)?,
        splitmode: *u.choose(&[SplitMode::Always, SplitMode::Never, SplitMode::Auto])?,
        ..CParams::default()
    };
    let (mut filters, mut metas) = ([0; MAX_FILTERS], [0; MAX_FILTERS]);
    for slot in 0..MAX_FILTERS {
        filters[slot] = *u.choose(&FILTERS)?;
        metas[slot] = u.arbitrary()?;
    }
    cp.filters = FilterChain::from_slots(filters, metas);
    cp.blocksize = if u.arbitrary()? {
        0
    } else {
        u.int_in_range(1..=64 << 10)?
    };
    let ts = usize::from(cp.typesize);
    let chunksize = ts * u.int_in_range(1..=(64 << 10) / ts)?;
    let rest = u.take_rest();
    let data = &rest[..rest.len().min(MAX_DATA) / ts * ts];
    Ok(Case {
        cp,
        chunksize,
        data,
    })
}

/// Checks that `back` is what `data` should come back as.
fn same(what: &str, data: &[u8], back: &[u8], lossy: bool) {
    assert_eq!(data.len(), back.len(), "{what}: length");
    if !lossy {
        assert!(data == back, "{what}: the bytes differ");
    }
}

fn round_trip_chunk(case: &Case<'_>, lossy: bool) {
    let registry = Registry::new();
    let Ok(chunk) = compress_chunk(case.data, &case.cp, &registry, 0) else {
        return;
    };
    assert_eq!(decompressed_len(&chunk).ok(), Some(case.data.len()));
    let mut back = vec![0; case.data.len()];
    // The other thread count than the one compressed with.
    let dp = DParams {
        nthreads: 3 - case.cp.nthreads,
        ..DParams::default()
    };
    decompress_chunk(&chunk, &dp, &registry, 0, &mut back).expect("a chunk just made decompresses");
    same("chunk", case.data, &back, lossy);
}

fn round_trip_schunk(case: &Case<'_>, lossy: bool) {
    let Ok(mut sc) = SChunk::new(
        case.chunksize,
        case.cp.clone(),
        DParams::default(),
        Registry::new(),
    ) else {
        return;
    };
    if sc.append(case.data).is_err() {
        return;
    }
    let mut back = Vec::with_capacity(case.data.len());
    for i in 0..sc.nchunks() {
        back.extend(
            sc.decompress_chunk_vec(i)
                .expect("a chunk just appended decompresses"),
        );
    }
    same("super-chunk", case.data, &back, lossy);
}

fn round_trip_frame(case: &Case<'_>, lossy: bool) {
    let Ok(mut w) =
        FrameWriter::create_temp(case.cp.clone(), case.chunksize, Vec::new(), Registry::new())
    else {
        return;
    };
    if w.append(case.data).is_err() {
        return;
    }
    // Chunks are compressed in batches: a pipeline that refuses the data
    // may say so only when the last batch is.
    let Ok((mut file, _)) = w.finish_temp() else {
        return;
    };
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes).expect("a temporary frame reads back");
    let frame = Frame::from_bytes(bytes).expect("a frame just written opens");
    let mut back = Vec::with_capacity(case.data.len());
    for i in 0..frame.nchunks() {
        back.extend(
            frame
                .decompress_chunk_vec(i)
                .expect("a chunk just written decompresses and matches its checksum"),
        );
    }
    same("frame", case.data, &back, lossy);
}

//! Blosc2's ids for codecs and filters, as recorded in chunk headers.

/// BloscLZ codec.
pub const BLOSCLZ: u8 = 0;
/// LZ4 codec.
pub const LZ4: u8 = 1;
/// LZ4HC codec (decoded by an LZ4 decoder).
pub const LZ4HC: u8 = 2;
/// zlib codec.
pub const ZLIB: u8 = 4;
/// Zstandard codec.
pub const ZSTD: u8 = 5;
/// First id of codecs registered globally in C-Blosc2 (zfp, grok, ...).
pub const GLOBAL_CODECS_START: u8 = 32;
/// First id a user may register a codec or filter under.
pub const USER_START: u8 = 160;

/// No filter.
pub const NOFILTER: u8 = 0;
/// Byte shuffle.
pub const SHUFFLE: u8 = 1;
/// Bit shuffle.
pub const BITSHUFFLE: u8 = 2;
/// Delta against the chunk's first block.
pub const DELTA: u8 = 3;
/// Truncate the precision of floats.
pub const TRUNC_PREC: u8 = 4;

/// The 3-bit codec format stored in bits 5-7 of the header flags.
pub mod format {
    /// BloscLZ.
    pub const BLOSCLZ: u8 = 0;
    /// LZ4 and LZ4HC.
    pub const LZ4: u8 = 1;
    /// zlib.
    pub const ZLIB: u8 = 3;
    /// Zstandard.
    pub const ZSTD: u8 = 4;
    /// The codec is named in the user-codec byte of the header.
    pub const USER: u8 = 6;
}

/// The format code (header flags bits 5-7) for a codec id.
pub fn codec_format(codec: u8) -> u8 {
    match codec {
        BLOSCLZ => format::BLOSCLZ,
        LZ4 | LZ4HC => format::LZ4,
        ZLIB => format::ZLIB,
        ZSTD => format::ZSTD,
        _ => format::USER,
    }
}

/// A human name for a codec id, for messages.
pub fn codec_name(codec: u8) -> &'static str {
    match codec {
        BLOSCLZ => "blosclz",
        LZ4 => "lz4",
        LZ4HC => "lz4hc",
        ZLIB => "zlib",
        ZSTD => "zstd",
        32 => "ndlz",
        33 => "zfp_acc",
        34 => "zfp_prec",
        35 => "zfp_rate",
        36 => "openhtj2k",
        37 => "grok",
        38 => "openzl",
        USER_START..=255 => "user codec",
        _ => "unknown codec",
    }
}

/// The id of a built-in codec named as in [`codec_name`] (any case).
pub fn codec_id(name: &str) -> Option<u8> {
    [BLOSCLZ, LZ4, LZ4HC, ZLIB, ZSTD]
        .into_iter()
        .find(|&id| codec_name(id).eq_ignore_ascii_case(name))
}

/// The id of a built-in filter named as in [`filter_name`] (any case;
/// `trunc-prec` too).
pub fn filter_id(name: &str) -> Option<u8> {
    let name = if name.eq_ignore_ascii_case("trunc-prec") {
        "trunc_prec"
    } else {
        name
    };
    [SHUFFLE, BITSHUFFLE, DELTA, TRUNC_PREC]
        .into_iter()
        .find(|&id| filter_name(id).eq_ignore_ascii_case(name))
}

/// A human name for a filter id, for messages.
pub fn filter_name(filter: u8) -> &'static str {
    match filter {
        NOFILTER => "nofilter",
        SHUFFLE => "shuffle",
        BITSHUFFLE => "bitshuffle",
        DELTA => "delta",
        TRUNC_PREC => "trunc_prec",
        32 => "ndcell",
        33 => "ndmean",
        35 => "bytedelta",
        36 => "int_trunc",
        USER_START..=255 => "user filter",
        _ => "unknown filter",
    }
}

//! The block pipeline: prefilter, up to six filters and a codec on
//! compression; the reverse on decompression. Blocks are independent and run
//! in parallel; the chunk bytes follow the Blosc2 chunk format.

mod blocks;
mod compress;
mod decompress;
mod resolve;
mod scratch;
mod special;
mod verify;

pub use blocks::BlockDecoder;
pub use compress::compress_chunk;
pub use decompress::{decompress_chunk, decompress_chunk_streaming, decompressed_len};
pub use special::special_chunk;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vector_tests;

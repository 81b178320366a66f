//! The frame header: a msgpack array at fixed offsets (sizes, codec and
//! filter defaults) followed by the fixed-length metalayers.

use super::FrameError;
use super::cursor::Cursor;
use super::layers::{self, Layers};
use crate::{MAX_FILTERS, ids};

/// Bytes of the header before the metalayers (`FRAME_HEADER_MINLEN`).
pub const HEADER_MINLEN: usize = 87;
/// Offset of the frame length field, rewritten when the frame grows.
pub const FRAME_LEN_OFFSET: usize = 16;
/// Frame format version sandpress writes (C-Blosc2 2.x and 3.x write 2).
pub const FRAME_VERSION: u8 = 2;
const MAGIC: &[u8; 8] = b"b2frame\0";
/// `BLOSC_UDCODEC_FORMAT`: the codec nibble meaning "see the udcodec byte".
const UDCODEC_FORMAT: u8 = 6;
const FLAG_OFFSETS_64: u8 = 0x10;
const FLAG_VARIABLE_CHUNKS: u8 = 0x40;

/// The fields of a frame header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameHeader {
    /// Header length, metalayers included: the chunks start here.
    pub header_len: u32,
    /// Length of the whole frame, trailer included.
    pub frame_len: u64,
    /// Format version (low nibble of the general flags).
    pub version: u8,
    /// Chunks of different sizes (general flags bit 6).
    pub variable_chunks: bool,
    /// Frame type: 0 contiguous (the only one sandpress reads).
    pub frame_type: u8,
    /// Default codec id.
    pub codec: u8,
    /// Default compression level.
    pub clevel: u8,
    /// Split mode as C-Blosc2 numbers it (1 always .. 4 forward-compatible).
    pub splitmode: u8,
    /// Uncompressed bytes of all chunks.
    pub nbytes: i64,
    /// Length of the chunks section (data chunks and holes): the offsets
    /// index starts at `header_len + cbytes`.
    pub cbytes: i64,
    /// Bytes per item.
    pub typesize: i32,
    /// Default block size (0: automatic).
    pub blocksize: i32,
    /// Uncompressed bytes per chunk (the last may be shorter); 0 or -1 when
    /// not fixed.
    pub chunksize: i32,
    /// Threads for compression stored by the writer.
    pub nthreads_c: i16,
    /// Threads for decompression stored by the writer.
    pub nthreads_d: i16,
    /// Whether the trailer holds variable-length metalayers.
    pub has_vlmeta: bool,
    /// Default filter pipeline.
    pub filters: [u8; MAX_FILTERS],
    /// Default codec meta.
    pub codec_meta: u8,
    /// Default filter metas.
    pub filters_meta: [u8; MAX_FILTERS],
    /// The two bytes after the filter metas (reserved).
    pub reserved: [u8; 2],
    /// Fixed-length metalayers, in order.
    pub metalayers: Layers,
}

impl FrameHeader {
    /// A header for an empty frame with these defaults.
    pub fn new(codec: u8, clevel: u8, typesize: i32, chunksize: i32) -> Self {
        FrameHeader {
            header_len: 0,
            frame_len: 0,
            version: FRAME_VERSION,
            variable_chunks: false,
            frame_type: 0,
            codec,
            clevel,
            splitmode: 4,
            nbytes: 0,
            cbytes: 0,
            typesize,
            blocksize: 0,
            chunksize,
            nthreads_c: 1,
            nthreads_d: 1,
            has_vlmeta: false,
            filters: [0; MAX_FILTERS],
            codec_meta: 0,
            filters_meta: [0; MAX_FILTERS],
            reserved: [0; 2],
            metalayers: Vec::new(),
        }
    }

    /// The header length a frame needs for the first `HEADER_MINLEN` bytes
    /// in `prefix`: reads only the magic and the length field.
    pub fn peek_len(prefix: &[u8]) -> Result<u32, FrameError> {
        let mut c = Cursor::new(prefix, 0);
        c.marker(0x9e, "header array")
            .map_err(|_| FrameError::BadMagic)?;
        c.marker(0xa8, "magic").map_err(|_| FrameError::BadMagic)?;
        if c.take(8, "magic")? != MAGIC {
            return Err(FrameError::BadMagic);
        }
        c.marker(0xd2, "header length")?;
        let at = c.offset();
        let len = c.be_i32("header length")?;
        if len < HEADER_MINLEN as i32 {
            return Err(FrameError::BadField {
                field: "header length",
                offset: at,
                found: i64::from(len),
                reason: "shorter than the 87 fixed bytes",
            });
        }
        Ok(len as u32)
    }

    /// Parses a header from the frame's first bytes (at least
    /// `header_len` of them).
    pub fn parse(buf: &[u8]) -> Result<Self, FrameError> {
        let header_len = Self::peek_len(buf)?;
        if buf.len() < header_len as usize {
            return Err(FrameError::Truncated {
                what: "frame header",
                offset: 0,
                needed: u64::from(header_len),
                available: buf.len() as u64,
            });
        }
        let buf = &buf[..header_len as usize];
        let mut c = Cursor::at(buf, 0, 15);
        c.marker(0xcf, "frame length")?;
        let frame_len = c.be_u64("frame length")?;
        c.marker(0xa4, "flags")?;
        let flags_at = c.offset();
        let general = c.u8("general flags")?;
        let frame_type = c.u8("frame type")?;
        let codec_flags = c.u8("codec flags")?;
        let other = c.u8("other flags")?;
        c.marker(0xd3, "nbytes")?;
        let nbytes = c.be_i64("nbytes")?;
        c.marker(0xd3, "cbytes")?;
        let cbytes = c.be_i64("cbytes")?;
        c.marker(0xd2, "typesize")?;
        let typesize = c.be_i32("typesize")?;
        c.marker(0xd2, "blocksize")?;
        let blocksize = c.be_i32("blocksize")?;
        c.marker(0xd2, "chunksize")?;
        let chunksize = c.be_i32("chunksize")?;
        c.marker(0xd1, "compression threads")?;
        let nthreads_c = c.be_i16("compression threads")?;
        c.marker(0xd1, "decompression threads")?;
        let nthreads_d = c.be_i16("decompression threads")?;
        let has_vlmeta = match c.u8("has-vlmeta flag")? {
            0xc2 => false,
            0xc3 => true,
            found => {
                return Err(FrameError::BadMarker {
                    what: "has-vlmeta flag",
                    offset: c.offset() - 1,
                    found,
                    expected: 0xc3,
                });
            }
        };
        c.marker(0xd8, "filter pipeline")?;
        let nfilters = c.u8("filter count")?;
        let pipeline = c.take(16, "filter pipeline")?;
        let mut filters = [0; MAX_FILTERS];
        let mut filters_meta = [0; MAX_FILTERS];
        filters.copy_from_slice(&pipeline[..MAX_FILTERS]);
        filters_meta.copy_from_slice(&pipeline[8..8 + MAX_FILTERS]);
        let udcodec = pipeline[6];
        let codec_meta = pipeline[7];
        let reserved = [pipeline[14], pipeline[15]];
        if usize::from(nfilters) > 8 {
            return Err(FrameError::BadField {
                field: "filter count",
                offset: c.offset() - 17,
                found: i64::from(nfilters),
                reason: "more than 8",
            });
        }
        let h = FrameHeader {
            header_len,
            frame_len,
            version: general & 0x0f,
            variable_chunks: general & FLAG_VARIABLE_CHUNKS != 0,
            frame_type,
            codec: if codec_flags & 0x0f == UDCODEC_FORMAT {
                udcodec
            } else {
                codec_flags & 0x0f
            },
            clevel: codec_flags >> 4,
            splitmode: (other & 0x0f) + 1,
            nbytes,
            cbytes,
            typesize,
            blocksize,
            chunksize,
            nthreads_c,
            nthreads_d,
            has_vlmeta,
            filters,
            codec_meta,
            filters_meta,
            reserved,
            metalayers: Vec::new(),
        };
        h.check(flags_at, general)?;
        // Frames with no metalayers block at all are accepted.
        let metalayers = if buf.len() > HEADER_MINLEN {
            let mut c = Cursor::at(buf, 0, HEADER_MINLEN);
            layers::parse(buf, 0, &mut c, "metalayers")?
        } else {
            Vec::new()
        };
        Ok(FrameHeader { metalayers, ..h })
    }

    fn check(&self, flags_at: u64, general: u8) -> Result<(), FrameError> {
        if self.frame_type & 0x0f != 0 {
            return Err(FrameError::Unsupported(format!(
                "frame type {} (sparse frames are directories; sandpress reads contiguous frames)",
                self.frame_type & 0x0f
            )));
        }
        if general & 0x30 != FLAG_OFFSETS_64 {
            return Err(FrameError::Unsupported(format!(
                "chunk offsets of {} bits (only 64 are written by C-Blosc2)",
                32 << ((general >> 4) & 3)
            )));
        }
        let fields: [(&'static str, u64, i64, bool); 5] = [
            (
                "version",
                flags_at,
                i64::from(self.version),
                self.version == 0 || self.version > 3,
            ),
            ("nbytes", 30, self.nbytes, self.nbytes < 0),
            ("cbytes", 39, self.cbytes, self.cbytes < 0),
            (
                "typesize",
                48,
                i64::from(self.typesize),
                !(1..=255).contains(&self.typesize),
            ),
            (
                "blocksize",
                53,
                i64::from(self.blocksize),
                self.blocksize < 0,
            ),
        ];
        for (field, offset, found, bad) in fields {
            if bad {
                return Err(FrameError::BadField {
                    field,
                    offset,
                    found,
                    reason: "out of range",
                });
            }
        }
        if u64::from(self.header_len) > self.frame_len {
            return Err(FrameError::BadField {
                field: "frame length",
                offset: 16,
                found: self.frame_len as i64,
                reason: "smaller than the header",
            });
        }
        Ok(())
    }

    /// The header's bytes; `header_len` is set from the metalayers.
    pub fn to_bytes(&self) -> Result<Vec<u8>, FrameError> {
        layers::check(&self.metalayers, layers::MAX_METALAYERS)?;
        let mut out = Vec::with_capacity(HEADER_MINLEN + 64);
        out.extend_from_slice(&[0x9e, 0xa8]);
        out.extend_from_slice(MAGIC);
        out.push(0xd2);
        out.extend_from_slice(&[0; 4]);
        out.push(0xcf);
        out.extend_from_slice(&self.frame_len.to_be_bytes());
        out.push(0xa4);
        let general = (self.version & 0x0f)
            | FLAG_OFFSETS_64
            | if self.variable_chunks {
                FLAG_VARIABLE_CHUNKS
            } else {
                0
            };
        let nibble = if self.codec < UDCODEC_FORMAT {
            self.codec
        } else {
            UDCODEC_FORMAT
        };
        let splitmode = self.splitmode.clamp(1, 4) - 1;
        out.extend_from_slice(&[
            general,
            self.frame_type,
            nibble | (self.clevel << 4),
            splitmode,
        ]);
        out.push(0xd3);
        out.extend_from_slice(&self.nbytes.to_be_bytes());
        out.push(0xd3);
        out.extend_from_slice(&self.cbytes.to_be_bytes());
        for v in [self.typesize, self.blocksize, self.chunksize] {
            out.push(0xd2);
            out.extend_from_slice(&v.to_be_bytes());
        }
        for v in [self.nthreads_c, self.nthreads_d] {
            out.push(0xd1);
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.push(if self.has_vlmeta { 0xc3 } else { 0xc2 });
        out.extend_from_slice(&[0xd8, MAX_FILTERS as u8]);
        out.extend_from_slice(&self.filters);
        out.extend_from_slice(&[self.codec, self.codec_meta]);
        out.extend_from_slice(&self.filters_meta);
        out.extend_from_slice(&self.reserved);
        debug_assert_eq!(out.len(), HEADER_MINLEN);
        layers::write(&mut out, &self.metalayers, 0, 0);
        let len = out.len() as u32;
        out[11..15].copy_from_slice(&len.to_be_bytes());
        Ok(out)
    }

    /// The codec's name, for messages.
    pub fn codec_name(&self) -> &'static str {
        ids::codec_name(self.codec)
    }
}

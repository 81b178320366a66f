//! The frame trailer: variable-length metalayers (each value a compressed
//! chunk), the trailer's length and a fingerprint slot.

use super::FrameError;
use super::cursor::Cursor;
use super::layers::{self, Layers};

/// Shortest trailer (`FRAME_TRAILER_MINLEN`): the fixed msgpack overhead.
pub const TRAILER_MINLEN: usize = 25;
/// Where the trailer length sits, counted back from the end of the frame.
pub const TRAILER_LEN_OFFSET: usize = 22;
const TRAILER_VERSION: u8 = 1;

/// The trailer's variable-length metalayers: name and stored bytes (a Blosc2
/// chunk each, compressed by whoever wrote it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trailer {
    /// Variable-length metalayers, in order; values are chunks.
    pub vlmeta: Layers,
}

impl Trailer {
    /// The trailer length stored in the last bytes of a frame (`tail` is the
    /// frame's last `TRAILER_LEN_OFFSET + 1` bytes or more, ending at
    /// `frame_len`).
    pub fn peek_len(tail: &[u8], frame_len: u64) -> Result<u32, FrameError> {
        let n = TRAILER_LEN_OFFSET + 1;
        if tail.len() < n {
            return Err(FrameError::Truncated {
                what: "trailer length",
                offset: frame_len.saturating_sub(n as u64),
                needed: n as u64,
                available: tail.len() as u64,
            });
        }
        let start = frame_len - tail.len() as u64;
        let mut c = Cursor::at(tail, start, tail.len() - n);
        c.marker(0xce, "trailer length")?;
        let at = c.offset();
        let len = c.be_u32("trailer length")?;
        if (len as usize) < TRAILER_MINLEN || u64::from(len) > frame_len {
            return Err(FrameError::BadField {
                field: "trailer length",
                offset: at,
                found: i64::from(len),
                reason: "shorter than 25 bytes or longer than the frame",
            });
        }
        Ok(len)
    }

    /// Parses a trailer: `buf` is exactly the trailer, which starts at byte
    /// `base` of the frame.
    pub fn parse(buf: &[u8], base: u64) -> Result<Self, FrameError> {
        let mut c = Cursor::new(buf, base);
        c.marker(0x94, "trailer array")?;
        let at = c.offset();
        let version = c.u8("trailer version")?;
        if version != TRAILER_VERSION {
            return Err(FrameError::Unsupported(format!(
                "trailer version {version} at byte {at} (sandpress reads version 1, C-Blosc2 2.0 and later)"
            )));
        }
        let vlmeta = layers::parse(buf, base, &mut c, "vlmetalayers")?;
        Ok(Trailer { vlmeta })
    }

    /// The trailer's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, FrameError> {
        layers::check(&self.vlmeta, layers::MAX_VLMETALAYERS)?;
        let mut out = vec![0x94, TRAILER_VERSION];
        layers::write(&mut out, &self.vlmeta, 0, 1);
        let len = out.len() + 1 + 4 + 1 + 1 + 16;
        if len > u32::MAX as usize {
            return Err(FrameError::Unsupported(format!("a trailer of {len} bytes")));
        }
        out.push(0xce);
        out.extend_from_slice(&(len as u32).to_be_bytes());
        // Fingerprint: type 0 (none) and 16 bytes of room.
        out.extend_from_slice(&[0xd8, 0]);
        out.extend_from_slice(&[0; 16]);
        Ok(out)
    }
}

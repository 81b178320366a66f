//! Reading the fixed msgpack layout of frame headers and trailers: every
//! read is bounds-checked and names what it reads and where.

use super::FrameError;

/// A position in a byte slice that sits at `base` in the frame.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`, which starts at byte `base` of the frame.
    pub(crate) fn new(buf: &'a [u8], base: u64) -> Self {
        Cursor { buf, pos: 0, base }
    }

    /// A cursor at `pos` in `buf`.
    pub(crate) fn at(buf: &'a [u8], base: u64, pos: usize) -> Self {
        Cursor { buf, pos, base }
    }

    /// Offset of the next byte in the frame.
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], FrameError> {
        let available = self.buf.len().saturating_sub(self.pos);
        if n > available {
            return Err(FrameError::Truncated {
                what,
                offset: self.offset(),
                needed: n as u64,
                available: available as u64,
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, FrameError> {
        Ok(self.take(1, what)?[0])
    }

    /// Checks that the next byte is `marker`.
    pub(crate) fn marker(&mut self, marker: u8, what: &'static str) -> Result<(), FrameError> {
        let offset = self.offset();
        let found = self.u8(what)?;
        if found != marker {
            return Err(FrameError::BadMarker {
                what,
                offset,
                found,
                expected: marker,
            });
        }
        Ok(())
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], FrameError> {
        let s = self.take(N, what)?;
        let mut a = [0; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub(crate) fn be_u16(&mut self, what: &'static str) -> Result<u16, FrameError> {
        self.array(what).map(u16::from_be_bytes)
    }

    pub(crate) fn be_i16(&mut self, what: &'static str) -> Result<i16, FrameError> {
        self.array(what).map(i16::from_be_bytes)
    }

    pub(crate) fn be_u32(&mut self, what: &'static str) -> Result<u32, FrameError> {
        self.array(what).map(u32::from_be_bytes)
    }

    pub(crate) fn be_i32(&mut self, what: &'static str) -> Result<i32, FrameError> {
        self.array(what).map(i32::from_be_bytes)
    }

    pub(crate) fn be_i64(&mut self, what: &'static str) -> Result<i64, FrameError> {
        self.array(what).map(i64::from_be_bytes)
    }

    pub(crate) fn be_u64(&mut self, what: &'static str) -> Result<u64, FrameError> {
        self.array(what).map(u64::from_be_bytes)
    }

    /// A msgpack string (fixstr, str8 or str16), as UTF-8.
    pub(crate) fn str(&mut self, what: &'static str) -> Result<String, FrameError> {
        let offset = self.offset();
        let m = self.u8(what)?;
        let len = match m {
            0xa0..=0xbf => usize::from(m & 0x1f),
            0xd9 => usize::from(self.u8(what)?),
            0xda => usize::from(self.be_u16(what)?),
            _ => {
                return Err(FrameError::BadMarker {
                    what,
                    offset,
                    found: m,
                    expected: 0xa0,
                });
            }
        };
        let bytes = self.take(len, what)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| FrameError::BadField {
            field: what,
            offset,
            found: len as i64,
            reason: "name is not UTF-8",
        })
    }
}

/// Appends a msgpack str (fixstr when it fits, as C-Blosc2 writes names).
pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if b.len() < 32 {
        out.push(0xa0 | b.len() as u8);
    } else if b.len() < 256 {
        out.extend_from_slice(&[0xd9, b.len() as u8]);
    } else {
        out.push(0xda);
        out.extend_from_slice(&(b.len().min(u16::MAX as usize) as u16).to_be_bytes());
    }
    out.extend_from_slice(&b[..b.len().min(u16::MAX as usize)]);
}

//! The few msgpack values the `b2nd` metalayer holds (arrays, integers, one
//! string), read from a bounded cursor and written at the fixed widths
//! C-Blosc2 writes.

use super::B2ndError;

/// Reads msgpack values from a byte slice; every read is checked against
/// the bytes that are there.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    /// Offset of the next byte to read.
    pub(super) fn offset(&self) -> usize {
        self.at
    }

    /// Bytes left to read.
    pub(super) fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], B2ndError> {
        if self.remaining() < n {
            return Err(B2ndError::Truncated {
                what,
                offset: self.at,
                needed: n,
                available: self.remaining(),
            });
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    fn byte(&mut self, what: &'static str) -> Result<u8, B2ndError> {
        Ok(self.take(1, what)?[0])
    }

    fn be<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], B2ndError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }

    fn unexpected(&self, what: &'static str, at: usize, found: u8) -> B2ndError {
        B2ndError::Marker {
            what,
            offset: at,
            found,
        }
    }

    /// An array header (fixarray, array16 or array32); returns its length.
    /// `quirk` also accepts the single byte `0x90 + quirk`, which C-Blosc2
    /// writes for a list of 16 items (msgpack's fixarray stops at 15, so
    /// the byte reads as a string marker to any other msgpack reader).
    pub(super) fn array(
        &mut self,
        what: &'static str,
        quirk: Option<usize>,
    ) -> Result<usize, B2ndError> {
        let at = self.at;
        let m = self.byte(what)?;
        match m {
            0x90..=0x9f => Ok(usize::from(m - 0x90)),
            0xdc => Ok(usize::from(u16::from_be_bytes(self.be(what)?))),
            0xdd => Ok(u32::from_be_bytes(self.be(what)?) as usize),
            _ if quirk.is_some_and(|n| n > 15 && usize::from(m) == 0x90 + n) => {
                Ok(quirk.unwrap_or(0))
            }
            _ => Err(self.unexpected(what, at, m)),
        }
    }

    /// Any msgpack integer, as an `i128` (which holds every one).
    pub(super) fn int(&mut self, what: &'static str) -> Result<i128, B2ndError> {
        let at = self.at;
        let m = self.byte(what)?;
        Ok(match m {
            0x00..=0x7f => i128::from(m),
            0xe0..=0xff => i128::from(m as i8),
            0xcc => i128::from(self.byte(what)?),
            0xcd => i128::from(u16::from_be_bytes(self.be(what)?)),
            0xce => i128::from(u32::from_be_bytes(self.be(what)?)),
            0xcf => i128::from(u64::from_be_bytes(self.be(what)?)),
            0xd0 => i128::from(self.byte(what)? as i8),
            0xd1 => i128::from(i16::from_be_bytes(self.be(what)?)),
            0xd2 => i128::from(i32::from_be_bytes(self.be(what)?)),
            0xd3 => i128::from(i64::from_be_bytes(self.be(what)?)),
            _ => return Err(self.unexpected(what, at, m)),
        })
    }

    /// A string (fixstr, str8, str16 or str32), as UTF-8.
    pub(super) fn str(&mut self, what: &'static str) -> Result<&'a str, B2ndError> {
        let at = self.at;
        let m = self.byte(what)?;
        let len = match m {
            0xa0..=0xbf => usize::from(m - 0xa0),
            0xd9 => usize::from(self.byte(what)?),
            0xda => usize::from(u16::from_be_bytes(self.be(what)?)),
            0xdb => u32::from_be_bytes(self.be(what)?) as usize,
            _ => return Err(self.unexpected(what, at, m)),
        };
        let start = self.at;
        let bytes = self.take(len, what)?;
        std::str::from_utf8(bytes).map_err(|_| B2ndError::NotUtf8 {
            what,
            offset: start,
        })
    }
}

/// Writes an array header the way C-Blosc2 does: one byte, `0x90 + len`
/// (`len` is at most 16, checked by the caller).
pub(super) fn put_array(out: &mut Vec<u8>, len: usize) {
    out.push(0x90 + len as u8);
}

/// Writes an int64 (`0xd3` and 8 bytes, big-endian).
pub(super) fn put_i64(out: &mut Vec<u8>, v: i64) {
    out.push(0xd3);
    out.extend_from_slice(&v.to_be_bytes());
}

/// Writes an int32 (`0xd2` and 4 bytes, big-endian).
pub(super) fn put_i32(out: &mut Vec<u8>, v: i32) {
    out.push(0xd2);
    out.extend_from_slice(&v.to_be_bytes());
}

/// Writes a str32 (`0xdb`, a 4-byte big-endian length, the bytes).
pub(super) fn put_str32(out: &mut Vec<u8>, s: &str) {
    out.push(0xdb);
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

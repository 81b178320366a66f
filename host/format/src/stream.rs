//! The compressed data streams of a block: each an `i32` size and its bytes,
//! with two special sizes (0: all zeros; negative: a run of one byte).

use crate::error::FormatError;

/// One stream of a block, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream<'a> {
    /// Every byte of the stream is zero (size 0, no data).
    Zeros,
    /// Every byte of the stream is this value (negative size, a token byte).
    Run(u8),
    /// The stream is stored uncompressed (its size equals its uncompressed size).
    Raw(&'a [u8]),
    /// Bytes for the chunk's codec.
    Compressed(&'a [u8]),
}

/// Appends `stream` in the chunk layout to `out`.
pub fn write_stream(out: &mut Vec<u8>, stream: Stream<'_>) {
    let at = out.len();
    let most = match stream {
        Stream::Raw(b) | Stream::Compressed(b) => 4 + b.len(),
        Stream::Zeros | Stream::Run(_) => 5,
    };
    out.resize(at + most, 0);
    let written = put_stream(&mut out[at..], stream);
    out.truncate(at + written);
}

/// The 4-byte size that precedes a raw or compressed stream of `len` bytes.
pub fn stream_size(len: usize) -> [u8; 4] {
    // Stream sizes are bounded by the block size, itself < i32::MAX.
    i32::try_from(len).unwrap_or(i32::MAX).to_le_bytes()
}

/// Writes `stream` in the chunk layout at the start of `out`, returning the
/// bytes written: 4, 5 for a run of a non-zero byte, 4 + its length for
/// bytes.
///
/// # Panics
///
/// If `out` is shorter than that.
pub fn put_stream(out: &mut [u8], stream: Stream<'_>) -> usize {
    match stream {
        Stream::Zeros | Stream::Run(0) => {
            out[..4].fill(0);
            4
        }
        Stream::Run(v) => {
            out[..4].copy_from_slice(&(-i32::from(v)).to_le_bytes());
            out[4] = 0x01;
            5
        }
        Stream::Raw(b) | Stream::Compressed(b) => {
            out[..4].copy_from_slice(&stream_size(b.len()));
            out[4..4 + b.len()].copy_from_slice(b);
            4 + b.len()
        }
    }
}

/// Walks the streams of one block, checking every size against the chunk.
#[derive(Debug, Clone)]
pub struct StreamIter<'a> {
    chunk: &'a [u8],
    pos: usize,
    block: usize,
    index: usize,
    count: usize,
    neblock: usize,
}

impl<'a> StreamIter<'a> {
    pub(crate) fn new(
        chunk: &'a [u8],
        start: usize,
        block: usize,
        count: usize,
        neblock: usize,
    ) -> Self {
        StreamIter {
            chunk,
            pos: start,
            block,
            index: 0,
            count,
            neblock,
        }
    }

    /// Uncompressed size of each stream of this block.
    pub fn stream_len(&self) -> usize {
        self.neblock
    }

    /// Number of streams in this block.
    pub fn count(&self) -> usize {
        self.count
    }

    fn error(&self, offset: usize, reason: String) -> FormatError {
        FormatError::BadStream {
            block: self.block,
            stream: self.index,
            offset,
            reason,
        }
    }

    fn next_stream(&mut self) -> Result<Stream<'a>, FormatError> {
        let at = self.pos;
        let size_bytes = self
            .chunk
            .get(at..at + 4)
            .ok_or_else(|| self.error(at, "size field past the end of the chunk".into()))?;
        let csize =
            i32::from_le_bytes([size_bytes[0], size_bytes[1], size_bytes[2], size_bytes[3]]);
        self.pos = at + 4;
        if csize == 0 {
            return Ok(Stream::Zeros);
        }
        if csize < 0 {
            let token = *self
                .chunk
                .get(self.pos)
                .ok_or_else(|| self.error(at, "token past the end of the chunk".into()))?;
            self.pos += 1;
            if token & 0x01 == 0 {
                return Err(self.error(at, format!("unsupported stream token {token:#04x}")));
            }
            if csize < -255 {
                return Err(self.error(
                    at,
                    format!("run of a byte value {} out of range", -i64::from(csize)),
                ));
            }
            return Ok(Stream::Run((-csize) as u8));
        }
        let len = csize as usize;
        if len > self.neblock {
            return Err(self.error(
                at,
                format!(
                    "compressed size {len} exceeds the stream's size {}",
                    self.neblock
                ),
            ));
        }
        let data = self
            .chunk
            .get(self.pos..self.pos + len)
            .ok_or_else(|| self.error(at, format!("{len} bytes past the end of the chunk")))?;
        self.pos += len;
        Ok(if len == self.neblock {
            Stream::Raw(data)
        } else {
            Stream::Compressed(data)
        })
    }
}

impl<'a> Iterator for StreamIter<'a> {
    type Item = Result<Stream<'a>, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.index >= self.count {
            return None;
        }
        let item = self.next_stream();
        self.index = if item.is_ok() {
            self.index + 1
        } else {
            self.count
        };
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_every_kind() {
        let mut out = Vec::new();
        write_stream(&mut out, Stream::Zeros);
        write_stream(&mut out, Stream::Run(7));
        write_stream(&mut out, Stream::Raw(&[1, 2, 3, 4]));
        write_stream(&mut out, Stream::Compressed(&[9, 9]));
        let got: Vec<_> = StreamIter::new(&out, 0, 0, 4, 4)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            got,
            vec![
                Stream::Zeros,
                Stream::Run(7),
                Stream::Raw(&[1, 2, 3, 4]),
                Stream::Compressed(&[9, 9])
            ]
        );
    }

    #[test]
    fn refuses_sizes_past_the_end() {
        let mut out = Vec::new();
        out.extend_from_slice(&3i32.to_le_bytes());
        out.push(1);
        let err = StreamIter::new(&out, 0, 2, 1, 4)
            .next()
            .unwrap()
            .unwrap_err();
        assert!(matches!(
            err,
            FormatError::BadStream {
                block: 2,
                stream: 0,
                offset: 0,
                ..
            }
        ));
        let err = StreamIter::new(&out, 0, 0, 1, 2)
            .next()
            .unwrap()
            .unwrap_err();
        assert!(err.to_string().contains("exceeds"));
        let mut bad_token = (-5i32).to_le_bytes().to_vec();
        bad_token.push(0x02);
        assert!(
            StreamIter::new(&bad_token, 0, 0, 1, 4)
                .next()
                .unwrap()
                .is_err()
        );
    }
}

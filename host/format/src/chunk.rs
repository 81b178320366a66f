//! A whole chunk, checked: its header, and where each block's bytes are.

use crate::error::FormatError;
use crate::header::{ChunkHeader, Special};
use crate::stream::StreamIter;

/// Where the bytes of one block come from.
#[derive(Debug, Clone)]
pub enum BlockData<'a> {
    /// The block is stored raw (a memcpyed chunk).
    Raw(&'a [u8]),
    /// The chunk is special: the block is generated from the header.
    Special(Special),
    /// The block is stored in one or more streams.
    Streams(StreamIter<'a>),
}

/// A chunk whose header and block starts were checked against its bytes.
#[derive(Debug, Clone)]
pub struct ChunkView<'a> {
    header: ChunkHeader,
    bytes: &'a [u8],
}

impl<'a> ChunkView<'a> {
    /// Checks `bytes` (at least `cbytes` long; extra bytes are ignored).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FormatError> {
        let header = ChunkHeader::parse(bytes)?;
        let bytes = &bytes[..header.cbytes as usize];
        let view = ChunkView { header, bytes };
        if view.has_bstarts() {
            let end = view.bstarts_end();
            if end > bytes.len() {
                return Err(FormatError::Truncated {
                    what: "block starts",
                    offset: view.header.header_len(),
                    needed: end - view.header.header_len(),
                    available: bytes.len() - view.header.header_len(),
                });
            }
        }
        Ok(view)
    }

    /// The chunk's header.
    pub fn header(&self) -> &ChunkHeader {
        &self.header
    }

    /// The chunk's bytes (exactly `cbytes`).
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    fn has_bstarts(&self) -> bool {
        self.header.special() == Special::None && !self.header.memcpyed() && self.header.nbytes > 0
    }

    fn bstarts_end(&self) -> usize {
        self.header.header_len() + 4 * self.header.nblocks()
    }

    /// The repeated value of a [`Special::Value`] chunk.
    pub fn special_value(&self) -> Option<&'a [u8]> {
        (self.header.special() == Special::Value).then(|| {
            let start = self.header.header_len();
            &self.bytes[start..start + usize::from(self.header.typesize)]
        })
    }

    /// All the data of a memcpyed chunk (stored raw), in one slice.
    pub fn memcpyed_data(&self) -> Option<&'a [u8]> {
        let h = &self.header;
        (h.special() == Special::None && h.memcpyed()).then(|| {
            let start = h.header_len();
            // parse() checked cbytes == header + nbytes, so this is in bounds.
            &self.bytes[start..start + h.nbytes as usize]
        })
    }

    /// Where block `i` is stored.
    pub fn block(&self, i: usize) -> Result<BlockData<'a>, FormatError> {
        let h = &self.header;
        if i >= h.nblocks() {
            return Err(FormatError::InvalidHeader {
                field: "block index",
                found: i as u64,
                reason: "past the last block",
            });
        }
        match h.special() {
            Special::None => {}
            s => return Ok(BlockData::Special(s)),
        }
        let len = h.block_len(i);
        if h.memcpyed() {
            let start = h.header_len() + i * h.blocksize as usize;
            // parse() checked cbytes == header + nbytes, so this is in bounds.
            return Ok(BlockData::Raw(&self.bytes[start..start + len]));
        }
        let at = h.header_len() + 4 * i;
        let b = &self.bytes[at..at + 4];
        let start = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let min = self.bstarts_end();
        if start < 0 || (start as usize) < min || (start as usize) >= self.bytes.len() {
            return Err(FormatError::BadBlockStart {
                block: i,
                start: i64::from(start),
                min,
                max: self.bytes.len(),
            });
        }
        let nstreams = h.nstreams(i);
        if !len.is_multiple_of(nstreams) {
            return Err(FormatError::InvalidHeader {
                field: "blocksize",
                found: u64::from(h.blocksize),
                reason: "a split block must be a whole number of items",
            });
        }
        Ok(BlockData::Streams(StreamIter::new(
            self.bytes,
            start as usize,
            i,
            nstreams,
            len / nstreams,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Stream, ids, write_stream};

    fn two_block_chunk() -> Vec<u8> {
        let mut h = ChunkHeader::new(ids::LZ4, 2, 12, 8);
        let mut body = Vec::new();
        let bstarts_end = 32 + 8;
        let b0 = bstarts_end;
        write_stream(&mut body, Stream::Run(3));
        write_stream(&mut body, Stream::Raw(&[1, 2, 3, 4]));
        let b1 = bstarts_end + body.len();
        write_stream(&mut body, Stream::Zeros);
        h.cbytes = (bstarts_end + body.len()) as u32;
        let mut out = h.to_bytes().to_vec();
        out.extend_from_slice(&(b0 as i32).to_le_bytes());
        out.extend_from_slice(&(b1 as i32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn reads_blocks() {
        let bytes = two_block_chunk();
        let v = ChunkView::parse(&bytes).unwrap();
        let BlockData::Streams(s) = v.block(0).unwrap() else {
            panic!("streams expected")
        };
        let got: Vec<_> = s.collect::<Result<_, _>>().unwrap();
        assert_eq!(got, vec![Stream::Run(3), Stream::Raw(&[1, 2, 3, 4])]);
        let BlockData::Streams(s) = v.block(1).unwrap() else {
            panic!("streams expected")
        };
        assert_eq!(s.stream_len(), 4);
        assert!(v.block(2).is_err());
    }

    #[test]
    fn refuses_block_start_in_header() {
        let mut bytes = two_block_chunk();
        bytes[32..36].copy_from_slice(&10i32.to_le_bytes());
        let v = ChunkView::parse(&bytes).unwrap();
        assert!(matches!(
            v.block(0),
            Err(FormatError::BadBlockStart {
                block: 0,
                start: 10,
                ..
            })
        ));
    }

    #[test]
    fn refuses_truncated_bstarts() {
        let mut h = ChunkHeader::new(ids::LZ4, 1, 1 << 20, 1);
        h.cbytes = 40;
        let mut bytes = h.to_bytes().to_vec();
        bytes.resize(40, 0);
        assert!(matches!(
            ChunkView::parse(&bytes),
            Err(FormatError::Truncated {
                what: "block starts",
                ..
            })
        ));
    }
}

//! What a frame holds, summed up from its header, index and chunk headers
//! (no chunk is decompressed): what `sandpress info` prints.

use std::fmt;

use sandpress_format::frame::ChunkLoc;
use sandpress_format::{ChunkHeader, Special, ids};

use super::{Frame, ReadAt};
use sandpress_core::error::{Error, Result};
use sandpress_core::filter_chain::FilterChain;
use sandpress_core::params::SplitMode;

/// A frame's layout and defaults, and its chunks in runs of alike ones.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FrameSummary {
    /// Format version.
    pub version: u8,
    /// Number of chunks.
    pub nchunks: usize,
    /// Uncompressed bytes per chunk; `None` when chunks vary in size.
    pub chunksize: Option<u64>,
    /// Bytes per item.
    pub typesize: i32,
    /// Default block size; `None` when picked per chunk.
    pub blocksize: Option<u64>,
    /// Uncompressed bytes of all chunks.
    pub nbytes: u64,
    /// Bytes of all chunks as stored (headers included; chunks the index
    /// alone describes count 0).
    pub cbytes: u64,
    /// Bytes of the whole frame.
    pub frame_len: u64,
    /// Default codec id.
    pub codec: u8,
    /// Default compression level.
    pub clevel: u8,
    /// Default filters.
    pub filters: FilterChain,
    /// Default split mode; `None` for a code this version does not know
    /// (C-Blosc2's forward-compatible split).
    pub splitmode: Option<SplitMode>,
    /// The chunks, in order, in runs of consecutive alike chunks.
    pub runs: Vec<ChunkRun>,
}

/// Consecutive chunks stored alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRun {
    /// Index of the first chunk.
    pub first: usize,
    /// Index of the last chunk (`first` for a run of one).
    pub last: usize,
    /// How they are stored.
    pub form: ChunkForm,
    /// Their uncompressed bytes.
    pub nbytes: u64,
    /// Their bytes as stored.
    pub cbytes: u64,
}

/// How one chunk is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkForm {
    /// A special value the frame's index records, with no chunk bytes.
    IndexSpecial(Special),
    /// A chunk whose header alone describes its content.
    Special(Special),
    /// Blocks stored as they are, after the filters.
    Raw {
        /// The filters applied.
        filters: FilterChain,
    },
    /// Blocks compressed by a codec, after the filters.
    Coded {
        /// Codec id.
        codec: u8,
        /// The filters applied.
        filters: FilterChain,
        /// Whether blocks are split into one stream per byte of the item.
        split: bool,
    },
}

impl fmt::Display for ChunkForm {
    /// `zstd + shuffle, split`, `stored raw, none`, `special Zeros`, ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkForm::IndexSpecial(s) => write!(f, "special {s:?} (index only)"),
            ChunkForm::Special(s) => write!(f, "special {s:?}"),
            ChunkForm::Raw { filters } => write!(f, "stored raw, {filters}"),
            ChunkForm::Coded {
                codec,
                filters,
                split,
            } => write!(
                f,
                "{} + {filters}{}",
                codec_label(*codec),
                if *split { ", split" } else { "" }
            ),
        }
    }
}

/// A codec's Blosc2 name, or `user codec ID` for ids 160-255.
pub fn codec_label(id: u8) -> String {
    if id >= ids::USER_START {
        format!("user codec {id}")
    } else {
        ids::codec_name(id).to_string()
    }
}

impl<S: ReadAt> Frame<S> {
    /// Sums up the frame. Consecutive chunks stored alike make one run,
    /// unless `each_chunk` asks for one run per chunk.
    pub fn summary(&self, each_chunk: bool) -> Result<FrameSummary> {
        let h = self.header();
        let runs = self.chunk_runs(each_chunk)?;
        Ok(FrameSummary {
            version: h.version,
            nchunks: self.nchunks(),
            chunksize: u64::try_from(h.chunksize).ok().filter(|&c| c > 0),
            typesize: h.typesize,
            blocksize: u64::try_from(h.blocksize).ok().filter(|&b| b > 0),
            nbytes: self.nbytes(),
            cbytes: runs.iter().map(|r| r.cbytes).sum(),
            frame_len: self.frame_len(),
            codec: h.codec,
            clevel: h.clevel,
            filters: FilterChain::from_slots(h.filters, h.filters_meta),
            splitmode: SplitMode::from_code(h.splitmode),
            runs,
        })
    }

    fn chunk_runs(&self, each_chunk: bool) -> Result<Vec<ChunkRun>> {
        let mut runs: Vec<ChunkRun> = Vec::new();
        for i in 0..self.nchunks() {
            let (form, cbytes) = self.chunk_form(i)?;
            let nbytes = self.chunk_nbytes(i)? as u64;
            match runs.last_mut() {
                Some(run) if !each_chunk && run.form == form => {
                    run.last = i;
                    run.nbytes += nbytes;
                    run.cbytes += cbytes;
                }
                _ => runs.push(ChunkRun {
                    first: i,
                    last: i,
                    form,
                    nbytes,
                    cbytes,
                }),
            }
        }
        Ok(runs)
    }

    /// How chunk `i` is stored, and its bytes as stored.
    fn chunk_form(&self, i: usize) -> Result<(ChunkForm, u64)> {
        if let Some(ChunkLoc::Special(s)) = self.chunk_loc(i) {
            return Ok((ChunkForm::IndexSpecial(s), 0));
        }
        let chunk = self.chunk(i)?;
        let h = ChunkHeader::parse(&chunk).map_err(|source| Error::Format {
            chunk: i as u64,
            source,
        })?;
        // Alike chunks apply the same filters, wherever their slots are.
        let filters = FilterChain::of_header(&h).packed();
        let form = match h.special() {
            Special::None if h.memcpyed() => ChunkForm::Raw { filters },
            Special::None => ChunkForm::Coded {
                codec: h.codec(),
                filters,
                split: !h.dont_split(),
            },
            s => ChunkForm::Special(s),
        };
        Ok((form, u64::from(h.cbytes)))
    }
}

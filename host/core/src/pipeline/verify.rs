//! Verify on write: what a user codec or user filter made of a block is
//! decoded again, by another instance of the plugin, and compared with what
//! it was given.
//!
//! While a block is compressed, each call of a user plugin is recorded (its
//! input and output). Once all blocks of the chunk are compressed, the
//! records are checked on the threads of the verify pool, or on a thread
//! of their own ([`parallel::run_verify`]), which never encode: since the
//! sandbox keeps one instance per plugin per thread, the decoding instance
//! is never the encoding one, and has never seen the bytes it must give
//! back. A plugin that keeps state between calls (a call counter, a stash of
//! its last input) is caught here rather than by its users.

use std::sync::Arc;

use rayon::prelude::*;

use super::resolve::Site;
use crate::error::{Error, Result, VerifyMismatch};
use crate::parallel;
use crate::plugin::{BlockInfo, CodecPlugin, FilterPlugin, PluginKind};

/// One forward call of a user filter.
struct FilterCall {
    plugin: Arc<dyn FilterPlugin>,
    meta: u8,
    info: BlockInfo,
    input: Vec<u8>,
    output: Vec<u8>,
}

/// One encode call of the user codec whose output was stored.
struct CodecCall {
    info: BlockInfo,
    /// Offset of the stream in its block.
    offset: usize,
    input: Vec<u8>,
    output: Vec<u8>,
}

/// The user plugin calls of one block, to check.
pub(super) struct Record {
    site: Site,
    filters: Vec<FilterCall>,
    codec: Option<(Arc<dyn CodecPlugin>, u8)>,
    streams: Vec<CodecCall>,
}

impl Record {
    /// An empty record for the block at `site`, whose streams the user
    /// codec `codec` (if any) encodes with meta `codec_meta`.
    pub fn new(site: Site, codec: Option<(Arc<dyn CodecPlugin>, u8)>) -> Self {
        Record {
            site,
            filters: Vec::new(),
            codec,
            streams: Vec::new(),
        }
    }

    /// Records a forward call of a user filter.
    pub fn filter(
        &mut self,
        plugin: &Arc<dyn FilterPlugin>,
        meta: u8,
        info: BlockInfo,
        input: &[u8],
        output: &[u8],
    ) {
        self.filters.push(FilterCall {
            plugin: plugin.clone(),
            meta,
            info,
            input: input.to_vec(),
            output: output.to_vec(),
        });
    }

    /// Records an encode call of the user codec whose output is stored.
    pub fn stream(&mut self, info: BlockInfo, offset: usize, input: &[u8], output: &[u8]) {
        self.streams.push(CodecCall {
            info,
            offset,
            input: input.to_vec(),
            output: output.to_vec(),
        });
    }

    /// Decodes every recorded call of a chunk's blocks again on the verify
    /// threads (`nthreads` of them) and compares; the first block in block
    /// order that fails is the error.
    ///
    /// One hand-over per chunk rather than per block: waking a verify
    /// thread costs more than checking a small block.
    pub fn check_all(records: Vec<Record>, nthreads: usize) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let check = move || {
            if nthreads > 1 && records.len() > 1 {
                records
                    .par_iter()
                    .map_init(Vec::new, |buf, r| r.check_here(buf))
                    .find_first(Result::is_err)
                    .unwrap_or(Ok(()))
            } else {
                let mut buf = Vec::new();
                records.iter().try_for_each(|r| r.check_here(&mut buf))
            }
        };
        parallel::run_verify(nthreads, check).map_err(|_| Error::InvalidParam {
            name: "verify",
            reason: "the verify-on-write threads could not be started".into(),
        })?
    }

    /// Checks this block's calls, decoding into `buf` (reused across
    /// blocks by the caller).
    fn check_here(&self, buf: &mut Vec<u8>) -> Result<()> {
        for call in &self.filters {
            buf.clear();
            buf.resize(call.output.len(), 0);
            let id = call.plugin.meta().id;
            call.plugin
                .backward(&call.output, call.meta, &call.info, buf)
                .map_err(|e| self.site.plugin(PluginKind::Filter, id, e))?;
            self.compare(PluginKind::Filter, id, 0, &call.input, buf)?;
        }
        if let Some((codec, meta)) = &self.codec {
            let id = codec.meta().id;
            for call in &self.streams {
                buf.clear();
                buf.resize(call.input.len(), 0);
                codec
                    .decode(&call.output, *meta, &call.info, buf)
                    .map_err(|e| self.site.plugin(PluginKind::Codec, id, e))?;
                self.compare(PluginKind::Codec, id, call.offset, &call.input, buf)?;
            }
        }
        Ok(())
    }

    fn compare(
        &self,
        kind: PluginKind,
        id: u8,
        offset: usize,
        expected: &[u8],
        found: &[u8],
    ) -> Result<()> {
        // Equal, almost always: one vectorised comparison, and the byte
        // that differs is looked for only when they are not.
        if expected == found {
            return Ok(());
        }
        match expected.iter().zip(found).position(|(a, b)| a != b) {
            None => Ok(()),
            Some(first_difference) => Err(Error::Verify {
                kind,
                id,
                chunk: self.site.chunk,
                block: self.site.block,
                reason: VerifyMismatch {
                    offset,
                    len: expected.len(),
                    first_difference,
                },
            }),
        }
    }
}

#[cfg(test)]
mod tests;

//! The compression parameters of `POST /v1/compress` and
//! `PUT /v1/frames/{name}`, from the query string.

use sandpress_core::params::DEFAULT_CHUNKSIZE;
use sandpress_core::spec::Codec;
use sandpress_core::{CParams, FilterChain, Registry, SplitMode};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::problem::Problem;

/// Largest chunk accepted (C-Blosc2's own limit is just under 2 GB; this
/// bounds what one request holds in memory).
pub const MAX_CHUNKSIZE: usize = 256 << 20;

/// How to compress.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompressQuery {
    /// Codec: zstd (default), lz4, lz4hc, zlib, blosclz, or the id of one
    /// of your codec plugins (160-255).
    pub codec: Option<String>,
    /// The codec's meta byte (default 0).
    pub codec_meta: Option<u8>,
    /// Filters, comma-separated, applied in order (up to 6): shuffle,
    /// bitshuffle, delta, trunc_prec:BITS, or ID[:META] of one of your
    /// filter plugins; `none` for none. Default: shuffle.
    pub filters: Option<String>,
    /// Bytes per item, 1-255 (default 8).
    pub typesize: Option<u8>,
    /// Compression level 0-9 (default 1).
    pub clevel: Option<u8>,
    /// Uncompressed bytes per chunk, with K/M suffixes (default 4M).
    pub chunksize: Option<String>,
    /// Bytes per block, 0 for automatic (default 0).
    pub blocksize: Option<String>,
    /// Byte split: always, never or auto (default auto).
    pub splitmode: Option<String>,
}

fn bad(msg: String) -> Problem {
    Problem::BadParameter(msg)
}

/// Parses a size parameter (`4M`, `64K` or plain bytes).
fn parse_size(name: &str, s: &str) -> Result<usize, Problem> {
    sandpress_core::parse_size(s).map_err(|e| bad(format!("{name}: {e}")))
}

/// Refuses a plugin id the tenant has not registered.
fn registered(what: &str, id: u8, is_registered: bool) -> Result<(), Problem> {
    if is_registered {
        Ok(())
    } else {
        Err(bad(format!("{what} {id}: you have no such plugin")))
    }
}

impl CompressQuery {
    /// The parameters and chunk size asked for; plugin ids must be in
    /// `registry`. Everything runs on one thread: requests run side by
    /// side instead.
    pub fn cparams(&self, registry: &Registry) -> Result<(CParams, usize), Problem> {
        let defaults = CParams::default();
        let codec = match self.codec.as_deref() {
            None => Codec {
                id: defaults.codec,
                meta: 0,
            },
            Some(c) => c.parse::<Codec>().map_err(|e| bad(e.to_string()))?,
        };
        if codec.is_plugin() {
            registered("codec", codec.id, registry.codec(codec.id).is_some())?;
        }
        let filters = match self.filters.as_deref() {
            None => defaults.filters,
            Some(list) => {
                let filters = FilterChain::parse_filters(list).map_err(|e| bad(e.to_string()))?;
                for f in filters.iter().filter(|f| f.is_plugin()) {
                    registered("filter", f.id, registry.filter(f.id).is_some())?;
                }
                FilterChain::of_filters(&filters).map_err(|e| bad(e.to_string()))?
            }
        };
        let typesize = self.typesize.unwrap_or(defaults.typesize);
        if typesize == 0 {
            return Err(bad("typesize must be 1-255".into()));
        }
        let clevel = self.clevel.unwrap_or(defaults.clevel);
        if clevel > 9 {
            return Err(bad(format!("clevel {clevel} is not 0-9")));
        }
        let splitmode = match self.splitmode.as_deref() {
            None => SplitMode::default(),
            Some(s) => s
                .parse()
                .map_err(|e: sandpress_core::ParseSplitModeError| bad(e.to_string()))?,
        };
        let cp = CParams {
            codec: codec.id,
            codec_meta: self.codec_meta.unwrap_or(codec.meta),
            clevel,
            typesize,
            blocksize: match &self.blocksize {
                Some(b) => parse_size("blocksize", b)?,
                None => 0,
            },
            nthreads: 1,
            filters,
            splitmode,
            verify: true,
            ..CParams::default()
        };
        let asked = match &self.chunksize {
            Some(c) => parse_size("chunksize", c)?,
            None => DEFAULT_CHUNKSIZE,
        };
        if asked == 0 || asked > MAX_CHUNKSIZE {
            return Err(bad(format!(
                "chunksize {asked} must be 1 to {MAX_CHUNKSIZE} bytes"
            )));
        }
        let chunksize = cp.whole_items(asked);
        Ok((cp, chunksize))
    }

    /// The plugin ids (160-255) it names as its codec or filters, in that
    /// order; what does not parse names none.
    pub fn plugin_ids(&self) -> Vec<u8> {
        let codec = self.codec.as_deref().and_then(|c| c.parse::<Codec>().ok());
        let filters = self
            .filters
            .as_deref()
            .and_then(|f| FilterChain::parse_filters(f).ok())
            .unwrap_or_default();
        codec
            .filter(Codec::is_plugin)
            .map(|c| c.id)
            .into_iter()
            .chain(filters.iter().filter(|f| f.is_plugin()).map(|f| f.id))
            .collect()
    }

    /// Whether it names a plugin by id (160-255) as its codec or a filter
    /// (then the tenant's plugins are synced with the store first).
    pub fn names_a_plugin(&self) -> bool {
        !self.plugin_ids().is_empty()
    }
}

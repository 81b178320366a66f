//! The compression parameters of `POST /v1/compress` and
//! `PUT /v1/frames/{name}`, from the query string.

use sandpress_core::format::ids;
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

fn user_id(s: &str, what: &str, registered: impl Fn(u8) -> bool) -> Result<Option<u8>, Problem> {
    let Ok(id) = s.parse::<u8>() else {
        return Ok(None);
    };
    if id < ids::USER_START {
        return Err(bad(format!(
            "{what} {id}: plugin ids are 160-255; built-ins go by name"
        )));
    }
    if !registered(id) {
        return Err(bad(format!("{what} {id}: you have no such plugin")));
    }
    Ok(Some(id))
}

impl CompressQuery {
    /// The parameters and chunk size asked for; plugin ids must be in
    /// `registry`. Everything runs on one thread: requests run side by
    /// side instead.
    pub fn cparams(&self, registry: &Registry) -> Result<(CParams, usize), Problem> {
        let codec_s = self.codec.as_deref().unwrap_or("zstd");
        let codec = match user_id(codec_s, "codec", |id| registry.codec(id).is_some())? {
            Some(id) => id,
            None => ids::codec_id(codec_s).ok_or_else(|| {
                bad(format!(
                    "unknown codec {codec_s:?} (zstd, lz4, lz4hc, zlib, blosclz, or a plugin id)"
                ))
            })?,
        };
        if codec < ids::USER_START && !sandpress_core::codecs::can_compress(codec) {
            return Err(bad(format!("codec {codec_s} can be read but not written")));
        }
        let filters = match self.filters.as_deref() {
            None => CParams::default().filters,
            Some("none") | Some("") => FilterChain::new(),
            Some(list) => {
                let pairs = list
                    .split(',')
                    .map(|f| self.filter(f.trim(), registry))
                    .collect::<Result<Vec<_>, _>>()?;
                FilterChain::of(&pairs).map_err(|e| bad(e.to_string()))?
            }
        };
        let typesize = self.typesize.unwrap_or(8);
        if typesize == 0 {
            return Err(bad("typesize must be 1-255".into()));
        }
        let clevel = self.clevel.unwrap_or(1);
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
            codec,
            codec_meta: self.codec_meta.unwrap_or(0),
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
            None => 4 << 20,
        };
        if asked == 0 || asked > MAX_CHUNKSIZE {
            return Err(bad(format!(
                "chunksize {asked} must be 1 to {MAX_CHUNKSIZE} bytes"
            )));
        }
        let chunksize = cp.whole_items(asked);
        Ok((cp, chunksize))
    }

    /// Whether it names a plugin by id (160-255) as its codec or a filter
    /// (then the tenant's plugins are synced with the store first).
    pub fn names_a_plugin(&self) -> bool {
        let user = |s: &str| {
            let id = s.split_once(':').map_or(s, |(id, _)| id).trim();
            id.parse::<u8>().is_ok_and(|id| id >= ids::USER_START)
        };
        self.codec.as_deref().is_some_and(user)
            || self
                .filters
                .as_deref()
                .is_some_and(|f| f.split(',').any(user))
    }

    fn filter(&self, spec: &str, registry: &Registry) -> Result<(u8, u8), Problem> {
        let (name, meta) = spec.split_once(':').unwrap_or((spec, "0"));
        let meta: u8 = meta
            .parse()
            .map_err(|_| bad(format!("filter meta {meta:?} is not 0-255")))?;
        if let Some(id) = user_id(name, "filter", |id| registry.filter(id).is_some())? {
            return Ok((id, meta));
        }
        let id = ids::filter_id(name).ok_or_else(|| {
            bad(format!(
                "unknown filter {name:?} (shuffle, bitshuffle, delta, trunc_prec:BITS, or a plugin id)"
            ))
        })?;
        if id == ids::TRUNC_PREC && meta == 0 {
            return Err(bad(
                "trunc_prec needs the bits to keep: trunc_prec:BITS".into()
            ));
        }
        Ok((id, meta))
    }
}

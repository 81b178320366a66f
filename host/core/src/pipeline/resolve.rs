//! Turning the ids of a chunk (or of cparams) into the codec and filters to run.

use std::sync::Arc;

use sandpress_format::ids;

use crate::codecs;
use crate::error::{Error, Result};
use crate::filter_chain::FilterChain;
use crate::plugin::{CodecPlugin, FilterPlugin, PluginError, PluginKind};
use crate::registry::Registry;

/// The codec that handles a chunk's streams.
#[derive(Clone)]
pub(crate) enum CodecRef {
    /// A built-in codec id.
    Builtin(u8),
    /// A user plugin.
    User(Arc<dyn CodecPlugin>),
}

/// One slot of the filter pipeline.
#[derive(Clone)]
pub(crate) enum FilterRef {
    /// Byte shuffle, repeated `1 + rounds` times.
    Shuffle { rounds: u8 },
    /// Bit shuffle.
    BitShuffle,
    /// Delta against the chunk's first block.
    Delta,
    /// Precision truncation (compression only).
    TruncPrec { bits: i8 },
    /// A user filter with its meta.
    User {
        plugin: Arc<dyn FilterPlugin>,
        meta: u8,
    },
}

/// Resolves a codec id.
pub(crate) fn codec(id: u8, registry: &Registry, compress: bool) -> Result<CodecRef> {
    let builtin = if compress {
        codecs::can_compress(id)
    } else {
        codecs::can_decompress(id)
    };
    if builtin {
        return Ok(CodecRef::Builtin(id));
    }
    if id >= ids::USER_START
        && let Some(p) = registry.codec(id)
    {
        return Ok(CodecRef::User(p.clone()));
    }
    Err(Error::UnknownCodec {
        id,
        name: ids::codec_name(id),
    })
}

/// Resolves the filters of `chain`, in pipeline order.
pub(crate) fn filters(chain: &FilterChain, registry: &Registry) -> Result<Vec<FilterRef>> {
    let mut out = Vec::new();
    for (id, m) in chain.iter() {
        let f = match id {
            ids::SHUFFLE => FilterRef::Shuffle { rounds: m },
            ids::BITSHUFFLE => FilterRef::BitShuffle,
            ids::DELTA => FilterRef::Delta,
            ids::TRUNC_PREC => FilterRef::TruncPrec { bits: m as i8 },
            _ => match registry.filter(id).filter(|_| id >= ids::USER_START) {
                Some(p) => FilterRef::User {
                    plugin: p.clone(),
                    meta: m,
                },
                None => {
                    return Err(Error::UnknownFilter {
                        id,
                        name: ids::filter_name(id),
                    });
                }
            },
        };
        out.push(f);
    }
    Ok(out)
}

/// Where a plugin failure happened.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site {
    pub chunk: u64,
    pub block: u32,
}

impl Site {
    pub fn plugin(self, kind: PluginKind, id: u8, source: PluginError) -> Error {
        Error::Plugin {
            kind,
            id,
            chunk: self.chunk,
            block: self.block,
            source,
        }
    }

    pub fn builtin(self, what: &'static str, message: impl Into<String>) -> Error {
        Error::Builtin {
            what,
            chunk: self.chunk,
            block: self.block,
            message: message.into(),
        }
    }
}

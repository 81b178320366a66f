//! Plugins made of closures, for tests of the pipeline and of what is
//! built on it (compiled in tests, and with the feature `test-plugins`).
//!
//! ```
//! use std::sync::Arc;
//! use sandpress_core::plugin::{PluginKind, PluginMeta};
//! use sandpress_core::test_plugins::FnCodec;
//!
//! let meta = PluginMeta { kind: PluginKind::Codec, id: 170, name: "copy".into(),
//!                         version: "1".into(), sha256: [0; 32] };
//! // Declines every block: each is stored raw, and decode is never called.
//! let codec = FnCodec::new(meta, |_, _, _| Ok(false), |input, _, out| {
//!     out.copy_from_slice(input);
//!     Ok(())
//! });
//! let mut registry = sandpress_core::Registry::new();
//! registry.register_codec(Arc::new(codec)).unwrap();
//! ```

use crate::plugin::{BlockInfo, CodecPlugin, PluginError, PluginMeta};

/// What a [`FnCodec`] does to encode: `(input, info, out)`, as
/// [`CodecPlugin::encode`] without the meta byte.
pub type EncodeFn =
    dyn Fn(&[u8], &BlockInfo, &mut Vec<u8>) -> Result<bool, PluginError> + Send + Sync;

/// What a [`FnCodec`] does to decode: `(input, info, out)`, as
/// [`CodecPlugin::decode`] without the meta byte.
pub type DecodeFn = dyn Fn(&[u8], &BlockInfo, &mut [u8]) -> Result<(), PluginError> + Send + Sync;

/// A codec plugin whose encode and decode are closures.
pub struct FnCodec {
    meta: PluginMeta,
    encode: Box<EncodeFn>,
    decode: Box<DecodeFn>,
}

impl FnCodec {
    /// The codec `meta` names, encoding with `encode` and decoding with
    /// `decode`.
    pub fn new(
        meta: PluginMeta,
        encode: impl Fn(&[u8], &BlockInfo, &mut Vec<u8>) -> Result<bool, PluginError>
        + Send
        + Sync
        + 'static,
        decode: impl Fn(&[u8], &BlockInfo, &mut [u8]) -> Result<(), PluginError> + Send + Sync + 'static,
    ) -> Self {
        FnCodec {
            meta,
            encode: Box::new(encode),
            decode: Box::new(decode),
        }
    }
}

impl CodecPlugin for FnCodec {
    fn meta(&self) -> &PluginMeta {
        &self.meta
    }

    fn encode(
        &self,
        input: &[u8],
        _: u8,
        info: &BlockInfo,
        out: &mut Vec<u8>,
    ) -> Result<bool, PluginError> {
        (self.encode)(input, info, out)
    }

    fn decode(
        &self,
        input: &[u8],
        _: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        (self.decode)(input, info, out)
    }
}

//! The four example plugins compiled natively, implementing
//! [`CodecPlugin`] and [`FilterPlugin`]: the baseline of the "Wasm vs
//! native" benchmarks, and a reference the components must agree with.
//!
//! They run the very code the components run (the `sandpress-algorithms`
//! crate), and answer the same errors, as [`PluginError::Refused`]. Their
//! [`PluginMeta`] has the example's id and name and an all-zero sha256.
//!
//! ```
//! use sandpress_core::plugin::{BlockInfo, CodecPlugin};
//! use sandpress_example_plugins::native::RepeatCodec;
//!
//! let codec = RepeatCodec::new();
//! let block = [7u8; 4096];
//! let info = BlockInfo { typesize: 4, blocksize: 4096, ..Default::default() };
//!
//! let mut encoded = Vec::new();
//! assert!(codec.encode(&block, 0, &info, &mut encoded).unwrap());
//! assert_eq!(encoded, [7, 7, 7, 7, 0, 4, 0, 0]);
//!
//! let mut decoded = vec![0; 4096];
//! codec.decode(&encoded, 0, &info, &mut decoded).unwrap();
//! assert_eq!(decoded, block);
//! ```

use sandpress_algorithms::{Error, delta, repeat, shuffle, step};
use sandpress_core::plugin::{
    BlockInfo, CodecPlugin, FilterPlugin, PluginError, PluginKind, PluginMeta,
};

#[cfg(test)]
mod tests;

/// The item size of a block as the algorithms take it.
fn typesize(info: &BlockInfo) -> usize {
    usize::try_from(info.typesize).unwrap_or(usize::MAX)
}

/// An algorithm's error as the plugin's answer.
fn refused(error: Error) -> PluginError {
    PluginError::Refused {
        message: error.to_string(),
    }
}

/// Declares a native plugin type: the struct, its constructor and its
/// [`PluginMeta`].
macro_rules! native_plugin {
    ($(#[$doc:meta])* $name:ident, $kind:ident, $id:literal, $plugin:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            meta: PluginMeta,
        }

        impl $name {
            #[doc = concat!("The native `", $plugin, "`, id ", $id, ".")]
            pub fn new() -> Self {
                Self {
                    meta: PluginMeta {
                        id: $id,
                        kind: PluginKind::$kind,
                        name: $plugin.to_owned(),
                        version: env!("CARGO_PKG_VERSION").to_owned(),
                        sha256: [0; 32],
                    },
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

native_plugin!(
    /// `repeat-codec`: a block whose items are all equal becomes the value
    /// then the count (4 bytes, little-endian for meta 0, big-endian
    /// otherwise). See [`sandpress_algorithms::repeat`].
    RepeatCodec, Codec, 160, "repeat-codec"
);

native_plugin!(
    /// `step-codec`: a block of at least three items whose items after the
    /// first are equal becomes its first two items. See
    /// [`sandpress_algorithms::step`].
    StepCodec, Codec, 184, "step-codec"
);

native_plugin!(
    /// `delta-filter`: each item minus the one before it, and back. See
    /// [`sandpress_algorithms::delta`].
    DeltaFilter, Filter, 160, "delta-filter"
);

native_plugin!(
    /// `byte-shuffle`: byte `j` of every item grouped together, and back.
    /// See [`sandpress_algorithms::shuffle`].
    ByteShuffle, Filter, 161, "byte-shuffle"
);

impl CodecPlugin for RepeatCodec {
    fn meta(&self) -> &PluginMeta {
        &self.meta
    }

    fn encode(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut Vec<u8>,
    ) -> Result<bool, PluginError> {
        Ok(repeat::encode(input, typesize(info), meta, out))
    }

    fn decode(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        repeat::decode(input, typesize(info), meta, out).map_err(refused)
    }
}

impl CodecPlugin for StepCodec {
    fn meta(&self) -> &PluginMeta {
        &self.meta
    }

    fn encode(
        &self,
        input: &[u8],
        _meta: u8,
        info: &BlockInfo,
        out: &mut Vec<u8>,
    ) -> Result<bool, PluginError> {
        Ok(step::encode(input, typesize(info), out))
    }

    fn decode(
        &self,
        input: &[u8],
        _meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        step::decode(input, typesize(info), out).map_err(refused)
    }
}

impl FilterPlugin for DeltaFilter {
    fn meta(&self) -> &PluginMeta {
        &self.meta
    }

    fn forward(
        &self,
        input: &[u8],
        _meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        delta::forward(input, typesize(info), out).map_err(refused)
    }

    fn backward(
        &self,
        input: &[u8],
        _meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        delta::backward(input, typesize(info), out).map_err(refused)
    }
}

impl FilterPlugin for ByteShuffle {
    fn meta(&self) -> &PluginMeta {
        &self.meta
    }

    fn forward(
        &self,
        input: &[u8],
        _meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        shuffle::forward(input, typesize(info), out).map_err(refused)
    }

    fn backward(
        &self,
        input: &[u8],
        _meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        shuffle::backward(input, typesize(info), out).map_err(refused)
    }
}

/// The native codec named like an example plugin (`repeat-codec`,
/// `step-codec`).
///
/// ```
/// let codec = sandpress_example_plugins::native::codec("step-codec").unwrap();
/// assert_eq!(codec.meta().id, 184);
/// ```
pub fn codec(name: &str) -> Option<Box<dyn CodecPlugin>> {
    match name {
        "repeat-codec" => Some(Box::new(RepeatCodec::new())),
        "step-codec" => Some(Box::new(StepCodec::new())),
        _ => None,
    }
}

/// The native filter named like an example plugin (`delta-filter`,
/// `byte-shuffle`).
///
/// ```
/// let filter = sandpress_example_plugins::native::filter("byte-shuffle").unwrap();
/// assert_eq!(filter.meta().name, "byte-shuffle");
/// ```
pub fn filter(name: &str) -> Option<Box<dyn FilterPlugin>> {
    match name {
        "delta-filter" => Some(Box::new(DeltaFilter::new())),
        "byte-shuffle" => Some(Box::new(ByteShuffle::new())),
        _ => None,
    }
}

//! The pipeline grammar: how a codec, a filter and a chain of filters are
//! written as text, the one way the CLI (`--codec`, `--filter`) and the
//! service (`?codec=`, `?filters=`) read them.
//!
//! - A codec is a built-in by name (`zstd`, `lz4`, `zlib`, `blosclz`; `lz4hc`
//!   parses but can only be read) or a user plugin by id (`160`..`255`),
//!   with an optional meta byte after a colon: `zstd`, `184:3`.
//! - A filter is the same for filters: `shuffle`, `bitshuffle`, `delta`,
//!   `trunc_prec:BITS` (the bits to keep, required), or `ID[:META]`.
//! - A chain is filters separated by commas (or ` + `, as [`FilterChain`]
//!   displays itself), applied in order, at most six; `none` or nothing is
//!   no filter.
//!
//! Each parses with [`FromStr`] and displays ([`fmt::Display`]) as it
//! parses back. Whether a plugin id is registered is not the grammar's
//! concern: the front end checks that against its registry.
//!
//! ```
//! use sandpress_core::spec::{Codec, Filter};
//! use sandpress_core::FilterChain;
//!
//! let codec: Codec = "zstd".parse()?;
//! assert_eq!(codec.to_string(), "zstd");
//! assert!(!codec.is_plugin());
//! let chain: FilterChain = "trunc_prec:10,shuffle".parse()?;
//! assert_eq!(chain.to_string(), "trunc_prec:10 + shuffle");
//! assert_eq!(chain, chain.to_string().parse()?);
//! assert_eq!("160:3".parse::<Filter>()?.to_string(), "160:3");
//! assert!("300".parse::<Codec>().is_err());
//! # Ok::<(), sandpress_core::spec::SpecError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use sandpress_format::ids;
use sandpress_kernels::codecs;

use crate::FilterChain;

/// Why a codec, filter or chain did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// A name that is no built-in codec.
    #[error(
        "unknown codec {name:?} (built-ins: zstd, lz4, zlib, blosclz; or a plugin id 160..=255)"
    )]
    UnknownCodec {
        /// What was given.
        name: String,
    },
    /// A built-in codec sandpress reads but does not write.
    #[error("codec {name} can be read but not written by sandpress; use zstd or lz4")]
    ReadOnlyCodec {
        /// Its name.
        name: String,
    },
    /// A name that is no built-in filter.
    #[error(
        "unknown filter {name:?} (built-ins: shuffle, bitshuffle, delta, trunc_prec:BITS; or a plugin id 160..=255)"
    )]
    UnknownFilter {
        /// What was given.
        name: String,
    },
    /// A plugin id that is not a number in the user range.
    #[error("plugin id {text:?} is outside the user range 160..=255")]
    PluginId {
        /// What was given.
        text: String,
    },
    /// A meta byte that is not 0..=255.
    #[error("meta {text:?} is not 0..=255")]
    Meta {
        /// What was given.
        text: String,
    },
    /// `trunc_prec` without the bits to keep.
    #[error("trunc_prec needs the bits of precision to keep: trunc_prec:BITS")]
    TruncPrecBits,
    /// More filters than a chunk header has slots for.
    #[error("at most {max} filters fit in a pipeline ({found} given)")]
    TooManyFilters {
        /// The number of slots.
        max: usize,
        /// Filters given.
        found: usize,
    },
}

/// A codec as written: a built-in or a plugin id, with its meta byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Codec {
    /// Blosc2 codec id (160..=255 for a plugin).
    pub id: u8,
    /// The meta byte recorded in each chunk's header.
    pub meta: u8,
}

/// A filter as written: a built-in or a plugin id, with its meta byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Filter {
    /// Blosc2 filter id (160..=255 for a plugin).
    pub id: u8,
    /// The meta byte recorded in each chunk's header.
    pub meta: u8,
}

impl Codec {
    /// Whether it names a user plugin (id 160..=255).
    pub fn is_plugin(&self) -> bool {
        self.id >= ids::USER_START
    }
}

impl Filter {
    /// Whether it names a user plugin (id 160..=255).
    pub fn is_plugin(&self) -> bool {
        self.id >= ids::USER_START
    }
}

/// Splits `NAME[:META]`; the meta byte defaults to 0.
fn name_and_meta(s: &str) -> Result<(&str, u8), SpecError> {
    let (name, meta) = s.trim().split_once(':').unwrap_or((s.trim(), "0"));
    let meta = meta.trim().parse().map_err(|_| SpecError::Meta {
        text: meta.to_string(),
    })?;
    Ok((name.trim(), meta))
}

/// A plugin id when `name` is a number: in the user range, or an error.
fn plugin_id(name: &str) -> Result<Option<u8>, SpecError> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    match name.parse::<u8>() {
        Ok(id) if id >= ids::USER_START => Ok(Some(id)),
        _ => Err(SpecError::PluginId {
            text: name.to_string(),
        }),
    }
}

/// Parses a plugin id with an optional meta byte, `ID[:META]`, refusing
/// names: what the CLI reads before `=plugin.wasm`.
pub fn plugin_id_and_meta(s: &str) -> Result<(u8, u8), SpecError> {
    let (name, meta) = name_and_meta(s)?;
    match plugin_id(name)? {
        Some(id) => Ok((id, meta)),
        None => Err(SpecError::PluginId {
            text: name.to_string(),
        }),
    }
}

impl FromStr for Codec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, SpecError> {
        let (name, meta) = name_and_meta(s)?;
        if let Some(id) = plugin_id(name)? {
            return Ok(Codec { id, meta });
        }
        let id = ids::codec_id(name).ok_or_else(|| SpecError::UnknownCodec {
            name: name.to_string(),
        })?;
        if !codecs::can_compress(id) {
            return Err(SpecError::ReadOnlyCodec {
                name: ids::codec_name(id).to_string(),
            });
        }
        Ok(Codec { id, meta })
    }
}

impl FromStr for Filter {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, SpecError> {
        let (name, meta) = name_and_meta(s)?;
        if let Some(id) = plugin_id(name)? {
            return Ok(Filter { id, meta });
        }
        let id = ids::filter_id(name).ok_or_else(|| SpecError::UnknownFilter {
            name: name.to_string(),
        })?;
        if id == ids::TRUNC_PREC && meta == 0 {
            return Err(SpecError::TruncPrecBits);
        }
        Ok(Filter { id, meta })
    }
}

/// `name` for a built-in, the id for a plugin, then `:meta` unless 0.
fn write_stage(f: &mut fmt::Formatter<'_>, id: u8, meta: u8, name: &str) -> fmt::Result {
    if id >= ids::USER_START {
        write!(f, "{id}")?;
    } else {
        f.write_str(name)?;
    }
    if meta != 0 {
        write!(f, ":{meta}")?;
    }
    Ok(())
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_stage(f, self.id, self.meta, ids::codec_name(self.id))
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_stage(f, self.id, self.meta, ids::filter_name(self.id))
    }
}

impl FilterChain {
    /// The filters of a chain as written, in the order they apply.
    pub fn parse_filters(s: &str) -> Result<Vec<Filter>, SpecError> {
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("none") {
            return Ok(Vec::new());
        }
        s.split([',', '+']).map(str::parse).collect()
    }

    /// The chain of `filters`, in the order they apply.
    pub fn of_filters(filters: &[Filter]) -> Result<Self, SpecError> {
        let pairs: Vec<(u8, u8)> = filters.iter().map(|f| (f.id, f.meta)).collect();
        // `of` fails only when there are more filters than slots.
        FilterChain::of(&pairs).map_err(|_| SpecError::TooManyFilters {
            max: sandpress_format::MAX_FILTERS,
            found: filters.len(),
        })
    }
}

impl FromStr for FilterChain {
    type Err = SpecError;

    /// `shuffle`, `trunc_prec:10,shuffle`, `delta + 160:2`, `none`.
    fn from_str(s: &str) -> Result<Self, SpecError> {
        FilterChain::of_filters(&FilterChain::parse_filters(s)?)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn built_ins_and_plugins_parse() {
        assert_eq!(
            "zstd".parse::<Codec>(),
            Ok(Codec {
                id: ids::ZSTD,
                meta: 0
            })
        );
        assert_eq!("LZ4".parse::<Codec>().map(|c| c.id), Ok(ids::LZ4));
        assert_eq!("184:3".parse::<Codec>(), Ok(Codec { id: 184, meta: 3 }));
        assert_eq!(
            "trunc_prec:10".parse::<Filter>(),
            Ok(Filter {
                id: ids::TRUNC_PREC,
                meta: 10
            })
        );
        assert_eq!("none".parse::<FilterChain>(), Ok(FilterChain::new()));
        assert_eq!("".parse::<FilterChain>(), Ok(FilterChain::new()));
        assert_eq!("shuffle".parse::<FilterChain>(), Ok(FilterChain::shuffle()));
    }

    #[test]
    fn every_out_of_range_id_gets_the_same_message() {
        for text in ["100", "300", "0", "99999999999999999999"] {
            assert_eq!(
                text.parse::<Codec>(),
                Err(SpecError::PluginId { text: text.into() }),
                "{text}"
            );
            assert_eq!(
                text.parse::<Filter>(),
                Err(SpecError::PluginId { text: text.into() }),
                "{text}"
            );
        }
        let msg = "300".parse::<Codec>().unwrap_err().to_string();
        assert_eq!(msg, "plugin id \"300\" is outside the user range 160..=255");
        assert!(plugin_id_and_meta("zstd").is_err());
        assert_eq!(plugin_id_and_meta("160:7"), Ok((160, 7)));
    }

    #[test]
    fn bad_input_is_refused_with_its_reason() {
        assert!(matches!(
            "lz5".parse::<Codec>(),
            Err(SpecError::UnknownCodec { .. })
        ));
        assert!(matches!(
            "lz4hc".parse::<Codec>(),
            Err(SpecError::ReadOnlyCodec { .. })
        ));
        assert!(matches!(
            "sort".parse::<Filter>(),
            Err(SpecError::UnknownFilter { .. })
        ));
        assert_eq!(
            "trunc_prec".parse::<Filter>(),
            Err(SpecError::TruncPrecBits)
        );
        assert!(matches!(
            "shuffle:256".parse::<Filter>(),
            Err(SpecError::Meta { .. })
        ));
        assert_eq!(
            "shuffle,shuffle,shuffle,shuffle,shuffle,shuffle,shuffle".parse::<FilterChain>(),
            Err(SpecError::TooManyFilters { max: 6, found: 7 })
        );
    }

    fn filter() -> impl Strategy<Value = Filter> {
        prop_oneof![
            Just((ids::SHUFFLE, 0)),
            Just((ids::BITSHUFFLE, 0)),
            Just((ids::DELTA, 0)),
            (1u8..=255).prop_map(|bits| (ids::TRUNC_PREC, bits)),
            (ids::USER_START..=255u8, any::<u8>()),
        ]
        .prop_map(|(id, meta)| Filter { id, meta })
    }

    proptest! {
        #[test]
        fn what_is_displayed_parses_back(
            filters in proptest::collection::vec(filter(), 0..=6),
            codec in prop_oneof![
                Just(ids::ZSTD), Just(ids::LZ4), Just(ids::ZLIB), Just(ids::BLOSCLZ),
                ids::USER_START..=255u8,
            ],
            meta in any::<u8>(),
        ) {
            let c = Codec { id: codec, meta };
            prop_assert_eq!(c.to_string().parse::<Codec>(), Ok(c));
            for f in &filters {
                prop_assert_eq!(f.to_string().parse::<Filter>(), Ok(*f));
            }
            let chain = FilterChain::of_filters(&filters).unwrap();
            let text: Vec<String> = filters.iter().map(Filter::to_string).collect();
            prop_assert_eq!(text.join(",").parse::<FilterChain>(), Ok(chain));
            prop_assert_eq!(chain.to_string().parse::<FilterChain>(), Ok(chain));
        }
    }
}

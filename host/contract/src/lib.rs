//! sandpress contract: the plugin contract `wit/plugin.wit` in code.
//!
//! Everything here is generated from the WIT at build time (`build.rs`):
//! [`PluginKind`] has one variant per `*-plugin` world, [`BlockInfo`] is the
//! `block-info` record, and [`PluginKind::interface`] gives the interface a
//! kind exports with each function's WIT type. [`CONTRACT_WIT`] and
//! [`GUEST_WORLDS_WIT`] are the WIT texts themselves. Changing a function
//! of the contract is one edit in `wit/`; the compiler then points at the
//! host code that must follow.
//!
//! ```
//! use sandpress_contract::{CONTRACT_VERSION, PluginKind};
//!
//! let codec = PluginKind::Codec.interface();
//! assert_eq!(codec.name, "codec");
//! let names: Vec<_> = codec.functions.iter().map(|f| f.name).collect();
//! assert_eq!(names, ["encode", "decode"]);
//! assert_eq!(
//!     PluginKind::Codec.interface_name(),
//!     format!("sandpress:plugin/codec@{CONTRACT_VERSION}")
//! );
//! ```

use std::fmt;

include!(concat!(env!("OUT_DIR"), "/contract.rs"));

/// `wit/plugin.wit`, the contract.
pub const CONTRACT_WIT: &str = include_str!(concat!(env!("OUT_DIR"), "/plugin.wit"));

/// `wit/guest/worlds.wit`: the package `sandpress:guest`, the contract's
/// worlds with the shared `types` exported, so that components built
/// against them import nothing.
pub const GUEST_WORLDS_WIT: &str = include_str!(concat!(env!("OUT_DIR"), "/worlds.wit"));

/// An interface of the contract: what one plugin kind exports.
#[derive(Debug, PartialEq, Eq)]
pub struct Interface {
    /// Its name in the package (`codec`).
    pub name: &'static str,
    /// Its functions, in the order the contract declares them.
    pub functions: &'static [Function],
}

/// A function of an interface of the contract.
#[derive(Debug, PartialEq, Eq)]
pub struct Function {
    /// Its name (`encode`).
    pub name: &'static str,
    /// Its type in WIT syntax, parameter names left out and records
    /// expanded: `func(list<u8>, u8, record { typesize: u32, ... }) -> ...`.
    pub signature: &'static str,
    /// Whether it answers `result<option<...>, ...>` (a codec's `encode`,
    /// whose `none` means "store raw") rather than a plain result.
    pub answers_option: bool,
}

impl PluginKind {
    /// The full name of the interface this kind exports, with the package
    /// and version: `sandpress:plugin/codec@0.1.0`.
    pub fn interface_name(self) -> String {
        format!("{PACKAGE}/{}@{CONTRACT_VERSION}", self.interface().name)
    }

    /// The canonical core-module export name of each of the interface's
    /// functions (`sandpress:plugin/codec@0.1.0#encode`), as a component's
    /// core module exports them.
    pub fn export_names(self) -> Vec<String> {
        let iface = self.interface_name();
        self.interface()
            .functions
            .iter()
            .map(|f| format!("{iface}#{}", f.name))
            .collect()
    }

    /// The interface that holds the types every kind shares
    /// (`sandpress:plugin/types@0.1.0`).
    pub fn types_interface_name() -> String {
        format!("{PACKAGE}/types@{CONTRACT_VERSION}")
    }
}

impl fmt::Display for PluginKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_kind_per_plugin_world() {
        let names: Vec<_> = PluginKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, ["codec", "filter", "prefilter", "postfilter"]);
        assert_eq!(PluginKind::Filter.world(), "filter-plugin");
        assert_eq!(PluginKind::Postfilter.to_string(), "postfilter");
    }

    #[test]
    fn signatures_come_from_the_wit() {
        let encode = &PluginKind::Codec.interface().functions[0];
        assert_eq!(
            encode.signature,
            "func(list<u8>, u8, record { typesize: u32, blocksize: u32, chunk-index: u64, \
             block-index: u32, offset: u32 }) -> result<option<list<u8>>, string>"
        );
        assert!(encode.answers_option);
        assert!(!PluginKind::Codec.interface().functions[1].answers_option);
        let forward = &PluginKind::Filter.interface().functions[0];
        assert_eq!(forward.name, "forward");
        assert!(forward.signature.ends_with("-> result<list<u8>, string>"));
    }

    #[test]
    fn export_names_are_canonical() {
        assert_eq!(
            PluginKind::Prefilter.export_names(),
            [format!(
                "sandpress:plugin/prefilter@{CONTRACT_VERSION}#prefilter"
            )]
        );
        assert!(CONTRACT_WIT.contains(&format!("package sandpress:plugin@{CONTRACT_VERSION};")));
        assert!(GUEST_WORLDS_WIT.contains("package sandpress:guest"));
    }

    #[test]
    fn block_info_has_the_records_fields() {
        let info = BlockInfo {
            typesize: 4,
            blocksize: 64,
            chunk_index: 2,
            block_index: 1,
            offset: 64,
        };
        assert_eq!(info, info.clone());
    }
}

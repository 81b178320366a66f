//! sandpress's example plugins, written in Rust against the guest SDK in
//! `examples/rust`, and built into WebAssembly components when this
//! crate is built.
//!
//! | constant | plugin | kind | suggested id |
//! |---|---|---|---|
//! | [`REPEAT_CODEC`] | `repeat-codec`: a block of one repeated value becomes the value and a count (python-blosc2's tutorial codec) | codec | 160 |
//! | [`DELTA_FILTER`] | `delta-filter`: each item minus the one before (the tutorial's filter) | filter | 160 |
//! | [`STEP_CODEC`] | `step-codec`: `start, step, step, ...` becomes `start, step` (the tutorial's second codec) | codec | 184 |
//! | [`BYTE_SHUFFLE`] | `byte-shuffle`: byte `j` of every item grouped together, like Blosc's SHUFFLE | filter | 161 |
//!
//! Each component imports nothing and exports its one interface of the
//! `sandpress:plugin@0.1.0` WIT package. The [`native`] module has the same
//! four plugins compiled natively (from the same algorithm code, the
//! `sandpress-algorithms` crate), implementing core's plugin traits, so
//! benchmarks can compare "Wasm vs native".
//!
//! ```
//! use sandpress_core::plugin::PluginKind;
//!
//! let codecs: Vec<_> = sandpress_example_plugins::examples()
//!     .iter()
//!     .filter(|example| example.kind == PluginKind::Codec)
//!     .map(|example| (example.name, example.id))
//!     .collect();
//! assert_eq!(codecs, [("repeat-codec", 160), ("step-codec", 184)]);
//! assert!(sandpress_example_plugins::REPEAT_CODEC.starts_with(b"\0asm"));
//! ```
//!
//! # Building
//!
//! The build script runs `cargo build --release --target
//! wasm32-unknown-unknown` in `examples/rust` (target directory
//! `examples/rust/target/sandpress-example-plugins`), then turns each module
//! into a component with `wit-component`. It needs the Rust target
//! `wasm32-unknown-unknown`; without it the build stops with the command
//! that installs it (`rustup target add wasm32-unknown-unknown`).

use sandpress_core::plugin::PluginKind;

pub mod native;
#[cfg(test)]
mod surface;
#[cfg(test)]
mod tests;

/// The `repeat-codec` component: python-blosc2's tutorial repeated-value
/// codec (suggested codec id 160).
pub const REPEAT_CODEC: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/repeat-codec.wasm"));

/// The `delta-filter` component: python-blosc2's tutorial delta filter
/// (suggested filter id 160).
pub const DELTA_FILTER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/delta-filter.wasm"));

/// The `step-codec` component: python-blosc2's tutorial start/step codec
/// (suggested codec id 184), meant to follow `delta-filter`.
pub const STEP_CODEC: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/step-codec.wasm"));

/// The `byte-shuffle` component: a byte-shuffle filter like Blosc's
/// SHUFFLE (suggested filter id 161).
pub const BYTE_SHUFFLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/byte-shuffle.wasm"));

/// One example plugin: what it is, the id to register it under, and its
/// component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Example {
    /// The plugin's name, also its crate's name in `examples/rust`.
    pub name: &'static str,
    /// Which world its component exports.
    pub kind: PluginKind,
    /// The id to register it under (the one python-blosc2's tutorial uses,
    /// where there is one). Codec and filter ids are separate spaces.
    pub id: u8,
    /// What it does, in one line.
    pub summary: &'static str,
    /// The component's bytes.
    pub bytes: &'static [u8],
}

static EXAMPLES: [Example; 4] = [
    Example {
        name: "repeat-codec",
        kind: PluginKind::Codec,
        id: 160,
        summary: "a block of one repeated value becomes the value and a count",
        bytes: REPEAT_CODEC,
    },
    Example {
        name: "delta-filter",
        kind: PluginKind::Filter,
        id: 160,
        summary: "each item minus the one before it (wrapping)",
        bytes: DELTA_FILTER,
    },
    Example {
        name: "step-codec",
        kind: PluginKind::Codec,
        id: 184,
        summary: "an arithmetic sequence, once delta-filtered, becomes start and step",
        bytes: STEP_CODEC,
    },
    Example {
        name: "byte-shuffle",
        kind: PluginKind::Filter,
        id: 161,
        summary: "byte j of every item grouped together, like Blosc's SHUFFLE",
        bytes: BYTE_SHUFFLE,
    },
];

/// The four example plugins, in the order of the table above.
///
/// ```
/// let example = sandpress_example_plugins::examples()
///     .iter()
///     .find(|e| e.name == "delta-filter")
///     .unwrap();
/// assert_eq!(example.bytes, sandpress_example_plugins::DELTA_FILTER);
/// ```
pub fn examples() -> &'static [Example] {
    &EXAMPLES
}

/// The example plugin named `name`, if there is one.
///
/// ```
/// assert_eq!(sandpress_example_plugins::example("step-codec").unwrap().id, 184);
/// assert!(sandpress_example_plugins::example("nope").is_none());
/// ```
pub fn example(name: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.name == name)
}

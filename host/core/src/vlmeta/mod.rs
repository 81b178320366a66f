//! The variable-length metalayers sandpress keeps beside a super-chunk's
//! chunks, in every frame it writes (python-blosc2 ignores them):
//!
//! - [`plugins`]: the plugin table (`sandpress.plugins`), every user plugin
//!   the chunks need, by id, kind, name, version and sha256, optionally
//!   with the component itself;
//! - [`checksums`]: the xxh3-64 checksum of each chunk's uncompressed bytes
//!   (`sandpress.checksums`), checked on every read.

pub mod checksums;
pub mod plugins;

pub use plugins::PluginRecord;

//! The commands of the `sandpress` binary, as functions that write to any
//! output (so tests run them in-process).

pub mod bench;
pub mod cli;
pub mod demo;
pub mod error_line;
pub mod files;
pub mod limits;
#[cfg(feature = "load")]
pub mod load;
pub mod plugin_cmd;
pub mod service_cmd;

//! sandpress plugin tooling: what `sandpress plugin new`, `build` and
//! `check` do, as a library.
//!
//! - [`project`]: a plugin project is a directory with a `plugin.toml`
//!   naming the plugin, its kind and its language (Rust, C or
//!   AssemblyScript).
//! - [`new`]: writes a project that builds into a working plugin as it
//!   stands.
//! - [`build`]: runs the language's compiler and turns the core module into
//!   a component with `wit-component` (no `wasm-tools` binary needed).
//! - [`check`]: validates a component against the contract and round-trips
//!   generated blocks through it in the sandbox, timing each.

pub mod build;
pub mod check;
pub mod componentize;
pub mod error;
pub mod lang;
pub mod new;
pub mod project;
pub mod wit;

pub use error::ToolError;
pub use project::{Lang, Project};

//! sandpress's integration tests: one binary, one module per area.

mod common;
mod corpus;
mod demo;
mod example_plugins;
mod files;
mod hostile;
mod interop;
mod plugins_as;
mod plugins_c;
mod plugins_rust;
mod registration;

//! sandpress's integration tests: one binary, one module per area.

mod common;
mod conformance;
mod corpus;
mod demo;
mod files;
mod files_edges;
mod files_parallel;
mod hostile;
mod integrity;
mod interop;
mod registration;
mod sandbox_cli;
mod service;

//! C plugins: `sandpress.h` and its ABI glue, built with clang for wasm32.
//! (Being written: see guest-examples/c.)

use sandpress_core::plugin::PluginKind;

use super::NewFile;
use crate::error::ToolError;
use crate::project::Project;

/// The files of a new C project.
pub fn new_files(_name: &str, _kind: PluginKind) -> Vec<NewFile> {
    Vec::new()
}

/// Compiles the project into a core module.
pub fn build(_p: &Project) -> Result<Vec<u8>, ToolError> {
    Err(ToolError::Invalid("C plugins are not built yet".into()))
}

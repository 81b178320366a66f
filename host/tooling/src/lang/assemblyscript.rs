//! AssemblyScript plugins: the `sandpress` AS library, compiled with asc.
//! (Being written: see guest-examples/assemblyscript.)

use sandpress_core::plugin::PluginKind;

use super::NewFile;
use crate::error::ToolError;
use crate::project::Project;

/// The files of a new AssemblyScript project.
pub fn new_files(_name: &str, _kind: PluginKind) -> Vec<NewFile> {
    Vec::new()
}

/// Compiles the project into a core module.
pub fn build(_p: &Project) -> Result<Vec<u8>, ToolError> {
    Err(ToolError::Invalid(
        "AssemblyScript plugins are not built yet".into(),
    ))
}

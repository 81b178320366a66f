//! `sandpress plugin build`: compile a project and write its component.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::componentize;
use crate::error::ToolError;
use crate::lang;
use crate::project::{Lang, Project};

/// A built plugin.
#[derive(Debug, Clone)]
pub struct Built {
    /// The project.
    pub project: Project,
    /// Where the component was written.
    pub path: PathBuf,
    /// The component's bytes.
    pub component: Vec<u8>,
    /// Its sha256, in hex.
    pub sha256: String,
    /// What it imports (nothing, for the SDKs' plugins).
    pub imports: Vec<String>,
}

/// Builds the project in `dir` into `dir/build/NAME.wasm`.
pub fn build(dir: &Path) -> Result<Built, ToolError> {
    let project = Project::load(dir)?;
    let module = match project.lang {
        Lang::Rust => lang::rust::build(&project)?,
        Lang::C => lang::c::build(&project)?,
        Lang::AssemblyScript => lang::assemblyscript::build(&project)?,
    };
    let component = componentize::componentize(&module, project.kind)?;
    let path = project.output();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| ToolError::io(parent, e))?;
    }
    std::fs::write(&path, &component).map_err(|e| ToolError::io(&path, e))?;
    let sha256 = Sha256::digest(&component)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let imports = componentize::imports(&component);
    Ok(Built {
        project,
        path,
        component,
        sha256,
        imports,
    })
}

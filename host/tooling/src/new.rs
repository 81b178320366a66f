//! `sandpress plugin new`: a project that builds into a working plugin as
//! it stands.

use std::path::{Path, PathBuf};

use sandpress_core::plugin::PluginKind;

use crate::error::ToolError;
use crate::lang;
use crate::project::{Lang, Project};

/// Writes a new project for plugin `name` into `dir` (which must not exist
/// or be empty) and returns it.
pub fn new(
    dir: &Path,
    name: &str,
    lang: Lang,
    kind: PluginKind,
    id: u8,
) -> Result<Project, ToolError> {
    if id < 160 {
        return Err(ToolError::Invalid(format!(
            "id {id} is outside the user range 160-255"
        )));
    }
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| ToolError::io(dir, e))?
            .next()
            .is_some()
    {
        return Err(ToolError::Invalid(format!(
            "{} exists and is not empty",
            dir.display()
        )));
    }
    let project = Project {
        dir: dir.to_path_buf(),
        name: name.to_string(),
        kind,
        lang,
        id,
    };
    let mut files = match lang {
        Lang::Rust => lang::rust::new_files(name, kind),
        Lang::C => lang::c::new_files(name, kind),
        Lang::AssemblyScript => lang::assemblyscript::new_files(name, kind),
    };
    files.push((PathBuf::from(crate::project::MANIFEST), project.manifest()));
    files.push((PathBuf::from("README.md"), readme(&project)));
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ToolError::io(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| ToolError::io(&path, e))?;
    }
    Project::load(dir)
}

fn readme(p: &Project) -> String {
    format!(
        "# {name}: a sandpress {kind} in {lang}\n\n\
         1. Edit the source; `sandpress plugin build` writes `build/{name}.wasm`.\n\
         2. `sandpress plugin check build/{name}.wasm` round-trips test blocks through it.\n\
         3. `sandpress compress FILE --{flag} {id}=build/{name}.wasm` uses it.\n",
        name = p.name,
        kind = crate::wit::world_name(p.kind),
        lang = p.lang,
        flag = if p.kind == PluginKind::Codec {
            "codec"
        } else {
            "filter"
        },
        id = p.id,
    )
}

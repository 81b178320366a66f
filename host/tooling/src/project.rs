//! A plugin project: a directory with a `plugin.toml`.
//!
//! ```toml
//! name = "mycodec"   # the component is written to build/mycodec.wasm
//! kind = "codec"     # codec, filter, prefilter or postfilter
//! lang = "c"         # rust, c or as (AssemblyScript)
//! id = 160           # the id it is registered under by default (160-255)
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use sandpress_core::plugin::PluginKind;

use crate::error::ToolError;

/// The manifest's file name.
pub const MANIFEST: &str = "plugin.toml";

/// A language plugins are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Rust, with the `sandpress-guest` SDK.
    Rust,
    /// C, with `sandpress.h`.
    C,
    /// AssemblyScript, with the `sandpress` AS library.
    AssemblyScript,
}

impl Lang {
    /// Parses `rust`, `c`, `as` or `assemblyscript`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "rust" | "rs" => Some(Lang::Rust),
            "c" => Some(Lang::C),
            "as" | "assemblyscript" => Some(Lang::AssemblyScript),
            _ => None,
        }
    }

    /// The manifest's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::C => "c",
            Lang::AssemblyScript => "as",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::Rust => "Rust",
            Lang::C => "C",
            Lang::AssemblyScript => "AssemblyScript",
        })
    }
}

/// Parses a plugin kind's manifest spelling.
pub fn parse_kind(s: &str) -> Option<PluginKind> {
    match s.to_ascii_lowercase().as_str() {
        "codec" => Some(PluginKind::Codec),
        "filter" => Some(PluginKind::Filter),
        "prefilter" => Some(PluginKind::Prefilter),
        "postfilter" => Some(PluginKind::Postfilter),
        _ => None,
    }
}

/// A plugin project on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Its directory.
    pub dir: PathBuf,
    /// The plugin's name (a file-name-safe identifier).
    pub name: String,
    /// Which world it exports.
    pub kind: PluginKind,
    /// Its language.
    pub lang: Lang,
    /// The id it is registered under by default.
    pub id: u8,
}

impl Project {
    /// Reads `dir/plugin.toml`.
    pub fn load(dir: &Path) -> Result<Project, ToolError> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| ToolError::Manifest {
            path: path.clone(),
            reason: format!(
                "cannot read it ({e}); is {} a plugin project?",
                dir.display()
            ),
        })?;
        let bad = |reason: String| ToolError::Manifest {
            path: path.clone(),
            reason,
        };
        let table: toml::Table = text.parse().map_err(|e| bad(format!("{e}")))?;
        let get = |key: &str| {
            table
                .get(key)
                .and_then(toml::Value::as_str)
                .ok_or_else(|| bad(format!("needs {key} = \"...\"")))
        };
        let name = get("name")?.to_string();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(bad(format!("name {name:?}: use letters, digits, - and _")));
        }
        let kind = parse_kind(get("kind")?)
            .ok_or_else(|| bad("kind must be codec, filter, prefilter or postfilter".into()))?;
        let lang =
            Lang::parse(get("lang")?).ok_or_else(|| bad("lang must be rust, c or as".into()))?;
        let id = match table.get("id") {
            None => 160,
            Some(v) => v
                .as_integer()
                .and_then(|i| u8::try_from(i).ok())
                .filter(|&i| i >= 160)
                .ok_or_else(|| bad("id must be 160-255".into()))?,
        };
        Ok(Project {
            dir: std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()),
            name,
            kind,
            lang,
            id,
        })
    }

    /// The manifest's text for these fields.
    pub fn manifest(&self) -> String {
        format!(
            "name = \"{}\"\nkind = \"{}\"\nlang = \"{}\"\nid = {}\n",
            self.name,
            crate::wit::world_name(self.kind),
            self.lang.as_str(),
            self.id
        )
    }

    /// Where `build` writes the component.
    pub fn output(&self) -> PathBuf {
        self.dir.join("build").join(format!("{}.wasm", self.name))
    }
}

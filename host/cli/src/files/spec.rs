//! Codec, filter and plugin arguments: `zstd`, `trunc_prec:10`, or a
//! WebAssembly plugin as `ID=plugin.wasm` (`ID:META=plugin.wasm` for a
//! filter's meta byte).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use sandpress_core::Registry;
use sandpress_core::plugin::PluginKind;
use sandpress_core::spec;
use sandpress_sandbox::{Limits, Loaded, Sandbox};

/// A codec or filter: built in, or a plugin component on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// A built-in, by id, with its meta byte.
    Builtin {
        /// Blosc2 id.
        id: u8,
        /// Meta byte.
        meta: u8,
    },
    /// A user plugin under `id`, loaded from `path`.
    Plugin {
        /// Id 160..=255.
        id: u8,
        /// Meta byte.
        meta: u8,
        /// The component file.
        path: PathBuf,
    },
}

impl Spec {
    /// The id it goes under.
    pub fn id(&self) -> u8 {
        match self {
            Spec::Builtin { id, .. } | Spec::Plugin { id, .. } => *id,
        }
    }

    /// Its meta byte.
    pub fn meta(&self) -> u8 {
        match self {
            Spec::Builtin { meta, .. } | Spec::Plugin { meta, .. } => *meta,
        }
    }
}

fn parse_plugin(s: &str) -> Result<Option<Spec>> {
    let Some((head, path)) = s.split_once('=') else {
        return Ok(None);
    };
    let (id, meta) = spec::plugin_id_and_meta(head)?;
    Ok(Some(Spec::Plugin {
        id,
        meta,
        path: PathBuf::from(path),
    }))
}

/// Parses `--codec`: a built-in name or `ID=plugin.wasm` (the grammar of
/// [`sandpress_core::spec`], with the component's path).
pub fn codec(s: &str) -> Result<Spec> {
    if let Some(p) = parse_plugin(s)? {
        return Ok(p);
    }
    let c: spec::Codec = s.parse()?;
    ensure!(
        !c.is_plugin(),
        "codec {s}: a plugin is given with its component, as {s}=plugin.wasm"
    );
    Ok(Spec::Builtin {
        id: c.id,
        meta: c.meta,
    })
}

/// Parses `--filter`: `NAME[:META]` or `ID[:META]=plugin.wasm`.
pub fn filter(s: &str) -> Result<Spec> {
    if let Some(p) = parse_plugin(s)? {
        return Ok(p);
    }
    let f: spec::Filter = s.parse()?;
    ensure!(
        !f.is_plugin(),
        "filter {s}: a plugin is given with its component, as {s}=plugin.wasm"
    );
    Ok(Spec::Builtin {
        id: f.id,
        meta: f.meta,
    })
}

/// Parses `--plugin ID=plugin.wasm` (decompression: kind from the exports).
pub fn plugin(s: &str) -> Result<Spec> {
    parse_plugin(s)?.with_context(|| format!("--plugin {s:?}: expected ID=plugin.wasm"))
}

/// The sandbox plugins run in, made on first use, and the components loaded.
#[derive(Default)]
pub struct Plugins {
    limits: Limits,
    sandbox: Option<Sandbox>,
    /// Loaded plugins with their component bytes.
    pub loaded: Vec<(Loaded, Vec<u8>)>,
}

impl Plugins {
    /// No plugins yet; the sandbox, once made, runs them under `limits`.
    pub fn new(limits: Limits) -> Self {
        Plugins {
            limits,
            ..Plugins::default()
        }
    }

    /// The sandbox, made on first use.
    pub fn sandbox(&mut self) -> Result<&Sandbox> {
        if self.sandbox.is_none() {
            let sandbox = Sandbox::builder()
                .limits(self.limits)
                .build()
                .context("starting the WebAssembly sandbox")?;
            self.sandbox = Some(sandbox);
        }
        Ok(self.sandbox.as_ref().expect("made above"))
    }

    /// Loads the plugin of `spec` (if it is one) into `registry`; `want`
    /// is the kind it must be, or `None` for either.
    pub fn load(
        &mut self,
        spec: &Spec,
        want: Option<PluginKind>,
        registry: &mut Registry,
    ) -> Result<()> {
        let Spec::Plugin { id, path, .. } = spec else {
            return Ok(());
        };
        let bytes =
            std::fs::read(path).with_context(|| format!("reading plugin {}", path.display()))?;
        let name = plugin_name(path);
        let sandbox = self.sandbox()?;
        let loaded = match want {
            Some(PluginKind::Codec) => sandbox
                .load_codec(&name, *id, &bytes)
                .map(|c| Loaded::Codec(c)),
            Some(PluginKind::Filter) => sandbox.load_filter(*id, &bytes).map(|f| Loaded::Filter(f)),
            _ => sandbox.load_any(&name, *id, &bytes),
        }
        .with_context(|| format!("loading plugin {}", path.display()))?;
        loaded
            .register(registry)
            .with_context(|| format!("registering plugin {}", path.display()))?;
        self.loaded.push((loaded, bytes));
        Ok(())
    }
}

/// A codec's name: the component file's stem.
fn plugin_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plugin".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        assert_eq!(codec("zstd").unwrap(), Spec::Builtin { id: 5, meta: 0 });
        assert_eq!(
            filter("trunc_prec:10").unwrap(),
            Spec::Builtin { id: 4, meta: 10 }
        );
        assert_eq!(
            filter("161:3=a/b.wasm").unwrap(),
            Spec::Plugin {
                id: 161,
                meta: 3,
                path: "a/b.wasm".into()
            }
        );
        assert!(codec("snappy").is_err());
        assert!(
            codec("12=x.wasm")
                .unwrap_err()
                .to_string()
                .contains("160..=255")
        );
        assert!(filter("trunc_prec").is_err());
        assert!(plugin("x.wasm").is_err());
    }
}

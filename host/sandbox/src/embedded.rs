//! Registering plugins by their component bytes alone: a plugin given on a
//! command line as `ID=plugin.wasm` (codec or filter, found from its
//! exports), and the components a frame embeds in its plugin table.

use std::sync::Arc;

use sandpress_core::Registry;
use sandpress_core::plugin::{CodecPlugin, FilterPlugin, PluginKind, PluginMeta};
use sandpress_core::vlmeta::PluginRecord;

use sha2::{Digest, Sha256};

use crate::cache::hex;
use crate::{Sandbox, SandboxError};

/// A plugin loaded from bytes whose kind was read from its exports.
#[derive(Clone)]
pub enum Loaded {
    /// A codec component.
    Codec(Arc<dyn CodecPlugin>),
    /// A filter component.
    Filter(Arc<dyn FilterPlugin>),
}

impl Loaded {
    /// The plugin's identity.
    pub fn meta(&self) -> &PluginMeta {
        match self {
            Loaded::Codec(c) => c.meta(),
            Loaded::Filter(f) => f.meta(),
        }
    }

    /// Adds it to `registry`.
    pub fn register(
        &self,
        registry: &mut Registry,
    ) -> Result<(), sandpress_core::registry::RegistryError> {
        match self {
            Loaded::Codec(c) => registry.register_codec(c.clone()),
            Loaded::Filter(f) => registry.register_filter(f.clone()),
        }
    }
}

impl Sandbox {
    /// Loads a codec or filter component under `id`: a codec if it exports
    /// the codec interface, else a filter. `name` names a codec.
    pub fn load_any(&self, name: &str, id: u8, bytes: &[u8]) -> Result<Loaded, SandboxError> {
        match self.load_codec(name, id, bytes) {
            Ok(c) => Ok(Loaded::Codec(c)),
            Err(SandboxError::MissingInterface { .. }) => {
                self.load_filter(id, bytes).map(|f| Loaded::Filter(f))
            }
            Err(e) => Err(e),
        }
    }

    /// Loads the components embedded in a frame's plugin table into
    /// `registry`, skipping plugins registered already (whose hashes the
    /// frame checks). Each component must hash to its recorded sha256,
    /// which is checked first: a component that does not is refused with
    /// [`SandboxError::HashMismatch`] before anything parses, compiles or
    /// caches it. Then it loads with this sandbox's limits. Returns the
    /// plugins loaded.
    pub fn register_embedded(
        &self,
        records: &[PluginRecord],
        registry: &mut Registry,
    ) -> Result<Vec<PluginMeta>, SandboxError> {
        let mut loaded = Vec::new();
        for r in records {
            let Some(bytes) = &r.component else {
                continue;
            };
            let present = match r.meta.kind {
                PluginKind::Codec => registry.codec(r.meta.id).is_some(),
                PluginKind::Filter => registry.filter(r.meta.id).is_some(),
                _ => true,
            };
            if present {
                continue;
            }
            let actual: [u8; 32] = Sha256::digest(bytes).into();
            if actual != r.meta.sha256 {
                return Err(SandboxError::HashMismatch {
                    id: r.meta.id,
                    recorded: r.meta.sha256_hex(),
                    actual: hex(&actual),
                });
            }
            let plugin = match r.meta.kind {
                PluginKind::Codec => {
                    Loaded::Codec(self.load_codec(&r.meta.name, r.meta.id, bytes)?)
                }
                _ => Loaded::Filter(self.load_filter(r.meta.id, bytes)?),
            };
            plugin.register(registry)?;
            loaded.push(plugin.meta().clone());
        }
        Ok(loaded)
    }
}

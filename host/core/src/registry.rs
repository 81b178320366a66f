//! The user plugins known to a pipeline, by id: what the tutorial's
//! `register_codec` and `register_filter` fill.

use std::collections::BTreeMap;
use std::sync::Arc;

use sandpress_format::ids;

use crate::plugin::{CodecPlugin, FilterPlugin, PluginKind, PluginMeta};

/// Why a plugin was not registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The id is outside 160..=255.
    #[error("{kind} id {id} is outside the user range 160..=255")]
    IdOutOfRange {
        /// Codec or filter.
        kind: PluginKind,
        /// The id asked for.
        id: u8,
    },
    /// Another plugin of that kind already has the id.
    #[error("{kind} id {id} is already taken by {existing:?} (sha256 {existing_sha256})")]
    IdTaken {
        /// Codec or filter.
        kind: PluginKind,
        /// The id asked for.
        id: u8,
        /// Name of the plugin holding it.
        existing: String,
        /// Hash of the plugin holding it.
        existing_sha256: String,
    },
    /// A codec name is already used under another id.
    #[error("codec name {name:?} is already registered under id {id}")]
    NameTaken {
        /// The name.
        name: String,
        /// The id holding it.
        id: u8,
    },
}

/// User codecs and filters by id.
///
/// ```
/// use sandpress_core::registry::Registry;
/// let registry = Registry::new();
/// assert!(registry.codec(160).is_none());
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    codecs: BTreeMap<u8, Arc<dyn CodecPlugin>>,
    filters: BTreeMap<u8, Arc<dyn FilterPlugin>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("codecs", &self.codecs.keys().collect::<Vec<_>>())
            .field("filters", &self.filters.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn check_id(kind: PluginKind, id: u8) -> Result<(), RegistryError> {
    if id < ids::USER_START {
        return Err(RegistryError::IdOutOfRange { kind, id });
    }
    Ok(())
}

fn taken(kind: PluginKind, existing: &PluginMeta) -> RegistryError {
    RegistryError::IdTaken {
        kind,
        id: existing.id,
        existing: existing.name.clone(),
        existing_sha256: existing.sha256_hex(),
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a codec under the id and name in its [`PluginMeta`].
    pub fn register_codec(&mut self, codec: Arc<dyn CodecPlugin>) -> Result<(), RegistryError> {
        let meta = codec.meta();
        check_id(PluginKind::Codec, meta.id)?;
        if let Some(existing) = self.codecs.get(&meta.id) {
            return Err(taken(PluginKind::Codec, existing.meta()));
        }
        if let Some(other) = self.codecs.values().find(|c| c.meta().name == meta.name) {
            return Err(RegistryError::NameTaken {
                name: meta.name.clone(),
                id: other.meta().id,
            });
        }
        self.codecs.insert(meta.id, codec);
        Ok(())
    }

    /// Registers a filter under the id in its [`PluginMeta`].
    pub fn register_filter(&mut self, filter: Arc<dyn FilterPlugin>) -> Result<(), RegistryError> {
        let meta = filter.meta();
        check_id(PluginKind::Filter, meta.id)?;
        if let Some(existing) = self.filters.get(&meta.id) {
            return Err(taken(PluginKind::Filter, existing.meta()));
        }
        self.filters.insert(meta.id, filter);
        Ok(())
    }

    /// The codec registered under `id`.
    pub fn codec(&self, id: u8) -> Option<&Arc<dyn CodecPlugin>> {
        self.codecs.get(&id)
    }

    /// The filter registered under `id`.
    pub fn filter(&self, id: u8) -> Option<&Arc<dyn FilterPlugin>> {
        self.filters.get(&id)
    }

    /// Every registered plugin's identity, codecs first.
    pub fn plugins(&self) -> impl Iterator<Item = &PluginMeta> {
        self.codecs
            .values()
            .map(|c| c.meta())
            .chain(self.filters.values().map(|f| f.meta()))
    }
}

//! A tenant's plugins: registered through the API, stored (each
//! component once, by its sha256, and a registration per id), loaded into
//! the tenant's sandbox, and synced with the store, where another replica
//! may have changed them.

use std::collections::BTreeMap;

use bytes::Bytes;
use object_store::path::Path;
use sandpress_core::Registry;
use sandpress_core::plugin::PluginKind;
use sandpress_sandbox::Loaded;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Tenant;
use crate::problem::{Problem, one_line};

/// What the API tells of a registered plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PluginInfo {
    /// Its id, 160-255, in this tenant's namespace.
    pub id: u8,
    /// `codec` or `filter`.
    pub kind: String,
    /// Its name (codecs: as given at upload, else `codec-ID`).
    pub name: String,
    /// The sha256 of its component, in hex.
    pub sha256: String,
    /// The component's size in bytes.
    pub size: u64,
}

pub(super) struct Plugin {
    info: PluginInfo,
    loaded: Loaded,
    /// Its registration object's version as listed (e_tag, or time and
    /// size): another replica's change shows as a new one.
    tag: String,
}

/// Parses `codec` or `filter`.
pub fn parse_kind(s: &str) -> Result<PluginKind, Problem> {
    match s {
        "codec" => Ok(PluginKind::Codec),
        "filter" => Ok(PluginKind::Filter),
        other => Err(Problem::BadParameter(format!(
            "kind {other:?}: use codec or filter"
        ))),
    }
}

fn kind_name(kind: PluginKind) -> &'static str {
    match kind {
        PluginKind::Filter => "filter",
        _ => "codec",
    }
}

/// A component, stored once by its sha256 (immutable).
fn blob_path(sha256: &str) -> Path {
    Path::from(format!("plugins/sha256/{sha256}.wasm"))
}

/// Where components were kept before they were stored by sha256.
fn legacy_wasm_path(id: u8) -> Path {
    Path::from(format!("plugins/{id}.wasm"))
}

/// Plugin `id`'s registration: its kind, name and component's sha256.
fn info_path(id: u8) -> Path {
    Path::from(format!("plugins/{id}.json"))
}

/// The id a registration object is for.
fn info_id(location: &Path) -> Option<u8> {
    let name = location.filename()?.strip_suffix(".json")?;
    name.parse().ok()
}

/// An object's version as the store lists it.
fn tag_of(meta: &object_store::ObjectMeta) -> String {
    match &meta.e_tag {
        Some(e) => e.clone(),
        None => format!(
            "{}:{}",
            meta.last_modified.timestamp_nanos_opt().unwrap_or(0),
            meta.size
        ),
    }
}

impl Tenant {
    /// Makes the loaded plugins those the store registers now (another
    /// replica may have added, replaced or removed some): one listing of
    /// `plugins/`, and a load of each registration that changed. A
    /// plugin that does not load is left out and logged.
    pub async fn sync_plugins(&self) -> Result<(), Problem> {
        let _one = self.syncing.lock().await;
        let mut listed = BTreeMap::new();
        for meta in self.store.list_dir("plugins").await? {
            if let Some(id) = info_id(&meta.location) {
                listed.insert(id, tag_of(&meta));
            }
        }
        self.plugins_mut().retain(|id, _| listed.contains_key(id));
        for (id, tag) in listed {
            if self.plugins_ref().get(&id).is_some_and(|p| p.tag == tag) {
                continue;
            }
            if let Err(p) = self.reload(id, tag).await {
                tracing::warn!(tenant = %self.name, plugin = id, error = %p, "plugin not loaded");
                self.plugins_mut().remove(&id);
            }
        }
        Ok(())
    }

    async fn reload(&self, id: u8, tag: String) -> Result<(), Problem> {
        let info_at = info_path(id);
        let json = self
            .store
            .get(&info_at)
            .await?
            .ok_or_else(|| Problem::NotFound(info_at.to_string()))?;
        let info: PluginInfo = serde_json::from_slice(&json)
            .map_err(|e| Problem::Internal(format!("{info_at}: {e}")))?;
        let bytes = match self.store.get(&blob_path(&info.sha256)).await? {
            Some(b) => b,
            None => self
                .store
                .get(&legacy_wasm_path(info.id))
                .await?
                .ok_or_else(|| Problem::NotFound(format!("the component of plugin {id}")))?,
        };
        let kind = parse_kind(&info.kind)?;
        let loaded = self.load(kind, info.id, info.name.clone(), bytes).await?;
        let sha256 = loaded.meta().sha256_hex();
        if sha256 != info.sha256 {
            return Err(Problem::Internal(format!(
                "plugin {id}: its component's sha256 is {sha256}, its registration says {}",
                info.sha256
            )));
        }
        self.plugins_mut().insert(id, Plugin { info, loaded, tag });
        Ok(())
    }

    fn plugins_mut(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<u8, Plugin>> {
        self.plugins.write().unwrap_or_else(|p| p.into_inner())
    }

    fn plugins_ref(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<u8, Plugin>> {
        self.plugins.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks and compiles a component in the tenant's sandbox, off the
    /// async runtime.
    async fn load(
        &self,
        kind: PluginKind,
        id: u8,
        name: String,
        bytes: Bytes,
    ) -> Result<Loaded, Problem> {
        let sandbox = self.sandbox()?;
        tokio::task::spawn_blocking(move || match kind {
            PluginKind::Filter => sandbox.load_filter(id, &bytes).map(|f| Loaded::Filter(f)),
            _ => sandbox
                .load_codec(&name, id, &bytes)
                .map(|c| Loaded::Codec(c)),
        })
        .await
        .map_err(|e| Problem::Internal(format!("plugin loader: {e}")))?
        .map_err(|e| Problem::BadPlugin(one_line(&e)))
    }

    /// Registers `bytes` as plugin `id` of `kind`, replacing the one there:
    /// checked and compiled like the CLI's, then stored: the component
    /// once by its sha256, then its registration `plugins/ID.json`.
    pub async fn put_plugin(
        &self,
        id: u8,
        kind: PluginKind,
        name: Option<String>,
        bytes: Bytes,
    ) -> Result<PluginInfo, Problem> {
        if id < sandpress_core::format::ids::USER_START {
            return Err(Problem::BadParameter(format!(
                "plugin id {id} is outside the user range 160..=255"
            )));
        }
        self.sync_plugins().await?;
        let replaced = self.plugins_ref().get(&id).map(|p| p.info.clone());
        let replaced_size = replaced.as_ref().map_or(0, |i| i.size);
        if replaced.is_none() && self.plugins_ref().len() >= self.limits().max_plugins as usize {
            return Err(Problem::BadParameter(format!(
                "this tenant has its {} plugins already; delete one first",
                self.limits().max_plugins
            )));
        }
        let size = bytes.len() as u64;
        self.check_quota(size, replaced_size)?;
        let name = match (kind, name) {
            (PluginKind::Filter, _) => format!("filter-{id}"),
            (_, Some(n)) if !n.is_empty() => n,
            _ => format!("codec-{id}"),
        };
        let loaded = self.load(kind, id, name.clone(), bytes.clone()).await?;
        let info = PluginInfo {
            id,
            kind: kind_name(kind).to_owned(),
            name,
            sha256: loaded.meta().sha256_hex(),
            size,
        };
        let json = serde_json::to_vec(&info).map_err(|e| Problem::Internal(e.to_string()))?;
        let added = if self.store.put_new(&blob_path(&info.sha256), bytes).await? {
            size
        } else {
            0
        };
        let tag = self.store.put(&info_path(id), json.into()).await?;
        let mut freed = 0;
        if let Some(old) = replaced.filter(|old| old.sha256 != info.sha256) {
            freed = self.drop_blob_unless_used(&old, Some(id)).await?;
        }
        self.account(added, freed);
        self.plugins_mut().insert(
            id,
            Plugin {
                info: info.clone(),
                loaded,
                tag,
            },
        );
        Ok(info)
    }

    /// Deletes the component of `old` unless another of the tenant's
    /// plugins (other than `except`) uses it; the bytes freed.
    async fn drop_blob_unless_used(
        &self,
        old: &PluginInfo,
        except: Option<u8>,
    ) -> Result<u64, Problem> {
        let used = self
            .plugins_ref()
            .iter()
            .any(|(id, p)| Some(*id) != except && p.info.sha256 == old.sha256);
        if used {
            return Ok(0);
        }
        let blob = self.store.delete(&blob_path(&old.sha256)).await?;
        let legacy = self.store.delete(&legacy_wasm_path(old.id)).await?;
        Ok(if blob || legacy { old.size } else { 0 })
    }

    /// The registered plugins, by id (as last synced with the store).
    pub fn plugins(&self) -> Vec<PluginInfo> {
        self.plugins_ref()
            .values()
            .map(|p| p.info.clone())
            .collect()
    }

    /// Removes plugin `id`; its instances go with it, and its component
    /// unless another of the tenant's plugins uses it.
    pub async fn delete_plugin(&self, id: u8) -> Result<(), Problem> {
        self.sync_plugins().await?;
        let Some(old) = self.plugins_ref().get(&id).map(|p| p.info.clone()) else {
            return Err(Problem::NotFound(format!("no plugin {id}")));
        };
        self.store.delete(&info_path(id)).await?;
        self.plugins_mut().remove(&id);
        let freed = self.drop_blob_unless_used(&old, None).await?;
        self.account(0, freed);
        Ok(())
    }

    /// A registry with every plugin of the tenant, for one request.
    pub fn registry(&self) -> Result<Registry, Problem> {
        let mut registry = Registry::new();
        for p in self.plugins_ref().values() {
            p.loaded
                .register(&mut registry)
                .map_err(|e| Problem::Internal(e.to_string()))?;
        }
        Ok(registry)
    }
}

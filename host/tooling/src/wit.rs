//! The contract, compiled into the tooling: the WIT package
//! `sandpress:plugin` and the SDK worlds `sandpress:guest/*`, which export
//! the shared `types` so components import nothing.

use sandpress_core::plugin::PluginKind;
use wit_parser::{Resolve, WorldId};

pub use sandpress_contract::{CONTRACT_WIT as CONTRACT, GUEST_WORLDS_WIT as WORLDS};

/// The SDK world name for a plugin kind (`codec`: the world of
/// `sandpress:guest`).
pub fn world_name(kind: PluginKind) -> &'static str {
    kind.name()
}

/// The exported interface's functions, by their canonical core export name
/// (`sandpress:plugin/codec@0.1.0#encode`).
pub fn export_names(kind: PluginKind) -> Vec<String> {
    kind.export_names()
}

/// The contract and SDK worlds resolved, and the world for `kind`.
pub fn resolve(kind: PluginKind) -> Result<(Resolve, WorldId), String> {
    let mut resolve = Resolve::default();
    resolve
        .push_str("plugin.wit", CONTRACT)
        .map_err(|e| format!("the contract does not parse: {e:#}"))?;
    let pkg = resolve
        .push_str("worlds.wit", WORLDS)
        .map_err(|e| format!("the SDK worlds do not parse: {e:#}"))?;
    let world = resolve
        .select_world(&[pkg], Some(world_name(kind)))
        .map_err(|e| format!("no world {}: {e:#}", world_name(kind)))?;
    Ok((resolve, world))
}

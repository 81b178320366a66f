//! The plugin table a frame carries: which user plugins its chunks need,
//! by id, kind, name, version and sha256, optionally with the component
//! itself. Stored as msgpack in the variable-length metalayer
//! [`VLMETA_NAME`], so python-blosc2 reads it as an ordinary vlmeta entry.

use rmpv::Value;

use crate::error::{Error, Result};
use crate::plugin::{PluginKind, PluginMeta};
use crate::registry::Registry;

/// Name of the variable-length metalayer holding the plugin table.
pub const VLMETA_NAME: &str = "sandpress.plugins";

/// One plugin a frame uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRecord {
    /// Id, kind, name, version and hash.
    pub meta: PluginMeta,
    /// The component bytes, when embedded.
    pub component: Option<Vec<u8>>,
}

fn kind_name(kind: PluginKind) -> &'static str {
    match kind {
        PluginKind::Codec => "codec",
        PluginKind::Filter => "filter",
        PluginKind::Prefilter => "prefilter",
        PluginKind::Postfilter => "postfilter",
    }
}

/// The table as msgpack: an array of maps.
pub fn encode(records: &[PluginRecord]) -> Vec<u8> {
    let rows = records
        .iter()
        .map(|r| {
            let mut row = vec![
                (Value::from("id"), Value::from(r.meta.id)),
                (Value::from("kind"), Value::from(kind_name(r.meta.kind))),
                (Value::from("name"), Value::from(r.meta.name.as_str())),
                (Value::from("version"), Value::from(r.meta.version.as_str())),
                (Value::from("sha256"), Value::from(r.meta.sha256_hex())),
            ];
            if let Some(c) = &r.component {
                row.push((Value::from("component"), Value::from(c.as_slice())));
            }
            Value::Map(row)
        })
        .collect();
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut out, &Value::Array(rows));
    out
}

fn bad(reason: impl Into<String>) -> Error {
    Error::Frame(sandpress_format::frame::FrameError::Unsupported(format!(
        "malformed plugin table ({VLMETA_NAME}): {}",
        reason.into()
    )))
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Reads a table written by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Vec<PluginRecord>> {
    let mut rd = bytes;
    let value =
        rmpv::decode::read_value_with_max_depth(&mut rd, 16).map_err(|e| bad(e.to_string()))?;
    let Value::Array(rows) = value else {
        return Err(bad("not an array"));
    };
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let Value::Map(fields) = row else {
                return Err(bad(format!("row {i} is not a map")));
            };
            let get = |key: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k.as_str() == Some(key))
                    .map(|(_, v)| v)
            };
            let text = |key: &str| {
                get(key)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("row {i} has no {key}")))
            };
            let id = get("id")
                .and_then(Value::as_u64)
                .and_then(|v| u8::try_from(v).ok())
                .ok_or_else(|| bad(format!("row {i} has no id")))?;
            let kind = match text("kind")?.as_str() {
                "codec" => PluginKind::Codec,
                "filter" => PluginKind::Filter,
                "prefilter" => PluginKind::Prefilter,
                "postfilter" => PluginKind::Postfilter,
                other => return Err(bad(format!("row {i} has kind {other:?}"))),
            };
            let sha256 = parse_hex32(&text("sha256")?)
                .ok_or_else(|| bad(format!("row {i}: sha256 is not 64 hex digits")))?;
            let component = match get("component") {
                None => None,
                Some(v) => Some(
                    v.as_slice()
                        .ok_or_else(|| bad(format!("row {i}: component is not bytes")))?
                        .to_vec(),
                ),
            };
            Ok(PluginRecord {
                meta: PluginMeta {
                    id,
                    kind,
                    name: text("name")?,
                    version: text("version")?,
                    sha256,
                },
                component,
            })
        })
        .collect()
}

/// Refuses `registry` if it holds a plugin under a recorded id whose
/// component differs from the recorded one.
pub fn check(records: &[PluginRecord], registry: &Registry) -> Result<()> {
    for r in records {
        let registered = match r.meta.kind {
            PluginKind::Codec => registry.codec(r.meta.id).map(|p| p.meta().clone()),
            PluginKind::Filter => registry.filter(r.meta.id).map(|p| p.meta().clone()),
            _ => None,
        };
        if let Some(m) = registered
            && m.sha256 != r.meta.sha256
        {
            return Err(Error::PluginMismatch(format!(
                "{} {} is {:?} with sha256 {} in the frame, but the registered {:?} has sha256 {}",
                r.meta.kind,
                r.meta.id,
                r.meta.name,
                r.meta.sha256_hex(),
                m.name,
                m.sha256_hex()
            )));
        }
    }
    Ok(())
}

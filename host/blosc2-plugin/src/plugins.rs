//! Which component serves which id: one sandbox per process (one engine,
//! compiled code shared by every thread, one instance per C-Blosc2 worker
//! thread), and a table of the codecs and filters registered in it.

use std::sync::{Arc, OnceLock, RwLock};

use sandpress_core::plugin::{CodecPlugin, FilterPlugin};
use sandpress_sandbox::Sandbox;

/// The plugins registered in this process, by id.
struct Table {
    codecs: Vec<Option<Arc<dyn CodecPlugin>>>,
    filters: Vec<Option<Arc<dyn FilterPlugin>>>,
}

static TABLE: RwLock<Option<Table>> = RwLock::new(None);
static SANDBOX: OnceLock<Result<Sandbox, String>> = OnceLock::new();

/// The process's sandbox, with the CLI's limits (a call's deadline, fuel,
/// memory per instance), made on first use. Its traps use no signal
/// handler: the host process (CPython) may install its own later
/// (`faulthandler`), which would end the process at a guest's trap.
fn sandbox() -> Result<&'static Sandbox, String> {
    SANDBOX
        .get_or_init(|| {
            Sandbox::builder()
                .signals_based_traps(false)
                .build()
                .map_err(|e| format!("cannot start the sandbox: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// What kind of plugin a component is registered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An encoder and a decoder.
    Codec,
    /// A forward and a backward transform.
    Filter,
}

/// Checks and compiles `component` and makes it serve `id` (160-255) of
/// `kind`, replacing what served it; its sha256 in hex.
pub fn register(kind: Kind, id: u8, component: &[u8]) -> Result<String, String> {
    if id < sandpress_core::format::ids::USER_START {
        return Err(format!("id {id} is outside the user range 160..=255"));
    }
    let sandbox = sandbox()?;
    let mut guard = TABLE.write().unwrap_or_else(|p| p.into_inner());
    let table = guard.get_or_insert_with(|| Table {
        codecs: vec![None; 256],
        filters: vec![None; 256],
    });
    let one_line = |e: sandpress_sandbox::SandboxError| sandpress_core::error::one_line(&e);
    let sha = match kind {
        Kind::Codec => {
            let codec = sandbox
                .load_codec(&format!("codec-{id}"), id, component)
                .map_err(one_line)?;
            let sha = codec.meta().sha256_hex();
            table.codecs[id as usize] = Some(codec);
            sha
        }
        Kind::Filter => {
            let filter = sandbox.load_filter(id, component).map_err(one_line)?;
            let sha = filter.meta().sha256_hex();
            table.filters[id as usize] = Some(filter);
            sha
        }
    };
    Ok(sha)
}

/// The codec serving `id`.
pub fn codec(id: u8) -> Result<Arc<dyn CodecPlugin>, String> {
    let guard = TABLE.read().unwrap_or_else(|p| p.into_inner());
    guard
        .as_ref()
        .and_then(|t| t.codecs[id as usize].clone())
        .ok_or_else(|| format!("no component is registered for codec {id}"))
}

/// The filter serving `id`.
pub fn filter(id: u8) -> Result<Arc<dyn FilterPlugin>, String> {
    let guard = TABLE.read().unwrap_or_else(|p| p.into_inner());
    guard
        .as_ref()
        .and_then(|t| t.filters[id as usize].clone())
        .ok_or_else(|| format!("no component is registered for filter {id}"))
}

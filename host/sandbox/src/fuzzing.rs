//! Fuzz body for plugin registration: what the cargo-fuzz target
//! `register` in `fuzz/` and its regression test run on arbitrary bytes.
//!
//! ```
//! sandpress_sandbox::fuzzing::register(b"\0asm\x0d\0\x01\0");
//! sandpress_sandbox::fuzzing::register(sandpress_example_plugins::DELTA_FILTER);
//! ```

use std::sync::OnceLock;
use std::time::Duration;

use sandpress_contract::PluginKind;
use sandpress_core::plugin::{BlockInfo, CodecPlugin, FilterPlugin, TransformPlugin};

use crate::{Limits, Sandbox};

/// One sandbox for every input: building an engine per input would
/// measure wasmtime's start-up, not registration.
fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let limits = Limits::default()
            .deadline(Duration::from_millis(200))
            .memory(16 << 20)
            .total_memory(64 << 20);
        Sandbox::builder()
            .no_cache()
            .limits(limits)
            .build()
            .expect("a sandbox with fixed limits builds")
    })
}

/// What [`register`] got to do with its input.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Registered {
    /// The kinds the bytes loaded as (at most one for a valid component).
    pub kinds: Vec<PluginKind>,
    /// Calls into the loaded plugins that returned `Ok`.
    pub calls_ok: usize,
}

/// Loads `bytes` as each of the four plugin kinds; when one loads, calls
/// each of its functions once on a small block. Every outcome must be `Ok`
/// or a typed error: a panic, an abort, or a call the sandbox does not
/// stop is a bug.
pub fn register(bytes: &[u8]) -> Registered {
    let sandbox = sandbox();
    // One repeated int32: every example plugin has something to do with it
    // (the repeat codec declines anything else).
    let input: Vec<u8> = [7, 0, 0, 0].repeat(64);
    let info = BlockInfo {
        typesize: 4,
        blocksize: input.len() as u32,
        ..BlockInfo::default()
    };
    let mut out = vec![0; input.len()];
    let mut seen = Registered::default();
    let mut ok = |kind: Option<PluginKind>, result: bool| {
        seen.kinds.extend(kind);
        seen.calls_ok += usize::from(result);
    };
    if let Ok(codec) = sandbox.load_codec("fuzz", 160, bytes) {
        let mut encoded = Vec::new();
        let encoded = codec
            .encode(&input, 0, &info, &mut encoded)
            .map(|some| some.then_some(encoded));
        ok(Some(PluginKind::Codec), encoded.is_ok());
        // Ok(None): the codec declined, the block would be stored raw.
        if let Ok(Some(encoded)) = encoded {
            ok(None, codec.decode(&encoded, 0, &info, &mut out).is_ok());
        }
    }
    if let Ok(filter) = sandbox.load_filter(160, bytes) {
        let forward_ok = filter.forward(&input, 0, &info, &mut out).is_ok();
        ok(Some(PluginKind::Filter), forward_ok);
        if forward_ok {
            let mut back = vec![0; input.len()];
            ok(None, filter.backward(&out, 0, &info, &mut back).is_ok());
        }
    }
    if let Ok(prefilter) = sandbox.load_prefilter(bytes) {
        let applied = prefilter.apply(&input, 0, &info, &mut out).is_ok();
        ok(Some(PluginKind::Prefilter), applied);
    }
    if let Ok(postfilter) = sandbox.load_postfilter(bytes) {
        let applied = postfilter.apply(&input, 0, &info, &mut out).is_ok();
        ok(Some(PluginKind::Postfilter), applied);
    }
    seen
}

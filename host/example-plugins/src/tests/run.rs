//! The components, run in wasmtime with bindings generated from the
//! contract's worlds (`wit/plugin.wit`), answer exactly what their native
//! twins answer.

use std::collections::HashMap;
use std::sync::OnceLock;

use proptest::prelude::*;
use sandpress_core::plugin::{BlockInfo, CodecPlugin, FilterPlugin};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

use crate::native;

mod codec {
    wasmtime::component::bindgen!({ world: "codec-plugin", path: "../../wit" });
}

mod filter {
    wasmtime::component::bindgen!({ world: "filter-plugin", path: "../../wit" });
}

/// The four components, compiled once for all the tests.
fn compiled(name: &str) -> (&'static Engine, Component) {
    static COMPILED: OnceLock<(Engine, HashMap<&'static str, Component>)> = OnceLock::new();
    let (engine, components) = COMPILED.get_or_init(|| {
        let engine = Engine::default();
        let components = crate::examples()
            .iter()
            .map(|e| (e.name, Component::new(&engine, e.bytes).unwrap()))
            .collect();
        (engine, components)
    });
    (engine, components[name].clone())
}

fn wit_info(info: &BlockInfo) -> codec::sandpress::plugin::types::BlockInfo {
    codec::sandpress::plugin::types::BlockInfo {
        typesize: info.typesize,
        blocksize: info.blocksize,
        chunk_index: info.chunk_index,
        block_index: info.block_index,
        offset: info.offset,
    }
}

/// A codec component, instantiated with nothing linked in.
struct WasmCodec {
    store: Store<()>,
    plugin: codec::CodecPlugin,
}

impl WasmCodec {
    fn new(name: &str) -> Self {
        let (engine, component) = compiled(name);
        let mut store = Store::new(engine, ());
        let plugin =
            codec::CodecPlugin::instantiate(&mut store, &component, &Linker::new(engine)).unwrap();
        WasmCodec { store, plugin }
    }

    fn encode(
        &mut self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
    ) -> Result<Option<Vec<u8>>, String> {
        self.plugin
            .sandpress_plugin_codec()
            .call_encode(&mut self.store, input, meta, wit_info(info))
            .unwrap()
    }

    fn decode(&mut self, input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        self.plugin
            .sandpress_plugin_codec()
            .call_decode(&mut self.store, input, meta, wit_info(info))
            .unwrap()
    }
}

/// A filter component, instantiated with nothing linked in.
struct WasmFilter {
    store: Store<()>,
    plugin: filter::FilterPlugin,
}

impl WasmFilter {
    fn new(name: &str) -> Self {
        let (engine, component) = compiled(name);
        let mut store = Store::new(engine, ());
        let plugin =
            filter::FilterPlugin::instantiate(&mut store, &component, &Linker::new(engine))
                .unwrap();
        WasmFilter { store, plugin }
    }

    fn info(info: &BlockInfo) -> filter::sandpress::plugin::types::BlockInfo {
        filter::sandpress::plugin::types::BlockInfo {
            typesize: info.typesize,
            blocksize: info.blocksize,
            chunk_index: info.chunk_index,
            block_index: info.block_index,
            offset: info.offset,
        }
    }

    fn forward(&mut self, input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        self.plugin
            .sandpress_plugin_filter()
            .call_forward(&mut self.store, input, meta, Self::info(info))
            .unwrap()
    }

    fn backward(&mut self, input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        self.plugin
            .sandpress_plugin_filter()
            .call_backward(&mut self.store, input, meta, Self::info(info))
            .unwrap()
    }
}

/// What a native codec answers, in the component's terms.
fn native_encode(
    codec: &dyn CodecPlugin,
    input: &[u8],
    meta: u8,
    info: &BlockInfo,
) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    codec
        .encode(input, meta, info, &mut out)
        .unwrap()
        .then_some(out)
}

fn native_decode(
    codec: &dyn CodecPlugin,
    input: &[u8],
    meta: u8,
    info: &BlockInfo,
) -> Result<Vec<u8>, String> {
    let mut out = vec![0; info.blocksize as usize];
    codec
        .decode(input, meta, info, &mut out)
        .map(|()| out)
        .map_err(|e| match e {
            sandpress_core::plugin::PluginError::Refused { message } => message,
            other => panic!("native plugin stopped: {other}"),
        })
}

fn native_filter(
    filter: &dyn FilterPlugin,
    backward: bool,
    input: &[u8],
    meta: u8,
    info: &BlockInfo,
) -> Vec<u8> {
    let mut out = vec![0; input.len()];
    if backward {
        filter.backward(input, meta, info, &mut out).unwrap();
    } else {
        filter.forward(input, meta, info, &mut out).unwrap();
    }
    out
}

/// A block of `typesize`-byte items, chosen to hit every path: random,
/// one value repeated, or an arithmetic sequence, with or without trailing
/// bytes.
fn block() -> impl Strategy<Value = (Vec<u8>, u32)> {
    (1u32..=16, 0usize..=200, 0usize..3, any::<u64>(), 0u32..4).prop_map(
        |(typesize, items, shape, seed, extra)| {
            let t = typesize as usize;
            let mut x = seed;
            let mut next = move || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            };
            let first: Vec<u8> = (0..t).map(|_| next()).collect();
            let step: Vec<u8> = (0..t).map(|_| next()).collect();
            let mut data = Vec::with_capacity(items * t + 4);
            for k in 0..items {
                match shape {
                    0 => data.extend((0..t).map(|_| next())),
                    1 => data.extend_from_slice(&first),
                    _ => data.extend(
                        first
                            .iter()
                            .zip(&step)
                            .map(|(a, d)| a.wrapping_add(d.wrapping_mul(k as u8))),
                    ),
                }
            }
            data.extend((0..extra % typesize).map(|_| next()));
            (data, typesize)
        },
    )
}

fn info_for(data: &[u8], typesize: u32) -> BlockInfo {
    BlockInfo {
        typesize,
        blocksize: data.len() as u32,
        chunk_index: 3,
        block_index: 5,
        offset: 7,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn codecs_agree_with_native((data, typesize) in block(), meta in 0u8..=1) {
        let info = info_for(&data, typesize);
        for name in ["repeat-codec", "step-codec"] {
            let native = native::codec(name).unwrap();
            let mut wasm = WasmCodec::new(name);
            let encoded = wasm.encode(&data, meta, &info).unwrap();
            prop_assert_eq!(&encoded, &native_encode(native.as_ref(), &data, meta, &info), "{}", name);
            if let Some(encoded) = encoded {
                prop_assert_eq!(wasm.decode(&encoded, meta, &info), Ok(data.clone()), "{}", name);
            }
            // Garbage in: both refuse with the same message.
            let garbage = [1u8, 2, 3];
            prop_assert_eq!(
                wasm.decode(&garbage, meta, &info),
                native_decode(native.as_ref(), &garbage, meta, &info),
                "{}", name
            );
        }
    }

    #[test]
    fn filters_agree_with_native((data, typesize) in block(), meta in any::<u8>()) {
        let info = info_for(&data, typesize);
        for name in ["delta-filter", "byte-shuffle"] {
            let native = native::filter(name).unwrap();
            let mut wasm = WasmFilter::new(name);
            let forward = wasm.forward(&data, meta, &info).unwrap();
            prop_assert_eq!(&forward, &native_filter(native.as_ref(), false, &data, meta, &info), "{}", name);
            let backward = wasm.backward(&forward, meta, &info).unwrap();
            prop_assert_eq!(&backward, &data, "{}", name);
        }
    }
}

#[test]
fn repeat_codec_component_writes_the_tutorials_bytes() {
    let block: Vec<u8> = [1234i32; 10_000]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let info = info_for(&block, 4);
    let mut wasm = WasmCodec::new("repeat-codec");
    assert_eq!(
        wasm.encode(&block, 0, &info),
        Ok(Some(vec![0xd2, 0x04, 0, 0, 0x10, 0x27, 0, 0]))
    );
    assert_eq!(
        wasm.encode(&block, 1, &info),
        Ok(Some(vec![0xd2, 0x04, 0, 0, 0, 0, 0x27, 0x10]))
    );
    // One instance serves many calls.
    for _ in 0..100 {
        assert_eq!(
            wasm.decode(&[0xd2, 0x04, 0, 0, 0, 0, 0x27, 0x10], 1, &info),
            Ok(block.clone())
        );
    }
}

#[test]
fn filter_components_refuse_typesize_zero() {
    let info = BlockInfo {
        typesize: 0,
        blocksize: 4,
        ..BlockInfo::default()
    };
    for name in ["delta-filter", "byte-shuffle"] {
        let mut wasm = WasmFilter::new(name);
        assert_eq!(
            wasm.forward(&[1, 2, 3, 4], 0, &info),
            Err("typesize is 0".to_owned())
        );
    }
}

//! The contract's worlds as typed bindings, generated from `wit/plugin.wit`
//! by wasmtime's `bindgen!`: one module per plugin kind, sharing the
//! `types` interface (and so one `BlockInfo`) of the codec world.
//!
//! The generated code checks a component against its world and finds its
//! functions in each new instance; the functions are then checked once
//! more, per instance, against the signatures the host calls them with
//! (see [`exports`](crate::exports)), so a change to the contract shows up
//! as a compile error here or as a failed check there. [`World`] lets the
//! instance code handle the four worlds alike.

#![allow(missing_docs, clippy::all)]

use wasmtime::Store;
use wasmtime::component::InstancePre;

use crate::exports::{CodecExports, Export, FilterExports, TransformExports};
use crate::store::StoreState;

/// The world `codec-plugin`.
pub(crate) mod codec {
    wasmtime::component::bindgen!({
        path: "../../wit/plugin.wit",
        world: "codec-plugin",
    });
}

/// The world `filter-plugin`.
pub(crate) mod filter {
    wasmtime::component::bindgen!({
        path: "../../wit/plugin.wit",
        world: "filter-plugin",
        with: { "sandpress:plugin/types": super::codec::sandpress::plugin::types },
    });
}

/// The world `prefilter-plugin`.
pub(crate) mod prefilter {
    wasmtime::component::bindgen!({
        path: "../../wit/plugin.wit",
        world: "prefilter-plugin",
        with: { "sandpress:plugin/types": super::codec::sandpress::plugin::types },
    });
}

/// The world `postfilter-plugin`.
pub(crate) mod postfilter {
    wasmtime::component::bindgen!({
        path: "../../wit/plugin.wit",
        world: "postfilter-plugin",
        with: { "sandpress:plugin/types": super::codec::sandpress::plugin::types },
    });
}

/// `block-info` as the bindings lower it.
pub(crate) use codec::sandpress::plugin::types::BlockInfo as WitBlockInfo;

impl From<&sandpress_contract::BlockInfo> for WitBlockInfo {
    fn from(info: &sandpress_contract::BlockInfo) -> Self {
        WitBlockInfo {
            typesize: info.typesize,
            blocksize: info.blocksize,
            chunk_index: info.chunk_index,
            block_index: info.block_index,
            offset: info.offset,
        }
    }
}

/// Why a checked component did not become a live instance.
pub(crate) enum InstantiateError {
    /// Instantiation failed: a trap in the start function, a limit, an
    /// exhausted pool.
    Instantiate(wasmtime::Error),
    /// The instance's exports failed the type check of the contract.
    Exports(wasmtime::Error),
}

/// A world's `InstancePre` with the indices of its exports, checked
/// against the world once, when the component was loaded.
pub(crate) struct Prepared<I> {
    pre: InstancePre<StoreState>,
    indices: I,
}

/// One world of the contract: how to check a component against it and how
/// to instantiate it.
pub(crate) trait World: 'static {
    /// The checked `InstancePre` with its export indices.
    type Pre: Send + Sync + 'static;
    /// A live instance's functions, typed ([`CodecExports`], ...).
    type Instance: Send + 'static;

    /// Checks the component's exports against the world.
    fn pre(pre: InstancePre<StoreState>) -> wasmtime::Result<Self::Pre>;

    /// Instantiates in `store`, then loads (and type-checks) the functions.
    fn instantiate(
        pre: &Self::Pre,
        store: &mut Store<StoreState>,
    ) -> Result<Self::Instance, InstantiateError>;
}

macro_rules! world {
    ($marker:ident, $module:ident :: $instance:ident, $indices:ident, $exports:ty, $typed:expr) => {
        #[doc = concat!("The world of [`", stringify!($module), "`].")]
        pub(crate) struct $marker;

        impl World for $marker {
            type Pre = Prepared<$module::$indices>;
            type Instance = $exports;

            fn pre(pre: InstancePre<StoreState>) -> wasmtime::Result<Self::Pre> {
                let indices = $module::$indices::new(&pre)?;
                Ok(Prepared { pre, indices })
            }

            fn instantiate(
                pre: &Self::Pre,
                store: &mut Store<StoreState>,
            ) -> Result<Self::Instance, InstantiateError> {
                let instance = pre
                    .pre
                    .instantiate(&mut *store)
                    .map_err(InstantiateError::Instantiate)?;
                let plugin: $module::$instance = pre
                    .indices
                    .load(&mut *store, &instance)
                    .map_err(InstantiateError::Exports)?;
                let typed: fn(
                    &$module::$instance,
                    &Store<StoreState>,
                ) -> wasmtime::Result<Self::Instance> = $typed;
                typed(&plugin, store).map_err(InstantiateError::Exports)
            }
        }
    };
}

world!(
    CodecWorld,
    codec::CodecPlugin,
    CodecPluginIndices,
    CodecExports,
    |plugin, store| {
        let codec = plugin.sandpress_plugin_codec();
        Ok(CodecExports {
            encode: Export::new(*codec.func_encode().func(), store)?,
            decode: Export::new(*codec.func_decode().func(), store)?,
        })
    }
);
world!(
    FilterWorld,
    filter::FilterPlugin,
    FilterPluginIndices,
    FilterExports,
    |plugin, store| {
        let filter = plugin.sandpress_plugin_filter();
        Ok(FilterExports {
            forward: Export::new(*filter.func_forward().func(), store)?,
            backward: Export::new(*filter.func_backward().func(), store)?,
        })
    }
);
world!(
    PrefilterWorld,
    prefilter::PrefilterPlugin,
    PrefilterPluginIndices,
    TransformExports,
    |plugin, store| {
        let apply = plugin.sandpress_plugin_prefilter().func_prefilter();
        Ok(TransformExports {
            apply: Export::new(*apply.func(), store)?,
        })
    }
);
world!(
    PostfilterWorld,
    postfilter::PostfilterPlugin,
    PostfilterPluginIndices,
    TransformExports,
    |plugin, store| {
        let apply = plugin.sandpress_plugin_postfilter().func_postfilter();
        Ok(TransformExports {
            apply: Export::new(*apply.func(), store)?,
        })
    }
);

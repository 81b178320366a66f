//! The adapters that implement the generated `Guest` traits for a type
//! implementing one of this crate's traits, and the export macros.
//!
//! The bindings live in one crate per world (`sdk/worlds/*`), generated
//! from the SDK's worlds (`sdk/wit/worlds.wit`): the contract's worlds with
//! the `types` interface exported, so that components import nothing. Each
//! world's crate embeds a custom section describing its world *without* its
//! exports; the export macro a plugin crate invokes embeds the full world in
//! the plugin, so a plugin's component exports exactly its one interface
//! (and `types`, which holds nothing but the `block-info` type).
#![allow(missing_docs)]

use alloc::string::String;
use alloc::vec::Vec;
use core::marker::PhantomData;

use crate::{BlockInfo, Codec, Filter, Postfilter, Prefilter};

macro_rules! block_info_from {
    ($($world:ident),*) => {$(
        impl From<$world::exports::sandpress::plugin::types::BlockInfo> for BlockInfo {
            #[inline(always)]
            fn from(info: $world::exports::sandpress::plugin::types::BlockInfo) -> Self {
                BlockInfo {
                    typesize: info.typesize,
                    blocksize: info.blocksize,
                    chunk_index: info.chunk_index,
                    block_index: info.block_index,
                    offset: info.offset,
                }
            }
        }
    )*};
}

pub use sandpress_guest_codec as codec;
pub use sandpress_guest_filter as filter;
pub use sandpress_guest_postfilter as postfilter;
pub use sandpress_guest_prefilter as prefilter;

block_info_from!(codec, filter, prefilter, postfilter);

/// Implements the generated `Guest` trait of one interface for `T`.
pub struct Adapter<T: ?Sized>(PhantomData<fn() -> T>);

impl<T: Codec + ?Sized> codec::exports::sandpress::plugin::codec::Guest for Adapter<T> {
    #[inline]
    fn encode(
        input: Vec<u8>,
        meta: u8,
        info: codec::exports::sandpress::plugin::codec::BlockInfo,
    ) -> Result<Option<Vec<u8>>, String> {
        T::encode(&input, meta, &info.into())
    }

    #[inline]
    fn decode(
        input: Vec<u8>,
        meta: u8,
        info: codec::exports::sandpress::plugin::codec::BlockInfo,
    ) -> Result<Vec<u8>, String> {
        T::decode(&input, meta, &info.into())
    }
}

impl<T: Filter + ?Sized> filter::exports::sandpress::plugin::filter::Guest for Adapter<T> {
    #[inline]
    fn forward(
        input: Vec<u8>,
        meta: u8,
        info: filter::exports::sandpress::plugin::filter::BlockInfo,
    ) -> Result<Vec<u8>, String> {
        T::forward_owned(input, meta, &info.into())
    }

    #[inline]
    fn backward(
        input: Vec<u8>,
        meta: u8,
        info: filter::exports::sandpress::plugin::filter::BlockInfo,
    ) -> Result<Vec<u8>, String> {
        T::backward_owned(input, meta, &info.into())
    }
}

impl<T: Prefilter + ?Sized> prefilter::exports::sandpress::plugin::prefilter::Guest for Adapter<T> {
    #[inline]
    fn prefilter(
        input: Vec<u8>,
        meta: u8,
        info: prefilter::exports::sandpress::plugin::prefilter::BlockInfo,
    ) -> Result<Vec<u8>, String> {
        T::prefilter_owned(input, meta, &info.into())
    }
}

impl<T: Postfilter + ?Sized> postfilter::exports::sandpress::plugin::postfilter::Guest
    for Adapter<T>
{
    #[inline]
    fn postfilter(
        input: Vec<u8>,
        meta: u8,
        info: postfilter::exports::sandpress::plugin::postfilter::BlockInfo,
    ) -> Result<Vec<u8>, String> {
        T::postfilter_owned(input, meta, &info.into())
    }
}

/// Exports a type implementing [`Codec`](crate::Codec) as the plugin's
/// `sandpress:plugin/codec` interface (world `codec-plugin`). Invoke it
/// once, at the root of a `cdylib` crate.
///
/// ```
/// # use sandpress_guest::{BlockInfo, Codec};
/// # struct MyCodec;
/// # impl Codec for MyCodec {
/// #     fn encode(_: &[u8], _: u8, _: &BlockInfo) -> Result<Option<Vec<u8>>, String> { Ok(None) }
/// #     fn decode(_: &[u8], _: u8, _: &BlockInfo) -> Result<Vec<u8>, String> { Err("never".into()) }
/// # }
/// sandpress_guest::export_codec!(MyCodec);
/// ```
#[macro_export]
macro_rules! export_codec {
    ($plugin:ty) => {
        #[allow(unsafe_code)]
        const _: () = {
            type SandpressExport = $crate::__private::Adapter<$plugin>;
            $crate::__private::codec::export_world!(
                SandpressExport with_types_in $crate::__private::codec
            );
        };
    };
}

/// Exports a type implementing [`Filter`](crate::Filter) as the plugin's
/// `sandpress:plugin/filter` interface (world `filter-plugin`). Invoke it
/// once, at the root of a `cdylib` crate.
///
/// ```
/// # use sandpress_guest::{BlockInfo, Filter};
/// # struct MyFilter;
/// # impl Filter for MyFilter {
/// #     fn forward(i: &[u8], _: u8, _: &BlockInfo) -> Result<Vec<u8>, String> { Ok(i.to_vec()) }
/// #     fn backward(i: &[u8], _: u8, _: &BlockInfo) -> Result<Vec<u8>, String> { Ok(i.to_vec()) }
/// # }
/// sandpress_guest::export_filter!(MyFilter);
/// ```
#[macro_export]
macro_rules! export_filter {
    ($plugin:ty) => {
        #[allow(unsafe_code)]
        const _: () = {
            type SandpressExport = $crate::__private::Adapter<$plugin>;
            $crate::__private::filter::export_world!(
                SandpressExport with_types_in $crate::__private::filter
            );
        };
    };
}

/// Exports a type implementing [`Prefilter`](crate::Prefilter) as the
/// plugin's `sandpress:plugin/prefilter` interface (world
/// `prefilter-plugin`). Invoke it once, at the root of a `cdylib` crate.
///
/// ```
/// # use sandpress_guest::{BlockInfo, Prefilter};
/// # struct MyPrefilter;
/// # impl Prefilter for MyPrefilter {
/// #     fn prefilter(i: &[u8], _: u8, _: &BlockInfo) -> Result<Vec<u8>, String> { Ok(i.to_vec()) }
/// # }
/// sandpress_guest::export_prefilter!(MyPrefilter);
/// ```
#[macro_export]
macro_rules! export_prefilter {
    ($plugin:ty) => {
        #[allow(unsafe_code)]
        const _: () = {
            type SandpressExport = $crate::__private::Adapter<$plugin>;
            $crate::__private::prefilter::export_world!(
                SandpressExport with_types_in $crate::__private::prefilter
            );
        };
    };
}

/// Exports a type implementing [`Postfilter`](crate::Postfilter) as the
/// plugin's `sandpress:plugin/postfilter` interface (world
/// `postfilter-plugin`). Invoke it once, at the root of a `cdylib` crate.
///
/// ```
/// # use sandpress_guest::{BlockInfo, Postfilter};
/// # struct MyPostfilter;
/// # impl Postfilter for MyPostfilter {
/// #     fn postfilter(i: &[u8], _: u8, _: &BlockInfo) -> Result<Vec<u8>, String> { Ok(i.to_vec()) }
/// # }
/// sandpress_guest::export_postfilter!(MyPostfilter);
/// ```
#[macro_export]
macro_rules! export_postfilter {
    ($plugin:ty) => {
        #[allow(unsafe_code)]
        const _: () = {
            type SandpressExport = $crate::__private::Adapter<$plugin>;
            $crate::__private::postfilter::export_world!(
                SandpressExport with_types_in $crate::__private::postfilter
            );
        };
    };
}

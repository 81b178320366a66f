//! A live instance's contract functions, typed once per instance with the
//! answer types the host lifts them into ([`Landed`]: copied straight into
//! the caller's destination), then called without further checks.
//!
//! The bindings (`bindings.rs`) check a component against its world when
//! it is loaded and find each function in a new instance; here each
//! function is checked once more against the host's own signature,
//! `(list<u8>, u8, block-info) -> result<list<u8>, string>` (or encode's
//! `result<option<list<u8>>, string>`), when the instance is made.

// `TypedFunc::new_unchecked` per call, after the check at instantiation:
// what the generated bindings do too (a `TypedFunc` borrowing the input
// cannot be kept across calls).
#![allow(unsafe_code)]

use std::marker::PhantomData;

use wasmtime::Store;
use wasmtime::component::{ComponentNamedList, Func, Lift, TypedFunc};

use crate::bindings::WitBlockInfo;
use crate::landing::Landed;
use crate::store::StoreState;

/// The parameters of every contract function: the block, `meta`, `info`.
type Params<'a> = (&'a [u8], u8, WitBlockInfo);

/// The answer of a function that returns a block: `result<list<u8>, string>`.
pub(crate) type BlockAnswer = Result<Landed, String>;

/// The answer of `encode`: `result<option<list<u8>>, string>`.
pub(crate) type EncodeAnswer = Result<Option<Landed>, String>;

/// One contract function of a live instance, checked against
/// `Params -> (A,)`.
pub(crate) struct Export<A> {
    func: Func,
    _answer: PhantomData<fn() -> A>,
}

impl<A> Export<A>
where
    (A,): ComponentNamedList + Lift + 'static,
{
    /// Checks `func` of the instance in `store` against the signature.
    pub(crate) fn new(func: Func, store: &Store<StoreState>) -> wasmtime::Result<Self> {
        func.typed::<Params<'_>, (A,)>(store)?;
        Ok(Export {
            func,
            _answer: PhantomData,
        })
    }

    /// Calls the function on `input`: the guest's answer, lifted (and a
    /// [`Landed`] list already copied to this thread's landing).
    pub(crate) fn call(
        &self,
        store: &mut Store<StoreState>,
        input: &[u8],
        meta: u8,
        info: WitBlockInfo,
    ) -> wasmtime::Result<A> {
        // SAFETY: `new` checked `self.func` against exactly this signature
        // (`Func::typed`), and a `Func` belongs to one instance for good.
        let typed = unsafe { TypedFunc::<Params<'_>, (A,)>::new_unchecked(self.func) };
        typed
            .call(store, (input, meta, info))
            .map(|(answer,)| answer)
    }
}

/// A codec instance's functions.
pub(crate) struct CodecExports {
    /// `encode`.
    pub(crate) encode: Export<EncodeAnswer>,
    /// `decode`.
    pub(crate) decode: Export<BlockAnswer>,
}

/// A filter instance's functions.
pub(crate) struct FilterExports {
    /// `forward`.
    pub(crate) forward: Export<BlockAnswer>,
    /// `backward`.
    pub(crate) backward: Export<BlockAnswer>,
}

/// A prefilter or postfilter instance's one function.
pub(crate) struct TransformExports {
    /// `prefilter` or `postfilter`.
    pub(crate) apply: Export<BlockAnswer>,
}

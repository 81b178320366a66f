//! The WIT bindings of the world `sandpress:guest/prefilter` (the contract's
//! `prefilter-plugin` world, with `types` exported): what
//! `sandpress_guest::export_prefilter!` expands to. Use the `sandpress-guest`
//! SDK, not this crate.
//!
//! Each world has a crate of its own because `wit-bindgen` names the
//! export macro of the shared `types` interface after the interface, so
//! two worlds exporting `types` cannot be generated in one crate.
#![no_std]
#![allow(unsafe_code, missing_docs, clippy::all)]

wit_bindgen::generate!({
    world: "sandpress:guest/prefilter",
    path: ["../../../../wit", "../../../../wit/guest"],
    pub_export_macro: true,
    export_macro_name: "export_world",
    default_bindings_module: "sandpress_guest::__private::prefilter",
});

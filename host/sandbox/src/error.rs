//! Why the sandbox refused to load a component (or could not start).
//!
//! Failures of plugin *calls* are not here: they are
//! [`PluginError`](sandpress_core::plugin::PluginError) from core.

use sandpress_core::plugin::PluginKind;
use sandpress_core::registry::RegistryError;

use crate::CompileLimit;

/// A component refused at load time, or a sandbox that could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The component is larger than
    /// [`Limits::max_component_size`](crate::Limits::max_component_size).
    #[error("component is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Size of the bytes given.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The component's code exceeds the
    /// [`CompileBudget`](crate::CompileBudget); nothing was compiled.
    #[error("the component has {found} {limit}, more than the compile budget allows ({allowed})")]
    CompileBudget {
        /// The limit exceeded.
        limit: CompileLimit,
        /// The limit in force.
        allowed: u64,
        /// What the component has (for sums, as far as it was counted).
        found: u64,
    },
    /// The bytes do not start with the WebAssembly magic number.
    #[error("not a WebAssembly binary (starts with {found})")]
    NotWasm {
        /// The first bytes found, in hex.
        found: String,
    },
    /// The bytes are a core WebAssembly module; a plugin must be a component.
    #[error(
        "this is a core WebAssembly module, not a component: turn it into a component \
         (wit-component's ComponentEncoder, or `wasm-tools component new`)"
    )]
    CoreModule,
    /// The bytes are a component that does not validate or compile.
    #[error("invalid component: {message}")]
    Invalid {
        /// What wasmtime reported.
        message: String,
    },
    /// The linear memories of the component start, together, larger than
    /// [`Limits::memory`](crate::Limits::memory) allows.
    #[error(
        "the component's memories start at {initial} bytes, more than the limit of {limit} bytes"
    )]
    InitialMemoryTooLarge {
        /// Initial size of all its memories together, in bytes.
        initial: u64,
        /// The memory limit in force.
        limit: usize,
    },
    /// An embedded component does not hash to the sha256 its frame records.
    /// It is refused before it is parsed, compiled or cached.
    #[error("embedded plugin {id} hashes to sha256 {actual}, but the frame records {recorded}")]
    HashMismatch {
        /// Plugin id.
        id: u8,
        /// Hash in the frame's plugin table.
        recorded: String,
        /// Hash of the embedded bytes.
        actual: String,
    },
    /// The component does not export the interface its kind requires.
    #[error("a {kind} plugin must export `{expected}`; the component exports {}", list(.found))]
    MissingInterface {
        /// The plugin kind it was loaded as.
        kind: PluginKind,
        /// The interface required, e.g. `sandpress:plugin/codec@0.1.0`.
        expected: String,
        /// The names the component does export.
        found: Vec<String>,
    },
    /// The interface is exported but lacks a function.
    #[error("`{interface}` has no function `{function}`")]
    MissingFunction {
        /// The interface.
        interface: String,
        /// The function required.
        function: String,
    },
    /// A function of the interface has another type than the contract's.
    #[error("`{interface}#{function}` has type `{found}`, the contract requires `{expected}`")]
    WrongSignature {
        /// The interface.
        interface: String,
        /// The function.
        function: String,
        /// The type the contract requires, in WIT syntax.
        expected: String,
        /// The type the component has, in WIT syntax.
        found: String,
    },
    /// The component imports something other than WASI.
    #[error("the component imports `{import}`: plugins may import nothing but WASI (`wasi:*`)")]
    ForbiddenImport {
        /// The name of the import.
        import: String,
    },
    /// The component imports WASI the sandbox does not provide (for example
    /// `wasi:http`), or with types it does not match.
    #[error("the component's imports cannot be satisfied: {message}")]
    Unlinkable {
        /// What wasmtime reported (it names the import).
        message: String,
    },
    /// A component loaded from a frame could not be registered under the
    /// id its frame gives it (an id outside the user range, or one already
    /// taken by another plugin).
    #[error("cannot register the plugin: {source}")]
    Register {
        /// Why the registry refused it.
        #[from]
        source: RegistryError,
    },
    /// The wasmtime engine could not be created.
    #[error("could not create the wasmtime engine: {message}")]
    Engine {
        /// What wasmtime reported.
        message: String,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "nothing".to_owned()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_interface_names_what_is_there() {
        let e = SandboxError::MissingInterface {
            kind: PluginKind::Codec,
            expected: "sandpress:plugin/codec@0.1.0".into(),
            found: vec!["sandpress:plugin/filter@0.1.0".into()],
        };
        assert_eq!(
            e.to_string(),
            "a codec plugin must export `sandpress:plugin/codec@0.1.0`; \
             the component exports `sandpress:plugin/filter@0.1.0`"
        );
    }
}

//! Checks a component before and after compiling it: size and kind of the
//! bytes, imports (WASI only), and the exported interface against the
//! contract.

use sandpress_core::plugin::PluginKind;
use wasmtime::Engine;
use wasmtime::component::Component;
use wasmtime::component::types::ComponentItem;

use crate::SandboxError;
use crate::signature::render_func;

/// The contract's package; a type-only import of its `types` interface is
/// what WIT toolchains emit for `use types.{block-info}` and is allowed.
const CONTRACT_TYPES_PREFIX: &str = "sandpress:plugin/types@";

/// Refuses bytes that are too large, are not WebAssembly, or are a core
/// module rather than a component. Runs before any parsing.
pub(crate) fn check_bytes(bytes: &[u8], max_size: usize) -> Result<(), SandboxError> {
    if bytes.len() > max_size {
        return Err(SandboxError::TooLarge {
            size: bytes.len(),
            limit: max_size,
        });
    }
    if wasmparser::Parser::is_component(bytes) {
        return Ok(());
    }
    if wasmparser::Parser::is_core_wasm(bytes) {
        return Err(SandboxError::CoreModule);
    }
    let found = if bytes.is_empty() {
        "nothing: the input is empty".to_owned()
    } else {
        bytes
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    Err(SandboxError::NotWasm { found })
}

/// Refuses a component whose linear memories, together, start above
/// `limit` (the limit holds per instance over all its memories; a module
/// instantiated twice is counted once, so this is a first filter and the
/// memory limiter has the last word). Malformed bytes are left for the
/// compiler to report.
pub(crate) fn check_initial_memory(bytes: &[u8], limit: usize) -> Result<(), SandboxError> {
    let limit_bytes = u64::try_from(limit).unwrap_or(u64::MAX);
    let mut initial = 0u64;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(wasmparser::Payload::MemorySection(memories)) = payload else {
            continue;
        };
        for memory in memories.into_iter().flatten() {
            let page = 1u64
                .checked_shl(memory.page_size_log2.unwrap_or(16))
                .unwrap_or(u64::MAX);
            initial = initial.saturating_add(memory.initial.saturating_mul(page));
            if initial > limit_bytes {
                return Err(SandboxError::InitialMemoryTooLarge { initial, limit });
            }
        }
    }
    Ok(())
}

/// Refuses any import that is not WASI (or the contract's own type-only
/// `types` interface). Returns whether the component imports WASI.
pub(crate) fn check_imports(engine: &Engine, component: &Component) -> Result<bool, SandboxError> {
    let ty = component.component_type();
    let mut wasi = false;
    for (name, item) in ty.imports(engine) {
        if name.starts_with("wasi:") {
            wasi = true;
        } else if !(name.starts_with(CONTRACT_TYPES_PREFIX) && is_types_only(engine, &item.ty)) {
            return Err(SandboxError::ForbiddenImport {
                import: name.to_owned(),
            });
        }
    }
    Ok(wasi)
}

/// Whether an imported item carries nothing but (non-resource) types.
fn is_types_only(engine: &Engine, item: &ComponentItem) -> bool {
    match item {
        ComponentItem::Type(_) => true,
        ComponentItem::ComponentInstance(instance) => instance
            .exports(engine)
            .all(|(_, e)| matches!(e.ty, ComponentItem::Type(_))),
        _ => false,
    }
}

/// Finds the interface `kind` requires and checks each of its functions
/// against the contract, so that a mismatch is reported with both types
/// (the generated bindings check the same again, with a terser message).
pub(crate) fn check_exports(
    engine: &Engine,
    component: &Component,
    kind: PluginKind,
) -> Result<(), SandboxError> {
    let interface = kind.interface_name();
    let missing = || SandboxError::MissingInterface {
        kind,
        expected: interface.clone(),
        found: component
            .component_type()
            .exports(engine)
            .map(|(name, _)| name.to_owned())
            .collect(),
    };
    let instance = match component.get_export(None, interface.as_str()) {
        Some((ComponentItem::ComponentInstance(_), index)) => index,
        _ => return Err(missing()),
    };
    for function in kind.interface().functions {
        let Some((item, _)) = component.get_export(Some(&instance), function.name) else {
            return Err(SandboxError::MissingFunction {
                interface: interface.clone(),
                function: function.name.to_owned(),
            });
        };
        let found = match item {
            ComponentItem::ComponentFunc(func) => render_func(&func),
            _ => "not a function".to_owned(),
        };
        if found != function.signature {
            return Err(SandboxError::WrongSignature {
                interface: interface.clone(),
                function: function.name.to_owned(),
                expected: function.signature.to_owned(),
                found,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_oversize_before_looking() {
        assert_eq!(
            check_bytes(&[0; 10], 9),
            Err(SandboxError::TooLarge { size: 10, limit: 9 })
        );
    }

    #[test]
    fn tells_core_modules_from_components() {
        let core = b"\0asm\x01\0\0\0";
        assert_eq!(check_bytes(core, 100), Err(SandboxError::CoreModule));
        let component = b"\0asm\x0d\0\x01\0";
        assert_eq!(check_bytes(component, 100), Ok(()));
    }

    #[test]
    fn refuses_text_and_garbage() {
        assert!(matches!(
            check_bytes(b"(component)", 100),
            Err(SandboxError::NotWasm { found }) if found == "28 63 6f 6d 70 6f 6e 65"
        ));
        assert!(matches!(
            check_bytes(b"", 100),
            Err(SandboxError::NotWasm { .. })
        ));
    }
}

//! A core module with the canonical ABI exports becomes a component:
//! the SDK world's type information is embedded (unless the module carries
//! it already, as `wit-bindgen` output does) and `wit-component` wraps it.

use sandpress_core::plugin::PluginKind;

use crate::error::ToolError;
use crate::wit;

/// Whether `module` has a `component-type` custom section.
fn has_type_info(module: &[u8]) -> bool {
    wasmparser::Parser::new(0).parse_all(module).any(|p| {
        matches!(p, Ok(wasmparser::Payload::CustomSection(c)) if c.name().starts_with("component-type"))
    })
}

/// Turns `module` (a core module exporting the functions of `kind`'s
/// interface under their canonical names, `cabi_realloc` and `memory`)
/// into a component of the SDK world for `kind`.
pub fn componentize(module: &[u8], kind: PluginKind) -> Result<Vec<u8>, ToolError> {
    let mut module = module.to_vec();
    if !has_type_info(&module) {
        let (resolve, world) = wit::resolve(kind).map_err(ToolError::Componentize)?;
        wit_component::embed_component_metadata(
            &mut module,
            &resolve,
            world,
            wit_component::StringEncoding::UTF8,
        )
        .map_err(|e| ToolError::Componentize(format!("{e:#}")))?;
    }
    wit_component::ComponentEncoder::default()
        .module(&module)
        .and_then(|e| e.validate(true).encode())
        .map_err(|e| ToolError::Componentize(format!("{e:#}")))
}

/// The imports of a component, as `namespace:package/interface` names.
pub fn imports(component: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    // Nested modules and components (each opens with a version header and
    // closes with an end) have imports of their own; only the outer ones
    // are the component's.
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        match payload {
            Ok(wasmparser::Payload::Version { .. }) => depth += 1,
            Ok(wasmparser::Payload::End(_)) => depth = depth.saturating_sub(1),
            Ok(wasmparser::Payload::ComponentImportSection(reader)) if depth == 1 => {
                for import in reader.into_iter().flatten() {
                    out.push(import.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    out
}

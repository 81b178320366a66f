//! The top-level imports and exports of a component, read with
//! `wasmparser`. Shared by the build script (which refuses a component that
//! imports anything) and the tests.

use wasmparser::{BinaryReaderError, Parser, Payload};

/// The names a component imports and exports at its top level (nested
/// modules and components, which the component wires up itself, are not
/// counted).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Surface {
    /// Import names, in order (e.g. `wasi:cli/environment@0.2.0`).
    pub imports: Vec<String>,
    /// Export names, in order (e.g. `sandpress:plugin/codec@0.1.0`).
    pub exports: Vec<String>,
}

/// Reads the [`Surface`] of the component `bytes`.
pub fn surface(bytes: &[u8]) -> Result<Surface, BinaryReaderError> {
    let mut found = Surface::default();
    // Depth of nesting: 0 is the component itself.
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    found.imports.push(import?.name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    found.exports.push(export?.name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    Ok(found)
}

//! Renames a core module's exports: every section is copied as it is
//! except the export section, which is written anew with the new names.
//!
//! AssemblyScript identifiers cannot hold `:`, `/`, `@` or `#`, so an AS
//! plugin exports `encode` and `cabi_post_encode`, which become
//! `sandpress:plugin/codec@0.1.0#encode` and
//! `cabi_post_sandpress:plugin/codec@0.1.0#encode` here.

use wasm_encoder::{ExportKind, ExportSection, Module, RawSection};
use wasmparser::{ExternalKind, Parser, Payload};

/// `module` with each export named `from` renamed `to` (pairs of
/// `renames`); other exports keep their names.
///
/// # Errors
///
/// A message when `module` is not a valid core module.
pub fn rename_exports(module: &[u8], renames: &[(String, String)]) -> Result<Vec<u8>, String> {
    let mut out = Module::new();
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload.map_err(|e| format!("the compiled module does not parse: {e}"))?;
        match payload {
            Payload::ExportSection(reader) => {
                let mut exports = ExportSection::new();
                for export in reader {
                    let export = export.map_err(|e| format!("bad export: {e}"))?;
                    let name = renames
                        .iter()
                        .find(|(from, _)| from == export.name)
                        .map_or(export.name, |(_, to)| to.as_str());
                    exports.export(name, kind(export.kind), export.index);
                }
                out.section(&exports);
            }
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => {
                return Err("expected a core module, found a component".into());
            }
            other => {
                if let Some((id, range)) = other.as_section() {
                    out.section(&RawSection {
                        id,
                        data: &module[range],
                    });
                }
            }
        }
    }
    Ok(out.finish())
}

fn kind(k: ExternalKind) -> ExportKind {
    match k {
        ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
        ExternalKind::Table => ExportKind::Table,
        ExternalKind::Memory => ExportKind::Memory,
        ExternalKind::Global => ExportKind::Global,
        ExternalKind::Tag => ExportKind::Tag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, Function, FunctionSection, Instruction, MemorySection, MemoryType, TypeSection,
    };

    fn module() -> Vec<u8> {
        let mut m = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        m.section(&types);
        let mut funcs = FunctionSection::new();
        funcs.function(0);
        m.section(&funcs);
        let mut mems = MemorySection::new();
        mems.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        m.section(&mems);
        let mut exports = ExportSection::new();
        exports.export("f", ExportKind::Func, 0);
        exports.export("memory", ExportKind::Memory, 0);
        m.section(&exports);
        let mut code = CodeSection::new();
        let mut f = Function::new([]);
        f.instruction(&Instruction::End);
        code.function(&f);
        m.section(&code);
        m.finish()
    }

    fn exports(module: &[u8]) -> Vec<String> {
        Parser::new(0)
            .parse_all(module)
            .filter_map(|p| match p.unwrap() {
                Payload::ExportSection(s) => Some(s),
                _ => None,
            })
            .flat_map(|s| s.into_iter().map(|e| e.unwrap().name.to_string()))
            .collect()
    }

    #[test]
    fn renames_only_what_it_is_asked_to() {
        let renamed = rename_exports(&module(), &[("f".into(), "pkg:x/y@0.1.0#f".into())]).unwrap();
        assert_eq!(exports(&renamed), ["pkg:x/y@0.1.0#f", "memory"]);
        wasmparser::Validator::new().validate_all(&renamed).unwrap();
        assert!(rename_exports(b"not wasm", &[]).is_err());
    }
}

//! Generates the contract's Rust side from `wit/plugin.wit`: the plugin
//! kinds (one per `*-plugin` world), the `block-info` record, and the table
//! of each kind's exported interface and functions with their WIT types.
//! It also copies the WIT files into `$OUT_DIR`, so the crate embeds them
//! from its own build output.
//!
//! A change to a function of the contract is then one edit in `wit/`: the
//! table follows, and the code that uses the generated items (the sandbox's
//! `bindgen!` calls, the tooling's export names) fails to compile where it
//! must change.

use std::env;
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

use wit_parser::{Docs, PackageId, Resolve, Type, TypeDefKind, WorldItem};

/// The contract package, relative to this crate.
const CONTRACT: &str = "../../wit/plugin.wit";
/// The guest worlds (the contract's worlds with `types` exported).
const GUEST_WORLDS: &str = "../../wit/guest/worlds.wit";
/// Suffix of the worlds that define plugin kinds.
const WORLD_SUFFIX: &str = "-plugin";

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it"));
    for file in [CONTRACT, GUEST_WORLDS] {
        println!("cargo::rerun-if-changed={file}");
    }
    let contract = read(&manifest.join(CONTRACT));
    let guest = read(&manifest.join(GUEST_WORLDS));
    let mut resolve = Resolve::default();
    let pkg = resolve
        .push_str("plugin.wit", &contract)
        .unwrap_or_else(|e| fail(&format!("wit/plugin.wit does not parse: {e:#}")));
    resolve
        .push_str("worlds.wit", &guest)
        .unwrap_or_else(|e| fail(&format!("wit/guest/worlds.wit does not parse: {e:#}")));
    let code = generate(&resolve, pkg);
    write(&out.join("contract.rs"), &code);
    write(&out.join("plugin.wit"), &contract);
    write(&out.join("worlds.wit"), &guest);
}

fn read(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", path.display())))
}

fn write(path: &Path, text: &str) {
    fs::write(path, text)
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", path.display())));
}

fn fail(message: &str) -> ! {
    println!("cargo::error={}", message.replace('\n', " "));
    std::process::exit(1)
}

/// One plugin kind: its world and its exported interface.
struct Kind {
    variant: String,
    name: String,
    world: String,
    docs: String,
    interface: String,
    functions: Vec<Func>,
}

struct Func {
    name: String,
    signature: String,
    answers_option: bool,
}

fn generate(resolve: &Resolve, pkg: PackageId) -> String {
    let package = &resolve.packages[pkg];
    let version = package
        .name
        .version
        .as_ref()
        .unwrap_or_else(|| fail("wit/plugin.wit: the package has no version"));
    let mut kinds = Vec::new();
    for (world_name, world) in &package.worlds {
        let Some(name) = world_name.strip_suffix(WORLD_SUFFIX) else {
            continue;
        };
        let world = &resolve.worlds[*world];
        let mut exports = world.exports.values().filter_map(|item| match item {
            WorldItem::Interface { id, .. } => Some(*id),
            _ => None,
        });
        let (Some(iface), None) = (exports.next(), exports.next()) else {
            fail(&format!(
                "world {world_name} must export exactly one interface"
            ));
        };
        let iface = &resolve.interfaces[iface];
        let functions = iface
            .functions
            .values()
            .map(|f| Func {
                name: f.name.clone(),
                signature: signature(resolve, f),
                answers_option: answers_option(resolve, f.result.as_ref()),
            })
            .collect();
        kinds.push(Kind {
            variant: camel(name),
            name: name.to_owned(),
            world: world_name.clone(),
            docs: docs(&world.docs),
            interface: iface.name.clone().unwrap_or_default(),
            functions,
        });
    }
    if kinds.is_empty() {
        fail("wit/plugin.wit defines no `*-plugin` world");
    }
    let mut s = String::new();
    let _ = writeln!(s, "/// The WIT package of the contract.");
    let _ = writeln!(
        s,
        "pub const PACKAGE: &str = \"{}:{}\";",
        package.name.namespace, package.name.name
    );
    let _ = writeln!(s, "/// The version of the contract this host implements.");
    let _ = writeln!(s, "pub const CONTRACT_VERSION: &str = \"{version}\";\n");
    kind_enum(&mut s, &kinds);
    block_info(&mut s, resolve, pkg);
    s
}

fn kind_enum(s: &mut String, kinds: &[Kind]) {
    let _ = writeln!(
        s,
        "/// The kind of a plugin: which world of the contract its component\n\
         /// exports (one per `*-plugin` world of `wit/plugin.wit`).\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]\n\
         pub enum PluginKind {{"
    );
    for k in kinds {
        let _ = writeln!(s, "{}    {},", doc_lines(&k.docs, "    "), k.variant);
    }
    let _ = writeln!(s, "}}\n\nimpl PluginKind {{");
    let _ = writeln!(
        s,
        "    /// Every kind, in the order the contract defines them.\n    pub const ALL: [PluginKind; {}] = [{}];",
        kinds.len(),
        kinds
            .iter()
            .map(|k| format!("PluginKind::{}", k.variant))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let arms = |f: &dyn Fn(&Kind) -> String| {
        kinds
            .iter()
            .map(|k| format!("            PluginKind::{} => {},\n", k.variant, f(k)))
            .collect::<String>()
    };
    let _ = writeln!(
        s,
        "\n    /// The kind's name (`codec`): the contract's world without `-plugin`,\n    \
         /// and the world of the SDK's `sandpress:guest` package.\n    \
         pub fn name(self) -> &'static str {{\n        match self {{\n{}        }}\n    }}",
        arms(&|k| format!("{:?}", k.name))
    );
    let _ = writeln!(
        s,
        "\n    /// The contract's world for this kind (`codec-plugin`).\n    \
         pub fn world(self) -> &'static str {{\n        match self {{\n{}        }}\n    }}",
        arms(&|k| format!("{:?}", k.world))
    );
    let table = |k: &Kind| {
        let funcs: String = k
            .functions
            .iter()
            .map(|f| {
                format!(
                    "Function {{ name: {:?}, signature: {:?}, answers_option: {} }}, ",
                    f.name, f.signature, f.answers_option
                )
            })
            .collect();
        format!(
            "&Interface {{ name: {:?}, functions: &[{funcs}] }}",
            k.interface
        )
    };
    let _ = writeln!(
        s,
        "\n    /// The interface this kind exports and its functions.\n    \
         pub fn interface(self) -> &'static Interface {{\n        match self {{\n{}        }}\n    }}\n}}\n",
        arms(&table)
    );
}

fn block_info(s: &mut String, resolve: &Resolve, pkg: PackageId) {
    let types = resolve.packages[pkg]
        .interfaces
        .get("types")
        .map(|id| &resolve.interfaces[*id])
        .unwrap_or_else(|| fail("wit/plugin.wit has no interface `types`"));
    let id = types
        .types
        .get("block-info")
        .unwrap_or_else(|| fail("interface `types` has no `block-info`"));
    let def = &resolve.types[*id];
    let TypeDefKind::Record(record) = &def.kind else {
        fail("`block-info` must be a record");
    };
    let _ = writeln!(
        s,
        "{}#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]\npub struct BlockInfo {{",
        doc_lines(&docs(&def.docs), "")
    );
    for field in &record.fields {
        let ty = match field.ty {
            Type::U8 => "u8",
            Type::U16 => "u16",
            Type::U32 => "u32",
            Type::U64 => "u64",
            Type::S8 => "i8",
            Type::S16 => "i16",
            Type::S32 => "i32",
            Type::S64 => "i64",
            Type::Bool => "bool",
            _ => fail(&format!(
                "block-info field {} must be a number or bool",
                field.name
            )),
        };
        let _ = writeln!(
            s,
            "{}    pub {}: {ty},",
            doc_lines(&docs(&field.docs), "    "),
            field.name.replace('-', "_")
        );
    }
    let _ = writeln!(s, "}}");
}

/// Whether a function answers `result<option<_>, _>` (a codec's `encode`).
fn answers_option(resolve: &Resolve, result: Option<&Type>) -> bool {
    let Some(Type::Id(id)) = result else {
        return false;
    };
    let TypeDefKind::Result(r) = &resolve.types[*id].kind else {
        return false;
    };
    matches!(r.ok, Some(Type::Id(ok)) if matches!(resolve.types[ok].kind, TypeDefKind::Option(_)))
}

/// A function's type in WIT syntax without parameter names, records
/// expanded: the form the sandbox prints a component's functions in.
fn signature(resolve: &Resolve, f: &wit_parser::Function) -> String {
    let params: Vec<String> = f.params.iter().map(|p| render(resolve, &p.ty)).collect();
    let mut s = format!("func({})", params.join(", "));
    if let Some(r) = &f.result {
        s.push_str(" -> ");
        s.push_str(&render(resolve, r));
    }
    s
}

fn render(resolve: &Resolve, ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "s8".into(),
        Type::S16 => "s16".into(),
        Type::S32 => "s32".into(),
        Type::S64 => "s64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::Id(id) => match &resolve.types[*id].kind {
            TypeDefKind::Type(t) => render(resolve, t),
            TypeDefKind::List(t) => format!("list<{}>", render(resolve, t)),
            TypeDefKind::Option(t) => format!("option<{}>", render(resolve, t)),
            TypeDefKind::Result(r) => match (&r.ok, &r.err) {
                (None, None) => "result".into(),
                (ok, err) => {
                    let ok = ok.as_ref().map_or("_".into(), |t| render(resolve, t));
                    match err {
                        Some(e) => format!("result<{ok}, {}>", render(resolve, e)),
                        None => format!("result<{ok}>"),
                    }
                }
            },
            TypeDefKind::Record(r) => {
                let fields: Vec<String> = r
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name, render(resolve, &f.ty)))
                    .collect();
                format!("record {{ {} }}", fields.join(", "))
            }
            other => fail(&format!(
                "the contract uses a {} type, which the generator does not render",
                other.as_str()
            )),
        },
    }
}

fn docs(d: &Docs) -> String {
    d.contents.clone().unwrap_or_default()
}

fn doc_lines(text: &str, indent: &str) -> String {
    text.lines()
        .map(|l| format!("{indent}///{}{l}\n", if l.is_empty() { "" } else { " " }))
        .collect()
}

fn camel(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

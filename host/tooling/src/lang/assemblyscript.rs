//! AssemblyScript plugins: `assembly/index.ts` exports the functions of its
//! kind on `Uint8Array`s (`encode(input, meta, info): Uint8Array | null`,
//! ...), written against the SDK `sdk/sandpress.ts`
//! (`sdk/assemblyscript`, vendored into each new project).
//!
//! [`build`] writes an entry file, `build/sandpress-entry.ts`, whose
//! exports are the canonical ABI functions (`encode(ptr, len, meta, ...)`,
//! `cabi_post_encode`, `cabi_realloc`) calling the plugin's functions
//! through the SDK; compiles it with `asc` 0.28 (`-O3 --runtime minimal
//! --noAssert --use abort= --enable simd`) into `build/NAME.core.wasm`;
//! and renames the exports to their canonical names
//! (`sandpress:plugin/codec@0.1.0#encode`, ...), which AS identifiers
//! cannot spell. `asc` is the project's own (`npm install` in it), else a
//! shared copy under the sandpress cache directory, installed with npm on
//! first use.

pub mod rename;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};

use sandpress_core::plugin::PluginKind;

use super::{NewFile, run_step};
use crate::error::ToolError;
use crate::project::Project;

/// The SDK, as vendored into new projects at `sdk/sandpress.ts`.
pub const SDK: &str = include_str!(concat!(env!("OUT_DIR"), "/sdk/assemblyscript/sandpress.ts"));

/// Where the SDK sits in a project (or one of its parent directories).
pub const SDK_PATH: &str = "sdk/sandpress.ts";

/// Where the build looks for the SDK, in the project and each parent
/// directory: a project's own copy, then the repository's `sdk/` (for the
/// examples under `examples/assemblyscript`).
const SDK_PATHS: [&str; 2] = [SDK_PATH, "sdk/assemblyscript/sandpress.ts"];

/// The npm package `build` installs when no `asc` is found.
pub const ASC_PACKAGE: &str = "assemblyscript@0.28";

/// What `asc` is given besides the entry file and the output.
pub const ASC_FLAGS: [&str; 8] = [
    "-O3",
    "--runtime",
    "minimal",
    "--noAssert",
    "--use",
    "abort=",
    "--enable",
    "simd",
];

/// The generated entry file, relative to the project.
const ENTRY: &str = "build/sandpress-entry.ts";

/// The files of a new AssemblyScript project.
pub fn new_files(name: &str, kind: PluginKind) -> Vec<NewFile> {
    let index = match kind {
        PluginKind::Codec => CODEC,
        PluginKind::Filter => FILTER,
        PluginKind::Prefilter => PREFILTER,
        PluginKind::Postfilter => POSTFILTER,
    };
    let package = format!(
        "{{\n  \"name\": \"{}\",\n  \"private\": true,\n  \"description\": \"A sandpress plugin: `sandpress plugin build` compiles it\",\n  \"devDependencies\": {{\n    \"assemblyscript\": \"^0.28.20\"\n  }}\n}}\n",
        name.to_ascii_lowercase()
    );
    vec![
        (
            PathBuf::from("assembly/index.ts"),
            index.replace("NAME", name),
        ),
        (PathBuf::from(SDK_PATH), SDK.to_string()),
        (
            PathBuf::from("assembly/tsconfig.json"),
            TSCONFIG.to_string(),
        ),
        (PathBuf::from("package.json"), package),
        (
            PathBuf::from(".gitignore"),
            "build/\nnode_modules/\n".to_string(),
        ),
    ]
}

const TSCONFIG: &str = r#"{
  "extends": "assemblyscript/std/assembly.json",
  "include": ["./**/*.ts", "../sdk/**/*.ts"]
}
"#;

const CODEC: &str = r#"// NAME: a sandpress codec. `encode` stores a block of one repeated item as
// that item; `decode` repeats it back. Other blocks are stored raw.
//
// `input` belongs to the call: change it in place, return it or a view of
// it, or return a new array. `return fail("message")` fails the call.

import { BlockInfo, fail, periodic } from "../sdk/sandpress";

export function encode(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array | null {
  const ts = max<u32>(info.typesize, 1);
  const len = <u32>input.length;
  if (len < 2 * ts || len % ts != 0 || !periodic(input, ts)) {
    return null; // store the block raw
  }
  return input.subarray(0, <i32>ts);
}

export function decode(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array {
  if (input.length == 0) return fail("empty input");
  const out = new Uint8Array(<i32>info.blocksize);
  for (let i = 0; i < out.length; i++) {
    out[i] = input[i % input.length];
  }
  return out;
}
"#;

const FILTER: &str = r#"// NAME: a sandpress filter. `forward` replaces each byte by its difference
// with the byte before; `backward` adds them back up. Both work in place.
//
// `input` belongs to the call: change it in place, return it or a view of
// it, or return a new array. `return fail("message")` fails the call.

import { BlockInfo } from "../sdk/sandpress";

export function forward(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array {
  let prev: u8 = 0;
  for (let i = 0; i < input.length; i++) {
    const b = input[i];
    input[i] = b - prev;
    prev = b;
  }
  return input;
}

export function backward(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array {
  let acc: u8 = 0;
  for (let i = 0; i < input.length; i++) {
    acc += input[i];
    input[i] = acc;
  }
  return input;
}
"#;

const PREFILTER: &str = r#"// NAME: a sandpress prefilter, run on each block before the filters. This
// one passes blocks through unchanged.
//
// `input` belongs to the call: change it in place, return it or a view of
// it, or return a new array. `return fail("message")` fails the call.

import { BlockInfo } from "../sdk/sandpress";

export function prefilter(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array {
  return input;
}
"#;

const POSTFILTER: &str = r#"// NAME: a sandpress postfilter, run on each block after the filters are
// undone. This one passes blocks through unchanged.
//
// `input` belongs to the call: change it in place, return it or a view of
// it, or return a new array. `return fail("message")` fails the call.

import { BlockInfo } from "../sdk/sandpress";

export function postfilter(input: Uint8Array, meta: u8, info: BlockInfo): Uint8Array {
  return input;
}
"#;

/// The AS module's export names and their canonical names.
pub fn renames(kind: PluginKind) -> Vec<(String, String)> {
    kind.interface()
        .functions
        .iter()
        .zip(kind.export_names())
        .flat_map(|(f, canonical)| {
            [
                (
                    format!("cabi_post_{}", f.name),
                    format!("cabi_post_{canonical}"),
                ),
                (f.name.to_string(), canonical),
            ]
        })
        .collect()
}

/// The entry file for `kind`, importing the SDK from `sdk` (a path
/// relative to `build/`, without `.ts`).
pub fn entry(kind: PluginKind, sdk: &str) -> String {
    let iface = kind.interface().name;
    let funcs = kind.interface().functions;
    let imports: Vec<String> = funcs
        .iter()
        .map(|f| format!("{0} as plugin_{0}", f.name))
        .collect();
    let mut s = format!(
        "// Generated by `sandpress plugin build` (written anew by every build):\n\
         // the canonical ABI exports of a sandpress {iface}, calling the functions\n\
         // `assembly/index.ts` exports, each\n\
         // `(input: Uint8Array, meta: u8, info: BlockInfo)`.\n\
         import {{ {} }} from \"../assembly/index\";\n\
         import {{ BlockInfo, abi }} from \"{sdk}\";\n\n\
         export function cabi_realloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {{\n  \
         return abi.realloc(oldPtr, oldSize, align, newSize);\n}}\n",
        imports.join(", ")
    );
    for func in funcs {
        let f = func.name;
        let lower = if func.answers_option {
            "lowerOption"
        } else {
            "lowerList"
        };
        s.push_str(&format!(
            "\nexport function {f}(ptr: usize, len: usize, meta: u32, typesize: u32, blocksize: u32, chunkIndex: u64, blockIndex: u32, offset: u32): usize {{\n  \
             const info = new BlockInfo(typesize, blocksize, chunkIndex, blockIndex, offset);\n  \
             return abi.{lower}(plugin_{f}(abi.lift(ptr, len), <u8>meta, info));\n}}\n\n\
             export function cabi_post_{f}(ret: usize): void {{\n  abi.release();\n}}\n"
        ));
    }
    s
}

/// The SDK the project uses: `sdk/sandpress.ts` in the project or the
/// nearest parent directory, as a path relative to `build/` (without
/// `.ts`), for the entry file's import.
fn find_sdk(dir: &Path) -> Result<String, ToolError> {
    let abs = dir.canonicalize().map_err(|e| ToolError::io(dir, e))?;
    abs.ancestors()
        .enumerate()
        .find_map(|(up, d)| {
            SDK_PATHS
                .iter()
                .find(|p| d.join(p).is_file())
                .map(|p| format!("{}{}", "../".repeat(up + 1), p.trim_end_matches(".ts")))
        })
        .ok_or_else(|| {
            ToolError::Invalid(format!(
                "{SDK_PATH} (the sandpress AssemblyScript SDK) is not in {} or a parent directory; \
                 `sandpress plugin new --lang as` puts one in a new project",
                dir.display()
            ))
        })
}

/// The shared install's directory: `assemblyscript/` under
/// `$SANDPRESS_CACHE_DIR`, else `$XDG_CACHE_HOME/sandpress`, else
/// `~/.cache/sandpress` (the sandbox's cache directory).
pub fn shared_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let base = var("SANDPRESS_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| var("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("sandpress")))
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache").join("sandpress")))?;
    Some(base.join("assemblyscript"))
}

fn asc_in(dir: &Path) -> PathBuf {
    dir.join("node_modules").join(".bin").join("asc")
}

fn missing(tool: &str, hint: &str) -> ToolError {
    ToolError::MissingTool {
        tool: tool.into(),
        lang: "AssemblyScript",
        hint: hint.into(),
    }
}

/// Fails with [`ToolError::MissingTool`] when `program --version` cannot run.
fn require(program: &str, hint: &str) -> Result<(), ToolError> {
    match Command::new(program).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err(missing(program, hint)),
    }
}

const NODE_HINT: &str =
    "install Node.js 20 or newer with npm (Debian: `apt-get install nodejs npm`)";

/// The `asc` to use: the project's, else the shared install (made now if
/// there is none).
pub fn find_asc(p: &Project) -> Result<PathBuf, ToolError> {
    let local = asc_in(&p.dir);
    if local.is_file() {
        return Ok(local);
    }
    let shared = shared_dir().ok_or_else(|| {
        missing(
            "asc",
            "set SANDPRESS_CACHE_DIR or HOME (where it is installed), or run `npm install` in the project",
        )
    })?;
    let asc = asc_in(&shared);
    if !asc.is_file() {
        install(&shared)?;
    }
    Ok(asc)
}

/// Installs AssemblyScript into `dir` with npm: into a temporary directory
/// next to it, renamed into place, so that concurrent builds (threads or
/// processes) never see half an install.
pub fn install(dir: &Path) -> Result<(), ToolError> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    if asc_in(dir).is_file() {
        return Ok(());
    }
    require("npm", NODE_HINT)?;
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| ToolError::io(parent, e))?;
    let tmp = parent.join(format!("assemblyscript.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| ToolError::io(&tmp, e))?;
    eprintln!(
        "installing AssemblyScript ({ASC_PACKAGE}) into {}",
        dir.display()
    );
    let mut npm = Command::new("npm");
    npm.args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&tmp)
        .arg(ASC_PACKAGE);
    let installed = run_step("install AssemblyScript", &mut npm).and_then(|()| {
        if asc_in(&tmp).is_file() {
            Ok(())
        } else {
            Err(missing(
                "asc",
                &format!("npm installed {ASC_PACKAGE} without node_modules/.bin/asc"),
            ))
        }
    });
    if let Err(e) = installed {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if dir.exists() && !asc_in(dir).is_file() {
        // A broken earlier install.
        let _ = std::fs::remove_dir_all(dir);
    }
    let renamed = std::fs::rename(&tmp, dir);
    if asc_in(dir).is_file() {
        // Ours, or another process's that got there first.
        let _ = std::fs::remove_dir_all(&tmp);
        Ok(())
    } else {
        let _ = std::fs::remove_dir_all(&tmp);
        Err(match renamed {
            Err(e) => ToolError::io(dir, e),
            Ok(()) => missing(
                "asc",
                "the AssemblyScript install has no node_modules/.bin/asc",
            ),
        })
    }
}

/// Compiles the project into a core module.
pub fn build(p: &Project) -> Result<Vec<u8>, ToolError> {
    let sdk = find_sdk(&p.dir)?;
    require("node", NODE_HINT)?;
    let asc = find_asc(p)?;
    let asc = asc.canonicalize().map_err(|e| ToolError::io(&asc, e))?;
    let build_dir = p.dir.join("build");
    std::fs::create_dir_all(&build_dir).map_err(|e| ToolError::io(&build_dir, e))?;
    let entry_path = p.dir.join(ENTRY);
    std::fs::write(&entry_path, entry(p.kind, &sdk)).map_err(|e| ToolError::io(&entry_path, e))?;
    let core = format!("build/{}.core.wasm", p.name);
    let mut cmd = Command::new(&asc);
    cmd.current_dir(&p.dir)
        .arg(ENTRY)
        .arg("-o")
        .arg(&core)
        .args(ASC_FLAGS);
    run_step("compile", &mut cmd)?;
    let core = p.dir.join(core);
    let module = std::fs::read(&core).map_err(|e| ToolError::io(&core, e))?;
    rename::rename_exports(&module, &renames(p.kind)).map_err(ToolError::Componentize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_are_the_canonical_names() {
        let r = renames(PluginKind::Codec);
        assert!(r.contains(&(
            "encode".into(),
            "sandpress:plugin/codec@0.1.0#encode".into()
        )));
        assert!(r.contains(&(
            "cabi_post_decode".into(),
            "cabi_post_sandpress:plugin/codec@0.1.0#decode".into()
        )));
        for kind in [
            PluginKind::Codec,
            PluginKind::Filter,
            PluginKind::Prefilter,
            PluginKind::Postfilter,
        ] {
            let canonical: Vec<String> = renames(kind)
                .into_iter()
                .map(|(_, to)| to)
                .filter(|to| !to.starts_with("cabi_post_"))
                .collect();
            assert_eq!(canonical, crate::wit::export_names(kind));
        }
    }

    #[test]
    fn finds_the_sdk_of_the_examples() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/assemblyscript/delta-filter");
        assert_eq!(
            find_sdk(&dir).unwrap(),
            "../../../../sdk/assemblyscript/sandpress"
        );
    }
}

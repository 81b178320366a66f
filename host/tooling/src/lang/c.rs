//! C plugins: `sandpress.h` and its hand-written canonical-ABI glue
//! (`sandpress.c`), vendored into each project's `sdk/`, compiled with
//! Debian's clang-19 for `wasm32-wasi` as a reactor.
//!
//! Every `.c` file under the project's `src/` and `sdk/` is compiled and
//! linked in one clang call into `build/NAME.core.wasm`:
//!
//! ```text
//! clang-19 --target=wasm32-wasi -O3 -mexec-model=reactor -msimd128 -Wall \
//!     -Isdk -Wl,--strip-debug -o build/NAME.core.wasm sdk/*.c src/*.c
//! ```
//!
//! `$SANDPRESS_CLANG` names another clang; `$SANDPRESS_CFLAGS` adds flags
//! after these (split on whitespace; `-mno-simd128` undoes `-msimd128`).

use std::path::{Path, PathBuf};
use std::process::Command;

use sandpress_core::plugin::PluginKind;

use super::{NewFile, run_step};
use crate::error::ToolError;
use crate::project::Project;

/// The SDK's header, vendored into every new project as `sdk/sandpress.h`.
pub const SDK_HEADER: &str = include_str!(concat!(env!("OUT_DIR"), "/sdk/c/sandpress.h"));
/// The SDK's glue, vendored into every new project as `sdk/sandpress.c`.
pub const SDK_GLUE: &str = include_str!(concat!(env!("OUT_DIR"), "/sdk/c/sandpress.c"));

/// The compiler looked for when `$SANDPRESS_CLANG` is not set.
pub const CLANG: &str = "clang-19";
/// How to install what C plugins need, on Debian and Ubuntu.
pub const INSTALL_HINT: &str = "apt-get install -y clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 (or set SANDPRESS_CLANG)";

/// The flags every C plugin is compiled with, before the files.
pub const FLAGS: [&str; 7] = [
    "--target=wasm32-wasi",
    "-O3",
    "-mexec-model=reactor",
    "-msimd128",
    "-Wall",
    "-Isdk",
    "-Wl,--strip-debug",
];

/// The files of a new C project: the SDK in `sdk/` and an example in
/// `src/NAME.c`.
pub fn new_files(name: &str, kind: PluginKind) -> Vec<NewFile> {
    let example = match kind {
        PluginKind::Codec => CODEC,
        PluginKind::Filter => FILTER,
        PluginKind::Prefilter => PREFILTER,
        PluginKind::Postfilter => POSTFILTER,
    };
    vec![
        (PathBuf::from("sdk/sandpress.h"), SDK_HEADER.to_string()),
        (PathBuf::from("sdk/sandpress.c"), SDK_GLUE.to_string()),
        (
            PathBuf::from(format!("src/{name}.c")),
            example.replace("NAME", name),
        ),
    ]
}

const CODEC: &str = r#"/*
 * NAME: a sandpress codec. A block whose typesize-byte items are all the
 * same is stored as that one item; sp_decode repeats it back. Other blocks
 * are stored raw.
 */
#include <string.h>

#include "sandpress.h"

int sp_encode(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info,
              sp_buf *out) {
    (void)meta;
    size_t ts = info->typesize ? info->typesize : 1;
    if (len < 2 * ts || len % ts != 0) {
        return SP_STORE_RAW;
    }
    /* Every item equals the one before it. */
    if (memcmp(in + ts, in, len - ts) != 0) {
        return SP_STORE_RAW;
    }
    uint8_t *item = sp_buf_alloc(out, ts);
    if (item == NULL) {
        return sp_error(out, "out of memory");
    }
    memcpy(item, in, ts);
    return SP_OK;
}

int sp_decode(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info,
              sp_buf *out) {
    (void)meta;
    if (len == 0) {
        return sp_error(out, "empty input");
    }
    size_t n = info->blocksize;
    uint8_t *block = sp_buf_alloc(out, n);
    if (block == NULL) {
        return sp_error(out, "out of memory");
    }
    /* The item, then the filled part doubled until the block is full. */
    size_t filled = len < n ? len : n;
    memcpy(block, in, filled);
    while (filled < n) {
        size_t k = filled < n - filled ? filled : n - filled;
        memcpy(block + filled, block, k);
        filled += k;
    }
    return SP_OK;
}

SP_EXPORT_CODEC;
"#;

const FILTER: &str = r#"/*
 * NAME: a sandpress filter. sp_forward replaces each byte by its difference
 * with the byte before; sp_backward adds them back up. Both work in place,
 * in the input buffer.
 */
#include "sandpress.h"

int sp_forward(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info,
               sp_buf *out) {
    (void)in, (void)meta, (void)info;
    uint8_t *b = sp_buf_use_input(out);
    uint8_t prev = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t cur = b[i];
        b[i] = (uint8_t)(cur - prev);
        prev = cur;
    }
    return SP_OK;
}

int sp_backward(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info,
                sp_buf *out) {
    (void)in, (void)meta, (void)info;
    uint8_t *b = sp_buf_use_input(out);
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum = (uint8_t)(sum + b[i]);
        b[i] = sum;
    }
    return SP_OK;
}

SP_EXPORT_FILTER;
"#;

const PREFILTER: &str = r#"/*
 * NAME: a sandpress prefilter, run on each block before the filters on
 * compression. This one passes blocks through unchanged.
 */
#include "sandpress.h"

int sp_prefilter(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info,
                 sp_buf *out) {
    (void)in, (void)len, (void)meta, (void)info;
    sp_buf_use_input(out);
    return SP_OK;
}

SP_EXPORT_PREFILTER;
"#;

const POSTFILTER: &str = r#"/*
 * NAME: a sandpress postfilter, run on each block after the filters are
 * undone on decompression. This one passes blocks through unchanged.
 */
#include "sandpress.h"

int sp_postfilter(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info,
                  sp_buf *out) {
    (void)in, (void)len, (void)meta, (void)info;
    sp_buf_use_input(out);
    return SP_OK;
}

SP_EXPORT_POSTFILTER;
"#;

/// The clang to run: `$SANDPRESS_CLANG`, or `clang-19` found on `PATH`.
fn clang() -> Result<PathBuf, ToolError> {
    if let Some(c) = std::env::var_os("SANDPRESS_CLANG").filter(|c| !c.is_empty()) {
        return Ok(PathBuf::from(c));
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(CLANG))
        .find(|p| p.is_file())
        .ok_or_else(|| ToolError::MissingTool {
            tool: CLANG.into(),
            lang: "C",
            hint: INSTALL_HINT.into(),
        })
}

/// Every `.c` file under `dir/sub`, relative to `dir`, recursively.
fn sources(dir: &Path, sub: &str, found: &mut Vec<PathBuf>) -> Result<(), ToolError> {
    let mut pending = vec![PathBuf::from(sub)];
    while let Some(rel) = pending.pop() {
        let abs = dir.join(&rel);
        if !abs.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&abs).map_err(|e| ToolError::io(&abs, e))? {
            let entry = entry.map_err(|e| ToolError::io(&abs, e))?;
            let rel = rel.join(entry.file_name());
            if dir.join(&rel).is_dir() {
                pending.push(rel);
            } else if rel.extension().is_some_and(|e| e == "c") {
                found.push(rel);
            }
        }
    }
    Ok(())
}

/// Compiles every `.c` under the project's `src/` and `sdk/` into
/// `build/NAME.core.wasm` and returns the core module. The compiler's
/// messages go to the terminal.
pub fn build(p: &Project) -> Result<Vec<u8>, ToolError> {
    let clang = clang()?;
    let mut files = Vec::new();
    sources(&p.dir, "sdk", &mut files)?;
    sources(&p.dir, "src", &mut files)?;
    files.sort();
    if !files.iter().any(|f| f.starts_with("src")) {
        return Err(ToolError::Invalid(format!(
            "{}: no .c file under src/",
            p.dir.display()
        )));
    }
    let build_dir = p.dir.join("build");
    std::fs::create_dir_all(&build_dir).map_err(|e| ToolError::io(&build_dir, e))?;
    let module = build_dir.join(format!("{}.core.wasm", p.name));
    let extra = std::env::var("SANDPRESS_CFLAGS").unwrap_or_default();
    let mut cmd = Command::new(&clang);
    cmd.current_dir(&p.dir)
        .args(FLAGS)
        .args(extra.split_whitespace())
        .arg("-o")
        .arg(Path::new("build").join(format!("{}.core.wasm", p.name)))
        .args(&files);
    run_step("compile", &mut cmd)?;
    std::fs::read(&module).map_err(|e| ToolError::io(module, e))
}

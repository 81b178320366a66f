//! What only the C SDK has: the examples' build outputs, a plugin of the
//! wrong kind, and the SDK's glue, which frees what it allocates and turns
//! misuse (error codes, messages, buffers) into errors.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sandpress_core::plugin::{PluginError, PluginKind};
use sandpress_tooling::build::{Built, build};
use sandpress_tooling::componentize;
use sandpress_tooling::error::ToolError;
use sandpress_tooling::project;

use super::{Components, Lang, decode, encode, examples_dir, filter, info, needs_tools};
use crate::common::{sandbox, shaped};

/// The three C examples, built from source once per run.
struct CExamples {
    repeat: Built,
    delta: Built,
    step: Built,
}

fn built() -> &'static CExamples {
    static B: OnceLock<CExamples> = OnceLock::new();
    B.get_or_init(|| {
        let b = |name: &str| {
            build(&examples_dir("c").join(name)).unwrap_or_else(|e| panic!("building {name}: {e}"))
        };
        CExamples {
            repeat: b("repeat-codec"),
            delta: b("delta-filter"),
            step: b("step-codec"),
        }
    })
}

/// The C components of the three examples.
pub fn components() -> &'static Components {
    static C: OnceLock<Components> = OnceLock::new();
    C.get_or_init(|| {
        let b = built();
        Components {
            repeat: b.repeat.component.clone(),
            delta: b.delta.component.clone(),
            step: b.step.component.clone(),
        }
    })
}

#[test]
fn c_examples_build_from_source_and_import_nothing() {
    if !needs_tools(Lang::C) {
        return;
    }
    let b = built();
    for (built, kind) in [
        (&b.repeat, PluginKind::Codec),
        (&b.delta, PluginKind::Filter),
        (&b.step, PluginKind::Codec),
    ] {
        assert_eq!(built.project.lang, project::Lang::C);
        assert_eq!(built.project.kind, kind);
        assert!(built.imports.is_empty(), "{:?}", built.imports);
        assert!(componentize::imports(&built.component).is_empty());
        assert_eq!(std::fs::read(&built.path).unwrap(), built.component);
        let module = built
            .path
            .with_file_name(format!("{}.core.wasm", built.project.name));
        assert!(module.is_file(), "{}", module.display());
    }
    assert_eq!(b.step.project.id, 184);
    // Built as the brief says a user would, from the repository root.
    let again = build(&examples_dir("c").join("delta-filter")).unwrap();
    assert_eq!(again.sha256, b.delta.sha256, "the build is deterministic");
}

/// A C project named `name` of `kind` whose source is `source`.
fn c_project(root: &Path, name: &str, kind: PluginKind, source: &str) -> PathBuf {
    let dir = root.join(name);
    sandpress_tooling::new::new(&dir, name, project::Lang::C, kind, 200).unwrap();
    std::fs::write(dir.join("src").join(format!("{name}.c")), source).unwrap();
    dir
}

/// A plugin of the wrong kind links but is not the world plugin.toml names.
#[test]
fn a_c_plugin_of_the_wrong_kind_fails_componentize() {
    if !needs_tools(Lang::C) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = c_project(
        tmp.path(),
        "wrongkind",
        PluginKind::Codec,
        "#include \"sandpress.h\"\n\
         int sp_prefilter(const uint8_t *in, size_t len, uint8_t m, const sp_block_info *i, sp_buf *o) {\n\
           (void)in, (void)len, (void)m, (void)i; sp_buf_use_input(o); return SP_OK; }\n\
         SP_EXPORT_PREFILTER;\n",
    );
    assert!(matches!(build(&dir), Err(ToolError::Componentize(_))));
}

/// The message of an error the plugin answered; a stopped plugin fails the
/// test.
fn said<T>(r: Result<T, PluginError>) -> Result<T, String> {
    r.map_err(|e| match e {
        PluginError::Refused { message } => message,
        other => panic!("the sandbox stopped the plugin: {other}"),
    })
}

/// A codec whose answers depend on `meta`, exercising every path of the
/// SDK's glue.
const MISUSE: &str = r#"#include <stdlib.h>
#include <string.h>
#include "sandpress.h"

int sp_encode(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info, sp_buf *out) {
    (void)info;
    switch (meta) {
    case 0: { /* a copy, reallocated twice and truncated */
        sp_buf_alloc(out, len + 100);
        uint8_t *p = sp_buf_alloc(out, len + 8);
        if (p == NULL) return sp_error(out, "out of memory");
        memcpy(p, in, len);
        sp_buf_truncate(out, len);
        return SP_OK; }
    case 1: return SP_STORE_RAW;
    case 2: return sp_error(out, "no, thanks");
    case 3: sp_buf_use_input(out); return sp_errorf(out, "%zu bytes \xff\xfe refused", len);
    case 4: return 42;
    case 5: sp_buf_alloc(out, len); sp_error(out, "changed my mind"); return SP_OK;
    case 6: return sp_error(out, NULL);
    case 7: { sp_buf_use_input(out); sp_buf_truncate(out, len / 2); return SP_OK; }
    default: { char *mine = malloc(len + 1); free(mine); return SP_OK; }
    }
}

int sp_decode(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info, sp_buf *out) {
    (void)meta, (void)info;
    uint8_t *p = sp_buf_use_input(out);
    for (size_t i = 0; i < len; i++) p[i] ^= 0;
    (void)in;
    return SP_OK;
}

SP_EXPORT_CODEC;
"#;

/// A filter answering SP_STORE_RAW, which only an encoder may.
const RAW_FILTER: &str = r#"#include "sandpress.h"
int sp_forward(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info, sp_buf *out) {
    (void)in, (void)len, (void)meta, (void)info, (void)out;
    return SP_STORE_RAW;
}
int sp_backward(const uint8_t *in, size_t len, uint8_t meta, const sp_block_info *info, sp_buf *out) {
    (void)in, (void)meta, (void)info;
    return sp_buf_alloc(out, len) ? SP_OK : sp_error(out, "out of memory");
}
SP_EXPORT_FILTER;
"#;

#[test]
fn the_glue_frees_what_it_allocates_and_turns_misuse_into_errors() {
    if !needs_tools(Lang::C) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let b = build(&c_project(tmp.path(), "misuse", PluginKind::Codec, MISUSE)).unwrap();
    assert!(b.imports.is_empty(), "{:?}", b.imports);
    let codec = sandbox().load_codec("misuse", 200, &b.component).unwrap();
    let enc = |input: &[u8], meta, bi| said(encode(codec.as_ref(), input, meta, bi));
    let block = shaped(1 << 20, 1, 3, 9);
    let bi = info(block.len(), 1, 0);
    // The sandbox gives the guest 16 MiB: a leaked 1 MiB per call would
    // run out within 16 calls.
    for round in 0..40 {
        let what = format!("round {round}");
        assert_eq!(enc(&block, 0, &bi), Ok(Some(block.clone())), "{what}");
        assert_eq!(enc(&block, 1, &bi), Ok(None), "{what}");
        assert_eq!(enc(&block, 2, &bi), Err("no, thanks".into()), "{what}");
        assert_eq!(
            enc(&block, 3, &bi),
            Err("1048576 bytes ?? refused".into()),
            "{what}"
        );
        let generic = enc(&block, 4, &bi).unwrap_err();
        assert!(generic.contains("without a message"), "{generic}");
        assert_eq!(enc(&block, 5, &bi), Err("changed my mind".into()), "{what}");
        assert!(enc(&block, 6, &bi).unwrap_err().contains("no message"));
        assert_eq!(
            enc(&block, 7, &bi),
            Ok(Some(block[..block.len() / 2].to_vec())),
            "{what}"
        );
        assert_eq!(enc(&block, 8, &bi), Ok(Some(Vec::new())), "{what}");
        assert_eq!(
            said(decode(codec.as_ref(), &block, 0, &bi)).as_deref(),
            Ok(&block[..]),
            "{what}"
        );
    }
    // Empty blocks: empty answers, and the same errors.
    let empty = info(0, 1, 0);
    for (meta, expected) in [
        (0, Ok(Some(Vec::new()))),
        (1, Ok(None)),
        (7, Ok(Some(Vec::new()))),
    ] {
        assert_eq!(enc(&[], meta, &empty), expected, "meta {meta}");
    }
    assert_eq!(enc(&[], 3, &empty), Err("0 bytes ?? refused".into()));
    assert_eq!(said(decode(codec.as_ref(), &[], 0, &empty)), Ok(Vec::new()));

    let b = build(&c_project(
        tmp.path(),
        "rawfilter",
        PluginKind::Filter,
        RAW_FILTER,
    ))
    .unwrap();
    let f = sandbox().load_filter(200, &b.component).unwrap();
    let bi = info(100, 1, 0);
    let err = said(filter(f.as_ref(), true, &[0; 100], 0, &bi)).unwrap_err();
    assert!(err.contains("SP_STORE_RAW"), "{err}");
    assert!(filter(f.as_ref(), false, &[0; 100], 0, &bi).is_ok());
}

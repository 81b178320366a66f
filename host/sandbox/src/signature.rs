//! The contract's interfaces and function types, and a renderer that prints
//! a component's function types in WIT syntax so a mismatch can be shown.

use std::fmt::Write;

use sandpress_core::plugin::PluginKind;
use wasmtime::component::types::{ComponentFunc, Type};

/// The version of the `sandpress:plugin` package this host implements.
pub const CONTRACT_VERSION: &str = "0.1.0";

/// `block-info` as [`render_type`] prints it.
const BLOCK_INFO: &str = "record { typesize: u32, blocksize: u32, chunk-index: u64, \
                          block-index: u32, offset: u32 }";

/// The interface a plugin kind must export, e.g.
/// `sandpress:plugin/codec@0.1.0`.
pub fn interface_name(kind: PluginKind) -> String {
    format!("sandpress:plugin/{kind}@{CONTRACT_VERSION}")
}

/// The functions a plugin kind must export, in the order the sandbox keeps
/// them, each with its type as [`render_func`] prints it.
pub(crate) fn expected_functions(kind: PluginKind) -> Vec<(&'static str, String)> {
    let bytes = format!("func(list<u8>, u8, {BLOCK_INFO}) -> result<list<u8>, string>");
    match kind {
        PluginKind::Codec => vec![
            (
                "encode",
                format!("func(list<u8>, u8, {BLOCK_INFO}) -> result<option<list<u8>>, string>"),
            ),
            ("decode", bytes),
        ],
        PluginKind::Filter => vec![("forward", bytes.clone()), ("backward", bytes)],
        PluginKind::Prefilter => vec![("prefilter", bytes)],
        PluginKind::Postfilter => vec![("postfilter", bytes)],
    }
}

/// Prints a function type in WIT syntax, without parameter names (they do
/// not matter to the call).
pub(crate) fn render_func(func: &ComponentFunc) -> String {
    let mut out = String::new();
    if func.async_() {
        out.push_str("async ");
    }
    out.push_str("func(");
    for (i, (_, ty)) in func.params().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        render_type(&ty, &mut out);
    }
    out.push(')');
    let results: Vec<Type> = func.results().collect();
    if !results.is_empty() {
        out.push_str(" -> ");
        for (i, ty) in results.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            render_type(ty, &mut out);
        }
    }
    out
}

/// Prints an interface type in WIT syntax, records and variants expanded.
pub(crate) fn render_type(ty: &Type, out: &mut String) {
    let simple = match ty {
        Type::Bool => "bool",
        Type::S8 => "s8",
        Type::U8 => "u8",
        Type::S16 => "s16",
        Type::U16 => "u16",
        Type::S32 => "s32",
        Type::U32 => "u32",
        Type::S64 => "s64",
        Type::U64 => "u64",
        Type::Float32 => "f32",
        Type::Float64 => "f64",
        Type::Char => "char",
        Type::String => "string",
        Type::ErrorContext => "error-context",
        _ => "",
    };
    if !simple.is_empty() {
        out.push_str(simple);
        return;
    }
    match ty {
        Type::List(l) => {
            out.push_str("list<");
            render_type(&l.ty(), out);
            out.push('>');
        }
        Type::FixedLengthList(l) => {
            out.push_str("list<");
            render_type(&l.ty(), out);
            let _ = write!(out, ", {}>", l.len());
        }
        Type::Map(m) => {
            out.push_str("map<");
            render_type(&m.key(), out);
            out.push_str(", ");
            render_type(&m.value(), out);
            out.push('>');
        }
        Type::Option(o) => {
            out.push_str("option<");
            render_type(&o.ty(), out);
            out.push('>');
        }
        Type::Result(r) => render_result(r.ok(), r.err(), out),
        Type::Record(r) => {
            out.push_str("record { ");
            for (i, f) in r.fields().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}: ", f.name);
                render_type(&f.ty, out);
            }
            out.push_str(" }");
        }
        Type::Tuple(t) => {
            out.push_str("tuple<");
            for (i, ty) in t.types().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_type(&ty, out);
            }
            out.push('>');
        }
        Type::Variant(v) => {
            out.push_str("variant { ");
            for (i, c) in v.cases().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(c.name);
                if let Some(ty) = &c.ty {
                    out.push('(');
                    render_type(ty, out);
                    out.push(')');
                }
            }
            out.push_str(" }");
        }
        Type::Enum(e) => {
            let _ = write!(
                out,
                "enum {{ {} }}",
                e.names().collect::<Vec<_>>().join(", ")
            );
        }
        Type::Flags(f) => {
            let _ = write!(
                out,
                "flags {{ {} }}",
                f.names().collect::<Vec<_>>().join(", ")
            );
        }
        Type::Own(_) => out.push_str("own<resource>"),
        Type::Borrow(_) => out.push_str("borrow<resource>"),
        Type::Future(f) => render_wrapped("future", f.ty(), out),
        Type::Stream(s) => render_wrapped("stream", s.ty(), out),
        _ => out.push_str("unknown"),
    }
}

fn render_result(ok: Option<Type>, err: Option<Type>, out: &mut String) {
    out.push_str("result");
    if ok.is_none() && err.is_none() {
        return;
    }
    out.push('<');
    match &ok {
        Some(ty) => render_type(ty, out),
        None => out.push('_'),
    }
    if let Some(ty) = &err {
        out.push_str(", ");
        render_type(ty, out);
    }
    out.push('>');
}

fn render_wrapped(name: &str, inner: Option<Type>, out: &mut String) {
    out.push_str(name);
    if let Some(ty) = inner {
        out.push('<');
        render_type(&ty, out);
        out.push('>');
    }
}

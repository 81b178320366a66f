//! A renderer that prints a component's function types in WIT syntax, in
//! the form the contract's table gives them
//! ([`sandpress_contract::Function::signature`]), so a mismatch can be
//! shown side by side.

use std::fmt::Write;

use wasmtime::component::types::{ComponentFunc, Type};

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

//! The ratios `sandpress bench` prints after its table, all between rows
//! of the same run.

use std::io::Write;

use anyhow::Result;

use super::data::Pipeline;
use super::{Checks, Reuse, Row, find};

pub(super) fn summary(out: &mut dyn Write, rows: &[Row], threads: &[usize]) -> Result<()> {
    writeln!(out, "\nRatios (same run):")?;
    let one = threads.contains(&1).then_some(1);
    let two = threads.iter().copied().find(|&t| t >= 2);
    for t in threads {
        for (ds, wasm, native) in [
            (
                "arange",
                "delta 160 + step 184 (wasm)",
                "delta 160 + step 184 (native)",
            ),
            (
                "repeated value",
                "repeat codec 160 (wasm)",
                "repeat codec 160 (native)",
            ),
            (
                "random walk",
                "byte-shuffle 161 + lz4 (wasm)",
                "byte-shuffle 161 + lz4 (native)",
            ),
        ] {
            if let (Some(w), Some(n)) = (find(rows, ds, wasm, *t), find(rows, ds, native, *t)) {
                writeln!(
                    out,
                    "  {t} thread(s), {ds}: native / wasm = {:.2}x compress, {:.2}x decompress",
                    n.compress / w.compress,
                    n.decompress / w.decompress
                )?;
            }
        }
    }
    if let (Some(a), Some(b)) = (one, two) {
        for ds in ["arange", "repeated value", "random walk"] {
            for p in [
                "delta 160 + step 184 (wasm)",
                "repeat codec 160 (wasm)",
                "zstd-1 + shuffle (built-in)",
            ] {
                if let (Some(x), Some(y)) = (find(rows, ds, p, a), find(rows, ds, p, b)) {
                    writeln!(
                        out,
                        "  {ds}, {p}: {b} threads / 1 thread = {:.2}x compress, {:.2}x decompress",
                        y.compress / x.compress,
                        y.decompress / x.decompress
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// The cost of verify on write and of checksums: time with them over time
/// without, per pipeline with a plugin (same run).
pub(super) fn integrity_summary(
    out: &mut dyn Write,
    rows: &[Row],
    pipes: &[Pipeline],
) -> Result<()> {
    writeln!(
        out,
        "\nIntegrity costs (time with / time without, same run):"
    )?;
    for r in rows
        .iter()
        .filter(|r| pipes.iter().any(|p| p.name == r.pipeline))
    {
        let without = |c: Checks| {
            find(
                rows,
                r.dataset,
                &format!("{}{}", r.pipeline, c.suffix()),
                r.threads,
            )
        };
        if let (Some(nv), Some(nc)) = (without(Checks::NoVerify), without(Checks::NoChecksums)) {
            writeln!(
                out,
                "  {}, {}, {} thread(s): verify on write {:.2}x compress; checksums {:.2}x compress, {:.2}x decompress",
                r.dataset,
                r.pipeline,
                r.threads,
                nv.compress / r.compress,
                nc.compress / r.compress,
                nc.decompress / r.decompress
            )?;
        }
    }
    Ok(())
}

/// The cost of fresh state: time with each other instance reuse over time
/// with the first one given, per pipeline with a plugin (same run).
pub(super) fn reuse_summary(
    out: &mut dyn Write,
    rows: &[Row],
    pipes: &[Pipeline],
    modes: &[Reuse],
) -> Result<()> {
    let Some((first, others)) = modes.split_first() else {
        return Ok(());
    };
    if others.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nInstance reuse costs (time with it / time with {}, same run):",
        first.name()
    )?;
    for r in rows.iter().filter(|r| {
        pipes
            .iter()
            .any(|p| p.name == r.pipeline && p.name.contains("(wasm)"))
    }) {
        for mode in others {
            let label = format!("{}{}", r.pipeline, mode.suffix());
            if let Some(m) = find(rows, r.dataset, &label, r.threads) {
                writeln!(
                    out,
                    "  {}, {}, {} thread(s): {} {:.2}x compress, {:.2}x decompress",
                    r.dataset,
                    r.pipeline,
                    r.threads,
                    mode.name(),
                    r.compress / m.compress,
                    r.decompress / m.decompress
                )?;
            }
        }
    }
    Ok(())
}

//! `sandpress demo`: python-blosc2's tutorial on user-defined codecs and
//! filters, step by step, with the tutorial's plugins as WebAssembly
//! components running in the sandbox on every thread.

use std::io::Write;

use anyhow::{Context, Result, bail};
use sandpress_core::format::{MAX_FILTERS, ids};
use sandpress_core::plugin::{CodecPlugin, FilterPlugin, PluginMeta};
use sandpress_core::{CParams, DParams, FilterChain, Registry, SChunk, SplitMode};
use sandpress_sandbox::Sandbox;

const CHUNK_LEN: usize = 10_000;
const NCHUNKS: usize = 3;
const TYPESIZE: u8 = 4;

fn ints(values: impl Iterator<Item = i32>) -> Vec<u8> {
    values.flat_map(i32::to_ne_bytes).collect()
}

fn show_cparams(out: &mut dyn Write, cp: &CParams) -> Result<()> {
    writeln!(
        out,
        "    cparams: codec {}, codec_meta {}, clevel {}, typesize {}, nthreads {}, blocksize {}, \
         splitmode {:?}, filters {:?}, filters_meta {:?}",
        cp.codec,
        cp.codec_meta,
        cp.clevel,
        cp.typesize,
        cp.nthreads,
        cp.blocksize,
        cp.splitmode,
        cp.filters.ids(),
        cp.filters.metas()
    )?;
    Ok(())
}

fn show_plugin(out: &mut dyn Write, what: &str, meta: &PluginMeta, bytes: usize) -> Result<()> {
    writeln!(
        out,
        "    {what} {} (id {}): {bytes} byte component, sha256 {}",
        meta.name,
        meta.id,
        meta.sha256_hex()
    )?;
    Ok(())
}

/// Checks a full round trip of `expect` through `schunk` and prints `True` or `False`.
fn check(out: &mut dyn Write, schunk: &SChunk, expect: &[u8]) -> Result<bool> {
    let mut got = vec![0; expect.len()];
    schunk.get_slice(0..schunk.nitems(), &mut got)?;
    let equal = got == expect;
    writeln!(
        out,
        "    np.array_equal(data, out): {}",
        if equal { "True" } else { "False" }
    )?;
    Ok(equal)
}

/// Runs the tutorial with `threads` worker threads, printing what it prints.
pub fn run(threads: usize, out: &mut dyn Write) -> Result<()> {
    let threads = threads.max(1);
    let sandbox = Sandbox::new().context("starting the sandbox")?;
    writeln!(
        out,
        "sandpress demo: python-blosc2's tutorial \"User-defined codecs and filters\",\n\
         with its plugins as WebAssembly components, on {threads} thread(s) \
         (python-blosc2 allows only 1 with user codecs)."
    )?;
    // [1] The super-chunk.
    let base = base_cparams(threads);
    let dparams = DParams {
        nthreads: threads,
        ..DParams::default()
    };
    let mut schunk = SChunk::new(
        CHUNK_LEN * usize::from(TYPESIZE),
        base.clone(),
        dparams,
        Registry::new(),
    )?;
    let mut ok = user_codec(out, &sandbox, &mut schunk)?;
    ok &= user_filter(out, &sandbox, &mut schunk, &base)?;
    ok &= filter_and_codec(out, &sandbox, &mut schunk)?;
    if !ok {
        bail!("a round trip gave different data");
    }
    writeln!(out, "\nEvery stage decoded to the original data.")?;
    Ok(())
}

/// The tutorial's parameters: typesize 4, python-blosc2's defaults otherwise.
fn base_cparams(threads: usize) -> CParams {
    CParams {
        typesize: TYPESIZE,
        nthreads: threads,
        // python-blosc2's tutorial ran with ALWAYS_SPLIT: keep its layout and ratios.
        splitmode: SplitMode::Always,
        ..CParams::default()
    }
}

/// The filters of python-blosc2's `cparams = {"filters": [id]}`: the list
/// padded on the right, so the filter sits in the first slot.
fn first_slot(id: u8) -> FilterChain {
    let mut slots = [ids::NOFILTER; MAX_FILTERS];
    slots[0] = id;
    FilterChain::from_slots(slots, [0; MAX_FILTERS])
}

/// Steps [4] to [6]: a user codec that stores a repeated value once.
fn user_codec(out: &mut dyn Write, sandbox: &Sandbox, schunk: &mut SChunk) -> Result<bool> {
    writeln!(
        out,
        "\n[4] blosc2.register_codec(\"our_codec\", 160, encoder, decoder)"
    )?;
    let codec = sandbox.load_codec("our_codec", 160, sandpress_example_plugins::REPEAT_CODEC)?;
    show_plugin(
        out,
        "codec",
        codec.meta(),
        sandpress_example_plugins::REPEAT_CODEC.len(),
    )?;
    schunk.registry_mut().register_codec(codec)?;

    // [5] Use it, with no filters; codec_meta selects the byte order of the count.
    writeln!(
        out,
        "\n[5] schunk.cparams = {{codec: 160, codec_meta: 0 (little-endian), filters: []}}"
    )?;
    let cp = CParams {
        codec: 160,
        codec_meta: u8::from(cfg!(target_endian = "big")),
        filters: FilterChain::new(),
        ..schunk.cparams().clone()
    };
    schunk.set_cparams(cp.clone())?;
    show_cparams(out, &cp)?;

    // [6] Fill three chunks with one repeated value.
    writeln!(
        out,
        "\n[6] data = np.full(chunk_len * nchunks, 1234); schunk[0:data.size] = data"
    )?;
    let data = ints(std::iter::repeat_n(1234, CHUNK_LEN * NCHUNKS));
    schunk.set_slice(0, &data)?;
    writeln!(out, "    schunk cratio:  {:.2}", schunk.cratio())?;
    check(out, schunk, &data)
}

/// Steps [9] to [11]: a user filter, in the super-chunk and on an array of zeros.
fn user_filter(
    out: &mut dyn Write,
    sandbox: &Sandbox,
    schunk: &mut SChunk,
    base: &CParams,
) -> Result<bool> {
    writeln!(out, "\n[9] blosc2.register_filter(160, forward, backward)")?;
    let filter = sandbox.load_filter(160, sandpress_example_plugins::DELTA_FILTER)?;
    show_plugin(
        out,
        "filter",
        filter.meta(),
        sandpress_example_plugins::DELTA_FILTER.len(),
    )?;
    schunk.registry_mut().register_filter(filter)?;

    // [10] Use the filter in the super-chunk.
    writeln!(
        out,
        "\n[10] schunk.cparams = {{filters: [160], filters_meta: [0]}}"
    )?;
    let cp = CParams {
        filters: first_slot(160),
        ..schunk.cparams().clone()
    };
    schunk.set_cparams(cp.clone())?;
    show_cparams(out, &cp)?;

    // [11] The same filter on a 30x30 array of zeros (float64) with Zstd.
    writeln!(
        out,
        "\n[11] array = blosc2.zeros((30, 30)); array.schunk.cparams = {{filters: [160]}}"
    )?;
    let array_cp = CParams {
        typesize: 8,
        filters: first_slot(160),
        ..base.clone()
    };
    let mut array = SChunk::new(
        900 * 8,
        array_cp.clone(),
        schunk.dparams().clone(),
        schunk.registry().clone(),
    )?;
    let zeros = vec![0u8; 900 * 8];
    array.append(&zeros)?;
    show_cparams(out, &array_cp)?;
    check(out, &array, &zeros)
}

/// Steps [13] to [15]: the user filter, then a codec that stores an
/// arithmetic sequence as its start and step.
fn filter_and_codec(out: &mut dyn Write, sandbox: &Sandbox, schunk: &mut SChunk) -> Result<bool> {
    writeln!(
        out,
        "\n[13] blosc2.register_codec(codec_name=\"our_codec2\", id=184, encoder=encoder2, decoder=decoder2)"
    )?;
    let codec2 = sandbox.load_codec("our_codec2", 184, sandpress_example_plugins::STEP_CODEC)?;
    show_plugin(
        out,
        "codec",
        codec2.meta(),
        sandpress_example_plugins::STEP_CODEC.len(),
    )?;
    schunk.registry_mut().register_codec(codec2)?;

    // [14] Delta filter then the start/step codec.
    writeln!(out, "\n[14] schunk.cparams = {{codec: 184, codec_meta: 0}}")?;
    let cp = CParams {
        codec: 184,
        codec_meta: 0,
        ..schunk.cparams().clone()
    };
    schunk.set_cparams(cp.clone())?;
    show_cparams(out, &cp)?;

    // [15] Overwrite with an arithmetic sequence.
    writeln!(
        out,
        "\n[15] new_data = np.arange(chunk_len, chunk_len * (nchunks + 1)); schunk[:] = new_data"
    )?;
    let start = CHUNK_LEN as i32;
    let new_data = ints(start..start * (NCHUNKS as i32 + 1));
    schunk.set_slice(0, &new_data)?;
    writeln!(
        out,
        "    schunk's compression ratio:  {:.2}",
        schunk.cratio()
    )?;
    check(out, schunk, &new_data)
}

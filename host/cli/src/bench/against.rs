//! `sandpress bench --against python-blosc2`: the built-in pipelines
//! measured row by row against python-blosc2 in the same run, on the same
//! data, by the same method, with the ratio printed per row.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::data::{
    COMPARED_CODECS, COMPARED_DATASETS, COMPARED_FILTERS, Dataset, builtin, dataset,
};
use super::peer::{Peer, PeerRow};
use super::{Checks, Measuring, Options, Row};

/// The time both sides take together over a row's rounds, at the least:
/// a row whose rounds take a few milliseconds runs more of them.
const LEAST_PER_ROW: Duration = Duration::from_millis(1500);

/// One row of both sides.
struct Compared {
    ours: Row,
    theirs: PeerRow,
    mb: f64,
}

impl Compared {
    fn compress_ratio(&self) -> f64 {
        self.ours.compress * self.theirs.compress_s / self.mb
    }

    fn decompress_ratio(&self) -> f64 {
        self.ours.decompress * self.theirs.decompress_s / self.mb
    }
}

fn wanted(list: &[String], name: &str) -> bool {
    list.is_empty() || list.iter().any(|w| w.eq_ignore_ascii_case(name))
}

/// Checks that every name given on the command line exists.
fn check_names(kind: &str, given: &[String], known: &[String]) -> Result<()> {
    for g in given {
        if !known.iter().any(|k| k.eq_ignore_ascii_case(g)) {
            bail!("unknown {kind} {g:?}: expected one of {}", known.join(", "));
        }
    }
    Ok(())
}

/// Runs the comparison and prints its table and summary.
pub(super) fn run(opts: &Options, out: &mut dyn Write) -> Result<()> {
    let codec_names: Vec<String> = COMPARED_CODECS
        .iter()
        .map(|(n, _, l)| format!("{n}-{l}"))
        .collect();
    let set_names: Vec<String> = COMPARED_DATASETS.iter().map(|d| d.to_string()).collect();
    let filter_names: Vec<String> = COMPARED_FILTERS.iter().map(|f| f.to_string()).collect();
    check_names("dataset", &opts.datasets, &set_names)?;
    check_names("codec", &opts.codecs, &codec_names)?;
    check_names("filter", &opts.filters, &filter_names)?;

    let dir = tempfile::tempdir().context("making a directory for the datasets")?;
    let mut peer = Peer::start(&opts.python, dir.path())?;
    let version = peer.version()?;
    let sets: Vec<Dataset> = COMPARED_DATASETS
        .iter()
        .filter(|d| wanted(&opts.datasets, d))
        .filter_map(|d| dataset(d, opts.size_mb << 20))
        .collect();
    for (k, d) in sets.iter().enumerate() {
        let path = dir.path().join(format!("{k}.bin"));
        std::fs::write(&path, &d.bytes).context("writing a dataset for python-blosc2")?;
        peer.load(d.name, &path, d.dtype)?;
        std::fs::remove_file(&path).ok();
    }
    let checks = if opts.checksums {
        Checks::All
    } else {
        Checks::NoChecksums
    };
    writeln!(
        out,
        "sandpress bench --against python-blosc2: {version}; {} MB per dataset, chunks of {} bytes (rounded down to whole items), \
         compress into a super-chunk and decompress into one buffer, best of {} rounds (the two sides in turn; \
         more, up to {}, while a row has taken under {:.1} s), checksums {}",
        opts.size_mb,
        opts.chunksize,
        opts.repeat,
        opts.repeat.max(1) * super::peer::MORE_ROUNDS,
        LEAST_PER_ROW.as_secs_f64(),
        if opts.checksums {
            "on (python-blosc2 writes none)"
        } else {
            "off (python-blosc2 writes none)"
        }
    )?;
    writeln!(
        out,
        "{:<14} {:<20} {:>3} | {:>9} {:>9} {:>5} | {:>9} {:>9} {:>5} | {:>7} {:>7} {:>7}",
        "dataset",
        "pipeline",
        "thr",
        "comp sp",
        "comp py",
        "x",
        "decomp sp",
        "decomp py",
        "x",
        "cr sp",
        "cr py",
        "bs py"
    )?;
    let mut rows = Vec::new();
    for data in &sets {
        for &codec in &COMPARED_CODECS {
            if !wanted(&opts.codecs, &format!("{}-{}", codec.0, codec.2)) {
                continue;
            }
            for filter in COMPARED_FILTERS {
                if !wanted(&opts.filters, filter) {
                    continue;
                }
                let p = builtin(codec, filter)?;
                for &t in &opts.threads {
                    // The two sides take turns, round by round.
                    let chunksize = data.chunksize(opts.chunksize);
                    peer.row(data.name, (codec.0, codec.2, filter), t, chunksize)?;
                    let mut ours = Measuring::new(opts, data, &p, t, checks, "")?;
                    let theirs = peer.rounds(opts.repeat, LEAST_PER_ROW, || ours.round())?;
                    let mut ours = ours.row();
                    ours.pipeline = p.name.clone();
                    let row = Compared {
                        ours,
                        theirs,
                        mb: data.bytes.len() as f64 / 1e6,
                    };
                    print_row(out, &row, data.bytes.len())?;
                    rows.push(row);
                }
            }
        }
    }
    summary(out, &rows, &opts.threads)
}

fn print_row(out: &mut dyn Write, r: &Compared, nbytes: usize) -> Result<()> {
    writeln!(
        out,
        "{:<14} {:<20} {:>3} | {:>9.0} {:>9.0} {:>5.2} | {:>9.0} {:>9.0} {:>5.2} | {:>7.2} {:>7.2} {:>7}",
        r.ours.dataset,
        r.ours.pipeline,
        r.ours.threads,
        r.ours.compress,
        r.mb / r.theirs.compress_s,
        r.compress_ratio(),
        r.ours.decompress,
        r.mb / r.theirs.decompress_s,
        r.decompress_ratio(),
        r.ours.cratio,
        nbytes as f64 / r.theirs.cbytes.max(1) as f64,
        r.theirs.blocksize,
    )?;
    out.flush()?;
    Ok(())
}

/// Per thread count and direction: the geometric mean of the ratios, the
/// worst row, and how many rows are below 1.
fn summary(out: &mut dyn Write, rows: &[Compared], threads: &[usize]) -> Result<()> {
    writeln!(
        out,
        "\nsandpress / python-blosc2 speed (same run, > 1 is faster):"
    )?;
    for &t in threads {
        let at: Vec<&Compared> = rows.iter().filter(|r| r.ours.threads == t).collect();
        if at.is_empty() {
            continue;
        }
        for (what, ratio) in [
            ("compress", Compared::compress_ratio as fn(&Compared) -> f64),
            ("decompress", Compared::decompress_ratio),
        ] {
            let logs: f64 = at.iter().map(|r| ratio(r).ln()).sum();
            let geomean = (logs / at.len() as f64).exp();
            let worst = at
                .iter()
                .min_by(|a, b| ratio(a).total_cmp(&ratio(b)))
                .context("no rows")?;
            let below = at.iter().filter(|r| ratio(r) < 1.0).count();
            writeln!(
                out,
                "  {t} thread(s), {what:<10}: geometric mean {geomean:.2}x, worst {:.2}x ({}, {}), \
                 {below} of {} rows below 1.0x",
                ratio(worst),
                worst.ours.dataset,
                worst.ours.pipeline,
                at.len()
            )?;
        }
    }
    Ok(())
}

//! `sandpress bench --against python-blosc2`: the side-by-side comparison
//! runs, measures both libraries on the same data, and reports a ratio
//! for every row (what the ratios are is for the benchmark to say, not
//! for a test).

use super::{python, require_python_blosc2};
use crate::common::run_cli;

/// The rows of the table: the lines between the header and the summary.
fn rows(out: &str) -> Vec<&str> {
    out.lines()
        .skip_while(|l| !l.starts_with("dataset"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

#[test]
fn both_sides_measure_every_row_of_the_selection() {
    require_python_blosc2!();
    let py = python().to_str().expect("utf-8 path");
    let (code, out, err) = run_cli(&[
        "bench",
        "--against",
        "python-blosc2",
        "--python",
        py,
        "--size-mb",
        "1",
        "--repeat",
        "1",
        "--threads",
        "1,2",
        "--datasets",
        "random-walk,text,records",
        "--codecs",
        "lz4-1,blosclz-5",
        "--filters",
        "shuffle,bitshuffle",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("python-blosc2 4.14.1"), "{out}");
    let rows = rows(&out);
    // 3 datasets (records: 12-byte items, a structured dtype on
    // python-blosc2's side) x 2 codecs x 2 filters x 2 thread counts.
    assert_eq!(rows.len(), 24, "{out}");
    for row in &rows {
        // sandpress and python-blosc2 MB/s and their ratio, compress then
        // decompress, then both compression ratios and the block size.
        let numbers: Vec<f64> = row
            .split(['|', ' '])
            .filter_map(|w| w.parse().ok())
            .collect();
        assert_eq!(numbers.len(), 10, "{row}");
        let (sp, py, ratio) = (numbers[1], numbers[2], numbers[3]);
        assert!(sp > 0.0 && py > 0.0, "{row}");
        assert!((ratio - sp / py).abs() <= 0.03 * ratio + 0.01, "{row}");
        // The same data through the same pipeline compresses about alike
        // (the BloscLZ encoders differ, so not to the byte).
        let (cr_sp, cr_py) = (numbers[7], numbers[8]);
        assert!(cr_sp > cr_py / 3.0 && cr_py > cr_sp / 3.0, "{row}");
    }
    assert!(out.contains("1 thread(s), compress"), "{out}");
    assert!(out.contains("2 thread(s), decompress"), "{out}");
}

#[test]
fn unknown_names_are_refused_before_anything_runs() {
    let (code, _, err) = run_cli(&[
        "bench",
        "--against",
        "python-blosc2",
        "--python",
        "/nonexistent/python",
        "--codecs",
        "lz5-1",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown codec \"lz5-1\""), "{err}");
    let (code, _, err) = run_cli(&[
        "bench",
        "--against",
        "python-blosc2",
        "--python",
        "/nonexistent/python",
        "--size-mb",
        "1",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent/python"), "{err}");
}

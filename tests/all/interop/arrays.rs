//! python-blosc2's N-d arrays (`b2nd`) through the CLI: `sandpress
//! decompress` writes the array's items in C order (`a.ravel()`), or a
//! `.npy` with its shape and dtype, never chunk order; `sandpress info`
//! shows the shape, chunk and block shapes and dtype.

use super::*;
use crate::common::{path_arg, run_cli};

/// Writes `arr.b2nd` ((30, 40) float64, chunks (10, 20), blocks (5, 10),
/// the issue's example) and `cube.b2nd` ((7, 9, 11) int32, chunks (3, 4,
/// 5), blocks (2, 3, 2), LZ4 with bitshuffle: uneven edges on every axis),
/// each beside its `a.ravel()` bytes (`.want`).
const WRITE: &str = r#"
import sys, blosc2, numpy as np
d = sys.argv[1]
a = np.arange(1200, dtype="<f8").reshape(30, 40) * 0.25 - 7
blosc2.asarray(a, chunks=(10, 20), blocks=(5, 10), urlpath=f"{d}/arr.b2nd", mode="w")
open(f"{d}/arr.want", "wb").write(a.ravel().tobytes())
c = (np.arange(7 * 9 * 11, dtype="<i4") * 37 - 1000).reshape(7, 9, 11)
cp = {"codec": blosc2.Codec.LZ4, "filters": [blosc2.Filter.BITSHUFFLE]}
blosc2.asarray(c, chunks=(3, 4, 5), blocks=(2, 3, 2), urlpath=f"{d}/cube.b2nd", mode="w", cparams=cp)
open(f"{d}/cube.want", "wb").write(c.ravel().tobytes())
"#;

/// Checks that `arr.npy` is the array python-blosc2 wrote, shape and dtype
/// included, and `rows.npy` and `row.npy` its slices `[10:20, 5:15]` and
/// `[3]`.
const CHECK_NPY: &str = r#"
import sys, blosc2, numpy as np
d = sys.argv[1]
a = blosc2.open(f"{d}/arr.b2nd")
for name, want in [("arr", a[...]), ("rows", a[10:20, 5:15]), ("row", a[3])]:
    got = np.load(f"{d}/{name}.npy")
    assert got.shape == want.shape and got.dtype == np.dtype("<f8"), (name, got.shape, got.dtype)
    assert (got == want).all(), name
"#;

fn python_ok(code: &str, dir: &Path) {
    let out = Command::new(python())
        .arg("-c")
        .arg(code)
        .arg(dir)
        .output()
        .expect("run python");
    assert!(out.status.success(), "python failed: {}", show(&out));
}

#[test]
fn python_blosc2_arrays_decompress_in_c_order() {
    require_python_blosc2!();
    let dir = workdir("arrays");
    let d = dir.path();
    python_ok(WRITE, d);
    for name in ["arr", "cube"] {
        let input = d.join(format!("{name}.b2nd"));
        let raw = d.join(format!("{name}.raw"));
        for threads in ["1", "2"] {
            let (code, _, err) = run_cli(&[
                "decompress",
                path_arg(&input),
                "-o",
                path_arg(&raw),
                "-f",
                "-T",
                threads,
            ]);
            assert_eq!(code, 0, "{name}: {err}");
            let want = std::fs::read(d.join(format!("{name}.want"))).unwrap();
            assert!(
                std::fs::read(&raw).unwrap() == want,
                "{name}, {threads} threads: not a.ravel()"
            );
        }
    }
    let arr = d.join("arr.b2nd");
    for (name, slice) in [
        ("arr", None),
        ("rows", Some("10:20,5:15")),
        ("row", Some("3")),
    ] {
        let out = d.join(format!("{name}.npy"));
        let mut args = vec!["decompress", path_arg(&arr), "-o", path_arg(&out)];
        args.extend(slice.iter().flat_map(|s| ["--slice", s]));
        let (code, _, err) = run_cli(&args);
        assert_eq!(code, 0, "{name}: {err}");
    }
    python_ok(CHECK_NPY, d);
    let (code, out, err) = run_cli(&["info", path_arg(&d.join("arr.b2nd"))]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("array       shape (30, 40), chunks (10, 20), blocks (5, 10), dtype <f8 (9600 bytes in C order)"),
        "{out}"
    );
}

/// Reads the arrays `sandpress_arrays_open_in_python_blosc2` wrote, listed
/// in `manifest.json`: each must open as an `NDArray` with the shape,
/// chunks, blocks and dtype asked for, and equal the raw C-order bytes
/// beside it, whole and in a slice.
const CHECK_ARRAYS: &str = r#"
import ast, json, sys, blosc2, numpy as np
d = sys.argv[1]
for e in json.load(open(f"{d}/manifest.json")):
    s = e["dtype"]
    dt = np.dtype(ast.literal_eval(s) if s.startswith("[") else s)
    want = np.frombuffer(open(f"{d}/{e['name']}.raw", "rb").read(), dtype=dt).reshape(e["shape"])
    a = blosc2.open(f"{d}/{e['name']}.b2nd")
    assert isinstance(a, blosc2.NDArray), (e, type(a))
    got = (a.shape, a.chunks, a.blocks, a.dtype)
    assert got == (tuple(e["shape"]), tuple(e["chunks"]), tuple(e["blocks"]), dt), (e, got)
    assert (a[...] == want).all(), e
    if want.ndim:
        sl = tuple(slice(n // 3, n - n // 4) for n in want.shape)
        assert (a[sl] == want[sl]).all(), e
"#;

#[test]
fn sandpress_arrays_open_in_python_blosc2() {
    use sandpress_core::ndarray::{Layout, NdArray};
    use sandpress_core::{DParams, FilterChain};
    use sandpress_frame::NdArrayFile;

    require_python_blosc2!();
    let dir = workdir("arrays-out");
    let d = dir.path();
    fn f8(i: u64) -> Vec<u8> {
        (i as f64 * 0.5 - 3.0).to_le_bytes().to_vec()
    }
    fn i4(i: u64) -> Vec<u8> {
        ((i as i32) * 37 - 1000).to_le_bytes().to_vec()
    }
    fn b1(i: u64) -> Vec<u8> {
        vec![u8::from(i.is_multiple_of(3))]
    }
    fn c16(i: u64) -> Vec<u8> {
        [f8(i), f8(i + 1000)].concat()
    }
    fn rec(i: u64) -> Vec<u8> {
        [i4(i), f8(i)].concat()
    }
    /// Name, shape, chunks, blocks, dtype, item maker, codec, filters.
    type Case<'a> = (
        &'a str,
        &'a [u64],
        &'a [u64],
        &'a [u64],
        &'a str,
        fn(u64) -> Vec<u8>,
        u8,
        &'a [u8],
    );
    let cases: [Case; 6] = [
        (
            "f8",
            &[30, 40],
            &[10, 20],
            &[5, 10],
            "<f8",
            f8,
            ids::ZSTD,
            &[ids::SHUFFLE],
        ),
        (
            "i4",
            &[7, 9, 11],
            &[3, 4, 5],
            &[2, 3, 2],
            "<i4",
            i4,
            ids::LZ4,
            &[ids::BITSHUFFLE],
        ),
        ("b1", &[100], &[33], &[8], "|b1", b1, ids::BLOSCLZ, &[]),
        (
            "c16",
            &[5, 6, 2, 3],
            &[2, 4, 2, 2],
            &[2, 2, 1, 2],
            "<c16",
            c16,
            ids::ZSTD,
            &[ids::SHUFFLE],
        ),
        (
            "rec",
            &[13],
            &[5],
            &[2],
            "[('a', '<i4'), ('b', '<f8')]",
            rec,
            ids::LZ4,
            &[],
        ),
        ("scalar", &[], &[], &[], "<f8", f8, ids::ZSTD, &[]),
    ];
    let mut manifest = Vec::new();
    for (name, shape, chunks, blocks, dtype, item, codec, filters) in cases {
        let itemsize = item(0).len();
        let layout = Layout::new(shape, chunks, blocks, itemsize).unwrap();
        let data: Vec<u8> = (0..layout.nitems()).flat_map(item).collect();
        let cp = CParams {
            codec,
            filters: FilterChain::of(&filters.iter().map(|&f| (f, 0)).collect::<Vec<_>>()).unwrap(),
            ..CParams::default()
        };
        let a = NdArray::from_c_order(
            layout,
            dtype,
            cp,
            DParams::default(),
            Registry::new(),
            &data,
        )
        .unwrap();
        a.save(d.join(format!("{name}.b2nd"))).unwrap();
        std::fs::write(d.join(format!("{name}.raw")), &data).unwrap();
        manifest.push(json!({"name": name, "shape": shape, "chunks": chunks, "blocks": blocks, "dtype": dtype}));
    }
    std::fs::write(d.join("manifest.json"), Value::Array(manifest).to_string()).unwrap();
    python_ok(CHECK_ARRAYS, d);
}

/// `sandpress decompress --slice` on an array sandpress wrote (no python
/// needed): the slice's items in C order, and typed refusals.
#[test]
fn decompress_writes_slices_of_arrays() {
    use sandpress_core::DParams;
    use sandpress_core::ndarray::{Layout, NdArray};
    use sandpress_frame::NdArrayFile;

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let layout = Layout::new(&[23, 17, 5], &[10, 6, 5], &[4, 4, 2], 2).unwrap();
    let data: Vec<u8> = (0..layout.nbytes()).map(|i| (i * 7 / 5) as u8).collect();
    let cp = CParams::default();
    let a = NdArray::from_c_order(
        layout,
        "<i2",
        cp,
        DParams::default(),
        Registry::new(),
        &data,
    )
    .unwrap();
    let input = d.join("a.b2nd");
    a.save(&input).unwrap();
    let raw = d.join("s.raw");
    for (spec, slice) in [
        ("3:12,5:7,1:4", [3..12, 5..7, 1..4]),
        ("-1,:,::1", [22..23, 0..17, 0..5]),
        ("", [0..23, 0..17, 0..5]),
        ("5:5", [5..5, 0..17, 0..5]),
    ] {
        let (code, _, err) = run_cli(&[
            "decompress",
            path_arg(&input),
            "-o",
            path_arg(&raw),
            "-f",
            "--slice",
            spec,
        ]);
        assert_eq!(code, 0, "{spec}: {err}");
        assert!(
            std::fs::read(&raw).unwrap() == a.get_slice(&slice).unwrap(),
            "{spec}"
        );
    }
    for (spec, words) in [("0:2:2", "step"), ("23", "outside"), ("1,2,3,4", "indices")] {
        let (code, _, err) = run_cli(&[
            "decompress",
            path_arg(&input),
            "-o",
            path_arg(&raw),
            "-f",
            "--slice",
            spec,
        ]);
        assert_ne!(code, 0, "{spec}");
        assert!(err.contains(words), "{spec}: {err}");
    }
    let (code, _, err) = run_cli(&[
        "decompress",
        path_arg(&input),
        "-o",
        path_arg(&raw),
        "-f",
        "--rm",
        "--slice",
        "1",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("--rm"), "{err}");
    assert!(input.exists());
}

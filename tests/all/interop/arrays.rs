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
/// included.
const CHECK_NPY: &str = r#"
import sys, blosc2, numpy as np
d = sys.argv[1]
got, want = np.load(f"{d}/arr.npy"), blosc2.open(f"{d}/arr.b2nd")[...]
assert got.shape == (30, 40) and got.dtype == np.dtype("<f8"), (got.shape, got.dtype)
assert (got == want).all()
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
    let (code, _, err) = run_cli(&[
        "decompress",
        path_arg(&d.join("arr.b2nd")),
        "-o",
        path_arg(&d.join("arr.npy")),
    ]);
    assert_eq!(code, 0, "{err}");
    python_ok(CHECK_NPY, d);
    let (code, out, err) = run_cli(&["info", path_arg(&d.join("arr.b2nd"))]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("array       shape (30, 40), chunks (10, 20), blocks (5, 10), dtype <f8 (9600 bytes in C order)"),
        "{out}"
    );
}

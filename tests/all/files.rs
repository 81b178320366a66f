//! The file commands as a user runs them: `sandpress compress`,
//! `decompress` and `info`, in-process through `sandpress::cli::run`, with
//! exit codes and the one-line errors.

use std::path::{Path, PathBuf};

use sandpress::files::npy::NpyHeader;
use sandpress_frame::Frame;

use crate::common::{path_arg, run_cli as run};

pub(crate) fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "sandpress {args:?} failed: {err}");
    out
}

pub(crate) fn fails(args: &[&str]) -> String {
    let (code, _, err) = run(args);
    assert_eq!(code, 1, "sandpress {args:?} should fail, said {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("sandpress: "), "{err}");
    err
}

/// A random walk of int32.
pub(crate) fn walk(n: usize) -> Vec<u8> {
    let mut x: i32 = 0;
    let mut seed: u32 = 12345;
    (0..n)
        .flat_map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            x = x.wrapping_add((seed >> 28) as i32 - 8);
            x.to_le_bytes()
        })
        .collect()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn round_trips_with_every_option() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("walk.raw");
    // 1 MB and 3 bytes: the last item is partial.
    let mut data = walk(250_000);
    data.extend_from_slice(&[1, 2, 3]);
    std::fs::write(&raw, &data).unwrap();
    let frame = dir.path().join("walk.raw.b2frame");
    let back = dir.path().join("back.raw");
    let cases: &[&[&str]] = &[
        &[],
        &["--codec", "lz4", "--filter", "bitshuffle", "-9"],
        &[
            "--codec", "zlib", "--filter", "delta", "--filter", "shuffle", "-3",
        ],
        &["--codec", "zstd", "--filter", "none", "-0"],
        &[
            "--typesize",
            "2",
            "--chunksize",
            "100000",
            "--blocksize",
            "8K",
            "--splitmode",
            "never",
        ],
        &[
            "--typesize",
            "16",
            "--chunksize",
            "64K",
            "--splitmode",
            "always",
            "-T",
            "1",
        ],
    ];
    for extra in cases {
        // Later options override earlier ones, as in zstd.
        let mut args = vec!["compress", path_arg(&raw), "-f", "--typesize", "4"];
        args.extend_from_slice(extra);
        ok(&args);
        ok(&[
            "decompress",
            path_arg(&frame),
            "-o",
            path_arg(&back),
            "-f",
            "-T",
            "2",
        ]);
        assert_eq!(std::fs::read(&back).unwrap(), data, "{extra:?}");
    }
    // Input kept, no temporary files left.
    assert_eq!(files_in(dir.path()), [back, raw, frame]);
}

/// Files of /proc say they are empty and are not: read as streams.
#[cfg(target_os = "linux")]
#[test]
fn a_file_that_says_it_is_empty_is_read_to_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let (frame, back) = (dir.path().join("v.b2frame"), dir.path().join("v"));
    let proc_file = Path::new("/proc/version");
    assert_eq!(std::fs::metadata(proc_file).unwrap().len(), 0);
    ok(&[
        "compress",
        path_arg(proc_file),
        "-o",
        path_arg(&frame),
        "-T",
        "2",
    ]);
    ok(&["decompress", path_arg(&frame), "-o", path_arg(&back)]);
    let want = std::fs::read(proc_file).unwrap();
    assert!(!want.is_empty());
    assert_eq!(std::fs::read(&back).unwrap(), want);
}

#[test]
fn npy_keeps_dtype_and_shape() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("a.npy");
    let h = NpyHeader {
        descr: "<f8".into(),
        fortran_order: false,
        shape: vec![300, 7],
    };
    let mut bytes = h.to_bytes();
    let body: Vec<u8> = (0..2100)
        .flat_map(|i| (f64::from(i) * 0.5).to_le_bytes())
        .collect();
    bytes.extend_from_slice(&body);
    std::fs::write(&npy, &bytes).unwrap();
    ok(&["compress", path_arg(&npy), "--rm"]);
    assert!(!npy.exists(), "--rm removes the input");
    let frame = dir.path().join("a.npy.b2frame");
    let f = Frame::open(&frame).unwrap();
    assert_eq!(f.header().typesize, 8, "typesize from the dtype");
    assert_eq!(f.nbytes(), body.len() as u64);
    let info = ok(&["info", path_arg(&frame)]);
    assert!(info.contains("sandpress.npy"), "{info}");
    assert!(info.contains("[300, 7]"), "{info}");
    ok(&["d", path_arg(&frame)]);
    assert_eq!(std::fs::read(&npy).unwrap(), bytes);
    ok(&[
        "decompress",
        path_arg(&frame),
        "--raw",
        "-o",
        path_arg(&dir.path().join("a.raw")),
    ]);
    assert_eq!(std::fs::read(dir.path().join("a.raw")).unwrap(), body);
    // Several chunks read at their offsets past the header, side by side.
    let again = dir.path().join("again.npy");
    std::fs::write(&again, &bytes).unwrap();
    let frame = dir.path().join("again.b2frame");
    ok(&[
        "compress",
        path_arg(&again),
        "--chunksize",
        "4K",
        "-T",
        "2",
        "-o",
        path_arg(&frame),
    ]);
    assert_eq!(Frame::open(&frame).unwrap().nchunks(), 5);
    let raw = dir.path().join("again.raw");
    ok(&[
        "decompress",
        path_arg(&frame),
        "--raw",
        "-o",
        path_arg(&raw),
    ]);
    assert_eq!(std::fs::read(&raw).unwrap(), body);
    // A header that disagrees with the data.
    let short = dir.path().join("short.npy");
    std::fs::write(&short, &bytes[..bytes.len() - 8]).unwrap();
    let e = fails(&["compress", path_arg(&short)]);
    assert!(e.contains("describes 16800 bytes"), "{e}");
    assert!(!dir.path().join("short.npy.b2frame").exists());
}

#[test]
fn plugins_by_file_embedded_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    let listing = ok(&["example-plugins", path_arg(&plugins)]);
    assert_eq!(listing.lines().count(), 4, "{listing}");
    let repeat = format!("160={}", path_arg(&plugins.join("repeat-codec.wasm")));
    let step = format!("160={}", path_arg(&plugins.join("step-codec.wasm")));
    let raw = dir.path().join("steps.raw");
    let data: Vec<u8> = (0..400_000i32)
        .flat_map(|i| (i / 50_000).to_le_bytes())
        .collect();
    std::fs::write(&raw, &data).unwrap();
    let emb = dir.path().join("emb.b2frame");
    let plain = dir.path().join("plain.b2frame");
    let base = [
        "compress",
        path_arg(&raw),
        "--typesize",
        "4",
        "--filter",
        "none",
        "--codec",
    ];
    ok(&[
        &base[..],
        &[&repeat, "--embed-plugins", "-o", path_arg(&emb)],
    ]
    .concat());
    ok(&[&base[..], &[&repeat, "-o", path_arg(&plain)]].concat());
    assert!(
        std::fs::metadata(&plain).unwrap().len() * 10 < data.len() as u64,
        "compresses"
    );

    let info = ok(&["info", path_arg(&emb)]);
    assert!(info.contains("plugin codec 160 \"repeat-codec\""), "{info}");
    assert!(info.contains("embedded ("), "{info}");
    let out = dir.path().join("out.raw");
    ok(&["decompress", path_arg(&emb), "-o", path_arg(&out)]);
    assert_eq!(std::fs::read(&out).unwrap(), data);

    let e = fails(&["decompress", path_arg(&plain), "-o", path_arg(&out), "-f"]);
    assert!(e.contains("pass --plugin 160=FILE.wasm"), "{e}");
    ok(&[
        "decompress",
        path_arg(&plain),
        "-o",
        path_arg(&out),
        "-f",
        "--plugin",
        &repeat,
    ]);
    assert_eq!(std::fs::read(&out).unwrap(), data);
    let e = fails(&[
        "decompress",
        path_arg(&plain),
        "-o",
        path_arg(&out),
        "-f",
        "--plugin",
        &step,
    ]);
    let f = Frame::open(&plain).unwrap();
    let recorded = f.plugins()[0].meta.sha256_hex();
    assert!(e.contains(&recorded) && e.contains("step-codec"), "{e}");
}

#[test]
fn refuses_what_zstd_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("x.raw");
    std::fs::write(&raw, walk(1000)).unwrap();
    ok(&["compress", path_arg(&raw)]);
    let frame = dir.path().join("x.raw.b2frame");
    let before = std::fs::read(&frame).unwrap();
    let e = fails(&["compress", path_arg(&raw)]);
    assert!(e.contains("already exists (use -f"), "{e}");
    assert_eq!(std::fs::read(&frame).unwrap(), before);
    let e = fails(&["decompress", path_arg(&raw)]);
    assert!(e.contains("does not end in .b2frame"), "{e}");
    let e = fails(&["compress", path_arg(&raw), "-o", path_arg(&raw), "-f"]);
    assert!(e.contains("both input and output"), "{e}");
    let e = fails(&["compress", path_arg(&raw), "-f", "--codec", "snappy"]);
    assert!(e.contains("unknown codec"), "{e}");
    let e = fails(&[
        "compress",
        path_arg(&dir.path().join("missing")),
        "-o",
        path_arg(&frame),
        "-f",
    ]);
    assert!(e.contains("cannot open"), "{e}");
    assert_eq!(
        std::fs::read(&frame).unwrap(),
        before,
        "failed runs leave the output"
    );
    let (code, _, err) = run(&["compress", "--clevel", "12", path_arg(&raw)]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn damaged_frames_fail_with_one_line_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("x.raw");
    std::fs::write(&raw, walk(300_000)).unwrap();
    ok(&[
        "compress",
        path_arg(&raw),
        "--typesize",
        "4",
        "--chunksize",
        "256K",
    ]);
    let frame = std::fs::read(dir.path().join("x.raw.b2frame")).unwrap();
    let bad = dir.path().join("bad.b2frame");
    let out = dir.path().join("bad");
    // Truncated, and a chunk's bytes flipped inside its streams.
    std::fs::write(&bad, &frame[..frame.len() / 2]).unwrap();
    let truncated = format!(
        "truncated: the header says {} bytes, the file has {}",
        frame.len(),
        frame.len() / 2
    );
    let e = fails(&["decompress", path_arg(&bad)]);
    assert!(e.contains(&truncated), "{e}");
    let e = fails(&["info", path_arg(&bad)]);
    assert!(e.contains(&truncated), "{e}");
    // The first chunk claims to run past the chunks section.
    let header_len = u32::from_be_bytes(frame[11..15].try_into().unwrap()) as usize;
    let mut long = frame.clone();
    long[header_len + 12..header_len + 16].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
    std::fs::write(&bad, &long).unwrap();
    let e = fails(&["decompress", path_arg(&bad)]);
    assert!(e.contains("runs past the chunks section"), "{e}");
    assert!(!out.exists(), "no partial output");
    let names: Vec<String> = files_in(dir.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["bad.b2frame", "x.raw", "x.raw.b2frame"],
        "no temporary files left"
    );
}

/// Outputs take the input's permissions, as zstd's and gzip's do, private
/// inputs included.
#[cfg(unix)]
#[test]
fn outputs_take_the_permissions_of_their_input() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let set = |p: &Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("x.raw");
    let frame = dir.path().join("x.raw.b2frame");
    let back = dir.path().join("back.raw");
    std::fs::write(&raw, walk(10_000)).unwrap();
    for m in [0o600, 0o640, 0o444] {
        set(&raw, m);
        ok(&["compress", path_arg(&raw), "--typesize", "4", "-f"]);
        assert_eq!(mode(&frame), m, "frame of an input with mode {m:o}");
        set(&frame, m | 0o004);
        ok(&["decompress", path_arg(&frame), "-o", path_arg(&back), "-f"]);
        assert_eq!(mode(&back), m | 0o004, "bytes of a frame with mode {m:o}");
        set(&back, 0o600);
        set(&frame, 0o600);
    }
}

/// An output path that is not a regular file (a device, a pipe, a socket)
/// is refused, even with `-f`: the output would replace it by a rename.
#[cfg(unix)]
#[test]
fn an_output_that_is_not_a_regular_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("x.raw");
    std::fs::write(&raw, walk(1000)).unwrap();
    let socket = dir.path().join("out.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let e = fails(&[
        "compress",
        path_arg(&raw),
        "--typesize",
        "4",
        "-f",
        "-o",
        path_arg(&socket),
    ]);
    assert!(e.contains("is not a regular file"), "{e}");
    let kind = std::fs::symlink_metadata(&socket).unwrap().file_type();
    assert!(
        std::os::unix::fs::FileTypeExt::is_socket(&kind),
        "left as it was"
    );
}

//! `sandpress compress` and `decompress` through pipes, as the real
//! binary: a frame to stdout, a frame from stdin, bytes to stdout.

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_sandpress");

/// A random walk of int32, `n` items.
fn walk(n: usize) -> Vec<u8> {
    let (mut x, mut seed) = (0i32, 5u32);
    (0..n)
        .flat_map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            x = x.wrapping_add((seed >> 28) as i32 - 8);
            x.to_le_bytes()
        })
        .collect()
}

/// Runs the binary with `args`, `input` on stdin; returns stdout.
fn pipe(args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || {
        // The child may stop reading early when it fails.
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(
        out.status.success(),
        "sandpress {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn frames_and_bytes_go_through_pipes_on_every_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let data = walk(600_000);
    let raw = dir.path().join("walk.raw");
    std::fs::write(&raw, &data).unwrap();
    let raw = raw.to_str().unwrap();
    for t in ["1", "2", "3"] {
        let base = ["--typesize", "4", "--chunksize", "256K", "-T", t];
        // File to stdout, and stdin to stdout: the same frame.
        let from_file = pipe(&[&["compress", raw, "-o", "-"][..], &base].concat(), &[]);
        let from_stdin = pipe(&[&["compress", "-"][..], &base].concat(), &data);
        assert!(from_file == from_stdin, "{t} threads: frames differ");
        // The frame from stdin, the bytes to stdout.
        let back = pipe(&["decompress", "-", "-T", t], &from_file);
        assert!(back == data, "{t} threads: bytes back through pipes");
        // A frame file to stdout.
        let frame = dir.path().join(format!("walk{t}.b2frame"));
        std::fs::write(&frame, &from_file).unwrap();
        let back = pipe(
            &["decompress", frame.to_str().unwrap(), "-o", "-", "-T", t],
            &[],
        );
        assert!(back == data, "{t} threads: bytes to stdout");
    }
}

/// An output whose input is stdin gets the permissions of any new file in
/// its directory (0o666 less the umask), not a temporary file's 0o600.
#[cfg(unix)]
#[test]
fn an_output_from_stdin_gets_a_new_files_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |name: &str| {
        let p = dir.path().join(name);
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    };
    std::fs::File::create(dir.path().join("new")).unwrap();
    let frame = dir.path().join("x.b2frame");
    let back = dir.path().join("x.raw");
    let frame_arg = frame.to_str().unwrap();
    pipe(
        &["compress", "-", "--typesize", "4", "-o", frame_arg],
        &walk(10_000),
    );
    assert_eq!(mode("x.b2frame"), mode("new"));
    let bytes = std::fs::read(&frame).unwrap();
    pipe(&["decompress", "-", "-o", back.to_str().unwrap()], &bytes);
    assert_eq!(mode("x.raw"), mode("new"));
}

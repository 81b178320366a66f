//! The file commands as a process: temporary files removed on SIGTERM and
//! SIGINT (and stale ones of dead processes), and the note when `-T` is
//! capped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sandpress");

/// The `.sandpress-*.tmp` files in `dir`.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(".sandpress-") && n.ends_with(".tmp")
        })
        .collect()
}

/// Starts `sandpress compress - -o dir/out.b2frame` and feeds it 8 MB on
/// a stdin that then stalls (kept open); returns once its temporary
/// frame is there.
fn stalled_compress(dir: &Path) -> (Child, std::process::ChildStdin) {
    let out = dir.join("out.b2frame");
    let mut child = Command::new(BIN)
        .args(["compress", "-", "--typesize", "4", "-T", "1", "-o"])
        .arg(&out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&vec![7u8; 8 << 20]).unwrap();
    stdin.flush().unwrap();
    // Waiting for the file, not timing anything: the deadline only keeps
    // a broken build from hanging the test run.
    let start = Instant::now();
    while temp_files(dir).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, stdin)
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[cfg(unix)]
#[test]
fn sigterm_and_sigint_leave_no_temporary_file() {
    for (sig, code) in [("-TERM", 143), ("-INT", 130)] {
        let dir = tempfile::tempdir().unwrap();
        let (mut child, stdin) = stalled_compress(dir.path());
        signal(&child, sig);
        let status = child.wait().unwrap();
        drop(stdin);
        assert_eq!(status.code(), Some(code), "{sig}");
        assert_eq!(temp_files(dir.path()), Vec::<PathBuf>::new(), "{sig}");
        assert!(!dir.path().join("out.b2frame").exists(), "{sig}");
    }
}

/// `decompress -` copies stdin to a temporary file first (a frame's index
/// is at its end): SIGTERM removes that one too.
#[cfg(unix)]
#[test]
fn sigterm_removes_decompress_s_copy_of_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["decompress", "-", "-o", "-"])
        .env("TMPDIR", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&vec![1u8; 1 << 20]).unwrap();
    stdin.flush().unwrap();
    let start = Instant::now();
    while temp_files(dir.path()).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(&child, "-TERM");
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(143));
    assert_eq!(temp_files(dir.path()), Vec::<PathBuf>::new());
}

/// A `kill -9` leaves its temporary file; the next run in that directory
/// removes it (its pid is gone), and keeps those of live processes.
#[cfg(target_os = "linux")]
#[test]
fn a_later_run_removes_the_temporary_files_of_a_killed_one() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, stdin) = stalled_compress(dir.path());
    signal(&child, "-KILL");
    child.wait().unwrap();
    drop(stdin);
    let left = temp_files(dir.path());
    assert_eq!(left.len(), 1, "kill -9 leaves its file: {left:?}");
    // A live process's file (this test's pid) stays.
    let live = dir
        .path()
        .join(format!(".sandpress-{}-abcdef.tmp", std::process::id()));
    std::fs::write(&live, b"x").unwrap();
    let raw = dir.path().join("a.raw");
    std::fs::write(&raw, [1u8; 1000]).unwrap();
    let out = Command::new(BIN)
        .arg("compress")
        .arg(&raw)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(temp_files(dir.path()), vec![live]);
}

/// `-T 100000` on a one-chunk input (or frame) runs one thread and says so
/// on stderr; `-T 0` means every core, with no note.
#[test]
fn threads_are_capped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("a.raw");
    std::fs::write(&raw, vec![3u8; 100_000]).unwrap();
    let run = |t: &str| {
        Command::new(BIN)
            .args(["compress", "-f", "-T", t])
            .arg(&raw)
            .output()
            .unwrap()
    };
    let out = run("100000");
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("sandpress: -T 100000 capped at 1: the input has 1 chunk\n"),
        "{err}"
    );
    // decompress caps at the frame's chunks too.
    let back = dir.path().join("back.raw");
    let out = Command::new(BIN)
        .args(["decompress", "-T", "100000", "-o"])
        .arg(&back)
        .arg(dir.path().join("a.raw.b2frame"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("sandpress: -T 100000 capped at 1: the input has 1 chunk\n"),
        "{err}"
    );
    let out = run("0");
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("capped"), "{err}");
    let help = Command::new(BIN)
        .args(["compress", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("0 or none for every core"), "{help}");
}

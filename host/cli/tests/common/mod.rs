//! What the end-to-end tests of the `sandpress` binary share: running it,
//! and one request to a server it started.
// Each test file uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};

use sandpress::load::client::{self, Answer};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_sandpress");

/// One request; the whole answer.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    client::request(addr, method, path, token, extra, body).expect("a whole answer")
}

/// Checks the status, showing the body when it is another.
pub fn expect(a: &Answer, status: u16) {
    assert_eq!(a.status, status, "{}", String::from_utf8_lossy(&a.body));
}

/// `sandpress ARGS --data DATA`, which must succeed; its stdout, trimmed.
pub fn sandpress(data: &Path, args: &[&str]) -> String {
    let o = Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap().trim().to_owned()
}

/// `sandpress serve --listen 127.0.0.1:0 --data DATA EXTRA…` with its
/// stderr kept: the process, its first line (where it listens) and the
/// rest of its stderr.
pub fn serve_with_stderr(data: &Path, extra: &[&str]) -> (Child, String, BufReader<ChildStderr>) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    (child, first, stderr)
}

/// The `n`-th `http://ADDR` in `line`.
pub fn nth_addr(line: &str, n: usize) -> SocketAddr {
    line.split("http://")
        .nth(n + 1)
        .and_then(|r| {
            r.split(|c: char| c.is_whitespace() || c == ',' || c == ')')
                .next()
        })
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address {n} in {line:?}"))
}

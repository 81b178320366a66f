//! What the end-to-end tests of the `sandpress` binary share: running it,
//! and one request to a server it started.
// Each test file uses part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

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

//! SIGTERM drains `sandpress serve`: it stops accepting connections, lets
//! a request in flight finish within `--drain-seconds`, cuts off one that
//! takes longer (leaving no frame) and exits.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use sandpress::load::server::Server;
use sandpress_test_support::u32_le_bytes;

mod common;
use common::{BIN, expect, request, sandpress};

/// A `PUT /v1/frames/NAME` whose body is sent in two halves: the head and
/// the first half now, the rest when [`Upload::finish`] is called.
struct Upload {
    conn: TcpStream,
    rest: Vec<u8>,
}

impl Upload {
    fn start(addr: SocketAddr, token: &str, name: &str, body: &[u8]) -> Upload {
        let mut conn = TcpStream::connect(addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let head = format!(
            "PUT /v1/frames/{name}?typesize=4 HTTP/1.1\r\nHost: sandpress\r\n\
             Authorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        conn.write_all(head.as_bytes()).unwrap();
        let half = body.len() / 2;
        conn.write_all(&body[..half]).unwrap();
        Upload {
            conn,
            rest: body[half..].to_vec(),
        }
    }

    /// Sends the rest; the status line of the answer (empty if the
    /// connection was closed first).
    fn finish(mut self) -> String {
        let _ = self.conn.write_all(&self.rest);
        let mut answer = String::new();
        let _ = self.conn.read_to_string(&mut answer);
        answer.lines().next().unwrap_or_default().to_owned()
    }
}

fn sigterm(s: &Server) {
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Waits up to `within` for the server to exit.
fn exited(s: &mut Server, within: Duration) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < within {
        if let Ok(Some(_)) = s.child.try_wait() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn sigterm_lets_a_request_finish_within_the_drain_then_exits() {
    let dir = tempfile::tempdir().unwrap();
    let token = sandpress(dir.path(), &["tenant", "add", "alice"]);
    let mut s = Server::start(Path::new(BIN), dir.path(), &["--drain-seconds", "20"]).unwrap();
    let body = u32_le_bytes(0..200_000);
    let up = Upload::start(s.addr, &token, "kept", &body);
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&s);
    std::thread::sleep(Duration::from_millis(300));
    // No new connection is served once the drain has begun.
    assert!(
        std::panic::catch_unwind(|| request(s.addr, "GET", "/healthz", "", &[], b"")).is_err()
            || TcpStream::connect(s.addr).is_err(),
        "a new connection was served during the drain"
    );
    let status = up.finish();
    assert!(status.contains(" 201 "), "{status:?}");
    assert!(exited(&mut s, Duration::from_secs(30)), "still running");

    let s = Server::start(Path::new(BIN), dir.path(), &[]).unwrap();
    let back = request(s.addr, "GET", "/v1/frames/kept", &token, &[], b"");
    expect(&back, 200);
    assert!(back.body == body);
}

#[test]
fn sigterm_cuts_off_a_request_past_the_drain_and_leaves_no_frame() {
    let dir = tempfile::tempdir().unwrap();
    let token = sandpress(dir.path(), &["tenant", "add", "alice"]);
    let mut s = Server::start(Path::new(BIN), dir.path(), &["--drain-seconds", "1"]).unwrap();
    let body = u32_le_bytes(0..200_000);
    let up = Upload::start(s.addr, &token, "cut", &body);
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&s);
    // Well before the body timeout (30 s) would have ended the upload.
    assert!(
        exited(&mut s, Duration::from_secs(15)),
        "did not exit after its 1 s drain"
    );
    let status = up.finish();
    assert!(!status.contains(" 201 "), "{status:?}");

    let s = Server::start(Path::new(BIN), dir.path(), &[]).unwrap();
    expect(
        &request(s.addr, "GET", "/v1/frames/cut", &token, &[], b""),
        404,
    );
}

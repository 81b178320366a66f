//! `sandpress tenant` and `sandpress serve` as a user runs them: the real
//! binary on a loopback port, spoken to over TCP; killed with SIGKILL in
//! the middle of an upload and started again.

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sandpress::load::server::Server;
use sandpress_test_support::u32_le_bytes;

mod common;
use common::{BIN, request};

#[test]
fn the_readme_service_session_runs_and_survives_sigkill_mid_upload() {
    let data_dir = tempfile::tempdir().unwrap();
    let added = Command::new(BIN)
        .args(["tenant", "add", "alice", "--data"])
        .arg(data_dir.path())
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let token = String::from_utf8(added.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("sp_"));

    let server = Server::start(Path::new(BIN), data_dir.path(), &[]).unwrap();
    let addr = server.addr;
    assert_eq!(request(addr, "GET", "/healthz", "", &[], b"").status, 200);

    let plugin = request(
        addr,
        "PUT",
        "/v1/plugins/160?kind=codec",
        &token,
        &[],
        sandpress_example_plugins::REPEAT_CODEC,
    );
    assert_eq!(
        plugin.status,
        200,
        "{}",
        String::from_utf8_lossy(&plugin.body)
    );

    let raw = u32_le_bytes((0..2_000_000).map(|i| i / 3));
    let frame = request(
        addr,
        "POST",
        "/v1/compress?codec=160&filters=shuffle&typesize=4",
        &token,
        &[],
        &raw,
    );
    assert_eq!(
        frame.status,
        200,
        "{}",
        String::from_utf8_lossy(&frame.body)
    );
    let parsed = sandpress_frame::Frame::from_bytes(frame.body.clone()).unwrap();
    assert_eq!(parsed.header().codec, 160);
    let back = request(addr, "POST", "/v1/decompress", &token, &[], &frame.body);
    assert_eq!(back.status, 200);
    assert!(back.body == raw);

    let put = request(
        addr,
        "PUT",
        "/v1/frames/ints?codec=zstd&filters=shuffle&typesize=4",
        &token,
        &[],
        &raw,
    );
    assert_eq!(put.status, 201, "{}", String::from_utf8_lossy(&put.body));
    let part = request(
        addr,
        "GET",
        "/v1/frames/ints",
        &token,
        &[("Range", "bytes=4000-4999")],
        b"",
    );
    assert_eq!(part.status, 206);
    assert!(part.body == raw[4000..5000]);
    let stored = request(addr, "GET", "/v1/frames/ints?raw=1", &token, &[], b"");
    assert_eq!(stored.status, 200);

    // An upload of 64 MiB, cut by SIGKILL after 16 MiB.
    let mut s = TcpStream::connect(addr).unwrap();
    let total = 64 << 20;
    write!(
        s,
        "PUT /v1/frames/partial?typesize=4 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: {total}\r\n\r\n"
    )
    .unwrap();
    let piece = u32_le_bytes((0..1 << 20).map(|i| i / 3));
    for _ in 0..4 {
        s.write_all(&piece).unwrap();
    }
    let tmp = data_dir.path().join("tmp");
    let left = || std::fs::read_dir(&tmp).unwrap().count();
    // The kill comes once the server is writing the frame, however long a
    // loaded machine takes to get there.
    let start = Instant::now();
    while left() == 0 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut server = server;
    server.kill();
    drop(s);
    assert_eq!(left(), 1, "the cut upload's frame, half written");

    let again = Server::start(Path::new(BIN), data_dir.path(), &[]).unwrap();
    assert_eq!(left(), 0, "a new server empties its tmp/");
    let list = request(again.addr, "GET", "/v1/frames", &token, &[], b"");
    let listed: serde_json::Value = serde_json::from_slice(&list.body).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["name"], "ints");
    let gone = request(again.addr, "GET", "/v1/frames/partial", &token, &[], b"");
    assert_eq!(gone.status, 404);
    let whole = request(again.addr, "GET", "/v1/frames/ints", &token, &[], b"");
    assert_eq!(whole.status, 200);
    assert!(
        whole.body == raw,
        "the completed frame reads back byte for byte"
    );
    let again_raw = request(again.addr, "GET", "/v1/frames/ints?raw=1", &token, &[], b"");
    assert!(again_raw.body == stored.body);
    assert_eq!(
        whole.header("content-length"),
        Some(raw.len().to_string().as_str())
    );
    let frame_again = request(
        again.addr,
        "POST",
        "/v1/decompress",
        &token,
        &[],
        &frame.body,
    );
    assert!(
        frame_again.body == raw,
        "the plugin is registered again from storage"
    );

    // Tenants change while the server runs: it re-reads tenants.toml.
    let sandpress = |args: &[&str]| common::sandpress(data_dir.path(), args);
    let bob = sandpress(&["tenant", "add", "bob"]).trim().to_owned();
    assert_eq!(
        request(again.addr, "GET", "/v1/frames", &bob, &[], b"").status,
        200
    );
    let listed = sandpress(&["tenant", "list"]);
    assert!(
        listed.starts_with("alice ") && listed.contains("\nbob "),
        "{listed}"
    );
    let rotated = sandpress(&["tenant", "rotate-token", "alice"])
        .trim()
        .to_owned();
    assert_eq!(
        request(again.addr, "GET", "/v1/frames", &token, &[], b"").status,
        401
    );
    assert_eq!(
        request(again.addr, "GET", "/v1/frames", &rotated, &[], b"").status,
        200
    );
    sandpress(&["tenant", "remove", "bob"]);
    assert_eq!(
        request(again.addr, "GET", "/v1/frames", &bob, &[], b"").status,
        401
    );
}

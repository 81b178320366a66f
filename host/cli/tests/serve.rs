//! `sandpress tenant` and `sandpress serve` as a user runs them: the real
//! binary on a loopback port, spoken to over TCP; killed with SIGKILL in
//! the middle of an upload and started again.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_sandpress");

/// A running `sandpress serve` and its address.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(data: &Path) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sandpress serve");
        let mut line = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .parse()
            .unwrap();
        Server { child, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status, headers (names lower-case), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\nAuthorization: Bearer {token}\r\n",
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a whole head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v == "chunked")
    {
        body = unchunk(&body);
    }
    Answer {
        status,
        headers,
        body,
    }
}

fn unchunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 4 + n..];
    }
}

fn ints(n: u32) -> Vec<u8> {
    (0..n).flat_map(|i| (i / 3).to_le_bytes()).collect()
}

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

    let server = Server::start(data_dir.path());
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

    let raw = ints(2_000_000);
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
    let parsed = sandpress_core::frame::Frame::from_bytes(frame.body.clone()).unwrap();
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
    let piece = ints(1 << 20);
    for _ in 0..4 {
        s.write_all(&piece).unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(s);
    drop(server);

    let again = Server::start(data_dir.path());
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
}

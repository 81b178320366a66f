//! Several `sandpress serve` replicas on one S3-compatible bucket, as the
//! README's "several machines" part runs them: moto's S3 server (from
//! PyPI, installed by `scripts/setup` with `tests/interop/setup-moto.sh`;
//! without it each test prints "skipped: needs moto's S3 server …" and
//! passes, or fails under `SANDPRESS_REQUIRE_ALL=1`) on loopback, two real server
//! processes with their own data directories naming the same bucket.
//! Uploads through one are read through the other; the store cut off and
//! back; a replica killed with SIGKILL mid-upload.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sandpress::load::client::Answer;
use sandpress::load::moto::Moto;
use sandpress::load::server::Server;
use sandpress_test_support::{noise, u32_le_bytes};

mod common;
use common::{BIN, expect, request, sandpress};

/// moto's server, when `scripts/setup` has installed it; otherwise the
/// skip line (a failure under `SANDPRESS_REQUIRE_ALL=1`) and `None`.
fn moto_server() -> Option<PathBuf> {
    let server = sandpress_test_support::moto_server();
    sandpress_test_support::needs(sandpress_test_support::MOTO, server.is_some())
        .then_some(server)
        .flatten()
}

/// Bytes the replica has fetched from the store for tenant alice's
/// frame requests, from its metrics.
fn fetched(addr: SocketAddr) -> u64 {
    let m = request(addr, "GET", "/metrics", "", &[], b"");
    String::from_utf8_lossy(&m.body)
        .lines()
        .find(|l| l.starts_with("sandpress_storage_fetched_bytes_total{tenant=\"alice\"}"))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0)
}

/// A bucket, two data directories naming it, and a tenant.
struct Setup {
    moto: Moto,
    dirs: [tempfile::TempDir; 2],
    token: String,
}

/// The setup, or `None` (after the skip line) without moto.
fn setup() -> Option<Setup> {
    let moto = Moto::start(&moto_server()?, "sandpress").unwrap();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for d in &dirs {
        moto.configure(d.path()).unwrap();
    }
    let token = sandpress(dirs[0].path(), &["tenant", "add", "alice"]);
    Some(Setup { moto, dirs, token })
}

fn replica(dir: &Path) -> Server {
    Server::start(Path::new(BIN), dir, &["--refresh-seconds", "1"]).unwrap()
}

/// `n` int32 values that compress about 3x.
fn compressible(n: u32) -> Vec<u8> {
    u32_le_bytes((0..n).map(|i| i / 3 + i.wrapping_mul(7919) % 13))
}

#[test]
fn two_replicas_share_tenants_plugins_and_frames_through_one_bucket() {
    let Some(s) = setup() else {
        return;
    };
    let (r1, r2) = (replica(s.dirs[0].path()), replica(s.dirs[1].path()));
    let t = &s.token;
    // The tenant added through machine 1's data directory is known to
    // replica 2: the tenants file is in the bucket.
    expect(&request(r2.addr, "GET", "/v1/frames", t, &[], b""), 200);

    // A plugin uploaded through replica 1 is used through replica 2 at once.
    let up = request(
        r1.addr,
        "PUT",
        "/v1/plugins/160?kind=codec",
        t,
        &[],
        sandpress_example_plugins::REPEAT_CODEC,
    );
    expect(&up, 200);
    let raw = compressible(300_000);
    let frame = request(
        r2.addr,
        "POST",
        "/v1/compress?codec=160&typesize=4",
        t,
        &[],
        &raw,
    );
    expect(&frame, 200);
    let back = request(r1.addr, "POST", "/v1/decompress", t, &[], &frame.body);
    expect(&back, 200);
    assert!(back.body == raw);

    // A frame of three 8 MiB parts (20 MiB that do not compress) stored
    // through replica 1 is read whole and by range through replica 2.
    let big = noise(20 << 20);
    let put = request(
        r1.addr,
        "PUT",
        "/v1/frames/big?codec=zstd&filters=shuffle&typesize=4&chunksize=1M",
        t,
        &[],
        &big,
    );
    expect(&put, 201);
    let whole = request(r2.addr, "GET", "/v1/frames/big", t, &[], b"");
    expect(&whole, 200);
    assert!(whole.body == big);
    let fetched_before = fetched(r2.addr);
    let range = request(
        r2.addr,
        "GET",
        "/v1/frames/big",
        t,
        &[("Range", "bytes=10000000-10000999")],
        b"",
    );
    expect(&range, 206);
    assert!(range.body == big[10_000_000..10_001_000]);
    let frame_len = request(r2.addr, "GET", "/v1/frames", t, &[], b"");
    let frame_len: serde_json::Value = serde_json::from_slice(&frame_len.body).unwrap();
    let frame_len = frame_len[0]["size"].as_u64().unwrap();
    let range_fetched = fetched(r2.addr) - fetched_before;
    eprintln!(
        "range read of 1000 bytes: {range_fetched} bytes fetched from the store, frame of {frame_len} bytes"
    );
    // Header and tail windows, the index and the 1 MiB chunk the range
    // lies in: far less than the frame.
    assert!(
        range_fetched < frame_len / 4,
        "{range_fetched} of {frame_len}"
    );

    // Two replicas append to the frame at once: each append either wins
    // or is refused with 409; the frame is the original and the winners'
    // bytes, whole, in the order they won.
    let tails = [compressible(700_000), compressible(900_000)];
    let answers: Vec<Answer> = std::thread::scope(|sc| {
        let hs: Vec<_> = [r1.addr, r2.addr]
            .into_iter()
            .zip(&tails)
            .map(|(addr, tail)| {
                sc.spawn(move || request(addr, "POST", "/v1/frames/big/append", t, &[], tail))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won: Vec<usize> = (0..2).filter(|&i| answers[i].status == 200).collect();
    for a in &answers {
        assert!(
            a.status == 200 || a.status == 409,
            "{} {}",
            a.status,
            String::from_utf8_lossy(&a.body)
        );
    }
    assert!(!won.is_empty(), "one append wins");
    eprintln!(
        "two appends at once: statuses {} and {}",
        answers[0].status, answers[1].status
    );
    let after = request(r1.addr, "GET", "/v1/frames/big", t, &[], b"");
    expect(&after, 200);
    let expected = |order: &[usize]| {
        let mut e = big.clone();
        for &i in order {
            e.extend_from_slice(&tails[i]);
        }
        e
    };
    let ok = match won.as_slice() {
        [i] => after.body == expected(&[*i]),
        _ => after.body == expected(&[0, 1]) || after.body == expected(&[1, 0]),
    };
    assert!(
        ok,
        "the frame after the appends is not the original and the winners' bytes"
    );
    let listed = request(r2.addr, "GET", "/v1/frames", t, &[], b"");
    let listed: serde_json::Value = serde_json::from_slice(&listed.body).unwrap();
    assert_eq!(listed[0]["name"], "big", "{listed}");

    // Deleted through replica 2: gone on replica 1; the plugin too.
    expect(
        &request(r2.addr, "DELETE", "/v1/frames/big", t, &[], b""),
        204,
    );
    expect(&request(r1.addr, "GET", "/v1/frames/big", t, &[], b""), 404);
    expect(
        &request(r2.addr, "DELETE", "/v1/plugins/160", t, &[], b""),
        204,
    );
    let refused = request(
        r1.addr,
        "POST",
        "/v1/compress?codec=160&typesize=4",
        t,
        &[],
        &raw,
    );
    expect(&refused, 422);

    // A token rotated through machine 2 stops working on replica 1 within
    // its refresh interval (1 s here).
    let _ = request(r1.addr, "GET", "/v1/frames", t, &[], b"");
    let rotated = sandpress(s.dirs[1].path(), &["tenant", "rotate-token", "alice"]);
    let start = Instant::now();
    while request(r1.addr, "GET", "/v1/frames", t, &[], b"").status != 401 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the old token still works on replica 1 after 5 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "old token refused by the other replica after {:?}",
        start.elapsed()
    );
    expect(
        &request(r1.addr, "GET", "/v1/frames", &rotated, &[], b""),
        200,
    );
}

#[test]
fn the_store_cut_off_answers_503_and_the_replica_recovers_when_it_returns() {
    let Some(s) = setup() else {
        return;
    };
    let r1 = replica(s.dirs[0].path());
    let t = &s.token;
    let raw = compressible(100_000);
    let put = |name: &str| {
        request(
            r1.addr,
            "PUT",
            &format!("/v1/frames/{name}?typesize=4"),
            t,
            &[],
            &raw,
        )
    };
    expect(&put("before"), 201);

    s.moto.cut();
    let down = request(r1.addr, "GET", "/v1/frames/before", t, &[], b"");
    expect(&down, 503);
    let problem: serde_json::Value = serde_json::from_slice(&down.body).unwrap();
    assert_eq!(
        problem["type"], "urn:sandpress:problem:storage-unavailable",
        "{problem}"
    );
    assert!(down.header("retry-after").is_some());
    expect(&put("during"), 503);
    // The replica itself stays up.
    expect(&request(r1.addr, "GET", "/healthz", "", &[], b""), 200);

    s.moto.restore().unwrap();
    let back = request(r1.addr, "GET", "/v1/frames/before", t, &[], b"");
    expect(&back, 200);
    assert!(back.body == raw);
    expect(&put("after"), 201);
    expect(
        &request(r1.addr, "GET", "/v1/frames/during", t, &[], b""),
        404,
    );
}

#[test]
fn a_replica_killed_mid_upload_leaves_no_frame_and_the_retry_through_the_other_succeeds() {
    let Some(s) = setup() else {
        return;
    };
    let (mut r1, r2) = (replica(s.dirs[0].path()), replica(s.dirs[1].path()));
    let t = &s.token;
    // 48 MiB that do not compress: a frame of six 8 MiB parts.
    let body = noise(48 << 20);
    let mut conn = TcpStream::connect(r1.addr).unwrap();
    write!(
        conn,
        "PUT /v1/frames/upload?typesize=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {t}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    conn.write_all(&body).unwrap();
    // Killed once its multipart upload to the store has begun.
    let uploads = format!("/{}?uploads", s.moto.bucket);
    let moto = s
        .moto
        .endpoint()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let start = Instant::now();
    loop {
        let listed = request(moto, "GET", &uploads, "", &[], b"");
        if String::from_utf8_lossy(&listed.body).contains("<UploadId>") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no multipart upload began"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    r1.kill();
    drop(conn);

    let gone = request(r2.addr, "GET", "/v1/frames/upload?raw=1", t, &[], b"");
    expect(&gone, 404);
    let listed = request(r2.addr, "GET", "/v1/frames", t, &[], b"");
    assert_eq!(
        listed.body,
        b"[]",
        "{}",
        String::from_utf8_lossy(&listed.body)
    );

    let retry = request(
        r2.addr,
        "PUT",
        "/v1/frames/upload?typesize=1",
        t,
        &[],
        &body,
    );
    expect(&retry, 201);
    let back = request(r2.addr, "GET", "/v1/frames/upload", t, &[], b"");
    expect(&back, 200);
    assert!(back.body == body);
}

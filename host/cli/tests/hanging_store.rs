//! A real `sandpress serve` on an S3-compatible bucket (moto's server,
//! installed by `scripts/setup`; without it the test prints its skip
//! line) whose endpoint starts to accept connections and answer nothing:
//! compression keeps working, storage requests fail fast, `/readyz`
//! follows the store, the replica serves again once the store answers,
//! and SIGTERM still ends it while the store hangs.

use std::time::{Duration, Instant};

use sandpress::load::client::{self, Answer};
use sandpress::load::moto::Moto;
use sandpress::load::server::Server;
use sandpress_test_support::u32_le_bytes;

mod common;
use common::{BIN, expect, request, sandpress};

/// Polls `check` every 100 ms for up to `within`; the time it took.
fn within(within: Duration, mut check: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < within {
        if check() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// `/readyz`'s status, or 0 if there was no answer.
fn readyz(s: &Server) -> u16 {
    client::request(s.addr, "GET", "/readyz", "", &[], b"").map_or(0, |a| a.status)
}

#[test]
fn a_hanging_store_fails_fast_recovers_and_sigterm_still_ends_the_replica() {
    let server = sandpress_test_support::moto_server();
    if !sandpress_test_support::needs(sandpress_test_support::MOTO, server.is_some()) {
        return;
    }
    let moto = Moto::start(&server.unwrap(), "sandpress").unwrap();
    let dir = tempfile::tempdir().unwrap();
    moto.configure(dir.path()).unwrap();
    let token = sandpress(dir.path(), &["tenant", "add", "alice"]);
    let mut s = Server::start(
        std::path::Path::new(BIN),
        dir.path(),
        &["--refresh-seconds", "1", "--storage-timeout-seconds", "2"],
    )
    .unwrap();
    let data = u32_le_bytes(0..500_000);
    expect(
        &request(s.addr, "PUT", "/v1/frames/f?typesize=4", &token, &[], &data),
        201,
    );
    assert_eq!(readyz(&s), 200);

    moto.hang();
    std::thread::sleep(Duration::from_millis(1500));
    // No storage needed: answered throughout.
    for _ in 0..3 {
        let a = request(
            s.addr,
            "POST",
            "/v1/compress?typesize=4",
            &token,
            &[],
            &data,
        );
        expect(&a, 200);
    }
    // Storage needed: 503 within the deadline and its retries.
    let start = Instant::now();
    let a: Answer = request(s.addr, "GET", "/v1/frames/f", &token, &[], b"");
    expect(&a, 503);
    eprintln!(
        "hanging store: first 503 after {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let down = within(Duration::from_secs(30), || readyz(&s) == 503);
    assert!(down.is_some(), "/readyz never said the store is down");
    let start = Instant::now();
    expect(
        &request(s.addr, "GET", "/v1/frames/f", &token, &[], b""),
        503,
    );
    eprintln!(
        "hanging store, breaker open: 503 after {:.3} s",
        start.elapsed().as_secs_f64()
    );

    moto.unhang();
    let back = within(Duration::from_secs(10), || readyz(&s) == 200);
    eprintln!("store back: ready again after {back:?}");
    assert!(
        back.is_some(),
        "not ready within 10 s of the store's return"
    );
    let a = request(s.addr, "GET", "/v1/frames/f", &token, &[], b"");
    expect(&a, 200);
    assert!(a.body == data);

    moto.hang();
    let status = s.terminate(Duration::from_secs(30));
    assert!(
        status.is_some(),
        "SIGTERM did not end the replica within 30 s"
    );
}

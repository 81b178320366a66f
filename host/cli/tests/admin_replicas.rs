//! The admin API on two real replicas sharing a bucket (moto's S3 server,
//! installed by `scripts/setup`; without it the test prints its skip
//! line): a tenant added through one works through the other within the
//! refresh bound, and its token rotated through the other stops working
//! on the first.

use std::path::Path;
use std::time::{Duration, Instant};

use sandpress::load::moto::Moto;
use sandpress::load::server::Server;

mod common;
use common::{BIN, expect, request};

const OPERATOR: &str = "operator-token-for-the-test";

/// The status of `GET /v1/frames` as `token` through `s`, asked until it
/// is `want` for up to `within`; the time it took.
fn until(s: &Server, token: &str, want: u16, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < within {
        if request(s.addr, "GET", "/v1/frames", token, &[], b"").status == want {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

fn token_of(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
    v["token"].as_str().unwrap().to_owned()
}

#[test]
fn a_tenant_added_through_one_replica_works_through_the_other() {
    let server = sandpress_test_support::moto_server();
    if !sandpress_test_support::needs(sandpress_test_support::MOTO, server.is_some()) {
        return;
    }
    let moto = Moto::start(&server.unwrap(), "sandpress").unwrap();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for d in &dirs {
        moto.configure(d.path()).unwrap();
    }
    let start = |d: &Path| {
        Server::start(
            Path::new(BIN),
            d,
            &["--refresh-seconds", "1", "--admin-token", OPERATOR],
        )
        .unwrap()
    };
    let (r1, r2) = (start(dirs[0].path()), start(dirs[1].path()));

    let added = request(
        r1.addr,
        "POST",
        "/v1/admin/tenants/carol",
        OPERATOR,
        &[],
        b"",
    );
    expect(&added, 201);
    let token = token_of(&added.body);
    let took = until(&r2, &token, 200, Duration::from_secs(10));
    eprintln!("added through replica 1: works through replica 2 after {took:?}");
    assert!(took.is_some(), "not within 10 s (refresh 1 s)");

    let rotated = request(
        r2.addr,
        "POST",
        "/v1/admin/tenants/carol/token",
        OPERATOR,
        &[],
        b"",
    );
    expect(&rotated, 200);
    let took = until(&r1, &token, 401, Duration::from_secs(10));
    eprintln!("rotated through replica 2: the old token refused by replica 1 after {took:?}");
    assert!(took.is_some());
    assert!(until(&r1, &token_of(&rotated.body), 200, Duration::from_secs(10)).is_some());
}

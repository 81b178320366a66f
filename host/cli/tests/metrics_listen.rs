//! `sandpress serve --metrics-listen ADDR`: `/metrics` on that address
//! alone, 404 on the API's.

mod common;
use common::{expect, nth_addr, request, serve_with_stderr};

#[test]
fn metrics_move_to_their_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, first, _stderr) =
        serve_with_stderr(dir.path(), &["--metrics-listen", "127.0.0.1:0"]);
    let (api, metrics) = (nth_addr(&first, 0), nth_addr(&first, 1));
    assert_ne!(api, metrics);
    expect(&request(api, "GET", "/metrics", "", &[], b""), 404);
    expect(&request(api, "GET", "/healthz", "", &[], b""), 200);
    let m = request(metrics, "GET", "/metrics", "", &[], b"");
    expect(&m, 200);
    assert!(String::from_utf8_lossy(&m.body).contains("sandpress_tenants"));
    expect(&request(metrics, "GET", "/v1/frames", "", &[], b""), 404);
    let _ = child.kill();
    let _ = child.wait();
}

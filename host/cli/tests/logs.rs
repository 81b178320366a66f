//! `sandpress serve --log-format json`: one access-log event per request
//! with its id, tenant, route, status, bytes and latency; the request id
//! echoed and carried into problems; and no token or body in any line.

use std::io::BufRead;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;
use common::{expect, nth_addr, request, sandpress, serve_with_stderr};

#[test]
fn the_access_log_has_the_fields_and_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let token = sandpress(dir.path(), &["tenant", "add", "alice"]);
    let (mut child, first, stderr) = serve_with_stderr(dir.path(), &["--log-format", "json"]);
    let addr = nth_addr(&first, 0);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let collected = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            collected.lock().unwrap().push(line);
        }
    });

    let marker = "SECRET-BODY-MARKER-";
    let body = marker.repeat(1000).into_bytes();
    let put = request(
        addr,
        "PUT",
        "/v1/frames/f?typesize=1&codec=zstd",
        &token,
        &[("X-Request-Id", "req-abc-1")],
        &body,
    );
    expect(&put, 201);
    assert_eq!(put.header("x-request-id"), Some("req-abc-1"));
    let got = request(addr, "GET", "/v1/frames/f", &token, &[], b"");
    expect(&got, 200);
    let generated = got
        .header("x-request-id")
        .expect("a generated request id")
        .to_owned();
    assert_eq!(generated.len(), 16, "{generated}");
    let bad_token = "BADTOKEN-XYZ-0123456789";
    let denied = request(
        addr,
        "GET",
        "/v1/frames",
        bad_token,
        &[("X-Request-Id", "req-401")],
        b"",
    );
    expect(&denied, 401);
    let problem: serde_json::Value = serde_json::from_slice(&denied.body).unwrap();
    assert_eq!(problem["request_id"], "req-401");

    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let _ = child.wait();
    reader.join().unwrap();
    std::thread::sleep(Duration::from_millis(50));

    let lines = lines.lock().unwrap();
    for line in lines.iter() {
        assert!(!line.contains(&token), "the token in the log: {line}");
        assert!(!line.contains(bad_token), "a token in the log: {line}");
        assert!(!line.contains(marker), "the body in the log: {line}");
    }
    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: not JSON: {l}")))
        .collect();
    let access: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["target"] == "sandpress::access")
        .collect();
    assert_eq!(access.len(), 3, "{lines:#?}");
    let put_event = access
        .iter()
        .find(|e| e["request_id"] == "req-abc-1")
        .expect("the PUT's event");
    assert_eq!(put_event["tenant"], "alice");
    assert_eq!(put_event["method"], "PUT");
    assert_eq!(put_event["route"], "/v1/frames/{name}");
    assert_eq!(put_event["status"], 201);
    assert_eq!(put_event["bytes_in"], body.len() as u64);
    assert!(put_event["latency_ms"].as_f64().is_some());
    let get_event = access
        .iter()
        .find(|e| e["request_id"] == generated.as_str())
        .expect("the GET's event");
    assert_eq!(get_event["bytes_out"], body.len() as u64);
    let denied_event = access
        .iter()
        .find(|e| e["request_id"] == "req-401")
        .expect("the 401's event");
    assert_eq!(denied_event["status"], 401);
    assert_eq!(denied_event["tenant"], "-");
}

//! `/healthz`, `/metrics` and `/openapi.json`.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};

use super::service;
use crate::common::ints;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics_need_no_token() {
    let s = service(&["alice"], "").await;
    let h = s.call(Method::GET, "/healthz", None, &[], Vec::new()).await;
    assert_eq!(h.status, StatusCode::OK);
    let c = s
        .as_tenant(0, Method::POST, "/v1/compress?typesize=4", ints(0..1000))
        .await;
    assert_eq!(c.status, StatusCode::OK);
    let m = s.call(Method::GET, "/metrics", None, &[], Vec::new()).await;
    let text = String::from_utf8(m.body).unwrap();
    for needle in [
        r#"sandpress_requests_total{route="/v1/compress",method="POST",status="200",tenant="alice"} 1"#,
        r#"sandpress_bytes_total{tenant="alice",direction="in"} 4000"#,
        r#"sandpress_bytes_total{tenant="alice",direction="out"}"#,
        r#"sandpress_request_seconds_bucket{route="/v1/compress",tenant="alice""#,
        r#"sandpress_work_seconds_total{tenant="alice"}"#,
        "sandpress_tenants 1",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_every_route() {
    let s = service(&["alice"], "").await;
    let api = s
        .call(Method::GET, "/openapi.json", None, &[], Vec::new())
        .await
        .json();
    let mut listed = BTreeSet::new();
    for (path, item) in api["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "put", "post", "delete"].contains(&method.as_str()) {
                listed.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let expected: BTreeSet<String> = [
        "GET /v1/admin/tenants",
        "GET /v1/admin/tenants/{name}",
        "POST /v1/admin/tenants/{name}",
        "DELETE /v1/admin/tenants/{name}",
        "POST /v1/admin/tenants/{name}/token",
        "PUT /v1/admin/tenants/{name}/limits",
        "PUT /v1/plugins/{id}",
        "DELETE /v1/plugins/{id}",
        "GET /v1/plugins",
        "POST /v1/compress",
        "POST /v1/decompress",
        "PUT /v1/frames/{name}",
        "GET /v1/frames/{name}",
        "DELETE /v1/frames/{name}",
        "GET /v1/frames/{name}/info",
        "POST /v1/frames/{name}/append",
        "GET /v1/frames",
        "GET /healthz",
        "GET /readyz",
        "GET /metrics",
        "GET /openapi.json",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(listed, expected);
    // And each listed route answers (not the fallback's 404).
    for route in &expected {
        let (method, path) = route.split_once(' ').unwrap();
        let path = path.replace("{id}", "200").replace("{name}", "x");
        let a = s
            .call(method.parse().unwrap(), &path, None, &[], Vec::new())
            .await;
        assert!(
            !a.body.windows(13).any(|w| w == b"no such route"),
            "{route} is not routed"
        );
    }
    assert!(api["components"]["securitySchemes"]["bearer"].is_object());
    // Every error answer of every route is a problem document.
    let mut problems = 0;
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.as_str() < "400" {
                    continue;
                }
                problems += 1;
                let schema = &response["content"]["application/problem+json"]["schema"];
                assert_eq!(
                    schema["$ref"], "#/components/schemas/ProblemBody",
                    "{method} {path} {status}"
                );
                assert!(
                    !response["description"].as_str().unwrap().is_empty(),
                    "{method} {path} {status}"
                );
            }
        }
    }
    assert!(problems >= 40, "only {problems} problem answers described");
    assert!(api["components"]["schemas"]["ProblemBody"].is_object());
}

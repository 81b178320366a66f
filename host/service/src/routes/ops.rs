//! Routes for operators: health, metrics and the API's description.

use std::sync::OnceLock;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::problems::StorageUnavailable;
use crate::app::App;
use crate::problem::Problem;

/// Alive and serving.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The server is up", body = String)))]
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready for traffic: the store answers (the last probe was answered and
/// the storage breaker is closed). A load balancer should send no requests
/// to a replica that answers 503 here; `/healthz` says only that the
/// process is alive.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready: the store answers", body = String),
        StorageUnavailable,
    ))]
pub async fn readyz(State(app): State<App>) -> Result<&'static str, Problem> {
    if app.storage_ready() {
        Ok("ready\n")
    } else {
        Err(Problem::StorageUnavailable(
            "the store does not answer its probes".into(),
        ))
    }
}

/// Counters and histograms in the Prometheus text format: requests by
/// route and status, bytes in and out, plugin failures by cause and work
/// time per tenant, request latency, tenants and their storage.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics(State(app): State<App>) -> impl IntoResponse {
    let tenants = app.all_tenants().await;
    let m = app.metrics();
    m.gauge("sandpress_tenants", Vec::new(), tenants.len() as f64);
    let health = app.storage_health();
    m.gauge(
        "sandpress_storage_breaker_open",
        Vec::new(),
        f64::from(u8::from(health.is_open())),
    );
    m.gauge(
        "sandpress_storage_ready",
        Vec::new(),
        f64::from(u8::from(health.is_ready())),
    );
    m.gauge(
        "sandpress_storage_failures_in_a_row",
        Vec::new(),
        f64::from(health.failures_in_a_row()),
    );
    for t in &tenants {
        let label = m.tenant_label(t.name());
        m.gauge(
            "sandpress_stored_bytes",
            vec![metrics::Label::new("tenant", label.clone())],
            t.usage() as f64,
        );
        m.gauge(
            "sandpress_plugins",
            vec![metrics::Label::new("tenant", label.clone())],
            t.plugins().len() as f64,
        );
        let (live, memory) = t.instances();
        m.gauge(
            "sandpress_live_instances",
            vec![metrics::Label::new("tenant", label.clone())],
            live as f64,
        );
        m.gauge(
            "sandpress_plugin_memory_bytes",
            vec![metrics::Label::new("tenant", label)],
            memory as f64,
        );
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        m.render(),
    )
}

/// This description, in OpenAPI 3.1.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI description", content_type = "application/json")))]
pub async fn openapi_json() -> impl IntoResponse {
    static API: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    Json(API.get_or_init(super::openapi).clone())
}

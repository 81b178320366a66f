//! The server's metrics in Prometheus text, from a recorder of its own
//! (not the process-global one, so that two servers in one process, as
//! in tests, count apart).
//!
//! Tenant labels are bounded: the first `max_tenant_labels` tenants that
//! make a request get their own label, later ones share `_other`, so that
//! many tenants cannot blow up the series count.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use metrics::{Key, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

const META: Metadata<'static> = Metadata::new("sandpress", Level::INFO, None);

/// The label of tenants past the cap.
pub const OTHER_TENANTS: &str = "_other";

/// The server's counters and histograms.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    labelled: Mutex<HashSet<String>>,
    max_tenant_labels: usize,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("max_tenant_labels", &self.max_tenant_labels)
            .finish()
    }
}

impl Metrics {
    /// Metrics with at most `max_tenant_labels` distinct tenant labels.
    pub fn new(max_tenant_labels: usize) -> Self {
        let buckets = [
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
        ];
        let builder = PrometheusBuilder::new();
        let builder = match builder.set_buckets(&buckets) {
            Ok(b) => b,
            Err(_) => PrometheusBuilder::new(),
        };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        Metrics {
            recorder,
            handle,
            labelled: Mutex::new(HashSet::new()),
            max_tenant_labels,
        }
    }

    /// The label for tenant `name`: its name while under the cap.
    pub fn tenant_label(&self, name: &str) -> String {
        let mut seen = self.labelled.lock().unwrap_or_else(|p| p.into_inner());
        if seen.contains(name) {
            return name.to_owned();
        }
        if seen.len() < self.max_tenant_labels {
            seen.insert(name.to_owned());
            return name.to_owned();
        }
        OTHER_TENANTS.to_owned()
    }

    fn count(&self, name: &'static str, labels: Vec<Label>, n: u64) {
        self.recorder
            .register_counter(&Key::from_parts(name, labels), &META)
            .increment(n);
    }

    /// One request answered.
    pub fn request(&self, route: &str, method: &str, status: u16, tenant: &str, took: Duration) {
        let labels = vec![
            Label::new("route", route.to_owned()),
            Label::new("method", method.to_owned()),
            Label::new("status", status.to_string()),
            Label::new("tenant", tenant.to_owned()),
        ];
        self.count("sandpress_requests_total", labels, 1);
        let labels = vec![
            Label::new("route", route.to_owned()),
            Label::new("tenant", tenant.to_owned()),
        ];
        self.recorder
            .register_histogram(&Key::from_parts("sandpress_request_seconds", labels), &META)
            .record(took.as_secs_f64());
    }

    /// Bytes received (`in`) or sent (`out`) for a tenant.
    pub fn bytes(&self, tenant: &str, direction: &'static str, n: u64) {
        let labels = vec![
            Label::new("tenant", tenant.to_owned()),
            Label::new("direction", direction),
        ];
        self.count("sandpress_bytes_total", labels, n);
    }

    /// One request to the object store for a tenant (`op`: `get`, `head`,
    /// `put`, `put_part`, `complete`, `abort`, `delete`, `list`, ...), and
    /// the bytes of object it fetched (`get` only).
    pub fn storage(&self, tenant: &str, op: &'static str, fetched: u64) {
        let labels = vec![
            Label::new("tenant", tenant.to_owned()),
            Label::new("op", op),
        ];
        self.count("sandpress_storage_requests_total", labels, 1);
        if fetched > 0 {
            let labels = vec![Label::new("tenant", tenant.to_owned())];
            self.count("sandpress_storage_fetched_bytes_total", labels, fetched);
        }
    }

    /// A plugin failure, by its problem type.
    pub fn plugin_failure(&self, tenant: &str, cause: &'static str) {
        let labels = vec![
            Label::new("tenant", tenant.to_owned()),
            Label::new("cause", cause),
        ];
        self.count("sandpress_plugin_failures_total", labels, 1);
    }

    /// Time a worker thread spent on a tenant's pipeline work (its
    /// plugins' calls included).
    pub fn work(&self, tenant: &str, took: Duration) {
        let key = Key::from_parts(
            "sandpress_work_seconds_total",
            vec![Label::new("tenant", tenant.to_owned())],
        );
        self.recorder
            .register_gauge(&key, &META)
            .increment(took.as_secs_f64());
    }

    /// Sets a gauge of the whole server.
    pub fn gauge(&self, name: &'static str, labels: Vec<Label>, value: f64) {
        self.recorder
            .register_gauge(&Key::from_parts(name, labels), &META)
            .set(value);
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_labels_are_capped() {
        let m = Metrics::new(2);
        assert_eq!(m.tenant_label("a"), "a");
        assert_eq!(m.tenant_label("b"), "b");
        assert_eq!(m.tenant_label("c"), OTHER_TENANTS);
        assert_eq!(m.tenant_label("a"), "a");
        m.bytes("a", "in", 5);
        m.bytes("a", "in", 7);
        m.storage("a", "get", 100);
        m.storage("a", "get", 20);
        m.storage("a", "head", 0);
        let text = m.render();
        assert!(
            text.contains(r#"sandpress_bytes_total{tenant="a",direction="in"} 12"#),
            "{text}"
        );
        assert!(
            text.contains(r#"sandpress_storage_fetched_bytes_total{tenant="a"} 120"#),
            "{text}"
        );
        assert!(
            text.contains(r#"sandpress_storage_requests_total{tenant="a",op="get"} 2"#),
            "{text}"
        );
    }
}

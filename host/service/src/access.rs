//! Request ids and the access log.
//!
//! Every request gets an id: the client's `X-Request-Id` when it sends a
//! sane one (up to 128 visible ASCII characters), else a fresh one. The id
//! is echoed in the answer's `X-Request-Id`, carried in a problem's
//! `request_id`, and named by every log event the request causes.
//!
//! When the answer's body has been sent (or the client went away), one
//! event of target `sandpress::access` records the request: id, tenant,
//! method, route (the route's template, never the path's values), status,
//! bytes in and out, latency in milliseconds, and the plugin ids the
//! request names. Nothing else of the request reaches a log: no header
//! (so no token), no body, no query string.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::body::Body;
use axum::http::HeaderValue;
use axum::http::Uri;
use futures::StreamExt;

use crate::params::CompressQuery;

tokio::task_local! {
    /// The id of the request whose handler runs on this task.
    static REQUEST_ID: Arc<str>;
}

/// The header that carries a request id.
pub const HEADER: &str = "x-request-id";

/// The client's request id if it is sane, else a fresh one.
pub fn request_id(sent: Option<&HeaderValue>) -> Arc<str> {
    let sane = sent
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .filter(|s| s.bytes().all(|b| b.is_ascii_graphic()));
    match sane {
        Some(s) => Arc::from(s),
        None => {
            let mut bytes = [0u8; 8];
            // A clock-based id when the system has no randomness to give.
            if getrandom::fill(&mut bytes).is_err() {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
                bytes = now.to_le_bytes();
            }
            Arc::from(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        }
    }
}

/// Runs `f` as the handling of the request `id`.
pub async fn with_request_id<F: Future>(id: Arc<str>, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}

/// The id of the request being handled on this task, if any.
pub fn current_request_id() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok()
}

/// The plugin ids (160-255) the request's query names as `codec=` or
/// `filters=` (read as the compression query reads them), comma-separated.
pub fn plugins_named(uri: &Uri) -> String {
    axum::extract::Query::<CompressQuery>::try_from_uri(uri)
        .map(|q| q.0.plugin_ids())
        .unwrap_or_default()
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// One request's access-log record, written when dropped: once the answer's
/// body is sent, or dropped unsent.
pub struct Entry {
    /// The request id.
    pub id: Arc<str>,
    /// `GET`, `PUT`, ...
    pub method: String,
    /// The route's template.
    pub route: String,
    /// The tenant's name, or `-`.
    pub tenant: String,
    /// The answer's status.
    pub status: u16,
    /// Plugin ids the request names.
    pub plugins: String,
    /// Body bytes received.
    pub bytes_in: Arc<AtomicU64>,
    /// Body bytes sent.
    pub bytes_out: u64,
    /// When the request came.
    pub start: Instant,
}

impl Drop for Entry {
    fn drop(&mut self) {
        tracing::info!(
            target: "sandpress::access",
            request_id = %self.id,
            tenant = %self.tenant,
            method = %self.method,
            route = %self.route,
            status = self.status,
            bytes_in = self.bytes_in.load(Ordering::Relaxed),
            bytes_out = self.bytes_out,
            latency_ms = self.start.elapsed().as_secs_f64() * 1e3,
            plugins = %self.plugins,
            "request"
        );
    }
}

/// `body`, its bytes counted into `count`.
pub fn count_in(body: Body, count: Arc<AtomicU64>) -> Body {
    Body::from_stream(body.into_data_stream().map(move |piece| {
        if let Ok(bytes) = &piece {
            count.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
        piece
    }))
}

/// `body`, its bytes counted into `entry`, which is written when the body
/// ends or is dropped.
pub fn count_out(body: Body, mut entry: Entry) -> Body {
    Body::from_stream(body.into_data_stream().map(move |piece| {
        // The whole entry moves into the closure (not only the field),
        // so that it is written when the body is dropped.
        let entry = &mut entry;
        if let Ok(bytes) = &piece {
            entry.bytes_out += bytes.len() as u64;
        }
        piece
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_client_id_is_kept_and_anything_else_replaced() {
        let kept = request_id(Some(&HeaderValue::from_static("abc-123")));
        assert_eq!(&*kept, "abc-123");
        for bad in ["", "has space", &"x".repeat(129)] {
            let v = HeaderValue::from_str(bad).unwrap();
            let id = request_id(Some(&v));
            assert_eq!(id.len(), 16, "{bad:?} -> {id}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        assert_ne!(request_id(None), request_id(None));
    }

    #[test]
    fn the_plugins_a_query_names_are_listed() {
        let named = |uri: &str| plugins_named(&uri.parse().unwrap());
        assert_eq!(
            named("/v1/compress?codec=184&filters=shuffle%2C160%3A2&typesize=4"),
            "184,160"
        );
        assert_eq!(named("/v1/compress?codec=zstd"), "");
        assert_eq!(named("/v1/frames"), "");
    }
}

//! `sandpress serve`: every route and every error in-process (the
//! router called directly), and tenant isolation. The real binary, end
//! to end, is tested in `host/cli/tests/serve.rs` (it needs the binary).

mod admin;
mod append;
mod commit;
mod errors;
mod frames;
mod hanging_store;
mod isolation;
mod oneshot;
mod ops;
mod ranges;
mod replicas;
mod shared_store;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use sandpress_service::tenant::TenantsSource;
use sandpress_service::{App, Config};
use tempfile::TempDir;
use tower::ServiceExt;

/// A service on a fresh data directory, and its tenants' tokens.
pub struct Service {
    /// The data directory (removed when dropped).
    pub dir: TempDir,
    /// The API.
    pub router: Router,
    /// Tokens of the tenants, in the order given.
    pub tokens: Vec<String>,
}

/// An answer: status, headers, whole body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// Checks the status, showing the body when it is another.
    pub fn expect(&self, status: StatusCode) {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
    }

    /// The body as a problem document's `type`, checking the media type.
    pub fn problem_type(&self) -> String {
        assert_eq!(
            self.headers["content-type"],
            "application/problem+json",
            "status {}: {}",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        let v: serde_json::Value = serde_json::from_slice(&self.body).unwrap();
        assert_eq!(v["status"], self.status.as_u16());
        v["type"].as_str().unwrap().to_owned()
    }

    /// The problem's `detail`.
    pub fn detail(&self) -> String {
        let v: serde_json::Value = serde_json::from_slice(&self.body).unwrap();
        v["detail"].as_str().unwrap_or_default().to_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Starts a service with `tenants`, whose limits are set by the TOML
/// `defaults` (the body of its `[defaults]` table).
pub async fn service(tenants: &[&str], defaults: &str) -> Service {
    service_with(tenants, defaults, |c| c).await
}

/// [`service`] with its configuration changed by `change`.
pub async fn service_with(
    tenants: &[&str],
    defaults: &str,
    change: impl FnOnce(Config) -> Config,
) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let source = TenantsSource::for_data_dir(dir.path()).unwrap();
    let tokens = source
        .update(|file| {
            file.set_defaults(defaults)?;
            tenants.iter().map(|t| file.add(t)).collect()
        })
        .await
        .unwrap();
    let config = change(Config {
        compile_cache: false,
        ..Config::new(dir.path())
    });
    let app = App::open(config).await.unwrap();
    Service {
        dir,
        router: sandpress_service::router(app),
        tokens,
    }
}

impl Service {
    /// Sends one request as `token` (none: no Authorization header).
    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let response = self
            .router
            .clone()
            .oneshot(req.body(body.into()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    /// Tenant `i`'s request.
    pub async fn as_tenant(
        &self,
        i: usize,
        method: Method,
        uri: &str,
        body: impl Into<Body>,
    ) -> Answer {
        self.call(method, uri, Some(&self.tokens[i]), &[], body)
            .await
    }
}

/// Registers `component` as tenant `i`'s plugin `id` of `kind`.
pub async fn put_plugin(s: &Service, i: usize, id: u8, kind: &str, component: &[u8]) -> Answer {
    s.as_tenant(
        i,
        Method::PUT,
        &format!("/v1/plugins/{id}?kind={kind}"),
        component.to_vec(),
    )
    .await
}

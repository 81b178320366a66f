//! The HTTP API: its routes (one module per resource), bearer-token
//! authentication, the layer that counts every answer in the metrics, and
//! the OpenAPI description (`problems` holds its error answers).

pub mod admin;
mod append;
mod conditions;
mod frames;
mod oneshot;
mod ops;
mod plugins;
mod problems;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::Router;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::http::header::{self, AUTHORIZATION};
use axum::http::request::Parts;
use axum::middleware::{self, Next};
use axum::response::Response;
use bytes::Bytes;
use futures::stream::{self, StreamExt};
use tokio::sync::mpsc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access;
use crate::app::App;
use crate::problem::{PluginCause, Problem, ProblemSlug};
use crate::storage::TenantStore;
use crate::storage::commit::etag_header;
use crate::tenant::{Permit, Tenant};

/// The API's description, completed by the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "sandpress",
        description = "Blosc2 compression with tenants' own WebAssembly codecs and filters, sandboxed."
    ),
    components(schemas(crate::problem::ProblemBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route of the API but `/metrics`, each with its OpenAPI operation.
fn routes_but_metrics() -> OpenApiRouter<App> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(plugins::put_plugin, plugins::delete_plugin))
        .routes(routes!(plugins::list_plugins))
        .routes(routes!(oneshot::compress))
        .routes(routes!(oneshot::decompress))
        .routes(routes!(
            frames::put_frame,
            frames::get_frame,
            frames::delete_frame
        ))
        .routes(routes!(frames::frame_info))
        .routes(routes!(append::append_frame))
        .routes(routes!(frames::list_frames))
        .routes(routes!(admin::list_tenants))
        .routes(routes!(
            admin::get_tenant,
            admin::add_tenant,
            admin::remove_tenant
        ))
        .routes(routes!(admin::rotate_token))
        .routes(routes!(admin::set_limits))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::openapi_json))
}

/// Every route of the API, each with its OpenAPI operation.
fn api() -> OpenApiRouter<App> {
    routes_but_metrics().routes(routes!(ops::metrics))
}

/// The router of the whole API.
pub fn router(app: App) -> Router {
    finish(api(), app)
}

/// The API without `/metrics`, for a server whose metrics are served on
/// an address of their own ([`metrics_router`]).
pub fn router_without_metrics(app: App) -> Router {
    finish(routes_but_metrics(), app)
}

/// `/metrics` alone, for its own address (`sandpress serve
/// --metrics-listen`).
pub fn metrics_router(app: App) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(ops::metrics))
        .fallback(|| async { Problem::NotFound("no such route".into()) })
        .with_state(app)
}

fn finish(api: OpenApiRouter<App>, app: App) -> Router {
    api.route_layer(middleware::from_fn_with_state(app.clone(), track))
        .fallback(|| async { Problem::NotFound("no such route".into()) })
        .with_state(app)
        .into()
}

/// The API's OpenAPI description, generated from the routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// The authenticated tenant's name, for [`track`]: `track` puts an empty
/// one in the request's extensions, and [`Authed`] fills it in.
#[derive(Clone, Default)]
struct TenantName(Arc<std::sync::Mutex<Option<String>>>);

/// Gives the request its id, counts the answer (route, method, status,
/// tenant, time; the cause of a plugin's failure) and writes its access-log
/// entry once the answer's body is sent ([`access`]).
async fn track(State(app): State<App>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().to_string();
    let id = access::request_id(req.headers().get(access::HEADER));
    let plugins = access::plugins_named(req.uri());
    let bytes_in = Arc::new(AtomicU64::new(0));
    let mut req = req.map(|body| access::count_in(body, bytes_in.clone()));
    let named = TenantName::default();
    req.extensions_mut().insert(named.clone());
    let start = Instant::now();
    let mut response = access::with_request_id(id.clone(), next.run(req)).await;
    let name = named.0.lock().unwrap_or_else(|p| p.into_inner()).take();
    let m = app.metrics();
    let tenant = name
        .as_deref()
        .map_or_else(|| "-".to_owned(), |n| m.tenant_label(n));
    m.request(
        &route,
        &method,
        response.status().as_u16(),
        &tenant,
        start.elapsed(),
    );
    if let Some(cause) = response.extensions().get::<PluginCause>() {
        m.plugin_failure(&tenant, cause.0);
    } else if let Some(ProblemSlug("bad-plugin")) = response.extensions().get::<ProblemSlug>() {
        m.plugin_failure(&tenant, "refused-at-upload");
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(access::HEADER, v);
    }
    let entry = access::Entry {
        id,
        method,
        route,
        tenant: name.unwrap_or_else(|| "-".to_owned()),
        status: response.status().as_u16(),
        plugins,
        bytes_in,
        bytes_out: 0,
        start,
    };
    response.map(|body| access::count_out(body, entry))
}

/// The query string as `T`. One that does not parse is a 422 problem
/// like any other bad parameter (axum's own `Query` answers 400 in plain
/// text).
pub struct Params<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|axum::extract::Query(q)| Params(q))
            .map_err(|e| Problem::BadParameter(e.body_text()))
    }
}

/// The request's bearer token, if it has a non-empty one.
fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// An authenticated request: its tenant and the request slot it holds.
pub struct Authed {
    /// The tenant the token belongs to.
    pub tenant: Arc<Tenant>,
    /// The request slot, held until the answer is sent.
    pub permit: Permit,
    /// The tenant's metrics label.
    pub label: String,
}

impl FromRequestParts<App> for Authed {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Problem> {
        let token = bearer(parts).ok_or(Problem::Unauthorized)?;
        let tenant = app.tenant_for(token).await?;
        if let Some(named) = parts.extensions.get::<TenantName>() {
            *named.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(tenant.name().to_owned());
        }
        let permit = tenant.acquire()?;
        let label = app.metrics().tenant_label(tenant.name());
        Ok(Authed {
            tenant,
            permit,
            label,
        })
    }
}

/// A body streamed from a worker's channel; the request slot is held
/// until the last byte is sent.
fn channel_body(
    first: Option<Bytes>,
    rx: mpsc::Receiver<Result<Bytes, Problem>>,
    permit: Permit,
) -> axum::body::Body {
    let rest = stream::unfold((rx, permit), |(mut rx, permit)| async move {
        let item = rx.recv().await?;
        let item = item.map_err(|p| std::io::Error::other(p.to_string()));
        Some((item, (rx, permit)))
    });
    let head = stream::iter(first.map(Ok::<Bytes, std::io::Error>));
    axum::body::Body::from_stream(head.chain(rest))
}

/// How the tenant's request bodies are read.
fn body_limits(app: &App, auth: &Authed, limit: u64) -> crate::body::BodyLimits {
    crate::body::BodyLimits {
        limit: limit.min(auth.tenant.limits().max_body),
        idle: app.body_timeout(),
    }
}

/// Waits for a worker's first piece: a problem then is the answer; else
/// the body streams the rest.
async fn first_piece(
    rx: &mut mpsc::Receiver<Result<Bytes, Problem>>,
) -> Result<Option<Bytes>, Problem> {
    rx.recv().await.transpose()
}

/// Runs blocking pipeline work on a worker thread in one of the tenant's
/// turns, counting its time.
async fn work<T: Send + 'static>(
    app: &App,
    auth: &Authed,
    f: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    let turn = auth.tenant.work_turn().await?;
    let start = Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        let out = f();
        drop(turn);
        out
    })
    .await
    .map_err(|e| Problem::Internal(format!("worker: {e}")))?;
    app.metrics().work(&auth.label, start.elapsed());
    out
}

/// Sends `pieces` of `content` from a worker thread, decoding in the
/// tenant's turns; the receiver gets them.
fn emit_in_turns<S: sandpress_frame::ReadAt + 'static>(
    app: &App,
    auth: &Authed,
    content: crate::jobs::Content<S>,
    pieces: Vec<crate::jobs::Piece>,
) -> mpsc::Receiver<Result<Bytes, Problem>> {
    let (tx, rx) = mpsc::channel(4);
    let turns = auth.tenant.turns();
    let (app, label) = (app.clone(), auth.label.clone());
    tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        crate::jobs::emit(content, pieces, tx, &turns);
        app.metrics().work(&label, start.elapsed());
    });
    rx
}

/// The tenant's store for this request, its traffic counted in the
/// metrics under the tenant's label.
fn metered(app: &App, auth: &Authed) -> TenantStore {
    let (app, label) = (app.clone(), auth.label.clone());
    auth.tenant
        .store()
        .metered(Arc::new(move |op, n| app.metrics().storage(&label, op, n)))
}

/// `response` with the header `ETag: tag`, if there is one.
fn with_etag(mut response: Response, tag: Option<&str>) -> Response {
    if let Some(v) = tag.and_then(|t| etag_header(t).parse().ok()) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

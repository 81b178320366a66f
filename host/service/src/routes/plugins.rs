//! `/v1/plugins`: a tenant's codecs and filters, ids 160-255 in its own
//! namespace.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::problems::{
    InsufficientStorage, NotFound, StorageUnavailable, TooLarge, TooManyRequests, Unauthorized,
    Unprocessable,
};
use super::{Authed, Params, body_limits};
use crate::app::App;
use crate::body::spool;
use crate::problem::{ApiResult, Problem};
use crate::tenant::{PluginInfo, parse_kind};

/// How to register a plugin.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PutPluginQuery {
    /// `codec` or `filter`.
    pub kind: String,
    /// A codec's name (default `codec-ID`).
    pub name: Option<String>,
}

/// Registers a component as plugin `id`, replacing the one there. It is
/// checked as the CLI checks it (size, memory, compile budget, imports,
/// the contract's exports) and compiled before it is stored.
#[utoipa::path(put, path = "/v1/plugins/{id}", tag = "plugins",
    params(("id" = u8, Path, description = "160-255"), PutPluginQuery),
    request_body(content = Vec<u8>, content_type = "application/wasm", description = "The component"),
    responses((status = 200, description = "Registered", body = PluginInfo), Unauthorized,
        TooLarge, Unprocessable, TooManyRequests, InsufficientStorage),
    security(("bearer" = [])))]
pub async fn put_plugin(
    State(app): State<App>,
    auth: Authed,
    Path(id): Path<String>,
    Params(q): Params<PutPluginQuery>,
    body: Body,
) -> Response {
    let run = async {
        let id = parse_id(&id)?;
        let kind = parse_kind(&q.kind)?;
        let limit = auth.tenant.limits().max_component_size;
        let (file, size) = spool(body, body_limits(&app, &auth, limit)).await?;
        app.metrics().bytes(&auth.label, "in", size);
        let bytes = tokio::task::spawn_blocking(move || {
            let mut v = Vec::with_capacity(size as usize);
            std::io::Read::read_to_end(&mut &file, &mut v).map(|_| v)
        })
        .await
        .map_err(|e| Problem::Internal(e.to_string()))?
        .map_err(|e| Problem::Internal(format!("reading the spooled body: {e}")))?;
        auth.tenant
            .put_plugin(id, kind, q.name.clone(), bytes.into())
            .await
    };
    match run.await {
        Ok(info) => Json(info).into_response(),
        Err(p) => p.into_response(),
    }
}

/// The tenant's plugins.
#[utoipa::path(get, path = "/v1/plugins", tag = "plugins",
    responses((status = 200, body = Vec<PluginInfo>), Unauthorized, StorageUnavailable),
    security(("bearer" = [])))]
pub async fn list_plugins(auth: Authed) -> ApiResult<Json<Vec<PluginInfo>>> {
    auth.tenant.sync_plugins().await?;
    Ok(Json(auth.tenant.plugins()))
}

/// Removes plugin `id`. Frames written with it need it registered again
/// (with the same sha256) to decode.
#[utoipa::path(delete, path = "/v1/plugins/{id}", tag = "plugins",
    params(("id" = u8, Path, description = "160-255")),
    responses((status = 204, description = "Removed"), NotFound),
    security(("bearer" = [])))]
pub async fn delete_plugin(auth: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id = parse_id(&id).map_err(|_| Problem::NotFound(format!("no plugin {id}")))?;
    auth.tenant.delete_plugin(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn parse_id(s: &str) -> Result<u8, Problem> {
    s.parse::<u8>()
        .ok()
        .filter(|&id| id >= sandpress_core::format::ids::USER_START)
        .ok_or_else(|| Problem::BadParameter(format!("plugin id {s:?} is not 160-255")))
}

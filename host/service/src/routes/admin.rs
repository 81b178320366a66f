//! `/v1/admin/`: the operator's API for tenants, guarded by the operator
//! token (`sandpress serve --admin-token`, or `SANDPRESS_ADMIN_TOKEN`;
//! only its sha256 is kept). Without one configured the routes answer 404.
//!
//! Every change goes through the same conditional writes of
//! `tenants.toml` as `sandpress tenant` (`TenantsSource::update`), so two
//! operators, or two replicas, never lose each other's change; the other
//! replicas see it within their refresh interval.

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::problems::{Conflict, NotFound, StorageUnavailable, Unauthorized, Unprocessable};
use crate::app::App;
use crate::problem::Problem;
use crate::tenant::source::TenantsSourceError;
use crate::tenant::{PluginInfo, TenantLimits, TenantsFileError, file};

/// A request that carries the operator token.
pub struct Operator;

impl FromRequestParts<App> for Operator {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Problem> {
        let Some(expected) = app.admin_token_sha256() else {
            return Err(Problem::NotFound(
                "no admin API: the server has no operator token".into(),
            ));
        };
        let token = super::bearer(parts).ok_or(Problem::Unauthorized)?;
        if file::token_hash(token) == expected {
            Ok(Operator)
        } else {
            Err(Problem::Unauthorized)
        }
    }
}

/// A tenant as the operator sees it.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct TenantInfo {
    /// Its name.
    pub name: String,
    /// Its limits: the defaults with its own over them.
    #[schema(value_type = Object)]
    pub limits: TenantLimits,
    /// Bytes it stores, as this replica last counted (absent until the
    /// replica has loaded the tenant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_bytes: Option<u64>,
    /// Its plugins (absent until the replica has loaded the tenant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugins: Option<Vec<PluginInfo>>,
}

/// A tenant's new token, shown once.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct NewToken {
    /// The tenant.
    pub name: String,
    /// Its API token; only its hash is stored.
    pub token: String,
}

/// A tenants-file failure as an answer.
fn problem(e: TenantsSourceError) -> Problem {
    match e {
        TenantsSourceError::File(TenantsFileError::NoTenant { name }) => {
            Problem::NotFound(format!("no tenant {name}"))
        }
        TenantsSourceError::File(TenantsFileError::Exists { name }) => {
            Problem::Conflict(format!("tenant {name} exists"))
        }
        TenantsSourceError::File(e) => Problem::BadParameter(e.to_string()),
        e @ TenantsSourceError::KeptChanging { .. } => Problem::Conflict(e.to_string()),
        other => Problem::StorageUnavailable(sandpress_core::error::one_line(&other)),
    }
}

/// The tenants as the file says, with what this replica knows of each.
async fn tenant_infos(app: &App) -> Result<Vec<TenantInfo>, Problem> {
    let (file, _) = app.tenants_source().read().await.map_err(problem)?;
    let configs = file
        .configs()
        .map_err(|e| problem(TenantsSourceError::File(e)))?;
    let loaded = app.all_tenants().await;
    Ok(configs
        .into_iter()
        .map(|c| {
            let running = loaded.iter().find(|t| t.name() == c.name);
            TenantInfo {
                stored_bytes: running.map(|t| t.usage()),
                plugins: running.map(|t| t.plugins()),
                name: c.name,
                limits: c.limits,
            }
        })
        .collect())
}

/// Every tenant, its limits, and (where this replica has loaded it) its
/// stored bytes and plugins.
#[utoipa::path(get, path = "/v1/admin/tenants", tag = "admin",
    responses((status = 200, body = Vec<TenantInfo>), Unauthorized, NotFound, StorageUnavailable),
    security(("bearer" = [])))]
pub async fn list_tenants(State(app): State<App>, _: Operator) -> Response {
    match tenant_infos(&app).await {
        Ok(all) => Json(all).into_response(),
        Err(p) => p.into_response(),
    }
}

/// One tenant: limits, stored bytes, plugins.
#[utoipa::path(get, path = "/v1/admin/tenants/{name}", tag = "admin",
    params(("name" = String, Path, description = "The tenant")),
    responses((status = 200, body = TenantInfo), Unauthorized, NotFound, StorageUnavailable),
    security(("bearer" = [])))]
pub async fn get_tenant(State(app): State<App>, _: Operator, Path(name): Path<String>) -> Response {
    let found = tenant_infos(&app).await.and_then(|all| {
        all.into_iter()
            .find(|t| t.name == name)
            .ok_or_else(|| Problem::NotFound(format!("no tenant {name}")))
    });
    match found {
        Ok(t) => Json(t).into_response(),
        Err(p) => p.into_response(),
    }
}

/// Adds a tenant; answers its token, shown this once.
#[utoipa::path(post, path = "/v1/admin/tenants/{name}", tag = "admin",
    params(("name" = String, Path, description = "a-z, 0-9, _ and -")),
    responses((status = 201, body = NewToken), Unauthorized, NotFound, Conflict, Unprocessable,
        StorageUnavailable),
    security(("bearer" = [])))]
pub async fn add_tenant(State(app): State<App>, _: Operator, Path(name): Path<String>) -> Response {
    let added = app.tenants_source().update(|f| f.add(&name)).await;
    new_token(&app, name, added, StatusCode::CREATED)
}

/// Gives a tenant a new token; the old one stops working (on other
/// replicas within their refresh interval).
#[utoipa::path(post, path = "/v1/admin/tenants/{name}/token", tag = "admin",
    params(("name" = String, Path, description = "The tenant")),
    responses((status = 200, body = NewToken), Unauthorized, NotFound, Conflict,
        StorageUnavailable),
    security(("bearer" = [])))]
pub async fn rotate_token(
    State(app): State<App>,
    _: Operator,
    Path(name): Path<String>,
) -> Response {
    let rotated = app.tenants_source().update(|f| f.rotate(&name)).await;
    new_token(&app, name, rotated, StatusCode::OK)
}

fn new_token(
    app: &App,
    name: String,
    token: Result<String, TenantsSourceError>,
    status: StatusCode,
) -> Response {
    match token {
        Ok(token) => {
            app.tenants_changed();
            (status, Json(NewToken { name, token })).into_response()
        }
        Err(e) => problem(e).into_response(),
    }
}

/// Removes a tenant (its stored frames and plugins stay in storage).
#[utoipa::path(delete, path = "/v1/admin/tenants/{name}", tag = "admin",
    params(("name" = String, Path, description = "The tenant")),
    responses((status = 204, description = "Removed"), Unauthorized, NotFound, Conflict,
        StorageUnavailable),
    security(("bearer" = [])))]
pub async fn remove_tenant(
    State(app): State<App>,
    _: Operator,
    Path(name): Path<String>,
) -> Response {
    match app.tenants_source().update(|f| f.remove(&name)).await {
        Ok(()) => {
            app.tenants_changed();
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => problem(e).into_response(),
    }
}

/// Sets a tenant's own limits (a JSON object of the limits to set, as in
/// `[tenants.NAME.limits]`; they replace the ones it had, over the
/// defaults); answers the tenant with its limits resolved.
#[utoipa::path(put, path = "/v1/admin/tenants/{name}/limits", tag = "admin",
    params(("name" = String, Path, description = "The tenant")),
    request_body(content = Object, content_type = "application/json",
        description = "e.g. {\"concurrency\": 8, \"storage_quota\": 1073741824}"),
    responses((status = 200, body = TenantInfo), Unauthorized, NotFound, Conflict, Unprocessable,
        StorageUnavailable),
    security(("bearer" = [])))]
pub async fn set_limits(
    State(app): State<App>,
    _: Operator,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let run = async {
        let json: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| Problem::BadParameter(format!("the limits are not JSON: {e}")))?;
        let table = toml::Table::try_from(json).map_err(|e| {
            Problem::BadParameter(format!("the limits are not an object of numbers: {e}"))
        })?;
        let text = toml::to_string(&table).map_err(|e| Problem::BadParameter(e.to_string()))?;
        app.tenants_source()
            .update(|f| f.set_limits(&name, &text))
            .await
            .map_err(problem)?;
        app.tenants_changed();
        let (file, _) = app.tenants_source().read().await.map_err(problem)?;
        let configs = file
            .configs()
            .map_err(|e| problem(TenantsSourceError::File(e)))?;
        let c = configs
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| Problem::NotFound(format!("no tenant {name}")))?;
        Ok::<_, Problem>(TenantInfo {
            name: c.name,
            limits: c.limits,
            stored_bytes: None,
            plugins: None,
        })
    };
    match run.await {
        Ok(t) => Json(t).into_response(),
        Err(p) => p.into_response(),
    }
}

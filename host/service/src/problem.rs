//! Errors as JSON problem details (RFC 9457): one [`Problem`] variant per
//! cause, each with a stable `type` and the HTTP status it answers with.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

pub use sandpress_core::error::one_line;

/// Why a request failed. The `detail` strings are one line, written for
/// the client; nothing here tells one tenant about another's data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// No `Authorization: Bearer` header, or a token no tenant has.
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// No such plugin, frame or route for this tenant (another tenant's
    /// look the same).
    #[error("{0}")]
    NotFound(String),
    /// The body is larger than the tenant's limit.
    #[error("the body is larger than this tenant's limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// A query parameter or header that cannot be used.
    #[error("{0}")]
    BadParameter(String),
    /// A plugin component that fails the registration checks.
    #[error("{0}")]
    BadPlugin(String),
    /// A body that is not a frame, or a frame that cannot be decoded.
    #[error("{0}")]
    BadFrame(String),
    /// A plugin that trapped, ran past its limits, refused a block or
    /// did not give back what it was given.
    #[error("{detail}")]
    PluginFailed {
        /// `trap`, `deadline`, `fuel`, `memory`, `refused`, `verify`, ...
        cause: &'static str,
        /// The one line the CLI prints.
        detail: String,
    },
    /// A `Range` none of whose parts lies within the data.
    #[error("no part of the range lies within the {size} bytes")]
    RangeNotSatisfiable {
        /// The size of the whole representation.
        size: u64,
    },
    /// The tenant already runs as many requests as it may.
    #[error("this tenant already runs {limit} requests at once; retry later")]
    TooManyRequests {
        /// The tenant's concurrency limit.
        limit: u32,
    },
    /// Storing this would take the tenant past its storage quota.
    #[error("this would take the tenant past its storage quota of {quota} bytes")]
    InsufficientStorage {
        /// The quota in bytes.
        quota: u64,
    },
    /// Another request changed the object first (a concurrent append), or
    /// holds it for longer than the server waits.
    #[error("{0}")]
    Conflict(String),
    /// The object is not as the request's `If-Match` / `If-None-Match`
    /// says it must be.
    #[error("{0}")]
    PreconditionFailed(String),
    /// The client's body sent nothing for too long.
    #[error("the request body sent nothing for {0:?}")]
    Timeout(Duration),
    /// The server cannot do it now (shutting down).
    #[error("{0}")]
    Unavailable(String),
    /// The object store is unreachable or failing; retry later.
    #[error("the store is unavailable: {0}")]
    StorageUnavailable(String),
    /// The object store has no room (a full disk, a bucket over its
    /// quota); retrying soon will not help.
    #[error("the store is full: {0}")]
    StorageFull(String),
    /// A fault of the server itself; logged, answered without detail.
    #[error("internal error")]
    Internal(String),
}

/// The JSON body of an error answer.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ProblemBody {
    /// A stable URI naming the cause, such as `urn:sandpress:problem:bad-plugin`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the cause.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, on one line.
    pub detail: String,
    /// The request's id (its `X-Request-Id`), as the server's logs name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl Problem {
    /// The HTTP status it answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Problem::Unauthorized => StatusCode::UNAUTHORIZED,
            Problem::NotFound(_) => StatusCode::NOT_FOUND,
            Problem::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Problem::BadParameter(_) | Problem::BadPlugin(_) | Problem::BadFrame(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Problem::PluginFailed { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Problem::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Problem::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Problem::InsufficientStorage { .. } | Problem::StorageFull(_) => {
                StatusCode::INSUFFICIENT_STORAGE
            }
            Problem::Conflict(_) => StatusCode::CONFLICT,
            Problem::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Problem::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Problem::Unavailable(_) | Problem::StorageUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Problem::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable last part of its `type`, also its metrics label.
    pub fn slug(&self) -> &'static str {
        match self {
            Problem::Unauthorized => "unauthorized",
            Problem::NotFound(_) => "not-found",
            Problem::TooLarge { .. } => "body-too-large",
            Problem::BadParameter(_) => "bad-parameter",
            Problem::BadPlugin(_) => "bad-plugin",
            Problem::BadFrame(_) => "bad-frame",
            Problem::PluginFailed { .. } => "plugin-failed",
            Problem::RangeNotSatisfiable { .. } => "range-not-satisfiable",
            Problem::TooManyRequests { .. } => "too-many-requests",
            Problem::InsufficientStorage { .. } => "storage-quota",
            Problem::Conflict(_) => "conflict",
            Problem::PreconditionFailed(_) => "precondition-failed",
            Problem::Timeout(_) => "timeout",
            Problem::Unavailable(_) => "unavailable",
            Problem::StorageUnavailable(_) => "storage-unavailable",
            Problem::StorageFull(_) => "storage-full",
            Problem::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Problem::Unauthorized => "Unauthorized",
            Problem::NotFound(_) => "Not found",
            Problem::TooLarge { .. } => "Body too large",
            Problem::BadParameter(_) => "Bad parameter",
            Problem::BadPlugin(_) => "Plugin refused",
            Problem::BadFrame(_) => "Bad frame",
            Problem::PluginFailed { .. } => "Plugin failed",
            Problem::RangeNotSatisfiable { .. } => "Range not satisfiable",
            Problem::TooManyRequests { .. } => "Too many requests",
            Problem::InsufficientStorage { .. } => "Storage quota exceeded",
            Problem::Conflict(_) => "Conflict",
            Problem::PreconditionFailed(_) => "Precondition failed",
            Problem::Timeout(_) => "Request timeout",
            Problem::Unavailable(_) => "Service unavailable",
            Problem::StorageUnavailable(_) => "Storage unavailable",
            Problem::StorageFull(_) => "Storage full",
            Problem::Internal(_) => "Internal error",
        }
    }

    /// The body it answers with.
    pub fn body(&self) -> ProblemBody {
        ProblemBody {
            kind: format!("urn:sandpress:problem:{}", self.slug()),
            title: self.title().to_owned(),
            status: self.status().as_u16(),
            detail: self.to_string(),
            request_id: crate::access::current_request_id().map(|id| id.to_string()),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        if let Problem::Internal(cause) = &self {
            tracing::error!(
                request_id = %crate::access::current_request_id().unwrap_or_default(),
                error = %cause,
                "internal error"
            );
        }
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match &self {
            Problem::TooManyRequests { .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Problem::StorageUnavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            Problem::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Problem::RangeNotSatisfiable { size } => {
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    headers.insert(header::CONTENT_RANGE, v);
                }
            }
            _ => {}
        }
        response.extensions_mut().insert(ProblemSlug(self.slug()));
        if let Problem::PluginFailed { cause, .. } = &self {
            response.extensions_mut().insert(PluginCause(cause));
        }
        response
    }
}

/// Set on the answer to a request whose plugin failed: why.
#[derive(Debug, Clone, Copy)]
pub struct PluginCause(pub &'static str);

/// Set on error answers, so the metrics layer can count causes.
#[derive(Debug, Clone, Copy)]
pub struct ProblemSlug(pub &'static str);

/// A result whose error answers as a problem.
pub type ApiResult<T> = Result<T, Problem>;

/// Maps an error of the core pipeline: a plugin's failure, a frame that
/// does not decode, or a fault of the server.
pub fn from_core(e: sandpress_core::Error) -> Problem {
    use sandpress_core::Error;
    let line = one_line(&e);
    match e {
        Error::Plugin { ref source, .. } => Problem::PluginFailed {
            cause: plugin_cause(source),
            detail: line,
        },
        Error::Verify { .. } => Problem::PluginFailed {
            cause: "verify",
            detail: line,
        },
        Error::InvalidParam { .. } | Error::TooManyFilters { .. } => Problem::BadParameter(line),
        Error::Io { .. } => Problem::Internal(line),
        _ => Problem::BadFrame(line),
    }
}

/// A label for why a plugin failed.
fn plugin_cause(e: &sandpress_core::plugin::PluginError) -> &'static str {
    use sandpress_core::plugin::{PluginError, Stopped};
    match e {
        PluginError::Refused { .. } => "refused",
        PluginError::Stopped(s) => match s {
            Stopped::Trap { .. } => "trap",
            Stopped::Deadline { .. } => "deadline",
            Stopped::OutOfFuel { .. } | Stopped::Fuel { .. } => "fuel",
            Stopped::MemoryLimit { .. } | Stopped::SandboxMemoryLimit { .. } => "memory",
            Stopped::WrongSize { .. } => "wrong-size",
            _ => "instantiate",
        },
        _ => "other",
    }
}

//! The API's error answers in its OpenAPI description, each written
//! once. A problem answer is a [`ProblemBody`](crate::ProblemBody) as
//! `application/problem+json`; a route lists the ones it can give by
//! name among its responses:
//!
//! ```text
//! responses((status = 200, body = Vec<FrameEntry>), Unauthorized, NotFound)
//! ```

use std::collections::BTreeMap;

use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};

/// The media type of problem answers (RFC 9457).
const PROBLEM_JSON: &str = "application/problem+json";

/// One problem answer: `status`, described as `description`.
fn problem(status: u16, description: &str) -> BTreeMap<String, RefOr<Response>> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ProblemBody")))
        .build();
    let response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, content)
        .build();
    BTreeMap::from([(status.to_string(), RefOr::T(response))])
}

/// Declares each problem answer as a type for `#[utoipa::path]`'s
/// `responses(...)`.
macro_rules! problem_responses {
    ($($(#[doc = $doc:literal])+ $name:ident = $status:literal, $description:literal;)+) => {$(
        $(#[doc = $doc])+
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                problem($status, $description)
            }
        }
    )+};
}

problem_responses! {
    /// 401: no bearer token, or one no tenant has.
    Unauthorized = 401, "No valid bearer token";
    /// 404: no such frame or plugin (another tenant's look the same).
    NotFound = 404, "No such frame or plugin";
    /// 409: another request changed the frame first, or holds it too long.
    Conflict = 409, "Another write changed the frame first, or holds it too long";
    /// 412: the stored frame is not as `If-Match` / `If-None-Match` say.
    PreconditionFailed = 412, "The stored frame is not as If-Match / If-None-Match say";
    /// 413: the body is larger than the tenant's limit.
    TooLarge = 413, "The body is larger than the tenant's limit";
    /// 416: no part of the range lies within the data.
    RangeNotSatisfiable = 416, "No part of the range lies within the data";
    /// 422: a bad parameter, frame or plugin, or a plugin that failed.
    Unprocessable = 422,
        "A bad parameter, frame or plugin, a plugin the frame needs and you have not, or a plugin that failed (the problem's type says which)";
    /// 429: the tenant already runs as many requests as it may.
    TooManyRequests = 429, "The tenant already runs as many requests as it may";
    /// 503: the store is unavailable (past the storage deadline, failing,
    /// or the breaker is open).
    StorageUnavailable = 503, "The store is unavailable: it did not answer within the storage deadline, failed, or failed repeatedly and is not asked until it answers again (Retry-After)";
    /// 507: storing this would take the tenant past its quota, or the
    /// store itself is full.
    InsufficientStorage = 507,
        "No room: this would take the tenant past its storage quota (storage-quota), or the store itself is full (storage-full)";
}

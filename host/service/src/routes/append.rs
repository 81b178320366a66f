//! `POST /v1/frames/{name}/append`: raw bytes added to a stored frame as
//! new chunks, safe against concurrent appends on other replicas: of two
//! appends that start from the same version, one wins and the other gets
//! 409.

use std::time::Instant;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::problems::{
    Conflict, InsufficientStorage, NotFound, TooLarge, TooManyRequests, Unauthorized, Unprocessable,
};
use super::{Authed, body_limits, metered, with_etag};
use crate::app::App;
use crate::body;
use crate::jobs::append as job;
use crate::problem::Problem;
use crate::storage::commit::Expect;
use crate::store_frame::{self, Destination, frame_path, not_found};

/// A frame after an append.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AppendedFrame {
    /// Its name.
    pub name: String,
    /// Its size as stored.
    pub size: u64,
    /// Its chunks.
    pub nchunks: usize,
    /// Its uncompressed bytes.
    pub nbytes: u64,
    /// Bytes appended by this request.
    pub appended: u64,
}

/// Compresses the body (raw bytes) with the stored frame's own parameters
/// and the tenant's plugins, and appends it to the frame as new chunks
/// (a short last chunk is filled first). The frame is replaced whole,
/// only if no other write changed it since the append read it: else 409,
/// and the frame is as the other write left it.
#[utoipa::path(post, path = "/v1/frames/{name}/append", tag = "frames",
    params(("name" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "Raw bytes"),
    responses((status = 200, description = "Appended", body = AppendedFrame), Unauthorized,
        NotFound, Conflict, TooLarge, Unprocessable, TooManyRequests, InsufficientStorage),
    security(("bearer" = [])))]
pub async fn append_frame(
    State(app): State<App>,
    auth: Authed,
    Path(name): Path<String>,
    body: Body,
) -> Response {
    match append(&app, &auth, &name, body).await {
        Ok((entry, e_tag)) => with_etag(
            (StatusCode::OK, Json(entry)).into_response(),
            e_tag.as_deref(),
        ),
        Err(p) => p.into_response(),
    }
}

async fn append(
    app: &App,
    auth: &Authed,
    name: &str,
    body: Body,
) -> Result<(AppendedFrame, Option<String>), Problem> {
    let path = frame_path(name).map_err(|_| not_found(name))?;
    let store = metered(app, auth);
    let meta = store.head(&path).await?.ok_or_else(|| not_found(name))?;
    let e_tag = meta.e_tag.clone().ok_or_else(|| {
        Problem::Unavailable("the store gives no ETag, so appends cannot be checked".into())
    })?;
    let tmp = job::fetch(&store, &path, &e_tag, &app.tmp_dir()).await?;

    let (tx, reader) = body::channel();
    let start = Instant::now();
    let (tenant, turns) = (auth.tenant.clone(), auth.tenant.turns());
    let at = tmp.path().to_owned();
    let work = tokio::task::spawn_blocking(move || job::append(&at, reader, &tenant, &turns));
    let fed = body::feed(body, tx, body_limits(app, auth, u64::MAX)).await;
    let done = work
        .await
        .map_err(|e| Problem::Internal(format!("worker: {e}")))?;
    app.metrics().work(&auth.label, start.elapsed());
    let total = fed?;
    app.metrics().bytes(&auth.label, "in", total);
    let (file, after) = done?;

    let entry = AppendedFrame {
        name: name.to_owned(),
        size: after.frame_len,
        nchunks: after.nchunks,
        nbytes: after.nbytes,
        appended: after.added,
    };
    if after.added == 0 {
        return Ok((entry, Some(e_tag)));
    }
    let what = format!("frame {name:?}");
    let to = Destination {
        path: &path,
        expect: &Expect::unchanged(e_tag),
        what: &what,
    };
    let done =
        store_frame::store(&auth.tenant, &store, to, file, after.frame_len, meta.size).await?;
    drop(tmp);
    Ok((entry, done.e_tag))
}

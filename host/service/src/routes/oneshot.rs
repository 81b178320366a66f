//! `POST /v1/compress` and `POST /v1/decompress`: one-shot, nothing kept.

use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use sandpress_frame::FrameStats;
use tokio_util::io::ReaderStream;

use super::problems::{TooLarge, TooManyRequests, Unauthorized, Unprocessable};
use super::{Authed, Params, body_limits, channel_body, emit_in_turns, first_piece, work};
use crate::app::App;
use crate::body;
use crate::jobs::{self, Content, Piece};
use crate::params::CompressQuery;
use crate::problem::Problem;
use crate::tenant::Permit;

/// The media type of frames.
pub const FRAME_TYPE: &str = "application/x-blosc2-frame";

/// Compresses the body (raw bytes) into a frame, answered as it is
/// written: read piece by piece, compressed a chunk at a time into a
/// temporary file, which is then streamed back.
#[utoipa::path(post, path = "/v1/compress", tag = "one-shot",
    params(CompressQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "Raw bytes"),
    responses(
        (status = 200, description = "The frame (.b2frame)", content_type = "application/x-blosc2-frame"),
        Unauthorized, TooLarge, Unprocessable, TooManyRequests),
    security(("bearer" = [])))]
pub async fn compress(
    State(app): State<App>,
    auth: Authed,
    Params(q): Params<CompressQuery>,
    body: Body,
) -> Response {
    match compress_body(&app, &auth, &q, body).await {
        Ok((file, stats)) => {
            app.metrics().bytes(&auth.label, "out", stats.frame_len);
            file_body(file, stats.frame_len, auth.permit)
        }
        Err(p) => p.into_response(),
    }
}

/// Compresses `body` as `q` says into a temporary file.
pub(super) async fn compress_body(
    app: &App,
    auth: &Authed,
    q: &CompressQuery,
    body: Body,
) -> Result<(std::fs::File, FrameStats), Problem> {
    if q.names_a_plugin() {
        // Another replica may have registered or replaced it.
        auth.tenant.sync_plugins().await?;
    }
    let registry = auth.tenant.registry()?;
    let (cparams, chunksize) = q.cparams(&registry)?;
    let (tx, reader) = body::channel();
    let start = Instant::now();
    let turns = auth.tenant.turns();
    let tmp_dir = app.tmp_dir();
    let job = tokio::task::spawn_blocking(move || {
        jobs::compress(reader, cparams, chunksize, registry, &turns, &tmp_dir)
    });
    let fed = body::feed(body, tx, body_limits(app, auth, u64::MAX)).await;
    let done = job
        .await
        .map_err(|e| Problem::Internal(format!("worker: {e}")))?;
    app.metrics().work(&auth.label, start.elapsed());
    let total = fed?;
    app.metrics().bytes(&auth.label, "in", total);
    done
}

/// A finished temporary file as the answer's body.
pub(super) fn file_body(file: std::fs::File, len: u64, permit: Permit) -> Response {
    let stream =
        ReaderStream::with_capacity(tokio::fs::File::from_std(file), 1 << 20).map(move |piece| {
            let _held = &permit;
            piece
        });
    (
        [
            (header::CONTENT_TYPE, FRAME_TYPE.to_owned()),
            (header::CONTENT_LENGTH, len.to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

/// Decompresses the body (a frame) into its bytes. The frame is spooled
/// to a temporary file, opened with the tenant's plugins (and any it
/// embeds), and decoded a chunk at a time as the answer is sent. A frame
/// that fails on its first chunk is refused with 422; a failure later
/// cuts the answer short (its length then falls short of Content-Length).
#[utoipa::path(post, path = "/v1/decompress", tag = "one-shot",
    request_body(content = Vec<u8>, content_type = "application/x-blosc2-frame", description = "A frame"),
    responses(
        (status = 200, description = "The uncompressed bytes", content_type = "application/octet-stream"),
        Unauthorized, TooLarge, Unprocessable, TooManyRequests),
    security(("bearer" = [])))]
pub async fn decompress(State(app): State<App>, auth: Authed, body: Body) -> Response {
    match decompress_body(&app, auth, body).await {
        Ok(r) => r,
        Err(p) => p.into_response(),
    }
}

async fn decompress_body(app: &App, auth: Authed, body: Body) -> Result<Response, Problem> {
    let (file, size) = body::spool(body, body_limits(app, &auth, u64::MAX)).await?;
    app.metrics().bytes(&auth.label, "in", size);
    let tenant = auth.tenant.clone();
    let frame = work(app, &auth, move || {
        jobs::open(file, "the request body", &tenant)
    })
    .await?;
    let nbytes = frame.nbytes();
    let pieces = vec![Piece::Data(0..nbytes)];
    let mut rx = emit_in_turns(app, &auth, Content::Decoded(Box::new(frame)), pieces);
    let first = first_piece(&mut rx).await?;
    app.metrics().bytes(&auth.label, "out", nbytes);
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, nbytes.to_string()),
        ],
        channel_body(first, rx, auth.permit),
    )
        .into_response())
}

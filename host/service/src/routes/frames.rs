//! `/v1/frames`: a tenant's stored frames, read back whole, by byte range
//! of their data (only the chunks a range touches are decoded), or as the
//! frame itself (which python-blosc2 reads).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use sandpress_core::SplitMode;
use sandpress_frame::Frame;
use sandpress_frame::summary::codec_label;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::oneshot::{FRAME_TYPE, compress_body};
use super::problems::{
    Conflict, InsufficientStorage, NotFound, PreconditionFailed, RangeNotSatisfiable, TooLarge,
    TooManyRequests, Unauthorized, Unprocessable,
};
use super::{
    Authed, Params, channel_body, conditions, emit_in_turns, first_piece, metered, with_etag, work,
};
use crate::app::App;
use crate::jobs::{self, Content, Piece};
use crate::params::CompressQuery;
use crate::problem::{ApiResult, Problem};
use crate::range::{self, Ranges};
use crate::storage::RemoteSource;
use crate::storage::commit::{self, Expect};
use crate::store_frame::{self, Destination, frame_path, not_found};

/// A stored frame.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FrameEntry {
    /// Its name.
    pub name: String,
    /// Its size as stored (the frame's bytes).
    pub size: u64,
}

/// How to read a frame.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetFrameQuery {
    /// `1`: the frame itself rather than its uncompressed bytes.
    pub raw: Option<u8>,
}

/// Compresses the body (raw bytes) and stores the frame under `name`,
/// replacing one there (the last writer wins). The frame appears only
/// once complete. `If-None-Match: *` stores it only if there is none
/// (412 otherwise); `If-Match: "ETAG"` only if the stored one has that
/// ETag. The answer's `ETag` is the stored frame's.
#[utoipa::path(put, path = "/v1/frames/{name}", tag = "frames",
    params(("name" = String, Path, description = "1-200 of A-Z a-z 0-9 . _ -"), CompressQuery,
        ("If-None-Match" = Option<String>, Header, description = "`*`: only if there is no such frame"),
        ("If-Match" = Option<String>, Header, description = "Only if the stored frame has one of these ETags")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "Raw bytes"),
    responses((status = 201, description = "Stored", body = FrameEntry), Unauthorized, Conflict,
        PreconditionFailed, TooLarge, Unprocessable, TooManyRequests, InsufficientStorage),
    security(("bearer" = [])))]
pub async fn put_frame(
    State(app): State<App>,
    auth: Authed,
    Path(name): Path<String>,
    Params(q): Params<CompressQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let run = async {
        let path = frame_path(&name)?;
        let expect = Expect::conditions(conditions::from_headers(&headers)?);
        let store = metered(&app, &auth);
        let what = format!("frame {name:?}");
        // Checked now (to spare compressing for nothing), and again under
        // the commit's lock.
        let old = store.head(&path).await?;
        expect.check(old.as_ref(), &what)?;
        let (file, stats) = compress_body(&app, &auth, &q, body).await?;
        let to = Destination {
            path: &path,
            expect: &expect,
            what: &what,
        };
        let replacing = old.map_or(0, |m| m.size);
        let done =
            store_frame::store(&auth.tenant, &store, to, file, stats.frame_len, replacing).await?;
        let entry = FrameEntry {
            name: name.clone(),
            size: stats.frame_len,
        };
        Ok::<_, Problem>((entry, done.e_tag))
    };
    match run.await {
        Ok((entry, e_tag)) => with_etag(
            (StatusCode::CREATED, Json(entry)).into_response(),
            e_tag.as_deref(),
        ),
        Err(p) => p.into_response(),
    }
}

/// The frame's uncompressed bytes, or (`raw=1`) the frame itself. A
/// `Range: bytes=` header gets 206 with those bytes only (several ranges:
/// `multipart/byteranges`); for the uncompressed bytes only the chunks
/// the ranges touch are read and decoded.
#[utoipa::path(get, path = "/v1/frames/{name}", tag = "frames",
    params(("name" = String, Path), GetFrameQuery,
        ("Range" = Option<String>, Header, description = "bytes=FIRST-LAST[,...]")),
    responses(
        (status = 200, description = "The whole", content_type = "application/octet-stream"),
        (status = 206, description = "The ranges asked for"),
        Unauthorized, NotFound, RangeNotSatisfiable, Unprocessable),
    security(("bearer" = [])))]
pub async fn get_frame(
    State(app): State<App>,
    auth: Authed,
    Path(name): Path<String>,
    Params(q): Params<GetFrameQuery>,
    headers: HeaderMap,
) -> Response {
    match read_frame(&app, auth, &name, q.raw == Some(1), &headers).await {
        Ok(r) => r,
        Err(p) => p.into_response(),
    }
}

/// The stored frame as a source to read from, and its ETag.
async fn open_stored(
    app: &App,
    auth: &Authed,
    name: &str,
) -> Result<(RemoteSource, Option<String>), Problem> {
    let path = frame_path(name).map_err(|_| not_found(name))?;
    let store = metered(app, auth);
    let meta = store.head(&path).await?.ok_or_else(|| not_found(name))?;
    let src = RemoteSource::new(store, path, meta.size, tokio::runtime::Handle::current());
    Ok((src, meta.e_tag))
}

async fn read_frame(
    app: &App,
    auth: Authed,
    name: &str,
    raw: bool,
    headers: &HeaderMap,
) -> Result<Response, Problem> {
    let (src, e_tag) = open_stored(app, &auth, name).await?;
    let (content, content_type) = if raw {
        (Content::Raw(src), FRAME_TYPE)
    } else {
        let tenant = auth.tenant.clone();
        let label = name.to_owned();
        let frame = work(app, &auth, move || jobs::open_stored(src, &label, &tenant)).await?;
        (
            Content::Decoded(Box::new(frame)),
            "application/octet-stream",
        )
    };
    let size = content.size()?;
    let asked = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let (status, pieces, mut out_headers) = plan(range::parse(asked, size)?, size, content_type);
    let len: u64 = pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.len() as u64,
            Piece::Data(r) => r.end - r.start,
        })
        .sum();
    out_headers.push((header::CONTENT_LENGTH, len.to_string()));
    out_headers.push((header::ACCEPT_RANGES, "bytes".to_owned()));
    if let Some(t) = e_tag {
        out_headers.push((header::ETAG, commit::etag_header(&t)));
    }
    let mut rx = emit_in_turns(app, &auth, content, pieces);
    let first = first_piece(&mut rx).await?;
    app.metrics().bytes(&auth.label, "out", len);
    let mut response = channel_body(first, rx, auth.permit).into_response();
    *response.status_mut() = status;
    for (k, v) in out_headers {
        if let Ok(v) = v.parse() {
            response.headers_mut().insert(k, v);
        }
    }
    Ok(response)
}

/// The status, pieces and headers of an answer to `ranges` of `size`
/// bytes of `content_type`.
fn plan(
    ranges: Ranges,
    size: u64,
    content_type: &str,
) -> (StatusCode, Vec<Piece>, Vec<(header::HeaderName, String)>) {
    match ranges {
        Ranges::Whole => (
            StatusCode::OK,
            vec![Piece::Data(0..size)],
            vec![(header::CONTENT_TYPE, content_type.to_owned())],
        ),
        Ranges::Parts(parts) if parts.len() == 1 => {
            let r = parts[0].clone();
            let cr = format!("bytes {}-{}/{size}", r.start, r.end - 1);
            (
                StatusCode::PARTIAL_CONTENT,
                vec![Piece::Data(r)],
                vec![
                    (header::CONTENT_TYPE, content_type.to_owned()),
                    (header::CONTENT_RANGE, cr),
                ],
            )
        }
        Ranges::Parts(parts) => {
            let mut pieces = Vec::with_capacity(parts.len() * 2 + 1);
            for r in parts {
                pieces.push(Piece::Text(Bytes::from(range::part_head(
                    &r,
                    size,
                    content_type,
                ))));
                pieces.push(Piece::Data(r));
            }
            pieces.push(Piece::Text(Bytes::from(range::closing())));
            let ct = format!("multipart/byteranges; boundary={}", range::BOUNDARY);
            (
                StatusCode::PARTIAL_CONTENT,
                pieces,
                vec![(header::CONTENT_TYPE, ct)],
            )
        }
    }
}

/// What `sandpress info` shows of the frame, as JSON: layout, sizes,
/// defaults, chunk runs, metalayers and the plugins it names (by id and
/// sha256). Nothing is decoded.
#[utoipa::path(get, path = "/v1/frames/{name}/info", tag = "frames",
    params(("name" = String, Path)),
    responses((status = 200, description = "The frame's summary", content_type = "application/json"),
        NotFound, Unprocessable),
    security(("bearer" = [])))]
pub async fn frame_info(
    State(app): State<App>,
    auth: Authed,
    Path(name): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let (src, _) = open_stored(&app, &auth, &name).await?;
    let label = name.clone();
    let info = work(&app, &auth, move || {
        let frame = Frame::from_source(src, std::path::Path::new(&label))
            .map_err(|e| Problem::BadFrame(crate::problem::one_line(&e)))?;
        summary_json(&label, &frame)
    })
    .await?;
    Ok(Json(info))
}

fn summary_json<S: sandpress_frame::ReadAt>(
    name: &str,
    frame: &Frame<S>,
) -> Result<serde_json::Value, Problem> {
    let s = frame.summary(false).map_err(crate::problem::from_core)?;
    let runs: Vec<_> = s
        .runs
        .iter()
        .map(|r| json!({"first": r.first, "last": r.last, "form": r.form.to_string(), "nbytes": r.nbytes, "cbytes": r.cbytes}))
        .collect();
    let plugins: Vec<_> = frame
        .plugins()
        .iter()
        .map(|r| json!({"kind": r.meta.kind.to_string(), "id": r.meta.id, "name": r.meta.name, "sha256": r.meta.sha256_hex(), "embedded": r.component.is_some()}))
        .collect();
    let filters: Vec<_> = s
        .filters
        .iter()
        .map(|(id, meta)| json!({"id": id, "meta": meta}))
        .collect();
    Ok(json!({
        "name": name,
        "version": s.version,
        "nchunks": s.nchunks,
        "chunksize": s.chunksize,
        "typesize": s.typesize,
        "blocksize": s.blocksize,
        "nbytes": s.nbytes,
        "cbytes": s.cbytes,
        "frame_len": s.frame_len,
        "codec": codec_label(s.codec),
        "codec_id": s.codec,
        "clevel": s.clevel,
        "filters": filters,
        "splitmode": s.splitmode.map(SplitMode::name),
        "runs": runs,
        "metalayers": frame.metalayers().iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        "plugins": plugins,
    }))
}

/// The tenant's frames, by name.
#[utoipa::path(get, path = "/v1/frames", tag = "frames",
    responses((status = 200, body = Vec<FrameEntry>), Unauthorized),
    security(("bearer" = [])))]
pub async fn list_frames(auth: Authed) -> ApiResult<Json<Vec<FrameEntry>>> {
    let all = auth.tenant.store().list("frames").await?;
    Ok(Json(
        all.into_iter()
            .filter_map(|m| {
                let name = m.location.filename()?.to_owned();
                Some(FrameEntry { name, size: m.size })
            })
            .collect(),
    ))
}

/// Deletes the frame (with `If-Match`, only if it has one of those ETags).
#[utoipa::path(delete, path = "/v1/frames/{name}", tag = "frames",
    params(("name" = String, Path),
        ("If-Match" = Option<String>, Header, description = "Only if the stored frame has one of these ETags")),
    responses((status = 204, description = "Deleted"), NotFound, Conflict, PreconditionFailed),
    security(("bearer" = [])))]
pub async fn delete_frame(
    State(app): State<App>,
    auth: Authed,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let path = frame_path(&name).map_err(|_| not_found(&name))?;
    let expect = Expect::conditions(conditions::from_headers(&headers)?);
    let store = metered(&app, &auth);
    let what = format!("frame {name:?}");
    let size = commit::delete(&store, &path, &expect, &what)
        .await?
        .ok_or_else(|| not_found(&name))?;
    auth.tenant.account(0, size);
    Ok(StatusCode::NO_CONTENT)
}

//! `POST /v1/compress` and `/v1/decompress`, with built-ins and with a
//! tenant's own codec and filter.

use axum::http::{Method, StatusCode};
use sandpress_frame::Frame;

use super::{put_plugin, service};
use crate::common::ints;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_builtin_pipeline_round_trips() {
    let s = service(&["alice"], "").await;
    let data = ints(0..300_000);
    let c = s
        .as_tenant(
            0,
            Method::POST,
            "/v1/compress?codec=zstd&filters=shuffle&typesize=4&chunksize=256K",
            data.clone(),
        )
        .await;
    c.expect(StatusCode::OK);
    assert_eq!(c.headers["content-type"], "application/x-blosc2-frame");
    assert!(c.body.len() < data.len() / 10, "{} bytes", c.body.len());
    let frame = Frame::from_bytes(c.body.clone()).unwrap();
    assert_eq!(frame.nbytes(), data.len() as u64);
    assert_eq!(frame.nchunks(), 5);
    assert_eq!(frame.header().typesize, 4);

    let d = s.as_tenant(0, Method::POST, "/v1/decompress", c.body).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.headers["content-length"], data.len().to_string());
    assert!(d.body == data, "the bytes come back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenants_wasm_codec_and_filter_run_in_the_pipeline() {
    let s = service(&["alice"], "").await;
    let codec = put_plugin(&s, 0, 160, "codec", sandpress_example_plugins::REPEAT_CODEC).await;
    codec.expect(StatusCode::OK);
    let info = codec.json();
    assert_eq!(info["id"], 160);
    assert_eq!(info["kind"], "codec");
    assert_eq!(info["name"], "codec-160");
    assert_eq!(info["sha256"].as_str().unwrap().len(), 64);
    let filter = put_plugin(
        &s,
        0,
        161,
        "filter",
        sandpress_example_plugins::DELTA_FILTER,
    )
    .await;
    assert_eq!(filter.status, StatusCode::OK);

    let data: Vec<u8> = (0..200_000u32)
        .flat_map(|i| (i / 1000).to_le_bytes())
        .collect();
    let c = s
        .as_tenant(
            0,
            Method::POST,
            "/v1/compress?codec=160&filters=161,shuffle&typesize=4",
            data.clone(),
        )
        .await;
    c.expect(StatusCode::OK);
    let frame = Frame::from_bytes(c.body.clone()).unwrap();
    assert_eq!(frame.header().codec, 160);
    let ids: Vec<u8> = frame.plugins().iter().map(|r| r.meta.id).collect();
    assert_eq!(ids, [160, 161], "the frame names both plugins by sha256");

    let d = s
        .as_tenant(0, Method::POST, "/v1/decompress", c.body.clone())
        .await;
    d.expect(StatusCode::OK);
    assert!(d.body == data);

    // Another component under the same id: the frame's sha256 no longer
    // matches, so it is refused rather than decoded wrong.
    let other = put_plugin(
        &s,
        0,
        161,
        "filter",
        sandpress_example_plugins::BYTE_SHUFFLE,
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
    let d = s
        .as_tenant(0, Method::POST, "/v1/decompress", c.body.clone())
        .await;
    assert_eq!(d.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(d.problem_type(), "urn:sandpress:problem:bad-frame");

    let del = s
        .as_tenant(0, Method::DELETE, "/v1/plugins/160", Vec::new())
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    let list = s.as_tenant(0, Method::GET, "/v1/plugins", Vec::new()).await;
    let ids: Vec<u64> = list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [161]);
    let d = s.as_tenant(0, Method::POST, "/v1/decompress", c.body).await;
    assert_eq!(d.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(d.detail().contains("codec 160"), "{}", d.detail());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_body_is_an_empty_frame() {
    let s = service(&["alice"], "").await;
    let c = s
        .as_tenant(0, Method::POST, "/v1/compress", Vec::new())
        .await;
    assert_eq!(c.status, StatusCode::OK);
    let d = s.as_tenant(0, Method::POST, "/v1/decompress", c.body).await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(d.body.is_empty());
}

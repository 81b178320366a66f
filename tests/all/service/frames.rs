//! `/v1/frames`: store, read whole or by ranges (decoding only what a
//! range needs), the frame itself, info, list, delete; and what another
//! tenant sees of them (nothing).

use axum::http::{Method, StatusCode};
use sandpress_frame::Frame;

use super::{Service, service};
use crate::common::ints;

async fn get(s: &Service, uri: &str, range: Option<&str>) -> super::Answer {
    let headers: Vec<(&str, &str)> = range.map(|r| ("range", r)).into_iter().collect();
    s.call(Method::GET, uri, Some(&s.tokens[0]), &headers, Vec::new())
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_frame_reads_back_whole_by_range_and_raw() {
    let s = service(&["alice", "bob"], "").await;
    let data = ints(0..250_000);
    let put = s
        .as_tenant(
            0,
            Method::PUT,
            "/v1/frames/ints?codec=zstd&filters=shuffle&typesize=4&chunksize=64K",
            data.clone(),
        )
        .await;
    put.expect(StatusCode::CREATED);
    let size = put.json()["size"].as_u64().unwrap();

    let whole = get(&s, "/v1/frames/ints", None).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.headers["accept-ranges"], "bytes");
    assert!(whole.body == data);

    let part = get(&s, "/v1/frames/ints", Some("bytes=4000-4999")).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers["content-range"],
        format!("bytes 4000-4999/{}", data.len())
    );
    assert!(part.body == data[4000..5000]);

    // Across a chunk boundary (chunks of 64 KiB), and the last bytes.
    let across = get(&s, "/v1/frames/ints", Some("bytes=65000-70000")).await;
    assert!(across.body == data[65000..70001]);
    let tail = get(&s, "/v1/frames/ints", Some("bytes=-10")).await;
    assert!(tail.body == data[data.len() - 10..]);

    let multi = get(&s, "/v1/frames/ints", Some("bytes=0-9,500000-500009")).await;
    assert_eq!(multi.status, StatusCode::PARTIAL_CONTENT);
    let ct = multi.headers["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("multipart/byteranges; boundary="), "{ct}");
    assert_eq!(
        multi.headers["content-length"],
        multi.body.len().to_string()
    );
    let text = multi.body.clone();
    let find = |needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    assert!(find(&data[0..10]) && find(&data[500000..500010]));
    assert!(find(
        format!("Content-Range: bytes 500000-500009/{}", data.len()).as_bytes()
    ));

    let past = get(&s, "/v1/frames/ints", Some("bytes=2000000-")).await;
    assert_eq!(past.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        past.headers["content-range"],
        format!("bytes */{}", data.len())
    );

    let raw = get(&s, "/v1/frames/ints?raw=1", None).await;
    assert_eq!(raw.body.len() as u64, size);
    let frame = Frame::from_bytes(raw.body.clone()).unwrap();
    assert_eq!(frame.nbytes(), data.len() as u64);
    let raw_part = get(&s, "/v1/frames/ints?raw=1", Some("bytes=0-15")).await;
    assert!(raw_part.body == raw.body[..16]);

    let info = get(&s, "/v1/frames/ints/info", None).await.json();
    assert_eq!(info["nbytes"], data.len());
    assert_eq!(info["nchunks"], 16);
    assert_eq!(info["codec"], "zstd");
    assert_eq!(info["typesize"], 4);
    assert_eq!(info["frame_len"], size);

    let list = s
        .as_tenant(0, Method::GET, "/v1/frames", Vec::new())
        .await
        .json();
    assert_eq!(list, serde_json::json!([{"name": "ints", "size": size}]));

    // Bob sees none of it: the same 404 as for a frame that never was.
    for uri in [
        "/v1/frames/ints",
        "/v1/frames/ints?raw=1",
        "/v1/frames/ints/info",
        "/v1/frames/never",
    ] {
        let b = s.as_tenant(1, Method::GET, uri, Vec::new()).await;
        assert_eq!(b.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(b.problem_type(), "urn:sandpress:problem:not-found");
    }
    let b_del = s
        .as_tenant(1, Method::DELETE, "/v1/frames/ints", Vec::new())
        .await;
    assert_eq!(b_del.status, StatusCode::NOT_FOUND);
    assert_eq!(
        s.as_tenant(1, Method::GET, "/v1/frames", Vec::new())
            .await
            .json(),
        serde_json::json!([])
    );

    let del = s
        .as_tenant(0, Method::DELETE, "/v1/frames/ints", Vec::new())
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&s, "/v1/frames/ints", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frame_names_are_checked() {
    let s = service(&["alice"], "").await;
    for name in [".hidden", "a%2Fb", "sp%20ace"] {
        let a = s
            .as_tenant(0, Method::PUT, &format!("/v1/frames/{name}"), ints(0..10))
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
    }
    let ok = s
        .as_tenant(0, Method::PUT, "/v1/frames/run-1_v2.b2frame", ints(0..10))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_and_plugins_outlive_the_server() {
    let s = service(&["alice"], "").await;
    let put = super::put_plugin(&s, 0, 160, "codec", sandpress_example_plugins::REPEAT_CODEC).await;
    assert_eq!(put.status, StatusCode::OK);
    let data: Vec<u8> = (0..100_000u32)
        .flat_map(|i| (i / 500).to_le_bytes())
        .collect();
    let stored = s
        .as_tenant(
            0,
            Method::PUT,
            "/v1/frames/r?codec=160&typesize=4",
            data.clone(),
        )
        .await;
    assert_eq!(stored.status, StatusCode::CREATED);
    // A new server on the same data directory.
    let config = sandpress_service::Config {
        compile_cache: false,
        ..sandpress_service::Config::new(s.dir.path())
    };
    let again = Service {
        router: sandpress_service::router(sandpress_service::App::open(config).await.unwrap()),
        tokens: s.tokens.clone(),
        dir: tempfile::tempdir().unwrap(),
    };
    let plugins = again
        .as_tenant(0, Method::GET, "/v1/plugins", Vec::new())
        .await
        .json();
    assert_eq!(plugins[0]["id"], 160);
    let back = again
        .as_tenant(0, Method::GET, "/v1/frames/r", Vec::new())
        .await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(back.body == data);
}

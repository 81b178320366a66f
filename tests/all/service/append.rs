//! `POST /v1/frames/{name}/append`: new chunks compressed with the
//! frame's own parameters; a short last chunk filled first; two replicas
//! appending at once: one wins, the other gets 409, the frame is intact.

use std::sync::Arc;

use axum::http::{Method, StatusCode};

use super::shared_store::{objects, replicas};
use super::{Answer, Service, service};
use crate::common::ints;

async fn append(s: &Service, name: &str, data: Vec<u8>) -> Answer {
    s.as_tenant(0, Method::POST, &format!("/v1/frames/{name}/append"), data)
        .await
}

async fn info(s: &Service, name: &str) -> serde_json::Value {
    s.as_tenant(
        0,
        Method::GET,
        &format!("/v1/frames/{name}/info"),
        Vec::new(),
    )
    .await
    .json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_fill_the_short_last_chunk_and_keep_the_chunk_size() {
    let s = service(&["alice"], "").await;
    let uri = "/v1/frames/f?codec=zstd&filters=shuffle&typesize=4&chunksize=64K";
    s.as_tenant(0, Method::PUT, uri, ints(0..25_000))
        .await
        .expect(StatusCode::CREATED);
    // 100,000 bytes: one chunk of 64 KiB and a short one.
    assert_eq!(info(&s, "f").await["nchunks"], 2);

    let a = append(&s, "f", ints(25_000..37_500)).await;
    a.expect(StatusCode::OK);
    let body = a.json();
    assert_eq!(body["nbytes"], 150_000);
    assert_eq!(body["nchunks"], 3);
    assert_eq!(body["appended"], 50_000);
    let i = info(&s, "f").await;
    assert_eq!(i["chunksize"], 65_536, "{i}");
    assert_eq!(i["codec"], "zstd");
    assert_eq!(i["frame_len"], body["size"]);
    let whole = s
        .as_tenant(0, Method::GET, "/v1/frames/f", Vec::new())
        .await;
    assert!(whole.body == ints(0..37_500));
    assert_eq!(whole.headers["etag"], a.headers["etag"]);
    let part = s
        .call(
            Method::GET,
            "/v1/frames/f",
            Some(&s.tokens[0]),
            &[("range", "bytes=99990-100009")],
            Vec::new(),
        )
        .await;
    assert!(part.body == ints(0..37_500)[99_990..100_010]);

    // Nothing to append: the frame stays as it is.
    let none = append(&s, "f", Vec::new()).await;
    none.expect(StatusCode::OK);
    assert_eq!(none.json()["nbytes"], 150_000);
    assert_eq!(none.headers["etag"], a.headers["etag"]);

    // Many chunks at once, ending on a chunk boundary.
    let b = append(&s, "f", ints(37_500..70_000)).await;
    b.expect(StatusCode::OK);
    let whole = s
        .as_tenant(0, Method::GET, "/v1/frames/f", Vec::new())
        .await;
    assert!(whole.body == ints(0..70_000));
    assert_eq!(info(&s, "f").await["chunksize"], 65_536);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appending_to_no_frame_is_404_and_past_the_quota_507() {
    let s = service(&["alice"], "storage_quota = 60000").await;
    let missing = append(&s, "nope", ints(0..10)).await;
    missing.expect(StatusCode::NOT_FOUND);
    assert_eq!(missing.problem_type(), "urn:sandpress:problem:not-found");
    s.as_tenant(0, Method::PUT, "/v1/frames/f?codec=lz4", ints(0..10_000))
        .await
        .expect(StatusCode::CREATED);
    let over = append(&s, "f", crate::common::noise(100_000)).await;
    over.expect(StatusCode::INSUFFICIENT_STORAGE);
    let whole = s
        .as_tenant(0, Method::GET, "/v1/frames/f", Vec::new())
        .await;
    assert!(whole.body == ints(0..10_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_appends_on_two_replicas_one_wins() {
    let (r, store) = replicas(2, &["alice"], "").await;
    let uri = "/v1/frames/f?typesize=4&chunksize=16K";
    let original = ints(0..10_000);
    r[0].as_tenant(0, Method::PUT, uri, original.clone())
        .await
        .expect(StatusCode::CREATED);
    // Both appends read the frame before either uploads.
    *store.counters.barrier.lock().unwrap() = Some(Arc::new(tokio::sync::Barrier::new(2)));
    let (a_data, b_data) = (ints(100_000..120_000), ints(500_000..530_000));
    let (a, b) = tokio::join!(
        append(&r[0], "f", a_data.clone()),
        append(&r[1], "f", b_data.clone())
    );
    *store.counters.barrier.lock().unwrap() = None;
    let (winner, loser, won) = match (a.status, b.status) {
        (StatusCode::OK, _) => (a, b, a_data),
        _ => (b, a, b_data),
    };
    winner.expect(StatusCode::OK);
    loser.expect(StatusCode::CONFLICT);
    assert_eq!(loser.problem_type(), "urn:sandpress:problem:conflict");
    let want = [original, won].concat();
    for s in &r {
        let whole = s
            .as_tenant(0, Method::GET, "/v1/frames/f", Vec::new())
            .await;
        assert!(whole.body == want);
    }
    assert_eq!(winner.json()["nbytes"], want.len());
    assert_eq!(objects(&store).await, ["tenants/alice/frames/f"]);

    // The loser retries and wins: both appends are in, in order.
    let again = append(&r[1], "f", ints(7..9)).await;
    again.expect(StatusCode::OK);
    let whole = r[0]
        .as_tenant(0, Method::GET, "/v1/frames/f", Vec::new())
        .await;
    assert!(whole.body == [want, ints(7..9)].concat());
}

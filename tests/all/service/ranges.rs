//! Range reads of a stored frame fetch from the store only what they
//! need: the header, the trailer and index (a small window at each end),
//! and the chunks the range touches, one request each.

use axum::http::{Method, StatusCode};
use sandpress_frame::Frame;

use super::shared_store::replicas;
use crate::common::noise;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_read_fetches_only_the_chunks_it_touches() {
    let (s, store) = replicas(1, &["alice"], "").await;
    let s = &s[0];
    let data = noise(64 * 32 * 1024 - 1000);
    s.as_tenant(
        0,
        Method::PUT,
        "/v1/frames/noise?codec=lz4&chunksize=32K",
        data.clone(),
    )
    .await
    .expect(StatusCode::CREATED);
    let raw = s
        .as_tenant(0, Method::GET, "/v1/frames/noise?raw=1", Vec::new())
        .await;
    let frame = Frame::from_bytes(raw.body.clone()).unwrap();
    assert_eq!(frame.nchunks(), 64);
    let h = frame.header();
    let chunks_end = u64::from(h.header_len) + h.cbytes as u64;
    let tail = h.frame_len - chunks_end;
    let largest = (0..64)
        .map(|i| frame.chunk(i).unwrap().len() as u64)
        .max()
        .unwrap();

    // A few KB inside chunk 20.
    store.counters.take();
    let (first, last) = (20 * 32 * 1024 + 1000, 20 * 32 * 1024 + 4999);
    let part = s
        .call(
            Method::GET,
            "/v1/frames/noise",
            Some(&s.tokens[0]),
            &[("range", &format!("bytes={first}-{last}"))],
            Vec::new(),
        )
        .await;
    part.expect(StatusCode::PARTIAL_CONTENT);
    assert!(part.body == data[first..=last]);
    let (fetched, gets) = store.counters.take();
    let bound = 2 * largest + u64::from(h.header_len) + tail;
    eprintln!(
        "range of {} bytes in one chunk: fetched {fetched} bytes in {gets} reads \
         (frame {} bytes, chunk {largest}, header {}, index and trailer {tail}; bound {bound})",
        part.body.len(),
        h.frame_len,
        h.header_len
    );
    assert!(fetched < bound, "{fetched} >= {bound}");
    assert!(fetched * 10 < h.frame_len);
    // The head window, the tail window, the chunk.
    assert_eq!(gets, 3);

    // Across four chunks: one read per chunk.
    let (first, last) = (30 * 32 * 1024 - 10, 32 * 32 * 1024 + 10);
    let part = s
        .call(
            Method::GET,
            "/v1/frames/noise",
            Some(&s.tokens[0]),
            &[("range", &format!("bytes={first}-{last}"))],
            Vec::new(),
        )
        .await;
    assert!(part.body == data[first..=last]);
    let (fetched, gets) = store.counters.take();
    eprintln!(
        "range of {} bytes over 4 chunks: fetched {fetched} bytes in {gets} reads",
        part.body.len()
    );
    assert_eq!(gets, 2 + 4);
    assert!(fetched < 5 * largest + u64::from(h.header_len) + tail);

    // The metrics count what the tenant's requests fetched.
    let metrics = s.call(Method::GET, "/metrics", None, &[], Vec::new()).await;
    let text = String::from_utf8(metrics.body).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("sandpress_storage_fetched_bytes_total{tenant=\"alice\"}"))
        .unwrap_or_else(|| panic!("{text}"));
    let counted: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(counted >= h.frame_len, "{line}");
    assert!(
        text.contains("sandpress_storage_requests_total{tenant=\"alice\",op=\"get\"}"),
        "{text}"
    );
}

//! The commit protocol of frames: create-only and conditional writes,
//! uploads that fail, and the frame's lock (held, expired).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Method, StatusCode};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};

use super::shared_store::{objects, replicas};
use super::{Service, service};
use crate::common::ints;

const CONFLICT: &str = "urn:sandpress:problem:conflict";
const PRECONDITION: &str = "urn:sandpress:problem:precondition-failed";

async fn put(s: &Service, name: &str, headers: &[(&str, &str)], data: Vec<u8>) -> super::Answer {
    let uri = format!("/v1/frames/{name}?typesize=4&chunksize=16K");
    s.call(Method::PUT, &uri, Some(&s.tokens[0]), headers, data)
        .await
}

async fn get(s: &Service, name: &str) -> super::Answer {
    s.as_tenant(0, Method::GET, &format!("/v1/frames/{name}"), Vec::new())
        .await
}

/// A lock on tenant alice's frame `name`, held until `until_ms`.
fn lock(name: &str, until_ms: u64) -> (Path, PutPayload) {
    let body = format!(r#"{{"holder":"a replica that died","until_ms":{until_ms}}}"#);
    (
        Path::from(format!("tenants/alice/locks/frames/{name}")),
        PutPayload::from(body.into_bytes()),
    )
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_only_and_conditional_puts() {
    let (r, _) = replicas(2, &["alice"], "").await;
    let first = put(&r[0], "f", &[("if-none-match", "*")], ints(0..10_000)).await;
    first.expect(StatusCode::CREATED);
    let tag = first.headers["etag"].to_str().unwrap().to_owned();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");

    // Create-only, on the other replica: the frame is there.
    let again = put(&r[1], "f", &[("if-none-match", "*")], ints(0..5)).await;
    again.expect(StatusCode::PRECONDITION_FAILED);
    assert_eq!(again.problem_type(), PRECONDITION);
    let read = get(&r[1], "f").await;
    assert!(read.body == ints(0..10_000));
    assert_eq!(read.headers["etag"], tag.as_str());

    // If-Match: only over the version named.
    let stale = put(&r[1], "f", &[("if-match", "\"not-it\"")], ints(0..5)).await;
    stale.expect(StatusCode::PRECONDITION_FAILED);
    let over = put(&r[1], "f", &[("if-match", &tag)], ints(0..7)).await;
    over.expect(StatusCode::CREATED);
    assert_ne!(over.headers["etag"], tag.as_str());
    assert!(get(&r[0], "f").await.body == ints(0..7));
    // Plain PUT replaces (the last writer wins).
    put(&r[0], "f", &[], ints(0..3))
        .await
        .expect(StatusCode::CREATED);
    assert!(get(&r[1], "f").await.body == ints(0..3));

    // DELETE with a stale If-Match keeps it.
    let del = r[0]
        .call(
            Method::DELETE,
            "/v1/frames/f",
            Some(&r[0].tokens[0]),
            &[("if-match", &tag)],
            Vec::new(),
        )
        .await;
    del.expect(StatusCode::PRECONDITION_FAILED);
    let del = r[0]
        .call(
            Method::DELETE,
            "/v1/frames/f",
            Some(&r[0].tokens[0]),
            &[],
            Vec::new(),
        )
        .await;
    del.expect(StatusCode::NO_CONTENT);
    // Gone: now create-only succeeds.
    put(&r[1], "f", &[("if-none-match", "*")], ints(0..1))
        .await
        .expect(StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_upload_leaves_no_frame_and_no_lock() {
    let (r, store) = replicas(1, &["alice"], "").await;
    let s = &r[0];
    store.counters.fail_parts.store(true, Ordering::SeqCst);
    let failed = put(s, "f", &[], ints(0..100_000)).await;
    failed.expect(StatusCode::SERVICE_UNAVAILABLE);
    assert!(store.counters.aborts.load(Ordering::SeqCst) >= 1);
    store.counters.fail_parts.store(false, Ordering::SeqCst);
    get(s, "f").await.expect(StatusCode::NOT_FOUND);
    assert_eq!(objects(&store).await, Vec::<String>::new());

    // A body that breaks off mid-way: nothing is uploaded at all.
    let pieces = vec![
        Ok::<_, std::io::Error>(bytes::Bytes::from(ints(0..50_000))),
        Err(std::io::Error::other("the client went away")),
    ];
    let body = Body::from_stream(futures::stream::iter(pieces));
    let cut = s
        .call(Method::PUT, "/v1/frames/f", Some(&s.tokens[0]), &[], body)
        .await;
    assert!(cut.status.is_client_error(), "{}", cut.status);
    get(s, "f").await.expect(StatusCode::NOT_FOUND);
    assert_eq!(objects(&store).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_abandoned_by_its_client_is_aborted() {
    let (r, store) = replicas(1, &["alice"], "").await;
    store.counters.part_delay_ms.store(20_000, Ordering::SeqCst);
    // The client goes away while the parts are being sent: the request's
    // future is dropped.
    let gone =
        tokio::time::timeout(Duration::from_secs(1), put(&r[0], "f", &[], ints(0..1000))).await;
    assert!(gone.is_err());
    let started = Instant::now();
    while store.counters.aborts.load(Ordering::SeqCst) == 0 {
        assert!(started.elapsed() < Duration::from_secs(5), "never aborted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    store.counters.part_delay_ms.store(0, Ordering::SeqCst);
    get(&r[0], "f").await.expect(StatusCode::NOT_FOUND);
    assert_eq!(objects(&store).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lock_is_taken_over() {
    let (r, store) = replicas(1, &["alice"], "").await;
    let (at, body) = lock("f", now_ms() - 1000);
    store.put(&at, body).await.unwrap();
    let started = Instant::now();
    put(&r[0], "f", &[], ints(0..1000))
        .await
        .expect(StatusCode::CREATED);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(get(&r[0], "f").await.body == ints(0..1000));
    assert_eq!(objects(&store).await, ["tenants/alice/frames/f"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lock_on_a_local_disk_is_taken_over() {
    // The local store has no conditional update: the dead lock is
    // deleted and created anew.
    let s = service(&["alice"], "").await;
    let dir = s.dir.path().join("store/tenants/alice/locks/frames");
    std::fs::create_dir_all(&dir).unwrap();
    let body = format!(r#"{{"holder":"x","until_ms":{}}}"#, now_ms() - 1000);
    std::fs::write(dir.join("f"), body).unwrap();
    put(&s, "f", &[], ints(0..1000))
        .await
        .expect(StatusCode::CREATED);
    assert!(!dir.join("f").exists());
    assert!(get(&s, "f").await.body == ints(0..1000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_lock_is_waited_for_then_answered_409() {
    let (r, store) = replicas(1, &["alice"], "").await;
    let (at, body) = lock("f", now_ms() + 60_000);
    store.put(&at, body).await.unwrap();
    let started = Instant::now();
    let held = put(&r[0], "f", &[], ints(0..1000)).await;
    held.expect(StatusCode::CONFLICT);
    assert_eq!(held.problem_type(), CONFLICT);
    assert!(started.elapsed() >= Duration::from_secs(3));
    get(&r[0], "f").await.expect(StatusCode::NOT_FOUND);
    // The lock is not ours to remove.
    assert_eq!(objects(&store).await, ["tenants/alice/locks/frames/f"]);
    assert_eq!(store.counters.aborts.load(Ordering::SeqCst), 1);
}

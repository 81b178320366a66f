//! A shared store that accepts requests and never answers, then comes
//! back: requests that need no storage are served throughout, those that
//! need it fail within the storage deadline and then at once (the breaker
//! is open), `/readyz` follows the store, and everything works again once
//! it answers. A full store is 507 `storage-full`, not 503.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use object_store::ObjectStore;
use object_store::memory::InMemory;
use sandpress_service::storage::faulty::{Faults, Faulty};
use sandpress_service::storage::guard::Guard;
use sandpress_service::tenant::TenantsSource;
use sandpress_service::{App, Config, Storage};

use super::{Answer, Service};
use crate::common::ints;

/// A service whose bucket (tenants file included) is behind a switch, with
/// a short storage deadline.
async fn service_on_switch() -> (Service, Arc<Faults>) {
    let switch = Arc::new(Faults::default());
    let store: Arc<dyn ObjectStore> =
        Arc::new(Faulty::new(Arc::new(InMemory::new()), switch.clone()));
    let tokens = TenantsSource::Object(store.clone())
        .update(|f| f.add("alice").map(|t| vec![t]))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        compile_cache: false,
        refresh: Duration::from_millis(100),
        storage_guard: Guard {
            deadline: Duration::from_millis(500),
            threshold: 3,
            probe_every: Duration::from_millis(100),
        },
        ..Config::new(dir.path())
    };
    let app = App::with_storage(config, Storage::shared(store))
        .await
        .unwrap();
    let service = Service {
        dir,
        router: sandpress_service::router(app),
        tokens,
    };
    (service, switch)
}

/// `POST /v1/compress`, which needs no storage: it must answer, whatever
/// the store does (a test that would hang fails here instead).
async fn compress(s: &Service, body: &[u8]) -> Answer {
    let call = s.as_tenant(0, Method::POST, "/v1/compress?typesize=4", body.to_vec());
    tokio::time::timeout(Duration::from_secs(30), call)
        .await
        .expect("compress waited on the store")
}

/// A request that needs the store: it must answer within the deadline.
async fn get_frame(s: &Service) -> Answer {
    let call = s.as_tenant(0, Method::GET, "/v1/frames/f", Vec::new());
    tokio::time::timeout(Duration::from_secs(30), call)
        .await
        .expect("a storage request outlived the storage deadline")
}

async fn ready(s: &Service) -> StatusCode {
    s.call(Method::GET, "/readyz", None, &[], Vec::new())
        .await
        .status
}

/// Polls `check` every 50 ms until it holds, for up to `within`.
async fn eventually(within: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_store_stops_only_what_needs_it_and_the_replica_recovers() {
    let (s, switch) = service_on_switch().await;
    let data = ints(0..100_000);
    s.as_tenant(0, Method::PUT, "/v1/frames/f?typesize=4", data.clone())
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(ready(&s).await, StatusCode::OK);

    switch.hang.store(true, Ordering::SeqCst);
    // Wait past the tenants refresh interval: authentication must not wait
    // on the store from now on.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..3 {
        compress(&s, &data).await.expect(StatusCode::OK);
    }

    // A storage request fails within the deadline, as 503 with Retry-After.
    let a = get_frame(&s).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        a.problem_type(),
        "urn:sandpress:problem:storage-unavailable"
    );
    assert!(a.headers.contains_key("retry-after"));
    // The probes open the breaker: /readyz says so, and storage requests
    // are refused without asking the store.
    assert!(
        eventually(Duration::from_secs(10), async || ready(&s).await
            == StatusCode::SERVICE_UNAVAILABLE)
        .await,
        "/readyz never said the store is down"
    );
    let a = get_frame(&s).await;
    assert_eq!(
        a.problem_type(),
        "urn:sandpress:problem:storage-unavailable"
    );
    assert!(a.detail().contains("not asking it"), "{}", a.detail());
    let metrics = s.call(Method::GET, "/metrics", None, &[], Vec::new()).await;
    let text = String::from_utf8_lossy(&metrics.body).into_owned();
    assert!(text.contains("sandpress_storage_breaker_open 1"), "{text}");
    compress(&s, &data).await.expect(StatusCode::OK);

    switch.hang.store(false, Ordering::SeqCst);
    assert!(
        eventually(Duration::from_secs(10), async || ready(&s).await
            == StatusCode::OK)
        .await,
        "/readyz never said the store is back"
    );
    let a = get_frame(&s).await;
    a.expect(StatusCode::OK);
    assert_eq!(a.body, data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_store_is_507_storage_full_and_leaves_no_frame() {
    let (s, switch) = service_on_switch().await;
    switch.full.store(true, Ordering::SeqCst);
    let a = s
        .as_tenant(0, Method::PUT, "/v1/frames/f?typesize=4", ints(0..10_000))
        .await;
    assert_eq!(a.status, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(a.problem_type(), "urn:sandpress:problem:storage-full");
    switch.full.store(false, Ordering::SeqCst);
    s.as_tenant(0, Method::GET, "/v1/frames/f", Vec::new())
        .await
        .expect(StatusCode::NOT_FOUND);
    // A full store is not a down store: the replica stays ready.
    assert_eq!(ready(&s).await, StatusCode::OK);
}

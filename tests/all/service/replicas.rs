//! Replicas sharing one store, in-process (two `App`s on one object
//! store): a quota over both, and a slow store for one tenant that does
//! not hold up another. The real processes against moto's S3 server are
//! in `host/cli/tests/replicas.rs`.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use object_store::ObjectStore;
use object_store::memory::InMemory;
use object_store::throttle::{ThrottleConfig, ThrottledStore};
use sandpress_service::tenant::TenantsSource;
use sandpress_service::{App, Config, Storage};

use super::Service;
use crate::common::{ints, noise};

/// A replica on `storage` (its own data directory), as the tenants'
/// tokens say.
async fn replica(storage: Storage, tokens: &[String], usage_refresh: Duration) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        compile_cache: false,
        usage_refresh,
        ..Config::new(dir.path())
    };
    let app = App::with_storage(config, storage).await.unwrap();
    Service {
        dir,
        router: sandpress_service::router(app),
        tokens: tokens.to_vec(),
    }
}

/// Adds `tenants` to the tenants file of `store`, with `defaults`.
async fn add_tenants(
    store: &Arc<dyn ObjectStore>,
    tenants: &[&str],
    defaults: &str,
) -> Vec<String> {
    TenantsSource::Object(store.clone())
        .update(|f| {
            f.set_defaults(defaults)?;
            tenants.iter().map(|t| f.add(t)).collect()
        })
        .await
        .unwrap()
}

/// Stores `body` as frame `name` through replica `s`.
async fn put(s: &Service, name: &str, body: &[u8]) -> super::Answer {
    let uri = format!("/v1/frames/{name}?codec=zstd&typesize=1&filters=none&clevel=1");
    s.as_tenant(0, Method::PUT, &uri, body.to_vec()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_holds_over_two_replicas_once_each_has_listed_the_others_bytes() {
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    // Bytes that do not compress: each frame takes about 300 KB.
    let body = noise(300_000);
    let tokens = add_tenants(&store, &["alice"], "storage_quota = 1000000").await;
    let refresh = Duration::from_millis(200);
    let a = replica(Storage::shared(store.clone()), &tokens, refresh).await;
    let b = replica(Storage::shared(store.clone()), &tokens, refresh).await;
    for name in ["a1", "a2", "a3"] {
        put(&a, name, &body).await.expect(StatusCode::CREATED);
    }
    // Replica A knows its 900 KB: a fourth frame would pass the quota.
    assert_eq!(
        put(&a, "a4", &body).await.problem_type(),
        "urn:sandpress:problem:storage-quota"
    );
    // Once replica B has listed the tenant's bytes again, it refuses too.
    stored_reaches(&b, |n| n >= 900_000).await;
    assert_eq!(
        put(&b, "b1", &body).await.problem_type(),
        "urn:sandpress:problem:storage-quota"
    );
    // Deleting through A frees room that B sees after its next listing.
    let del = a
        .as_tenant(0, Method::DELETE, "/v1/frames/a1", Vec::new())
        .await;
    del.expect(StatusCode::NO_CONTENT);
    stored_reaches(&b, |n| n < 700_000).await;
    put(&b, "b1", &body).await.expect(StatusCode::CREATED);
}

/// Waits (up to 10 s) until replica `s`'s count of tenant alice's stored
/// bytes, as its `/metrics` shows it, satisfies `ok`.
async fn stored_reaches(s: &Service, ok: impl Fn(u64) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let m = s.call(Method::GET, "/metrics", None, &[], Vec::new()).await;
        let text = String::from_utf8_lossy(&m.body).into_owned();
        let stored = text
            .lines()
            .find(|l| l.starts_with("sandpress_stored_bytes{tenant=\"alice\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok());
        if stored.is_some_and(|n| ok(n as u64)) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "replica's stored bytes never got there: {stored:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_store_for_one_tenant_does_not_hold_up_another() {
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let tokens = add_tenants(&store, &["slow", "quick"], "").await;
    // Every read of tenant slow's objects waits 1 s.
    let storage = Storage::shared(store.clone()).wrap_tenants(Arc::new(|name, inner| {
        if name != "slow" {
            return inner;
        }
        let config = ThrottleConfig {
            wait_get_per_call: Duration::from_secs(1),
            ..ThrottleConfig::default()
        };
        Arc::new(ThrottledStore::new(inner, config))
    }));
    let s = Arc::new(replica(storage, &tokens, Duration::from_secs(10)).await);
    let data = ints(0..100_000);
    for tenant in [0, 1] {
        s.as_tenant(tenant, Method::PUT, "/v1/frames/f?typesize=4", data.clone())
            .await
            .expect(StatusCode::CREATED);
    }
    let slow = {
        let s = s.clone();
        tokio::spawn(async move {
            s.as_tenant(0, Method::GET, "/v1/frames/f", Vec::new())
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..5 {
        let quick = s
            .as_tenant(1, Method::GET, "/v1/frames/f", Vec::new())
            .await;
        quick.expect(StatusCode::OK);
        assert!(quick.body == data);
    }
    assert!(
        !slow.is_finished(),
        "tenant quick's five reads all ended while tenant slow's one still waits on its store"
    );
    let slow = slow.await.unwrap();
    slow.expect(StatusCode::OK);
    assert!(slow.body == data);
}

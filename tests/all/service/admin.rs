//! `/v1/admin/`: the operator token opens it and nothing else does; a
//! tenant added, given limits, rotated and removed through one replica
//! takes effect on another that shares the bucket within its refresh
//! interval, through the tenants file's conditional writes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use object_store::ObjectStore;
use object_store::memory::InMemory;
use sandpress_service::admin::{NewToken, TenantInfo};
use sandpress_service::tenant::TenantsSource;
use sandpress_service::tenant::file::token_hash;
use sandpress_service::{App, Config, Storage};

use super::{Answer, Service};
use crate::common::ints;

const OPERATOR: &str = "operator-secret-token";

/// A replica on the shared `store`, with the operator token set.
async fn replica(store: &Arc<dyn ObjectStore>) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        compile_cache: false,
        refresh: Duration::from_millis(200),
        admin_token_sha256: Some(token_hash(OPERATOR)),
        ..Config::new(dir.path())
    };
    let app = App::with_storage(config, Storage::shared(store.clone()))
        .await
        .unwrap();
    Service {
        dir,
        router: sandpress_service::router(app),
        tokens: Vec::new(),
    }
}

async fn admin(s: &Service, method: Method, uri: &str, body: &str) -> Answer {
    s.call(method, uri, Some(OPERATOR), &[], body.to_owned())
        .await
}

/// Asks `uri` as `token` until the status is `want`, for up to 10 s.
async fn until(s: &Service, token: &str, want: StatusCode) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        let a = s
            .call(Method::GET, "/v1/frames", Some(token), &[], Vec::new())
            .await;
        if a.status == want {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_managed_through_one_replica_take_effect_on_another() {
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    TenantsSource::Object(store.clone())
        .update(|f| f.set_defaults("concurrency = 4"))
        .await
        .unwrap();
    let (r1, r2) = (replica(&store).await, replica(&store).await);

    // Only the operator token opens the admin API.
    let none = r1
        .call(Method::GET, "/v1/admin/tenants", None, &[], Vec::new())
        .await;
    none.expect(StatusCode::UNAUTHORIZED);
    let wrong = r1
        .call(
            Method::GET,
            "/v1/admin/tenants",
            Some("nope"),
            &[],
            Vec::new(),
        )
        .await;
    wrong.expect(StatusCode::UNAUTHORIZED);

    let added = admin(&r1, Method::POST, "/v1/admin/tenants/bob", "").await;
    added.expect(StatusCode::CREATED);
    let bob: NewToken = serde_json::from_slice(&added.body).unwrap();
    assert_eq!(bob.name, "bob");
    admin(&r1, Method::POST, "/v1/admin/tenants/bob", "")
        .await
        .expect(StatusCode::CONFLICT);
    // A tenant's token does not open the admin API.
    let as_tenant = r1
        .call(
            Method::GET,
            "/v1/admin/tenants",
            Some(&bob.token),
            &[],
            Vec::new(),
        )
        .await;
    as_tenant.expect(StatusCode::UNAUTHORIZED);

    // Added through replica 1, it works through replica 2.
    assert!(until(&r2, &bob.token, StatusCode::OK).await);
    r2.call(
        Method::PUT,
        "/v1/frames/f?typesize=4",
        Some(&bob.token),
        &[],
        ints(0..1000),
    )
    .await
    .expect(StatusCode::CREATED);

    // Limits set through replica 2 are in the file both read.
    let set = admin(
        &r2,
        Method::PUT,
        "/v1/admin/tenants/bob/limits",
        r#"{"concurrency": 7, "max_plugins": 3}"#,
    )
    .await;
    set.expect(StatusCode::OK);
    let info: TenantInfo = serde_json::from_slice(&set.body).unwrap();
    assert_eq!((info.limits.concurrency, info.limits.max_plugins), (7, 3));
    admin(
        &r2,
        Method::PUT,
        "/v1/admin/tenants/bob/limits",
        r#"{"concurrency": 0}"#,
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let listed = admin(&r1, Method::GET, "/v1/admin/tenants", "").await;
    listed.expect(StatusCode::OK);
    let all: Vec<TenantInfo> = serde_json::from_slice(&listed.body).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].limits.concurrency, 7);
    let one = admin(&r2, Method::GET, "/v1/admin/tenants/bob", "").await;
    one.expect(StatusCode::OK);
    let one: TenantInfo = serde_json::from_slice(&one.body).unwrap();
    assert!(one.stored_bytes.is_some_and(|b| b > 0), "{one:?}");
    assert_eq!(one.plugins.map(|p| p.len()), Some(0));

    // Rotated through replica 2: the old token stops working on replica 1.
    let rotated = admin(&r2, Method::POST, "/v1/admin/tenants/bob/token", "").await;
    rotated.expect(StatusCode::OK);
    let new: NewToken = serde_json::from_slice(&rotated.body).unwrap();
    assert!(until(&r1, &bob.token, StatusCode::UNAUTHORIZED).await);
    assert!(until(&r1, &new.token, StatusCode::OK).await);

    // Removed through replica 1: gone on replica 2.
    admin(&r1, Method::DELETE, "/v1/admin/tenants/bob", "")
        .await
        .expect(StatusCode::NO_CONTENT);
    assert!(until(&r2, &new.token, StatusCode::UNAUTHORIZED).await);
    admin(&r1, Method::DELETE, "/v1/admin/tenants/bob", "")
        .await
        .expect(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_an_operator_token_there_is_no_admin_api() {
    let s = super::service(&["alice"], "").await;
    let a = s
        .call(
            Method::GET,
            "/v1/admin/tenants",
            Some(&s.tokens[0]),
            &[],
            Vec::new(),
        )
        .await;
    a.expect(StatusCode::NOT_FOUND);
}

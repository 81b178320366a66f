//! Every error answer: its status, its problem `type`, and that the
//! service keeps serving after it.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, StatusCode};

use super::{put_plugin, service};
use crate::common::{guest, ints};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_or_a_wrong_one_is_401() {
    let s = service(&["alice"], "").await;
    for token in [None, Some("sp_nope"), Some("")] {
        let a = s
            .call(Method::GET, "/v1/frames", token, &[], Vec::new())
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.problem_type(), "urn:sandpress:problem:unauthorized");
        assert_eq!(a.headers["www-authenticate"], "Bearer");
    }
    let basic = s
        .call(
            Method::GET,
            "/v1/frames",
            None,
            &[("authorization", "Basic YTpi")],
            Vec::new(),
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    let ok = s.as_tenant(0, Method::GET, "/v1/frames", Vec::new()).await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_are_422() {
    let s = service(&["alice"], "").await;
    let bad = [
        "/v1/compress?codec=snappy",
        "/v1/compress?codec=170",
        "/v1/compress?codec=12",
        "/v1/compress?filters=sparkle",
        "/v1/compress?filters=trunc_prec",
        "/v1/compress?filters=shuffle,shuffle,shuffle,shuffle,shuffle,shuffle,shuffle",
        "/v1/compress?typesize=0",
        "/v1/compress?clevel=12",
        "/v1/compress?chunksize=0",
        "/v1/compress?chunksize=1G",
        "/v1/compress?splitmode=sometimes",
    ];
    for uri in bad {
        let a = s.as_tenant(0, Method::POST, uri, ints(0..10)).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(
            a.problem_type(),
            "urn:sandpress:problem:bad-parameter",
            "{uri}"
        );
    }
    let typo = s
        .as_tenant(0, Method::POST, "/v1/compress?typesize=x", ints(0..10))
        .await;
    assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(typo.problem_type(), "urn:sandpress:problem:bad-parameter");
    let route = s.as_tenant(0, Method::GET, "/v1/nothing", Vec::new()).await;
    assert_eq!(route.status, StatusCode::NOT_FOUND);
    assert_eq!(route.problem_type(), "urn:sandpress:problem:not-found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_plugin_is_422_with_the_clis_cause() {
    let s = service(&["alice"], "").await;
    let junk = put_plugin(&s, 0, 160, "codec", b"not wasm at all").await;
    assert_eq!(junk.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(junk.problem_type(), "urn:sandpress:problem:bad-plugin");
    let core_module = put_plugin(&s, 0, 160, "codec", b"\0asm\x01\0\0\0").await;
    assert_eq!(core_module.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        core_module.detail().contains("core WebAssembly module"),
        "{}",
        core_module.detail()
    );
    let wrong_kind = put_plugin(
        &s,
        0,
        160,
        "filter",
        sandpress_example_plugins::REPEAT_CODEC,
    )
    .await;
    assert_eq!(wrong_kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong_kind.detail().contains("sandpress:plugin/filter"),
        "{}",
        wrong_kind.detail()
    );
    for uri in [
        "/v1/plugins/12?kind=codec",
        "/v1/plugins/160?kind=prefilter",
        "/v1/plugins/x?kind=codec",
        "/v1/plugins/160",
    ] {
        let a = s
            .as_tenant(
                0,
                Method::PUT,
                uri,
                sandpress_example_plugins::REPEAT_CODEC.to_vec(),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
    }
    let none = s.as_tenant(0, Method::GET, "/v1/plugins", Vec::new()).await;
    assert_eq!(none.json(), serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_413() {
    let s = service(&["alice"], "max_body = 100000").await;
    for uri in [
        "/v1/compress",
        "/v1/decompress",
        "/v1/frames/big",
        "/v1/plugins/160?kind=codec",
    ] {
        let method = if uri.starts_with("/v1/frames") || uri.starts_with("/v1/plugins") {
            Method::PUT
        } else {
            Method::POST
        };
        let a = s.as_tenant(0, method, uri, vec![7u8; 100_001]).await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{uri}");
        assert_eq!(a.problem_type(), "urn:sandpress:problem:body-too-large");
    }
    let list = s.as_tenant(0, Method::GET, "/v1/frames", Vec::new()).await;
    assert_eq!(list.json(), serde_json::json!([]), "nothing half-stored");
    let fits = s
        .as_tenant(0, Method::POST, "/v1/compress", vec![7u8; 100_000])
        .await;
    assert_eq!(fits.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_concurrency_limit_is_429_with_retry_after() {
    let s = service(&["alice", "bob"], "concurrency = 1").await;
    // A request whose body never ends holds alice's one slot.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    tx.send(Ok(vec![1u8; 1000])).await.unwrap();
    let stream =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) });
    let router = s.router.clone();
    let token = s.tokens[0].clone();
    let held = tokio::spawn(async move {
        use tower::ServiceExt;
        let req = axum::http::Request::post("/v1/compress")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from_stream(stream))
            .unwrap();
        router.oneshot(req).await.unwrap().status()
    });
    // Until the held request has its slot (at once, unless the machine is
    // loaded), another of alice's may still pass.
    let start = std::time::Instant::now();
    let second = loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let r = s
            .as_tenant(0, Method::POST, "/v1/compress", ints(0..10))
            .await;
        if r.status != StatusCode::OK || start.elapsed() > Duration::from_secs(30) {
            break r;
        }
    };
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        second.problem_type(),
        "urn:sandpress:problem:too-many-requests"
    );
    assert_eq!(second.headers["retry-after"], "1");
    let other_tenant = s
        .as_tenant(1, Method::POST, "/v1/compress", ints(0..10))
        .await;
    assert_eq!(
        other_tenant.status,
        StatusCode::OK,
        "bob has slots of his own"
    );
    drop(tx);
    assert_eq!(held.await.unwrap(), StatusCode::OK);
    let after = s
        .as_tenant(0, Method::POST, "/v1/compress", ints(0..10))
        .await;
    assert_eq!(after.status, StatusCode::OK, "the slot is given back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_storage_quota_is_507() {
    let s = service(&["alice"], "storage_quota = 300000").await;
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let noise: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let first = s
        .as_tenant(0, Method::PUT, "/v1/frames/a?typesize=1", noise.clone())
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let second = s
        .as_tenant(0, Method::PUT, "/v1/frames/b?typesize=1", noise.clone())
        .await;
    assert_eq!(second.status, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(second.problem_type(), "urn:sandpress:problem:storage-quota");
    let replace = s
        .as_tenant(0, Method::PUT, "/v1/frames/a?typesize=1", noise)
        .await;
    assert_eq!(
        replace.status,
        StatusCode::CREATED,
        "replacing counts the old frame out"
    );
    let names: Vec<String> = s
        .as_tenant(0, Method::GET, "/v1/frames", Vec::new())
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["a"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_that_loops_or_traps_is_422_and_the_service_goes_on() {
    let s = service(
        &["alice"],
        "cpu_ms_per_call = 100\nmemory_per_instance = 16777216",
    )
    .await;
    assert_eq!(
        put_plugin(&s, 0, 170, "codec", &guest("spin_codec.wat"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        put_plugin(&s, 0, 171, "codec", &guest("trap_codec.wat"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        put_plugin(&s, 0, 172, "codec", &guest("hog_codec.wat"))
            .await
            .status,
        StatusCode::OK
    );
    let mut hog = ints(0..50_000);
    hog[..2].copy_from_slice(&[0xFF, 64]);
    let mut trap = ints(0..50_000);
    trap[0] = 0xFF;
    for (id, says, data) in [
        (170, "deadline", ints(0..50_000)),
        (171, "trap", trap),
        (172, "memory", hog),
    ] {
        let a = s
            .as_tenant(
                0,
                Method::POST,
                &format!("/v1/compress?codec={id}&typesize=4&filters=none"),
                data,
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "codec {id}");
        assert_eq!(a.problem_type(), "urn:sandpress:problem:plugin-failed");
        let detail = a.detail();
        assert!(
            detail.contains(&format!("codec plugin {id} failed on chunk 0")),
            "{detail}"
        );
        assert!(!detail.contains('\n'));
        let metrics = String::from_utf8(
            s.call(Method::GET, "/metrics", None, &[], Vec::new())
                .await
                .body,
        )
        .unwrap();
        assert!(
            metrics.contains(&format!(
                "sandpress_plugin_failures_total{{tenant=\"alice\",cause=\"{says}\"}} 1"
            )),
            "{id} {says}: {metrics}"
        );
    }
    let fine = s
        .as_tenant(0, Method::POST, "/v1/compress", ints(0..10))
        .await;
    assert_eq!(fine.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_a_frame_is_422() {
    let s = service(&["alice"], "").await;
    for body in [Vec::new(), b"hello".to_vec(), vec![0u8; 10_000]] {
        let a = s.as_tenant(0, Method::POST, "/v1/decompress", body).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(a.problem_type(), "urn:sandpress:problem:bad-frame");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_is_408() {
    let s = super::service_with(&["alice"], "", |c| sandpress_service::Config {
        body_timeout: Duration::from_millis(200),
        ..c
    })
    .await;
    for uri in ["/v1/compress", "/v1/decompress"] {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
        tx.send(Ok(vec![1u8; 1000])).await.unwrap();
        let stream =
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) });
        let a = s
            .call(
                Method::POST,
                uri,
                Some(&s.tokens[0]),
                &[],
                Body::from_stream(stream),
            )
            .await;
        assert_eq!(a.status, StatusCode::REQUEST_TIMEOUT, "{uri}");
        assert_eq!(a.problem_type(), "urn:sandpress:problem:timeout");
        drop(tx);
    }
}

use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use object_store::memory::InMemory;

use super::*;
use crate::storage::faulty::{Faults, Faulty};

fn guarded() -> (Arc<Faults>, Guarded) {
    let faults = Arc::new(Faults::default());
    let store = Arc::new(Faulty::new(Arc::new(InMemory::new()), faults.clone()));
    let guard = Guard {
        deadline: Duration::from_millis(50),
        threshold: 3,
        probe_every: Duration::from_millis(50),
    };
    (faults, Guarded::new(store, guard))
}

fn guard_error_of(e: &object_store::Error) -> Option<GuardError> {
    match e {
        object_store::Error::Generic { source, .. } => source.downcast_ref().cloned(),
        _ => None,
    }
}

#[tokio::test]
async fn a_hanging_store_fails_at_the_deadline_then_at_once_until_it_answers_a_probe() {
    let (store, g) = guarded();
    let path = Path::from("a");
    g.put(&path, PutPayload::from_static(b"x")).await.unwrap();
    store.hang.store(true, Ordering::SeqCst);

    for _ in 0..3 {
        let e = g.get(&path).await.unwrap_err();
        assert_eq!(
            guard_error_of(&e),
            Some(GuardError::Deadline(Duration::from_millis(50)))
        );
    }
    assert!(g.health().is_open());
    let asked = store.calls.load(Ordering::SeqCst);
    let e = g.get(&path).await.unwrap_err();
    assert_eq!(guard_error_of(&e), Some(GuardError::Open(3)));
    assert_eq!(
        store.calls.load(Ordering::SeqCst),
        asked,
        "an open breaker does not ask the store"
    );
    assert!(!g.probe().await, "a hanging store fails the probe");
    assert!(!g.health().is_ready());

    store.hang.store(false, Ordering::SeqCst);
    assert!(g.probe().await);
    assert!(g.health().is_ready());
    assert_eq!(g.get(&path).await.unwrap().bytes().await.unwrap(), "x");
}

#[tokio::test]
async fn answers_about_objects_do_not_open_the_breaker() {
    let (_store, g) = guarded();
    for _ in 0..10 {
        let e = g.get(&Path::from("missing")).await.unwrap_err();
        assert!(matches!(e, object_store::Error::NotFound { .. }), "{e}");
    }
    assert!(!g.health().is_open());
    assert!(g.probe().await, "a missing probe object is an answer");
}

#[tokio::test]
async fn a_listing_that_hangs_ends_with_the_deadline() {
    let (store, g) = guarded();
    store.hang.store(true, Ordering::SeqCst);
    let e = g.list(None).try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(
        guard_error_of(&e),
        Some(GuardError::Deadline(Duration::from_millis(50)))
    );
}

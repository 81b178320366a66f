//! Telling a store that is full from a store that is unreachable: a full
//! disk or a bucket over its quota is 507 `storage-full` (retrying soon
//! will not help), an unreachable store 503 `storage-unavailable`.

use std::error::Error;
use std::io::ErrorKind;

/// What S3-compatible stores and the local disk say when there is no room.
const FULL_WORDS: [&str; 4] = [
    "EntityTooLarge",
    "QuotaExceeded",
    "No space left on device",
    "Disk quota exceeded",
];

/// Whether `e`, or an error it was caused by, says the store has no room:
/// a full disk (`ENOSPC`, `EDQUOT`) or an S3 answer `EntityTooLarge` or
/// `QuotaExceeded`.
pub(crate) fn is_storage_full(e: &object_store::Error) -> bool {
    let mut cause: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && matches!(io.kind(), ErrorKind::StorageFull | ErrorKind::QuotaExceeded)
        {
            return true;
        }
        let text = c.to_string();
        if FULL_WORDS.iter().any(|w| text.contains(w)) {
            return true;
        }
        cause = c.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generic(source: impl Error + Send + Sync + 'static) -> object_store::Error {
        object_store::Error::Generic {
            store: "test",
            source: Box::new(source),
        }
    }

    #[test]
    fn a_full_disk_and_an_s3_quota_are_full_and_a_refused_connection_is_not() {
        let enospc = std::io::Error::from_raw_os_error(28);
        assert!(is_storage_full(&generic(enospc)));
        assert!(is_storage_full(&generic(std::io::Error::other(
            "<Error><Code>EntityTooLarge</Code></Error>"
        ))));
        let refused = std::io::Error::from(ErrorKind::ConnectionRefused);
        assert!(!is_storage_full(&generic(refused)));
        assert!(!is_storage_full(&object_store::Error::NotFound {
            path: "x".into(),
            source: "gone".into(),
        }));
    }
}

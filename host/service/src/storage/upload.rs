//! A frame's bytes uploaded with the store's multipart API, all parts
//! sent before anything is published: a [`Staged`] upload is invisible
//! until [`Staged::complete`], which the commit calls under its lock
//! (see `commit.rs`). An upload that fails, or that the commit refuses,
//! is aborted, and so is one dropped unfinished (the client went away
//! mid-request): best effort, so a store that keeps the parts of an
//! abandoned upload, as S3 does, still wants a lifecycle rule for them.

use object_store::path::Path;
use object_store::{MultipartUpload, ObjectStoreExt, PutPayload, PutResult};
use tokio::task::JoinSet;

use crate::problem::Problem;
use crate::storage::{TenantStore, problem};

/// Parts being sent at once.
const IN_FLIGHT: usize = 2;

/// A multipart upload whose parts are all sent, not yet completed; one
/// dropped unfinished is aborted in the background.
#[derive(Debug)]
pub struct Staged {
    upload: Option<Box<dyn MultipartUpload>>,
}

impl Staged {
    /// Publishes the object (whole, at once); aborts it if that fails.
    pub async fn complete(mut self) -> Result<PutResult, Problem> {
        let Some(mut upload) = self.upload.take() else {
            return Err(Problem::Internal("the upload was finished already".into()));
        };
        match upload.complete().await {
            Ok(r) => Ok(r),
            Err(e) => {
                let _ = upload.abort().await;
                Err(problem(e))
            }
        }
    }

    /// Drops the uploaded parts (best effort).
    pub async fn abort(mut self) {
        if let Some(mut upload) = self.upload.take() {
            let _ = upload.abort().await;
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(mut upload) = self.upload.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                let _ = upload.abort().await;
            });
        }
    }
}

/// Uploads `file` (from its start) to `path` in parts of the store's part
/// size, at most [`IN_FLIGHT`] at once; nothing is published. On failure
/// the upload is aborted.
pub async fn stage(
    store: &TenantStore,
    path: &Path,
    file: std::fs::File,
) -> Result<Staged, Problem> {
    let upload = store.objects().put_multipart(path).await.map_err(problem)?;
    let mut staged = Staged {
        upload: Some(upload),
    };
    let Some(upload) = staged.upload.as_mut() else {
        return Err(Problem::Internal("the upload vanished".into()));
    };
    match send_parts(&mut **upload, file, store.part_size()).await {
        Ok(()) => Ok(staged),
        Err(p) => {
            staged.abort().await;
            Err(p)
        }
    }
}

/// Reads `file` a part at a time and sends the parts.
async fn send_parts(
    upload: &mut dyn MultipartUpload,
    mut file: std::fs::File,
    part_size: usize,
) -> Result<(), Problem> {
    let mut sending: JoinSet<object_store::Result<()>> = JoinSet::new();
    let mut parts = 0usize;
    loop {
        let (read, back) = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; part_size];
            let n = sandpress_core::io::read_full(&mut file, &mut buf);
            (n.map(|n| (n, buf)), file)
        })
        .await
        .map_err(|e| Problem::Internal(format!("upload reader: {e}")))?;
        file = back;
        let (n, mut buf) =
            read.map_err(|e| Problem::Internal(format!("reading the spooled frame: {e}")))?;
        if n == 0 && parts > 0 {
            break;
        }
        buf.truncate(n);
        while sending.len() >= IN_FLIGHT {
            joined(sending.join_next().await)?;
        }
        sending.spawn(upload.put_part(PutPayload::from(buf)));
        parts += 1;
        if n < part_size {
            break;
        }
    }
    while let Some(done) = sending.join_next().await {
        joined(Some(done))?;
    }
    Ok(())
}

fn joined(
    done: Option<Result<object_store::Result<()>, tokio::task::JoinError>>,
) -> Result<(), Problem> {
    match done {
        None | Some(Ok(Ok(()))) => Ok(()),
        Some(Ok(Err(e))) => Err(problem(e)),
        Some(Err(e)) => Err(Problem::Internal(format!("upload part: {e}"))),
    }
}

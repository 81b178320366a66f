//! An object store that reports every request it passes on, and the
//! bytes its reads fetch, to a [`Meter`]: a tenant's storage traffic in
//! the metrics.
//!
//! Bytes are counted as the store answers a read (the length of the range
//! it returns), not as the body is consumed. `get_ranges` is left to the
//! trait's own implementation, which reads through `get_opts`: each
//! request it makes (after coalescing) is counted.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result, UploadPart,
};

/// Told of each request: its kind and the bytes it fetched.
pub type Meter = Arc<dyn Fn(&'static str, u64) + Send + Sync>;

/// `inner`, metered.
pub struct Metered {
    inner: Arc<dyn ObjectStore>,
    meter: Meter,
}

impl Metered {
    /// `inner`, each request told to `meter`.
    pub fn new(inner: Arc<dyn ObjectStore>, meter: Meter) -> Self {
        Metered { inner, meter }
    }
}

impl fmt::Debug for Metered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metered")
            .field("inner", &self.inner)
            .finish()
    }
}

impl fmt::Display for Metered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Metered({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for Metered {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        (self.meter)("put", 0);
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        (self.meter)("multipart", 0);
        let inner = self.inner.put_multipart_opts(location, opts).await?;
        Ok(Box::new(MeteredUpload {
            inner,
            meter: self.meter.clone(),
        }))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let head = options.head;
        let got = self.inner.get_opts(location, options).await;
        let fetched = match (&got, head) {
            (Ok(r), false) => r.range.end.saturating_sub(r.range.start),
            _ => 0,
        };
        (self.meter)(if head { "head" } else { "get" }, fetched);
        got
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        let meter = self.meter.clone();
        let counted = locations.inspect(move |_| meter("delete", 0)).boxed();
        self.inner.delete_stream(counted)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        (self.meter)("list", 0);
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        (self.meter)("list", 0);
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        (self.meter)("list", 0);
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        (self.meter)("copy", 0);
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        (self.meter)("rename", 0);
        self.inner.rename_opts(from, to, options).await
    }
}

/// A multipart upload whose parts, completion and abort are metered.
struct MeteredUpload {
    inner: Box<dyn MultipartUpload>,
    meter: Meter,
}

impl fmt::Debug for MeteredUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeteredUpload")
            .field("inner", &self.inner)
            .finish()
    }
}

#[async_trait]
impl MultipartUpload for MeteredUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        (self.meter)("put_part", 0);
        self.inner.put_part(data)
    }

    async fn complete(&mut self) -> Result<PutResult> {
        (self.meter)("complete", 0);
        self.inner.complete().await
    }

    async fn abort(&mut self) -> Result<()> {
        (self.meter)("abort", 0);
        self.inner.abort().await
    }
}

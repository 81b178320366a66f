//! A stored object read at offsets from a blocking thread, for opening a
//! frame without fetching all of it: a range read decodes only the
//! chunks it needs.
//!
//! On an object store each read is a round trip, so the few small reads
//! that open a frame (the header at the start; the trailer and offsets
//! index at the end) are served from two windows fetched once: the first
//! [`HEAD_AHEAD`] bytes and the last [`TAIL_AHEAD`] bytes of the object (a
//! small object is fetched whole, once). A read that runs past a window's
//! edge fetches only what the window lacks and grows it (a larger index,
//! a large header), up to [`MAX_WINDOW`]. Any other read (a chunk) is one
//! request for exactly its bytes.

use std::sync::Mutex;

use bytes::{Bytes, BytesMut};
use object_store::path::Path;

use crate::problem::Problem;
use crate::storage::TenantStore;

/// Bytes fetched from the start of the object by the first read there:
/// a frame's header with its metalayers.
pub const HEAD_AHEAD: u64 = 4 << 10;

/// Bytes fetched from the end of the object by the first read there: a
/// frame's trailer and, for frames of up to a few hundred chunks, its
/// offsets index.
pub const TAIL_AHEAD: u64 = 8 << 10;

/// Largest a window grows; reads past it are fetched as they come.
pub const MAX_WINDOW: u64 = 16 << 20;

/// A stored object read at offsets; reads run on `runtime`.
pub struct RemoteSource {
    store: TenantStore,
    path: Path,
    size: u64,
    runtime: tokio::runtime::Handle,
    windows: Mutex<Windows>,
}

/// What has been fetched of the start and the end of the object.
#[derive(Default)]
struct Windows {
    /// Bytes `0..head.len()`.
    head: Bytes,
    /// Bytes `tail.0..size`, once fetched.
    tail: Option<(u64, Bytes)>,
}

/// How a read is served when the windows do not hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    /// Fetch these bytes into the head window (it ends where they start).
    Head(std::ops::Range<u64>),
    /// Fetch these bytes into the tail window (it starts where they end,
    /// or at the object's end).
    Tail(std::ops::Range<u64>),
    /// Fetch the read's bytes only.
    Direct,
}

impl Windows {
    /// The bytes `start..end` if a window holds them all.
    fn serve(&self, start: u64, end: u64) -> Option<Bytes> {
        if end <= self.head.len() as u64 {
            return Some(self.head.slice(start as usize..end as usize));
        }
        let (t, bytes) = self.tail.as_ref()?;
        (start >= *t).then(|| bytes.slice((start - t) as usize..(end - t) as usize))
    }

    /// What to fetch for a read of `start..end` of `size` bytes that the
    /// windows do not hold.
    fn plan(&self, start: u64, end: u64, size: u64) -> Plan {
        let head = self.head.len() as u64;
        if self.head.is_empty() && self.tail.is_none() && size <= HEAD_AHEAD + TAIL_AHEAD {
            return Plan::Head(0..size);
        }
        if start == 0 && head == 0 && end <= HEAD_AHEAD {
            return Plan::Head(0..HEAD_AHEAD.min(size));
        }
        if start < head && end > head && end <= MAX_WINDOW {
            return Plan::Head(head..end);
        }
        match &self.tail {
            None if end == size && end - start <= TAIL_AHEAD => {
                Plan::Tail(size.saturating_sub(TAIL_AHEAD)..size)
            }
            Some((t, _)) if start < *t && end > *t && size - start <= MAX_WINDOW => {
                Plan::Tail(start..*t)
            }
            _ => Plan::Direct,
        }
    }

    /// Adds `bytes`, fetched as `plan` said, to its window.
    fn grow(&mut self, plan: &Plan, bytes: Bytes) {
        match plan {
            Plan::Head(_) => self.head = join(&self.head, &bytes),
            Plan::Tail(r) => {
                let rest = self.tail.take().map_or_else(Bytes::new, |(_, b)| b);
                self.tail = Some((r.start, join(&bytes, &rest)));
            }
            Plan::Direct => {}
        }
    }
}

fn join(a: &Bytes, b: &Bytes) -> Bytes {
    if a.is_empty() {
        return b.clone();
    }
    let mut out = BytesMut::with_capacity(a.len() + b.len());
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out.freeze()
}

impl RemoteSource {
    /// `path` of `store`, `size` bytes long; reads run on `runtime`.
    pub fn new(store: TenantStore, path: Path, size: u64, runtime: tokio::runtime::Handle) -> Self {
        RemoteSource {
            store,
            path,
            size,
            runtime,
            windows: Mutex::new(Windows::default()),
        }
    }

    fn fetch(&self, range: std::ops::Range<u64>) -> std::io::Result<Bytes> {
        let want = range.end - range.start;
        let bytes = self
            .runtime
            .block_on(self.store.read_range(&self.path, range))
            .map_err(|p: Problem| std::io::Error::other(p.to_string()))?;
        if bytes.len() as u64 != want {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(bytes)
    }

    /// The bytes `start..end`, from a window or fetched.
    fn read(&self, start: u64, end: u64) -> std::io::Result<Bytes> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = windows.serve(start, end) {
            return Ok(b);
        }
        let plan = windows.plan(start, end, self.size);
        let range = match &plan {
            Plan::Head(r) | Plan::Tail(r) => r.clone(),
            Plan::Direct => {
                drop(windows);
                return self.fetch(start..end);
            }
        };
        let bytes = self.fetch(range)?;
        windows.grow(&plan, bytes);
        windows
            .serve(start, end)
            .ok_or_else(|| std::io::ErrorKind::UnexpectedEof.into())
    }
}

impl sandpress_frame::ReadAt for RemoteSource {
    fn size(&self) -> std::io::Result<u64> {
        Ok(self.size)
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        let end = offset
            .checked_add(buf.len() as u64)
            .filter(|&e| e <= self.size)
            .ok_or(std::io::ErrorKind::UnexpectedEof)?;
        if buf.is_empty() {
            return Ok(());
        }
        let bytes = self.read(offset, end)?;
        if bytes.len() != buf.len() {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.copy_from_slice(&bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn a_small_object_is_fetched_whole() {
        let w = Windows::default();
        assert_eq!(w.plan(0, 10, 5000), Plan::Head(0..5000));
    }

    #[test]
    fn the_head_and_the_tail_are_fetched_once_and_grown() {
        let size = 4 * MIB;
        let mut w = Windows::default();
        let p = w.plan(0, 87, size);
        assert_eq!(p, Plan::Head(0..HEAD_AHEAD));
        w.grow(&p, Bytes::from(vec![1; HEAD_AHEAD as usize]));
        assert!(w.serve(0, 200).is_some());
        // A header longer than the window: only the rest is fetched.
        assert_eq!(w.plan(0, 5000, size), Plan::Head(HEAD_AHEAD..5000));
        // A chunk starting where the window ends is not kept.
        assert_eq!(w.plan(HEAD_AHEAD, 70_000, size), Plan::Direct);
        let p = w.plan(size - 4, size, size);
        assert_eq!(p, Plan::Tail(size - TAIL_AHEAD..size));
        w.grow(&p, Bytes::from(vec![2; TAIL_AHEAD as usize]));
        assert_eq!(w.serve(size - 100, size - 90).unwrap(), vec![2; 10]);
        // An index longer than the window: only what it lacks.
        let p = w.plan(size - 20_000, size - 3_000, size);
        assert_eq!(p, Plan::Tail(size - 20_000..size - TAIL_AHEAD));
        w.grow(&p, Bytes::from(vec![3; 20_000 - TAIL_AHEAD as usize]));
        let got = w.serve(size - 20_000, size - 3_000).unwrap();
        assert_eq!(got.len(), 17_000);
        assert_eq!(got[0], 3);
        assert_eq!(got[16_999], 2);
        // A chunk in the middle is read as it is.
        assert_eq!(w.plan(MIB, MIB + 70_000, size), Plan::Direct);
    }
}

//! Appending raw bytes to a stored frame: the frame is fetched (at the
//! version the append started from) into a temporary file, the bytes are
//! compressed into it with the frame's own parameters and the tenant's
//! plugins, and the file is compacted for upload.
//!
//! A frame whose last chunk is shorter than its chunk size has that chunk
//! refilled: its bytes are decoded and compressed again ahead of the new
//! ones, so the frame keeps one chunk size (python-blosc2 reads it as a
//! fixed-chunk frame, and a range read opens it without reading each
//! chunk's header). `Frame::append` alone would leave the short chunk in
//! the middle and turn the frame into a variable-chunk one.

use std::path::Path as FsPath;

use futures::StreamExt;
use object_store::path::Path;
use object_store::{GetOptions, ObjectStore};
use sandpress_frame::Frame;
use tokio::io::AsyncWriteExt;

use crate::body::BodyReader;
use crate::problem::{Problem, from_core, one_line};
use crate::storage::{TenantStore, problem};
use crate::tenant::{Tenant, Turns};

/// Bytes of body compressed per edit of the temporary frame (each edit
/// writes and syncs a new index): about this much, in whole chunks.
const BATCH: usize = 8 << 20;

/// The frame after an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// Chunks.
    pub nchunks: usize,
    /// Uncompressed bytes.
    pub nbytes: u64,
    /// Length of the frame.
    pub frame_len: u64,
    /// Bytes appended.
    pub added: u64,
}

/// Fetches `path` as it is at ETag `e_tag` into a new temporary file in
/// `dir`; 409 if it changed since.
pub async fn fetch(
    store: &TenantStore,
    path: &Path,
    e_tag: &str,
    dir: &FsPath,
) -> Result<tempfile::NamedTempFile, Problem> {
    let opts = GetOptions::new().with_if_match(Some(e_tag));
    let got = match store.objects().get_opts(path, opts).await {
        Ok(g) => g,
        Err(object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. }) => {
            return Err(Problem::Conflict(
                "the frame changed while the append started; retry".into(),
            ));
        }
        Err(e) => return Err(problem(e)),
    };
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Problem::Internal(format!("temporary frame: {e}")))?;
    let file = tmp
        .reopen()
        .map_err(|e| Problem::Internal(format!("temporary frame: {e}")))?;
    let mut out = tokio::io::BufWriter::with_capacity(1 << 20, tokio::fs::File::from_std(file));
    let mut stream = got.into_stream();
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(problem)?;
        out.write_all(&piece)
            .await
            .map_err(|e| Problem::Internal(format!("temporary frame: {e}")))?;
    }
    out.flush()
        .await
        .map_err(|e| Problem::Internal(format!("temporary frame: {e}")))?;
    Ok(tmp)
}

/// Appends everything `input` gives to the frame file at `path` (a
/// temporary copy), compressed with the frame's parameters and the
/// tenant's plugins, in the tenant's turns; then compacts it. Returns the
/// file, at its start, and the frame's figures; an empty input leaves the
/// frame as it was.
pub fn append(
    path: &FsPath,
    mut input: BodyReader,
    tenant: &Tenant,
    turns: &Turns,
) -> Result<(std::fs::File, Appended), Problem> {
    let frame = Frame::open_rw(path).map_err(|e| Problem::BadFrame(one_line(&e)))?;
    let mut frame = super::with_plugins(frame, tenant)?;
    let fixed = usize::try_from(frame.header().chunksize)
        .ok()
        .filter(|&c| c > 0 && !frame.header().variable_chunks);
    let last = frame.nchunks().checked_sub(1);
    let cs = match fixed {
        Some(cs) => cs,
        None => (0..frame.nchunks())
            .filter_map(|i| frame.chunk_nbytes(i).ok())
            .max()
            .unwrap_or(1 << 20)
            .max(1),
    };
    let batch = cs * (BATCH / cs).max(1);
    let mut buf = vec![0u8; batch];
    let mut read = |buf: &mut [u8]| {
        sandpress_core::io::read_full(&mut input, buf).map_err(|e| {
            input
                .failure()
                .cloned()
                .unwrap_or_else(|| Problem::BadParameter(format!("reading the body: {e}")))
        })
    };
    let mut n = read(&mut buf)?;
    let mut added = 0u64;
    if n > 0 {
        // The short last chunk of a fixed-chunk frame is compressed again
        // ahead of the new bytes.
        let mut pending = match (fixed, last) {
            (Some(cs), Some(i)) if frame.chunk_nbytes(i).map_err(from_core)? < cs => {
                let turn = turns.take()?;
                let carry = frame.decompress_chunk_vec(i).map_err(from_core)?;
                frame.delete_chunk(i).map_err(from_core)?;
                drop(turn);
                carry
            }
            _ => Vec::new(),
        };
        while n > 0 {
            added += n as u64;
            pending.extend_from_slice(&buf[..n]);
            let whole = pending.len() / cs * cs;
            if whole > 0 {
                add(&mut frame, &pending[..whole], cs, fixed.is_some(), turns)?;
                pending.drain(..whole);
            }
            n = if n < buf.len() { 0 } else { read(&mut buf)? };
        }
        if !pending.is_empty() {
            add(&mut frame, &pending, cs, fixed.is_some(), turns)?;
        }
        let turn = turns.take()?;
        frame.compact().map_err(from_core)?;
        drop(turn);
    }
    let figures = Appended {
        nchunks: frame.nchunks(),
        nbytes: frame.nbytes(),
        frame_len: frame.frame_len(),
        added,
    };
    let file = std::fs::File::open(path)
        .map_err(|e| Problem::Internal(format!("reopening the appended frame: {e}")))?;
    Ok((file, figures))
}

/// Appends `data` in chunks of `cs` bytes (a frame without a fixed chunk
/// size gets them one by one) in one of the tenant's turns.
fn add(
    frame: &mut Frame<std::fs::File>,
    data: &[u8],
    cs: usize,
    fixed: bool,
    turns: &Turns,
) -> Result<(), Problem> {
    let _turn = turns.take()?;
    if fixed {
        return frame.append(data).map_err(from_core);
    }
    for part in data.chunks(cs) {
        frame.append(part).map_err(from_core)?;
    }
    Ok(())
}

//! Request bodies, never held whole in memory: fed piece by piece to a
//! worker thread ([`feed`] and [`BodyReader`]), or spooled to a temporary
//! file ([`spool`]). Both count bytes against the tenant's body limit
//! themselves (axum's `DefaultBodyLimit` does not see streamed bodies).

use std::collections::VecDeque;
use std::io::{self, Read};
use std::time::Duration;

use axum::body::Body;
use bytes::{Buf, Bytes};
use futures::{FutureExt, StreamExt};
use tokio::sync::mpsc;

use crate::problem::Problem;

/// Batches of body in flight between the connection and the worker.
const IN_FLIGHT: usize = 4;

/// Bytes of body handed to the worker at once, when they arrive that
/// fast (one wake-up of the worker per batch, not per network read).
const BATCH: usize = 1 << 20;

/// What the connection hands the worker: pieces of body, or why it ends.
pub type Batch = Result<Vec<Bytes>, Problem>;

/// The receiving half: a blocking [`Read`] over the body's pieces.
pub struct BodyReader {
    rx: mpsc::Receiver<Batch>,
    pending: VecDeque<Bytes>,
    failed: Option<Problem>,
}

/// Starts feeding a body: the sender for [`feed`] and the reader for the
/// worker.
pub fn channel() -> (mpsc::Sender<Batch>, BodyReader) {
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    (
        tx,
        BodyReader {
            rx,
            pending: VecDeque::new(),
            failed: None,
        },
    )
}

impl BodyReader {
    /// Why the body ended early, if it did (the reader then failed).
    pub fn failure(&self) -> Option<&Problem> {
        self.failed.as_ref()
    }
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pending.front().is_none_or(Bytes::is_empty) {
            if self.pending.pop_front().is_some() {
                continue;
            }
            match self.rx.blocking_recv() {
                Some(Ok(batch)) => self.pending.extend(batch),
                Some(Err(problem)) => {
                    let msg = problem.to_string();
                    self.failed = Some(problem);
                    return Err(io::Error::other(msg));
                }
                None => return Ok(0),
            }
        }
        let Some(current) = self.pending.front_mut() else {
            return Ok(0);
        };
        let n = buf.len().min(current.len());
        buf[..n].copy_from_slice(&current[..n]);
        current.advance(n);
        Ok(n)
    }
}

/// How a body is read: at most `limit` bytes, each piece within `idle`
/// of the one before.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Most bytes.
    pub limit: u64,
    /// Longest wait for the next piece.
    pub idle: Duration,
}

/// Sends `body` to `tx` piece by piece; past the limit, after waiting
/// too long for a piece, or when the client's connection fails, sends
/// the problem instead and stops. Returns the bytes sent.
pub async fn feed(body: Body, tx: mpsc::Sender<Batch>, limits: BodyLimits) -> Result<u64, Problem> {
    let mut stream = body.into_data_stream();
    let mut total = 0u64;
    let mut batch: Vec<Bytes> = Vec::new();
    let mut batched = 0usize;
    loop {
        // Take what has arrived already, up to a batch; hand the batch
        // over when nothing more is there yet.
        let next = if batched >= BATCH {
            None
        } else if batched > 0 {
            stream.next().now_or_never()
        } else {
            match tokio::time::timeout(limits.idle, stream.next()).await {
                Ok(next) => Some(next),
                Err(_) => return Err(fail(&tx, Problem::Timeout(limits.idle)).await),
            }
        };
        let Some(next) = next else {
            batched = 0;
            if tx.send(Ok(std::mem::take(&mut batch))).await.is_err() {
                // The worker stopped reading: it failed, and says why.
                return Ok(total);
            }
            continue;
        };
        let piece = match next {
            None => break,
            Some(Ok(piece)) => piece,
            Some(Err(e)) => {
                let p = Problem::BadParameter(format!("reading the body: {e}"));
                return Err(fail(&tx, p).await);
            }
        };
        total = total.saturating_add(piece.len() as u64);
        if total > limits.limit {
            let p = Problem::TooLarge {
                limit: limits.limit,
            };
            return Err(fail(&tx, p).await);
        }
        batched += piece.len();
        batch.push(piece);
    }
    if !batch.is_empty() {
        let _ = tx.send(Ok(batch)).await;
    }
    Ok(total)
}

/// Tells the worker why the body ends early; returns the problem.
async fn fail(tx: &mpsc::Sender<Batch>, p: Problem) -> Problem {
    let _ = tx.send(Err(p.clone())).await;
    p
}

/// Writes `body` to a new temporary file, within `limits`; returns the
/// file, rewound, and its length.
pub async fn spool(body: Body, limits: BodyLimits) -> Result<(std::fs::File, u64), Problem> {
    let file = tempfile::tempfile().map_err(|e| Problem::Internal(format!("spool file: {e}")))?;
    let (tx, mut reader) = channel();
    let writer = tokio::task::spawn_blocking(move || -> io::Result<(std::fs::File, BodyReader)> {
        let mut out = io::BufWriter::with_capacity(1 << 20, file);
        io::copy(&mut reader, &mut out)?;
        let mut file = out.into_inner().map_err(|e| e.into_error())?;
        io::Seek::rewind(&mut file)?;
        Ok((file, reader))
    });
    let fed = feed(body, tx, limits).await;
    let written = writer
        .await
        .map_err(|e| Problem::Internal(format!("spool writer: {e}")))?;
    let total = fed?;
    let (file, _) = written.map_err(|e| Problem::Internal(format!("spooling the body: {e}")))?;
    Ok((file, total))
}

//! Request bodies, never held whole in memory: fed piece by piece to a
//! worker thread ([`feed`] and [`BodyReader`]), or spooled to a temporary
//! file ([`spool`]). Both count bytes against the tenant's body limit
//! themselves (axum's `DefaultBodyLimit` does not see streamed bodies).

use std::io::{self, Read};
use std::time::Duration;

use axum::body::Body;
use bytes::{Buf, Bytes};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::problem::Problem;

/// Pieces of body in flight between the connection and the worker.
const IN_FLIGHT: usize = 8;

/// The receiving half: a blocking [`Read`] over the body's pieces.
pub struct BodyReader {
    rx: mpsc::Receiver<Result<Bytes, Problem>>,
    current: Bytes,
    failed: Option<Problem>,
}

/// Starts feeding a body: the sender for [`feed`] and the reader for the
/// worker.
pub fn channel() -> (mpsc::Sender<Result<Bytes, Problem>>, BodyReader) {
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    (
        tx,
        BodyReader {
            rx,
            current: Bytes::new(),
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
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(piece)) => self.current = piece,
                Some(Err(problem)) => {
                    let msg = problem.to_string();
                    self.failed = Some(problem);
                    return Err(io::Error::other(msg));
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
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
pub async fn feed(
    body: Body,
    tx: mpsc::Sender<Result<Bytes, Problem>>,
    limits: BodyLimits,
) -> Result<u64, Problem> {
    let limit = limits.limit;
    let mut stream = body.into_data_stream();
    let mut total = 0u64;
    loop {
        let piece = match tokio::time::timeout(limits.idle, stream.next()).await {
            Ok(Some(piece)) => piece,
            Ok(None) => break,
            Err(_) => {
                let p = Problem::Timeout(limits.idle);
                let _ = tx.send(Err(p.clone())).await;
                return Err(p);
            }
        };
        let piece = match piece {
            Ok(p) => p,
            Err(e) => {
                let p = Problem::BadParameter(format!("reading the body: {e}"));
                let _ = tx.send(Err(p.clone())).await;
                return Err(p);
            }
        };
        total = total.saturating_add(piece.len() as u64);
        if total > limit {
            let p = Problem::TooLarge { limit };
            let _ = tx.send(Err(p.clone())).await;
            return Err(p);
        }
        if tx.send(Ok(piece)).await.is_err() {
            // The worker stopped reading: it failed, and says why.
            break;
        }
    }
    Ok(total)
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

//! The job runner: the pipeline work of a request, on a worker thread
//! (never on the async runtime), each chunk in one of the tenant's work
//! turns: compressing a body into a frame, opening a frame with the
//! tenant's plugins, decoding the parts of it an answer needs, and
//! appending to a stored frame (`append`).

pub mod append;

use std::ops::Range;

use bytes::Bytes;
use sandpress_core::plugin::PluginKind;
use sandpress_core::{CParams, Registry};
use sandpress_frame::{Frame, FrameStats, FrameWriter, ReadAt};
use tokio::sync::mpsc;

use crate::body::BodyReader;
use crate::problem::{Problem, from_core, one_line};
use crate::tenant::{Tenant, Turns};

/// Bytes sent per piece of an answer.
const PIECE: u64 = 1 << 20;

/// Compresses everything `input` gives into a frame in a temporary file
/// in `tmp_dir`; returns the file (at its start) and the frame's figures.
pub fn compress(
    mut input: BodyReader,
    cparams: CParams,
    chunksize: usize,
    registry: Registry,
    turns: &Turns,
    tmp_dir: &std::path::Path,
) -> Result<(std::fs::File, FrameStats), Problem> {
    let mut w = FrameWriter::create_temp_in(tmp_dir, cparams, chunksize, Vec::new(), registry)
        .map_err(from_core)?;
    let mut buf = vec![0u8; chunksize];
    loop {
        let n = sandpress_core::io::read_full(&mut input, &mut buf).map_err(|e| {
            input
                .failure()
                .cloned()
                .unwrap_or_else(|| Problem::BadParameter(format!("reading the body: {e}")))
        })?;
        if n == 0 {
            break;
        }
        let turn = turns.take()?;
        w.append(&buf[..n]).map_err(from_core)?;
        drop(turn);
        if n < buf.len() {
            break;
        }
    }
    // The file comes back positioned at its start.
    w.finish_temp().map_err(from_core)
}

/// Opens the frame in `src` with the tenant's plugins and those it
/// embeds (loaded into the tenant's sandbox); a plugin it names but
/// neither has, or one whose sha256 differs from the frame's record, is
/// refused. Before refusing, the tenant's plugins are synced with the
/// store once: another replica may have registered or replaced one since
/// this one last looked. Runs on a worker thread of the runtime.
pub fn open<S: ReadAt>(src: S, name: &str, tenant: &Tenant) -> Result<Frame<S>, Problem> {
    let frame = Frame::from_source(src, std::path::Path::new(name))
        .map_err(|e| Problem::BadFrame(one_line(&e)))?;
    with_plugins(frame, tenant)
}

/// [`open`] for a stored frame, where each read is a round trip: only
/// the header, trailer and index are read (see
/// [`Frame::from_source_lazy`]).
pub fn open_stored<S: ReadAt>(src: S, name: &str, tenant: &Tenant) -> Result<Frame<S>, Problem> {
    let frame = Frame::from_source_lazy(src, std::path::Path::new(name))
        .map_err(|e| Problem::BadFrame(one_line(&e)))?;
    with_plugins(frame, tenant)
}

/// Gives `frame` the tenant's plugins and those it embeds, syncing the
/// tenant's plugins with the store once before refusing (see [`open`]).
pub fn with_plugins<S: ReadAt>(mut frame: Frame<S>, tenant: &Tenant) -> Result<Frame<S>, Problem> {
    let registry = match registry_for(&frame, tenant) {
        Ok(r) => r,
        Err(_) if frame.plugins().iter().any(|r| r.component.is_none()) => {
            tokio::runtime::Handle::current().block_on(tenant.sync_plugins())?;
            registry_for(&frame, tenant)?
        }
        Err(p) => return Err(p),
    };
    frame
        .set_registry(registry)
        .map_err(|e| Problem::BadFrame(one_line(&e)))?;
    Ok(frame)
}

/// The tenant's registry with the frame's embedded plugins, if it holds
/// every plugin the frame records, each with the recorded component.
fn registry_for<S: ReadAt>(frame: &Frame<S>, tenant: &Tenant) -> Result<Registry, Problem> {
    let mut registry = tenant.registry()?;
    if frame.plugins().iter().any(|r| r.component.is_some()) {
        let records = frame.plugins().to_vec();
        tenant
            .sandbox()?
            .register_embedded(&records, &mut registry)
            .map_err(|e| {
                Problem::BadPlugin(format!("a plugin the frame embeds: {}", one_line(&e)))
            })?;
    }
    for r in frame.plugins() {
        let present = match r.meta.kind {
            PluginKind::Codec => registry.codec(r.meta.id).is_some(),
            _ => registry.filter(r.meta.id).is_some(),
        };
        if !present {
            return Err(Problem::BadFrame(format!(
                "the frame needs {} {} (sha256 {}), which you have not registered and it does not embed",
                r.meta.kind,
                r.meta.id,
                r.meta.sha256_hex()
            )));
        }
    }
    sandpress_core::vlmeta::plugins::check(frame.plugins(), &registry)
        .map_err(|e| Problem::BadFrame(one_line(&e)))?;
    Ok(registry)
}

/// A part of an answer: literal text (multipart headers) or bytes of the
/// content.
#[derive(Debug, Clone)]
pub enum Piece {
    /// Sent as is.
    Text(Bytes),
    /// These bytes of the content.
    Data(Range<u64>),
}

/// What an answer's data bytes are read from.
pub enum Content<S: ReadAt> {
    /// The frame's uncompressed bytes: only the chunks a range touches are
    /// decoded.
    Decoded(Box<Frame<S>>),
    /// The stored bytes themselves.
    Raw(S),
}

impl<S: ReadAt> Content<S> {
    /// The size of the content.
    pub fn size(&self) -> Result<u64, Problem> {
        match self {
            Content::Decoded(f) => Ok(f.nbytes()),
            Content::Raw(s) => s
                .size()
                .map_err(|e| Problem::StorageUnavailable(e.to_string())),
        }
    }
}

/// Where each chunk starts in the uncompressed data, and the total.
fn chunk_starts<S: ReadAt>(frame: &Frame<S>) -> Result<Vec<u64>, Problem> {
    let mut starts = Vec::with_capacity(frame.nchunks() + 1);
    let mut at = 0u64;
    for i in 0..frame.nchunks() {
        starts.push(at);
        at += frame.chunk_nbytes(i).map_err(from_core)? as u64;
    }
    starts.push(at);
    Ok(starts)
}

/// The last chunk decoded, kept for the next piece.
struct Decoder<'a, S: ReadAt> {
    frame: &'a Frame<S>,
    starts: Vec<u64>,
    cached: Option<(usize, Bytes)>,
    turns: &'a Turns,
}

impl<S: ReadAt> Decoder<'_, S> {
    fn chunk(&mut self, i: usize) -> Result<Bytes, Problem> {
        if let Some((j, b)) = &self.cached
            && *j == i
        {
            return Ok(b.clone());
        }
        let turn = self.turns.take()?;
        let b = Bytes::from(self.frame.decompress_chunk_vec(i).map_err(from_core)?);
        drop(turn);
        self.cached = Some((i, b.clone()));
        Ok(b)
    }

    /// Sends bytes `r` of the data, a chunk (or less) at a time.
    fn send(&mut self, r: Range<u64>, tx: &Sender) -> Result<bool, Problem> {
        let mut at = r.start;
        while at < r.end {
            let i = self.starts.partition_point(|&s| s <= at) - 1;
            let Some(&next) = self.starts.get(i + 1) else {
                return Err(Problem::BadFrame(format!(
                    "byte {at} lies past the frame's chunks"
                )));
            };
            let chunk = self.chunk(i)?;
            let from = (at - self.starts[i]) as usize;
            let to = (r.end.min(next) - self.starts[i]) as usize;
            if tx.blocking_send(Ok(chunk.slice(from..to))).is_err() {
                return Ok(false);
            }
            at = self.starts[i] + to as u64;
        }
        Ok(true)
    }
}

type Sender = mpsc::Sender<Result<Bytes, Problem>>;

/// Sends `pieces` of `content` to `tx`. The first chunk needed is decoded
/// before anything is sent, so that a frame that fails at once answers
/// with its problem instead of a cut-off body; a later failure is sent
/// as the last item. Stops when the receiver goes.
/// Chunks are decoded in the tenant's `turns`, one at a time.
pub fn emit<S: ReadAt>(content: Content<S>, pieces: Vec<Piece>, tx: Sender, turns: &Turns) {
    if let Err(p) = emit_inner(&content, &pieces, &tx, turns) {
        let _ = tx.blocking_send(Err(p));
    }
}

fn emit_inner<S: ReadAt>(
    content: &Content<S>,
    pieces: &[Piece],
    tx: &Sender,
    turns: &Turns,
) -> Result<(), Problem> {
    match content {
        Content::Decoded(frame) => {
            let mut d = Decoder {
                frame,
                starts: chunk_starts(frame)?,
                cached: None,
                turns,
            };
            let first = pieces.iter().find_map(|p| match p {
                Piece::Data(r) if !r.is_empty() => Some(r.start),
                _ => None,
            });
            if let Some(at) = first {
                let i = d.starts.partition_point(|&s| s <= at) - 1;
                d.chunk(i)?;
            }
            send_pieces(pieces, tx, |r| d.send(r, tx))
        }
        Content::Raw(src) => send_pieces(pieces, tx, |r| send_raw(src, r, tx)),
    }
}

/// Sends each piece, the data ones through `data`; stops when the
/// receiver goes.
fn send_pieces(
    pieces: &[Piece],
    tx: &Sender,
    mut data: impl FnMut(Range<u64>) -> Result<bool, Problem>,
) -> Result<(), Problem> {
    for piece in pieces {
        let more = match piece {
            Piece::Text(t) => tx.blocking_send(Ok(t.clone())).is_ok(),
            Piece::Data(r) => data(r.clone())?,
        };
        if !more {
            break;
        }
    }
    Ok(())
}

fn send_raw<S: ReadAt>(src: &S, r: Range<u64>, tx: &Sender) -> Result<bool, Problem> {
    let mut at = r.start;
    while at < r.end {
        let n = (r.end - at).min(PIECE);
        let mut buf = vec![0u8; n as usize];
        src.read_exact_at(&mut buf, at)
            .map_err(|e| Problem::StorageUnavailable(e.to_string()))?;
        if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
            return Ok(false);
        }
        at += n;
    }
    Ok(true)
}

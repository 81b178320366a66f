//! Metalayers: the named byte strings stored at the end of a frame header
//! (fixed-length metalayers) and in the trailer (variable-length ones, each
//! a compressed chunk). Both use the same msgpack block:
//! `[idx: u16, {name: offset}, [bin32 values]]`, with offsets counted from
//! the start of the frame (header) or of the trailer (vlmeta).

use super::FrameError;
use super::cursor::{Cursor, put_str};

/// Longest metalayer name C-Blosc2 accepts.
pub const MAX_NAME_LEN: usize = 31;
/// Most fixed-length metalayers in a header (`BLOSC2_MAX_METALAYERS`).
pub const MAX_METALAYERS: usize = 16;
/// Most variable-length metalayers in a trailer (`BLOSC2_MAX_VLMETALAYERS`).
pub const MAX_VLMETALAYERS: usize = 8 * 1024;

/// Named byte strings in their stored order.
pub type Layers = Vec<(String, Vec<u8>)>;

/// Parses a metalayers block starting at `cur`; value offsets are relative
/// to byte 0 of `buf` (which is at `base` in the frame).
pub(crate) fn parse(
    buf: &[u8],
    base: u64,
    cur: &mut Cursor<'_>,
    what: &'static str,
) -> Result<Layers, FrameError> {
    cur.marker(0x93, what)?;
    cur.marker(0xcd, what)?;
    cur.be_u16(what)?;
    cur.marker(0xde, what)?;
    let n = usize::from(cur.be_u16(what)?);
    let mut names = Vec::with_capacity(n.min(MAX_VLMETALAYERS));
    for _ in 0..n {
        let name = cur.str(what)?;
        cur.marker(0xd2, what)?;
        let at = cur.offset();
        let off = cur.be_i32(what)?;
        names.push((name, off, at));
    }
    cur.marker(0xdc, what)?;
    let at = cur.offset();
    let n2 = usize::from(cur.be_u16(what)?);
    if n2 != n {
        return Err(FrameError::BadField {
            field: what,
            offset: at,
            found: n2 as i64,
            reason: "number of values differs from the number of names",
        });
    }
    let mut layers = Vec::with_capacity(names.len());
    for (name, off, at) in names {
        let bad = |reason| FrameError::BadField {
            field: what,
            offset: at,
            found: i64::from(off),
            reason,
        };
        let off = usize::try_from(off).map_err(|_| bad("negative value offset"))?;
        if off >= buf.len() {
            return Err(bad("value offset past the end of its section"));
        }
        let mut v = Cursor::at(buf, base, off);
        v.marker(0xc6, what)?;
        let len = v.be_u32(what)? as usize;
        let content = v.take(len, what)?;
        layers.push((name, content.to_vec()));
    }
    Ok(layers)
}

/// Appends a metalayers block to `out`. Value offsets are written relative
/// to `origin` (a position in `out`); `idx` is the distance from the block
/// start to the values array minus `idx_bias`, as C-Blosc2 writes it (0 in
/// headers, 1 in trailers).
pub(crate) fn write(
    out: &mut Vec<u8>,
    layers: &[(String, Vec<u8>)],
    origin: usize,
    idx_bias: usize,
) {
    let start = out.len();
    out.extend_from_slice(&[0x93, 0xcd, 0, 0, 0xde]);
    out.extend_from_slice(&(layers.len() as u16).to_be_bytes());
    let mut slots = Vec::with_capacity(layers.len());
    for (name, _) in layers {
        put_str(out, name);
        out.push(0xd2);
        slots.push(out.len());
        out.extend_from_slice(&[0; 4]);
    }
    let idx = (out.len() - start - idx_bias) as u16;
    out[start + 2..start + 4].copy_from_slice(&idx.to_be_bytes());
    out.push(0xdc);
    out.extend_from_slice(&(layers.len() as u16).to_be_bytes());
    for ((_, content), slot) in layers.iter().zip(slots) {
        let off = (out.len() - origin) as i32;
        out[slot..slot + 4].copy_from_slice(&off.to_be_bytes());
        out.push(0xc6);
        out.extend_from_slice(&(content.len() as u32).to_be_bytes());
        out.extend_from_slice(content);
    }
}

/// Checks names and counts before writing.
pub(crate) fn check(layers: &[(String, Vec<u8>)], max: usize) -> Result<(), FrameError> {
    if layers.len() > max {
        return Err(FrameError::Unsupported(format!(
            "{} metalayers (at most {max})",
            layers.len()
        )));
    }
    for (i, (name, content)) in layers.iter().enumerate() {
        if name.is_empty() || name.len() > MAX_NAME_LEN {
            return Err(FrameError::Unsupported(format!(
                "metalayer name {name:?} (1 to {MAX_NAME_LEN} bytes)"
            )));
        }
        if layers[..i].iter().any(|(n, _)| n == name) {
            return Err(FrameError::Unsupported(format!("metalayer {name:?} twice")));
        }
        if content.len() > i32::MAX as usize {
            return Err(FrameError::Unsupported(format!(
                "metalayer {name:?} over 2 GB"
            )));
        }
    }
    Ok(())
}

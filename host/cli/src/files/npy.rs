//! NumPy `.npy` headers: read one in front of raw array bytes, keep its
//! dtype and shape in a metalayer, and write it back on decompression.

use std::io::Read;

use anyhow::{Context, Result, bail, ensure};
use rmpv::Value;

/// Name of the metalayer holding an input's `.npy` description.
pub const METALAYER: &str = "sandpress.npy";
/// The first bytes of every .npy file.
pub const MAGIC: &[u8] = b"\x93NUMPY";

/// What a `.npy` header says about the array after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// The dtype: a string such as `<i4`, or the literal text of a
    /// structured dtype's list.
    pub descr: String,
    /// Whether items are in Fortran (column-major) order.
    pub fortran_order: bool,
    /// The array's shape.
    pub shape: Vec<u64>,
}

impl NpyHeader {
    /// Bytes per item, when the dtype is a plain one.
    pub fn itemsize(&self) -> Option<u64> {
        let d = self.descr.as_str();
        let body = d.strip_prefix(['<', '>', '|', '=']).unwrap_or(d);
        let kind = body.chars().next()?;
        let digits: String = body[kind.len_utf8()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let n: u64 = digits.parse().ok()?;
        Some(match kind {
            'U' => n * 4,
            'b' | 'i' | 'u' | 'f' | 'c' | 'S' | 'V' | 'M' | 'm' => n,
            _ => return None,
        })
    }

    /// Number of items.
    pub fn items(&self) -> Option<u64> {
        self.shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d))
    }

    /// Reads a header from the start of `input` (the magic included).
    pub fn read(input: &mut impl Read) -> Result<Self> {
        let mut pre = [0u8; 8];
        input
            .read_exact(&mut pre)
            .context("reading the .npy header")?;
        ensure!(&pre[..6] == MAGIC, "not a .npy file (no \\x93NUMPY magic)");
        let len = match pre[6] {
            1 => {
                let mut b = [0; 2];
                input.read_exact(&mut b)?;
                u64::from(u16::from_le_bytes(b))
            }
            2 | 3 => {
                let mut b = [0; 4];
                input.read_exact(&mut b)?;
                u64::from(u32::from_le_bytes(b))
            }
            v => bail!(".npy format version {v} is not supported (1, 2 and 3 are)"),
        };
        ensure!(
            len <= 1 << 20,
            ".npy header of {len} bytes is implausibly large"
        );
        let mut text = vec![0; len as usize];
        input
            .read_exact(&mut text)
            .context("reading the .npy header")?;
        let text = String::from_utf8(text).context(".npy header is not text")?;
        parse_dict(&text)
    }

    /// The header's bytes (format 1.0 when it fits, else 2.0), padded so
    /// the data starts at a multiple of 64 bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let descr = if self.descr.starts_with('[') {
            self.descr.clone()
        } else {
            format!("'{}'", self.descr)
        };
        let shape = python_tuple(&self.shape);
        let fortran = if self.fortran_order { "True" } else { "False" };
        let dict = format!("{{'descr': {descr}, 'fortran_order': {fortran}, 'shape': {shape}, }}");
        let v1 = dict.len() + 1 + 10 <= usize::from(u16::MAX);
        let pre = if v1 { 10 } else { 12 };
        let total = (pre + dict.len() + 1).next_multiple_of(64);
        let hlen = total - pre;
        let mut out = MAGIC.to_vec();
        if v1 {
            out.extend_from_slice(&[1, 0]);
            out.extend_from_slice(&(hlen as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&[2, 0]);
            out.extend_from_slice(&(hlen as u32).to_le_bytes());
        }
        out.extend_from_slice(dict.as_bytes());
        out.resize(total - 1, b' ');
        out.push(b'\n');
        out
    }

    /// The metalayer content: a msgpack map with `descr`, `fortran_order`
    /// and `shape`, which python-blosc2 shows as a dict.
    pub fn to_metalayer(&self) -> Vec<u8> {
        let map = Value::Map(vec![
            (Value::from("descr"), Value::from(self.descr.as_str())),
            (
                Value::from("fortran_order"),
                Value::from(self.fortran_order),
            ),
            (
                Value::from("shape"),
                Value::Array(self.shape.iter().map(|&d| Value::from(d)).collect()),
            ),
        ]);
        let mut out = Vec::new();
        let _ = rmpv::encode::write_value(&mut out, &map);
        out
    }

    /// Reads a metalayer written by [`to_metalayer`](Self::to_metalayer).
    pub fn from_metalayer(bytes: &[u8]) -> Result<Self> {
        let mut rd = bytes;
        let v = rmpv::decode::read_value_with_max_depth(&mut rd, 16)
            .context("the sandpress.npy metalayer is not msgpack")?;
        let get = |k: &str| {
            v.as_map()
                .and_then(|m| m.iter().find(|(key, _)| key.as_str() == Some(k)))
                .map(|(_, val)| val)
        };
        let descr = get("descr")
            .and_then(Value::as_str)
            .context("npy metalayer: no descr")?;
        let fortran_order = get("fortran_order")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let shape = get("shape")
            .and_then(Value::as_array)
            .context("npy metalayer: no shape")?
            .iter()
            .map(|d| {
                d.as_u64()
                    .context("npy metalayer: shape holds a non-integer")
            })
            .collect::<Result<_>>()?;
        Ok(NpyHeader {
            descr: descr.to_string(),
            fortran_order,
            shape,
        })
    }
}

/// Parses numpy's header dict: `{'descr': '<i4', 'fortran_order': False,
/// 'shape': (3, 4), }`.
/// `dims` as Python writes a tuple of them: `(3,)`, `(30, 40)`, `()`.
pub fn python_tuple(dims: &[u64]) -> String {
    match dims {
        [one] => format!("({one},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn parse_dict(text: &str) -> Result<NpyHeader> {
    let t = text.trim();
    let field = |key: &str| -> Result<&str> {
        let k = format!("'{key}':");
        let at = t
            .find(&k)
            .with_context(|| format!(".npy header has no '{key}': {t}"))?;
        Ok(t[at + k.len()..].trim_start())
    };
    let d = field("descr")?;
    let descr = if let Some(rest) = d.strip_prefix('\'') {
        rest.split('\'').next().unwrap_or_default().to_string()
    } else if d.starts_with('[') {
        let mut depth = 0i32;
        let mut end = d.len();
        for (i, c) in d.char_indices() {
            match c {
                '[' | '(' => depth += 1,
                ']' | ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        d[..end].to_string()
    } else {
        bail!(".npy header: cannot read descr in {t}");
    };
    let fortran_order = field("fortran_order")?.starts_with("True");
    let s = field("shape")?;
    ensure!(
        s.starts_with('('),
        ".npy header: shape is not a tuple in {t}"
    );
    let inner = &s[1..s.find(')').context(".npy header: unterminated shape")?];
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.trim_end_matches('L')
                .parse::<u64>()
                .with_context(|| format!(".npy shape entry {p:?}"))
        })
        .collect::<Result<_>>()?;
    Ok(NpyHeader {
        descr,
        fortran_order,
        shape,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let h = NpyHeader {
            descr: "<i4".into(),
            fortran_order: false,
            shape: vec![3, 4],
        };
        let bytes = h.to_bytes();
        assert_eq!(bytes.len() % 64, 0);
        assert_eq!(NpyHeader::read(&mut bytes.as_slice()).unwrap(), h);
        assert_eq!(NpyHeader::from_metalayer(&h.to_metalayer()).unwrap(), h);
        assert_eq!(h.itemsize(), Some(4));
        assert_eq!(h.items(), Some(12));
    }

    #[test]
    fn reads_numpy_text_forms() {
        let h = parse_dict("{'descr': '<U3', 'fortran_order': True, 'shape': (5,), }").unwrap();
        assert_eq!(
            (h.itemsize(), h.fortran_order, h.shape.as_slice()),
            (Some(12), true, &[5][..])
        );
        let h = parse_dict(
            "{'descr': [('a', '<i4'), ('b', '<f8')], 'fortran_order': False, 'shape': (), }",
        )
        .unwrap();
        assert_eq!(h.descr, "[('a', '<i4'), ('b', '<f8')]");
        assert_eq!(h.itemsize(), None);
        assert_eq!(h.items(), Some(1));
        assert!(NpyHeader::read(&mut &b"\x93NUMPX\x01\x00"[..]).is_err());
        // A dtype of non-ASCII text has no item size (and no panic).
        let h = parse_dict("{'descr': '<é4', 'fortran_order': False, 'shape': (2,), }").unwrap();
        assert_eq!(h.itemsize(), None);
    }
}

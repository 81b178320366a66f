//! HTTP byte ranges (RFC 9110 §14): `Range: bytes=0-99,200-,-50`.

use std::ops::Range;

use crate::problem::Problem;

/// Most parts one request may ask for.
pub const MAX_PARTS: usize = 64;

/// What a `Range` header asks of `size` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ranges {
    /// No header (or one to ignore): the whole.
    Whole,
    /// These parts, in the order asked, each within `0..size`.
    Parts(Vec<Range<u64>>),
}

/// Parses a `Range` header against a representation of `size` bytes.
/// A unit other than `bytes` or a malformed header is ignored (the whole
/// is sent, as RFC 9110 allows); parts that all lie past the end give
/// 416.
pub fn parse(header: Option<&str>, size: u64) -> Result<Ranges, Problem> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(Ranges::Whole);
    };
    let mut parts = Vec::new();
    for item in spec.split(',') {
        let Some(r) = parse_one(item.trim(), size) else {
            return Ok(Ranges::Whole);
        };
        if let Some(r) = r {
            parts.push(r);
        }
    }
    if parts.len() > MAX_PARTS {
        return Err(Problem::BadParameter(format!(
            "at most {MAX_PARTS} ranges in one request"
        )));
    }
    if parts.is_empty() {
        return Err(Problem::RangeNotSatisfiable { size });
    }
    Ok(Ranges::Parts(parts))
}

/// `None`: malformed; `Some(None)`: well-formed but past the end.
fn parse_one(item: &str, size: u64) -> Option<Option<Range<u64>>> {
    let (first, last) = item.split_once('-')?;
    let num = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    if first.is_empty() {
        let n = num(last)?;
        if n == 0 || size == 0 {
            return Some(None);
        }
        return Some(Some(size.saturating_sub(n)..size));
    }
    let start = num(first)?;
    let end = match last {
        "" => size,
        l => {
            let l = num(l)?;
            if l < start {
                return None;
            }
            l.saturating_add(1).min(size)
        }
    };
    if start >= size {
        return Some(None);
    }
    Some(Some(start..end))
}

/// The boundary of multipart answers (fixed: it is never in the headers
/// of a part, and a part's data is delimited by length).
pub const BOUNDARY: &str = "sandpress-byteranges-3f1c9a";

/// The header lines before part `r` of a `multipart/byteranges` answer.
pub fn part_head(r: &Range<u64>, size: u64, content_type: &str) -> String {
    format!(
        "\r\n--{BOUNDARY}\r\nContent-Type: {content_type}\r\nContent-Range: bytes {}-{}/{size}\r\n\r\n",
        r.start,
        r.end - 1
    )
}

/// The line that ends a `multipart/byteranges` answer.
pub fn closing() -> String {
    format!("\r\n--{BOUNDARY}--\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(r: Range<u64>) -> Ranges {
        Ranges::Parts(std::iter::once(r).collect())
    }

    #[test]
    fn parses_the_forms_of_rfc_9110() {
        let p = |h: &str| parse(Some(h), 1000);
        assert_eq!(p("bytes=0-99").unwrap(), one(0..100));
        assert_eq!(p("bytes=900-").unwrap(), one(900..1000));
        assert_eq!(p("bytes=-50").unwrap(), one(950..1000));
        assert_eq!(p("bytes=990-2000").unwrap(), one(990..1000));
        assert_eq!(
            p("bytes=0-0, 10-19").unwrap(),
            Ranges::Parts(vec![0..1, 10..20])
        );
        assert_eq!(p("bytes=5-1").unwrap(), Ranges::Whole);
        assert_eq!(p("items=0-1").unwrap(), Ranges::Whole);
        assert_eq!(p("bytes=x-1").unwrap(), Ranges::Whole);
        assert_eq!(parse(None, 10).unwrap(), Ranges::Whole);
        assert_eq!(
            p("bytes=1000-").unwrap_err(),
            Problem::RangeNotSatisfiable { size: 1000 }
        );
        assert_eq!(p("bytes=1000-1001,5-6").unwrap(), one(5..7));
        let many = format!("bytes={}", vec!["0-1"; 65].join(","));
        assert!(matches!(p(&many), Err(Problem::BadParameter(_))));
    }
}

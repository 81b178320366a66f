//! The text of a slice, as NumPy writes an index: `10:20,:,3`.

use std::ops::Range;

/// A slice of an array parsed from text: a range per axis, and which axes
/// the result keeps (an integer index drops its axis, as in NumPy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliceSpec {
    /// The items taken along each axis of the array.
    pub ranges: Vec<Range<u64>>,
    /// Whether each axis stays in the result (false for an integer index).
    pub keep: Vec<bool>,
}

/// Text that is not a slice of the array.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SliceSpecError {
    /// More comma-separated parts than the array has axes.
    #[error("{found} indices for an array of {ndim} axes")]
    Axes {
        /// Axes of the array.
        ndim: usize,
        /// Parts given.
        found: usize,
    },
    /// A part that is neither an integer nor `start:stop[:1]`.
    #[error("axis {axis}: {text:?} is not an index or a start:stop slice")]
    Syntax {
        /// The axis.
        axis: usize,
        /// The part.
        text: String,
    },
    /// A step other than 1.
    #[error("axis {axis}: step {text:?} is not supported (only 1 is)")]
    Step {
        /// The axis.
        axis: usize,
        /// The step given.
        text: String,
    },
    /// An integer index outside the axis.
    #[error("axis {axis}: index {index} is outside an axis of {len}")]
    Index {
        /// The axis.
        axis: usize,
        /// The index given.
        index: i64,
        /// Items along the axis.
        len: u64,
    },
}

impl SliceSpec {
    /// Parses `text` for an array of `shape` as NumPy reads an index:
    /// comma-separated parts, each an integer (negative counts from the
    /// end; the axis is dropped) or `start:stop` with either omitted and
    /// an optional step of 1 (bounds are clipped to the axis, as NumPy
    /// does); axes without a part are whole. Empty text is the whole array.
    ///
    /// ```
    /// use sandpress_core::ndarray::SliceSpec;
    /// let s = SliceSpec::parse("10:20,:,-1", &[30, 40, 5]).unwrap();
    /// assert_eq!(s.ranges, [10..20, 0..40, 4..5]);
    /// assert_eq!(s.keep, [true, true, false]);
    /// assert_eq!(s.shape(), [10, 40]);
    /// ```
    pub fn parse(text: &str, shape: &[u64]) -> Result<Self, SliceSpecError> {
        let text = text.trim();
        let parts: Vec<&str> = if text.is_empty() {
            Vec::new()
        } else {
            text.split(',').collect()
        };
        if parts.len() > shape.len() {
            return Err(SliceSpecError::Axes {
                ndim: shape.len(),
                found: parts.len(),
            });
        }
        let mut spec = SliceSpec {
            ranges: Vec::new(),
            keep: Vec::new(),
        };
        for (axis, &len) in shape.iter().enumerate() {
            let (range, keep) = match parts.get(axis) {
                None => (0..len, true),
                Some(p) => part(axis, p.trim(), len)?,
            };
            spec.ranges.push(range);
            spec.keep.push(keep);
        }
        Ok(spec)
    }

    /// The result's shape: the extent of each kept axis.
    pub fn shape(&self) -> Vec<u64> {
        self.ranges
            .iter()
            .zip(&self.keep)
            .filter(|(_, k)| **k)
            .map(|(r, _)| r.end - r.start)
            .collect()
    }
}

/// One part: an index or a slice of an axis of `len` items.
fn part(axis: usize, p: &str, len: u64) -> Result<(Range<u64>, bool), SliceSpecError> {
    let syntax = || SliceSpecError::Syntax {
        axis,
        text: p.to_owned(),
    };
    let int = |s: &str| -> Result<Option<i64>, SliceSpecError> {
        let s = s.trim();
        if s.is_empty() {
            Ok(None)
        } else {
            s.parse().map(Some).map_err(|_| syntax())
        }
    };
    let pieces: Vec<&str> = p.split(':').collect();
    match pieces.as_slice() {
        [one] => {
            let index = int(one)?.ok_or_else(syntax)?;
            let at = if index < 0 {
                i128::from(len) + i128::from(index)
            } else {
                i128::from(index)
            };
            if !(0..i128::from(len)).contains(&at) {
                return Err(SliceSpecError::Index { axis, index, len });
            }
            Ok((at as u64..at as u64 + 1, false))
        }
        [start, stop, rest @ ..] if rest.len() <= 1 => {
            if let [step] = rest
                && int(step)?.is_some_and(|s| s != 1)
            {
                return Err(SliceSpecError::Step {
                    axis,
                    text: step.trim().to_owned(),
                });
            }
            let clip = |v: Option<i64>, default: u64| match v {
                None => default,
                Some(i) if i < 0 => (i128::from(len) + i128::from(i)).max(0) as u64,
                Some(i) => (i as u64).min(len),
            };
            let lo = clip(int(start)?, 0);
            let hi = clip(int(stop)?, len).max(lo);
            Ok((lo..hi, true))
        }
        _ => Err(syntax()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_indices() {
        let shape = [30, 40, 5];
        let p = |t: &str| SliceSpec::parse(t, &shape);
        assert_eq!(p("").unwrap().ranges, [0..30, 0..40, 0..5]);
        assert_eq!(p("3").unwrap().shape(), [40, 5]);
        assert_eq!(p(" 2:4 , 35: ").unwrap().ranges, [2..4, 35..40, 0..5]);
        assert_eq!(p(":-28,::1,-2:").unwrap().ranges, [0..2, 0..40, 3..5]);
        // Clipped as NumPy clips, and empty when reversed.
        assert_eq!(p("20:99,-100:3").unwrap().ranges, [20..30, 0..3, 0..5]);
        assert_eq!(p("9:2").unwrap().ranges[0], 9..9);
        assert_eq!(
            p("1,2,3,4"),
            Err(SliceSpecError::Axes { ndim: 3, found: 4 })
        );
        assert_eq!(
            p("30"),
            Err(SliceSpecError::Index {
                axis: 0,
                index: 30,
                len: 30
            })
        );
        assert_eq!(
            p(":,-41"),
            Err(SliceSpecError::Index {
                axis: 1,
                index: -41,
                len: 40
            })
        );
        assert!(matches!(
            p("::2"),
            Err(SliceSpecError::Step { axis: 0, .. })
        ));
        assert!(matches!(
            p("a"),
            Err(SliceSpecError::Syntax { axis: 0, .. })
        ));
        assert!(matches!(p("1:2:1:4"), Err(SliceSpecError::Syntax { .. })));
        assert!(matches!(
            p(","),
            Err(SliceSpecError::Syntax { axis: 0, .. })
        ));
        assert_eq!(
            SliceSpec::parse("", &[]).unwrap().shape(),
            Vec::<u64>::new()
        );
    }
}

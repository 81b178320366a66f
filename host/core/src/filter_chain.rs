//! The filters of a pipeline: up to [`MAX_FILTERS`] ids, each with its meta
//! byte, in the slots of the chunk header.

use std::fmt;

use sandpress_format::{ChunkHeader, MAX_FILTERS, ids};

use crate::{Error, Result};

/// The filters of a pipeline, applied in slot order on compression (and in
/// reverse on decompression), each with its meta byte.
///
/// It holds the [`MAX_FILTERS`] slots of a chunk header as they are
/// stored: [`NOFILTER`](ids::NOFILTER) (0) marks an empty slot, which the
/// pipeline skips. [`push`](FilterChain::push) keeps the filters in the
/// last slots, as C-Blosc2 and python-blosc2 place them (the default
/// chain is `[0, 0, 0, 0, 0, SHUFFLE]`); [`from_slots`](FilterChain::from_slots)
/// keeps any layout a header has, so that a chain read from a chunk or a
/// frame is written back byte for byte.
///
/// ```
/// use sandpress_core::FilterChain;
/// use sandpress_core::format::ids;
///
/// let mut chain = FilterChain::new();
/// chain.push(ids::TRUNC_PREC, 10)?.push(ids::SHUFFLE, 0)?;
/// assert_eq!(chain.ids(), [0, 0, 0, 0, ids::TRUNC_PREC, ids::SHUFFLE]);
/// assert_eq!(chain.metas(), [0, 0, 0, 0, 10, 0]);
/// assert!(chain.contains(ids::SHUFFLE));
/// assert_eq!(chain.to_string(), "trunc_prec:10 + shuffle");
/// # Ok::<(), sandpress_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FilterChain {
    ids: [u8; MAX_FILTERS],
    metas: [u8; MAX_FILTERS],
}

impl FilterChain {
    /// No filters.
    pub const fn new() -> Self {
        FilterChain {
            ids: [ids::NOFILTER; MAX_FILTERS],
            metas: [0; MAX_FILTERS],
        }
    }

    /// A byte shuffle in the last slot: C-Blosc2's and python-blosc2's default.
    pub const fn shuffle() -> Self {
        let mut chain = FilterChain::new();
        chain.ids[MAX_FILTERS - 1] = ids::SHUFFLE;
        chain
    }

    /// The chain a header's slots hold, empty slots and all.
    pub const fn from_slots(ids: [u8; MAX_FILTERS], metas: [u8; MAX_FILTERS]) -> Self {
        FilterChain { ids, metas }
    }

    /// The chain a chunk header records.
    pub fn of_header(header: &ChunkHeader) -> Self {
        FilterChain::from_slots(header.filters, header.filters_meta)
    }

    /// Records the chain in `header`, slot for slot, with the legacy flag
    /// bits C-Blosc2 derives from it.
    pub fn write_to(&self, header: &mut ChunkHeader) {
        header.set_filters(self.ids, self.metas);
    }

    /// The chain of `filters`, `(id, meta)` in the order they apply, in
    /// the last slots.
    pub fn of(filters: &[(u8, u8)]) -> Result<Self> {
        if filters.len() > MAX_FILTERS {
            return Err(Error::TooManyFilters {
                max: MAX_FILTERS,
                found: filters.len(),
            });
        }
        let mut chain = FilterChain::new();
        for &(id, meta) in filters {
            chain.push(id, meta)?;
        }
        Ok(chain)
    }

    /// Appends filter `id` with `meta`, to apply after the filters already
    /// there. The filters then fill the last slots, in order (empty slots
    /// between them are dropped).
    ///
    /// Fails with [`Error::TooManyFilters`] when the chain holds
    /// [`MAX_FILTERS`] filters already, and with [`Error::InvalidParam`]
    /// for [`NOFILTER`](ids::NOFILTER), which is no filter.
    pub fn push(&mut self, id: u8, meta: u8) -> Result<&mut Self> {
        if id == ids::NOFILTER {
            return Err(Error::InvalidParam {
                name: "filters",
                reason: "0 (NOFILTER) marks an empty slot; it is not a filter to add".into(),
            });
        }
        let len = self.len();
        if len == MAX_FILTERS {
            return Err(Error::TooManyFilters {
                max: MAX_FILTERS,
                found: len + 1,
            });
        }
        *self = self.packed();
        self.ids.rotate_left(1);
        self.metas.rotate_left(1);
        self.ids[MAX_FILTERS - 1] = id;
        self.metas[MAX_FILTERS - 1] = meta;
        Ok(self)
    }

    /// The same filters in the same order, in the last slots (as
    /// [`push`](FilterChain::push) places them): chains that apply the
    /// same filters compare equal once packed.
    pub fn packed(&self) -> FilterChain {
        let mut packed = FilterChain::new();
        let first = MAX_FILTERS - self.len();
        for (slot, (id, meta)) in self.iter().enumerate() {
            packed.ids[first + slot] = id;
            packed.metas[first + slot] = meta;
        }
        packed
    }

    /// The filters, `(id, meta)` in the order they apply on compression
    /// (empty slots skipped).
    pub fn iter(&self) -> impl Iterator<Item = (u8, u8)> + '_ {
        self.ids
            .iter()
            .zip(&self.metas)
            .filter(|(id, _)| **id != ids::NOFILTER)
            .map(|(&id, &meta)| (id, meta))
    }

    /// Whether filter `id` is in the chain.
    pub fn contains(&self, id: u8) -> bool {
        id != ids::NOFILTER && self.ids.contains(&id)
    }

    /// How many filters there are (empty slots not counted).
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are no filters.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id slots, as a chunk header stores them.
    pub const fn ids(&self) -> [u8; MAX_FILTERS] {
        self.ids
    }

    /// The meta slots, as a chunk header stores them.
    pub const fn metas(&self) -> [u8; MAX_FILTERS] {
        self.metas
    }
}

impl fmt::Display for FilterChain {
    /// `shuffle + trunc_prec:10`, or `none`; user filters show their id
    /// ([`crate::spec`] parses it back).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (k, (id, meta)) in self.iter().enumerate() {
            if k > 0 {
                f.write_str(" + ")?;
            }
            write!(f, "{}", crate::spec::Filter { id, meta })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_fills_the_last_slots_in_order() {
        let mut chain = FilterChain::new();
        chain.push(ids::DELTA, 0).unwrap();
        assert_eq!(chain.ids(), [0, 0, 0, 0, 0, ids::DELTA]);
        chain.push(ids::SHUFFLE, 3).unwrap();
        assert_eq!(chain.ids(), [0, 0, 0, 0, ids::DELTA, ids::SHUFFLE]);
        assert_eq!(chain.metas(), [0, 0, 0, 0, 0, 3]);
        assert_eq!(
            chain.iter().collect::<Vec<_>>(),
            [(ids::DELTA, 0), (ids::SHUFFLE, 3)]
        );
        assert_eq!(
            FilterChain::of(&[(ids::SHUFFLE, 0)]).unwrap(),
            FilterChain::shuffle()
        );
    }

    #[test]
    fn push_past_the_slots_is_refused() {
        let mut chain = FilterChain::of(&[(160, 0); MAX_FILTERS]).unwrap();
        assert_eq!(chain.len(), MAX_FILTERS);
        let err = chain.push(161, 0).unwrap_err();
        assert!(
            matches!(err, Error::TooManyFilters { max: MAX_FILTERS, found } if found == MAX_FILTERS + 1),
            "{err}"
        );
        assert!(chain.push(ids::NOFILTER, 0).is_err());
        assert!(!chain.contains(161));
    }

    #[test]
    fn slots_read_from_a_header_are_kept_as_they_are() {
        let chain = FilterChain::from_slots([160, 0, 0, 0, 0, 0], [7, 0, 0, 0, 0, 0]);
        assert_eq!(chain.ids(), [160, 0, 0, 0, 0, 0]);
        assert_eq!(chain.metas(), [7, 0, 0, 0, 0, 0]);
        assert_eq!(chain.iter().collect::<Vec<_>>(), [(160, 7)]);
        assert!(!chain.contains(ids::NOFILTER));
        assert_eq!(chain.packed().ids(), [0, 0, 0, 0, 0, 160]);
        assert_eq!(chain.packed().metas(), [0, 0, 0, 0, 0, 7]);
        assert_eq!(FilterChain::new().to_string(), "none");
    }
}

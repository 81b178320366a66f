//! sandpress kernels: Blosc2's built-in codecs and filters as pure
//! transforms on byte slices, byte-exact with C-Blosc2.
//!
//! Nothing here knows about chunks, pipelines or plugins: a codec turns one
//! stream into fewer bytes and back, a filter rearranges one block. The
//! pipeline (`sandpress-core`) decides which to call on what.
//!
//! ```
//! use sandpress_kernels::filters::{shuffle, unshuffle};
//!
//! let items = [1u8, 2, 3, 4, 5, 6, 7, 8];
//! let mut shuffled = [0u8; 8];
//! shuffle(4, &items, &mut shuffled);
//! assert_eq!(shuffled, [1, 5, 2, 6, 3, 7, 4, 8]);
//! let mut back = [0u8; 8];
//! unshuffle(4, &shuffled, &mut back);
//! assert_eq!(back, items);
//! ```

pub mod codecs;
pub mod copy;
pub mod filters;
pub mod stream;

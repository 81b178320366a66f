//! Blosc2 chunk bytes: the 32-byte header, block starts and streams, parsed
//! with every length checked and written back byte for byte.

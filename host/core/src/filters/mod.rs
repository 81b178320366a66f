//! Blosc2's built-in filters, byte-exact with C-Blosc2.

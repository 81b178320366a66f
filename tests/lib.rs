//! Integration tests of sandpress live in `all/`; this library is empty.

//! Tests of the sandbox against the WAT guests in `tests/guests/` (one test
//! binary, modules by area).

mod answers;
mod bomb;
mod cache;
mod calls;
mod common;
mod embedded;
mod hostile;
mod limits;
mod long_call;
mod refusals;
mod reuse;
mod threads;
mod wasi;

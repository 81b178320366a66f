//! Tests of the sandbox against the WAT guests in `tests/guests/` (one test
//! binary, modules by area).

mod cache;
mod calls;
mod common;
mod hostile;
mod refusals;
mod threads;

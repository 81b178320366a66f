//! Malformed frames: the regression corpus `tests/corpus/frames/` (each file
//! named for what is wrong with it, each failing with one specific typed
//! error), and random damage to valid frames and chunks (proptest), all run
//! through the fuzz bodies of `sandpress_frame::fuzzing`.
//!
//! The files are made by `corpus/make.rs` from valid frames; a file the
//! fuzzer found is kept as found, named `fuzz-*`.

/// A [`Check`] that an error matches the pattern `$p`, named by it.
macro_rules! error_matches {
    ($p:pat) => {
        (stringify!($p), |e: &Error| matches!(e, $p))
    };
}

mod bodies;
mod contents;
mod damage;
mod layout;
mod make;

use std::path::PathBuf;

use sandpress_core::Error;
use sandpress_core::format::Special;
use sandpress_core::pipeline::special_chunk;
use sandpress_frame::Frame;
use sandpress_frame::fuzzing;

/// What a corpus file does when read.
#[derive(Clone, Copy)]
enum Expect {
    /// `Frame::from_bytes` fails with this error.
    Open(Check),
    /// The frame opens; decompressing chunk `.0` fails with this error.
    Chunk(usize, Check),
    /// The frame opens; reading vlmeta `.0` fails with this error.
    Vlmeta(&'static str, Check),
    /// The frame opens (the file documents a case that is not an error).
    Opens,
}

/// An error pattern, as text and as a test.
type Check = (&'static str, fn(&Error) -> bool);

/// One corpus file: its name, how it is made (`None`: found by the
/// fuzzer, kept as found) and what reading it does.
struct Case {
    file: &'static str,
    make: Option<fn() -> Vec<u8>>,
    expect: Expect,
}

const fn case(file: &'static str, make: fn() -> Vec<u8>, expect: Expect) -> Case {
    Case {
        file,
        make: Some(make),
        expect,
    }
}

use Expect::{Chunk, Open, Opens, Vlmeta};

/// Every corpus file and what reading it does.
fn cases() -> Vec<Case> {
    let mut cases = layout::cases();
    cases.extend(contents::cases());
    cases
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/frames")
}

/// Runs the fuzz body on `bytes` and checks `expect`; the failure, if any.
fn check(bytes: &[u8], expect: Expect) -> Result<(), String> {
    fuzzing::frame(bytes);
    let opened = Frame::from_bytes(bytes.to_vec());
    let (what, result) = match (expect, opened) {
        (Opens, Ok(_)) => return Ok(()),
        (Opens, Err(e)) => return Err(format!("expected to open, got {e:?}")),
        (Open(c), Ok(_)) => return Err(format!("opened, expected {}", c.0)),
        (Open(c), Err(e)) => (c, Err(e)),
        (_, Err(e)) => return Err(format!("expected to open, got {e:?}")),
        (Chunk(i, c), Ok(f)) => (c, f.decompress_chunk_vec(i).map(drop)),
        (Vlmeta(name, c), Ok(f)) => (c, f.vlmeta(name).map(drop)),
    };
    match result {
        Ok(()) => Err(format!("succeeded, expected {}", what.0)),
        Err(e) if (what.1)(&e) => Ok(()),
        Err(e) => Err(format!("expected {}, got {e:?}", what.0)),
    }
}

#[test]
fn corpus_files_fail_with_their_errors() {
    let dir = corpus_dir();
    let mut failures = Vec::new();
    for c in cases() {
        let path = dir.join(c.file);
        match std::fs::read(&path) {
            Ok(bytes) => {
                if let Err(e) = check(&bytes, c.expect) {
                    failures.push(format!("{}: {e}", c.file));
                }
            }
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_corpus_file_has_an_expectation() {
    let names: Vec<&str> = cases().iter().map(|c| c.file).collect();
    let mut unknown = Vec::new();
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !names.contains(&name.as_str()) {
            unknown.push(name);
        }
    }
    assert!(unknown.is_empty(), "not in the table: {unknown:?}");
    let mut seen = std::collections::HashSet::new();
    assert!(names.iter().all(|n| seen.insert(n)), "a name twice");
}

/// The makers still make files that fail as the table says (the committed
/// bytes are not compared: a change of compressor may change them).
#[test]
fn corpus_makers_make_their_errors() {
    let mut failures = Vec::new();
    for c in cases() {
        if let Some(make) = c.make
            && let Err(e) = check(&make(), c.expect)
        {
            failures.push(format!("{}: {e}", c.file));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Rewrites `tests/corpus/frames/` from the makers (fuzzer finds are kept).
#[test]
#[ignore = "writes the corpus files; run by hand after changing a maker"]
fn write_corpus() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for c in cases() {
        if let Some(make) = c.make {
            std::fs::write(dir.join(c.file), make()).unwrap();
        }
    }
}

/// Special chunks are filled at once (the fix for the fuzzer's slow unit):
/// the result must be what filling each block on its own gives, for block
/// sizes that are not a multiple of the item size too.
#[test]
fn special_chunks_decode_as_block_by_block() {
    use sandpress_core::pipeline::decompress_chunk;
    let value = [1u8, 2, 3, 4, 5, 6, 7, 8];
    for (special, ts) in [(Special::Value, 3), (Special::Value, 8), (Special::Nans, 4)] {
        for nbytes in [ts, 8 * ts, 100 * ts] {
            for bs in [1, 2, 5, 7, ts, 3 * ts, nbytes] {
                let v = &value[..ts];
                let mut chunk = special_chunk(special, ts as u8, nbytes, v).unwrap();
                chunk[8..12].copy_from_slice(&(bs.min(nbytes) as u32).to_le_bytes());
                let item: &[u8] = match special {
                    Special::Nans => &[0x00, 0x00, 0xc0, 0x7f],
                    _ => v,
                };
                let expected: Vec<u8> = (0..nbytes)
                    .map(|i| item[(i % bs.min(nbytes)) % ts])
                    .collect();
                let mut out = vec![0xee; nbytes];
                let (dp, reg) = (Default::default(), Default::default());
                decompress_chunk(&chunk, &dp, &reg, 0, &mut out).unwrap();
                assert_eq!(out, expected, "{special:?} ts {ts} nbytes {nbytes} bs {bs}");
            }
        }
    }
}

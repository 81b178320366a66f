//! sandpress components inside python-blosc2 itself: the C-Blosc2 dynamic
//! plugin (`host/blosc2-plugin`, its filter entry in
//! `host/blosc2-filter-shim`) and its Python package, used by python-blosc2
//! 4.14.1 on two threads (`tests/interop/blosc2_plugin.py`). Frames go
//! both ways; a trapping and a looping component raise in Python.

use std::path::{Path, PathBuf};

use sandpress_core::{CParams, FilterChain, Registry};
use sandpress_frame::{Frame, FrameWriter};

use super::{require_python_blosc2, root, run_script, workdir};
use crate::common::{guest, sandbox};

/// The plugin's libraries, built beside this test binary (the tests
/// depend on their crates).
fn library(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    [deps, deps.parent().unwrap()]
        .iter()
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} is not built beside {}", exe.display()))
}

/// The package as the wheel lays it out (`tests/interop/build-wheel.sh`
/// builds the wheel itself with maturin): `blosc2_sandpress/` with the
/// codec library as `_native/lib_native.so` and the filter library beside
/// `__init__.py`.
fn package(dir: &Path) {
    let pkg = dir.join("blosc2_sandpress");
    std::fs::create_dir_all(pkg.join("_native")).unwrap();
    std::fs::copy(
        root().join("host/blosc2-plugin/python/blosc2_sandpress/__init__.py"),
        pkg.join("__init__.py"),
    )
    .unwrap();
    std::fs::copy(
        library("libblosc2_sandpress.so"),
        pkg.join("_native/lib_native.so"),
    )
    .unwrap();
    std::fs::copy(
        library("libblosc2_sandpress_filter.so"),
        pkg.join("libblosc2_sandpress_filter.so"),
    )
    .unwrap();
}

fn registry() -> Registry {
    let mut r = Registry::new();
    let s = sandbox();
    r.register_filter(
        s.load_filter(160, sandpress_example_plugins::DELTA_FILTER)
            .unwrap(),
    )
    .unwrap();
    r.register_codec(
        s.load_codec("step", 184, sandpress_example_plugins::STEP_CODEC)
            .unwrap(),
    )
    .unwrap();
    r
}

#[test]
fn python_blosc2_runs_sandpress_components_on_two_threads_and_frames_go_both_ways() {
    require_python_blosc2!();
    let dir = workdir("blosc2_plugin");
    let d = dir.path();
    package(d);
    for (name, bytes) in [
        (
            "delta-filter.wasm",
            sandpress_example_plugins::DELTA_FILTER.to_vec(),
        ),
        (
            "step-codec.wasm",
            sandpress_example_plugins::STEP_CODEC.to_vec(),
        ),
        (
            "repeat-codec.wasm",
            sandpress_example_plugins::REPEAT_CODEC.to_vec(),
        ),
        ("trap-codec.wasm", guest("trap_codec.wat")),
        ("loop-codec.wasm", guest("loop_codec.wat")),
    ] {
        std::fs::write(d.join(name), bytes).unwrap();
    }

    // sandpress writes a frame with the same components for python-blosc2.
    let raw: Vec<u8> = (0..300_000i32)
        .flat_map(|i| (i / 5).to_le_bytes())
        .collect();
    let cparams = CParams {
        codec: 184,
        typesize: 4,
        filters: FilterChain::of(&[(160, 0)]).unwrap(),
        ..CParams::default()
    };
    let mut w = FrameWriter::create(
        d.join("from_sandpress.b2frame"),
        cparams,
        256 << 10,
        Vec::new(),
        registry(),
    )
    .unwrap();
    w.append(&raw).unwrap();
    w.finish().unwrap();
    std::fs::write(d.join("from_sandpress.raw"), &raw).unwrap();

    let out = run_script("blosc2_plugin.py", d);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim_end().ends_with("ok"),
        "{}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{stdout}");

    // python-blosc2's frame, read by sandpress.
    let mut frame = Frame::open(d.join("from_python.b2frame")).unwrap();
    frame.set_registry(registry()).unwrap();
    let expected = std::fs::read(d.join("from_python.raw")).unwrap();
    let mut got = Vec::new();
    for i in 0..frame.nchunks() {
        got.extend(frame.decompress_chunk_vec(i).unwrap());
    }
    assert!(
        got == expected,
        "python-blosc2's frame decodes in sandpress"
    );
    assert_eq!(frame.header().codec, 184);
}

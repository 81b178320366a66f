//! Hostile plugins as a user of the CLI meets them: one line
//! that says each cause once, escaped guest text, no backtrace, and
//! `plugin check` stopping at the first deadline. The plugins' sandbox is
//! set from the command line (`--max-cpu-ms`, `--max-memory`).

use std::path::Path;

use sandpress_core::plugin::{PluginError, Stopped};
use sandpress_tooling::check;

use crate::common::{guest, path_arg, run_cli as run, sandbox};

/// Compresses 4 KiB of varied bytes starting with `first` with the guest codec `wat` under
/// id 170, one thread, no filter; returns the error line.
fn compress_fails(dir: &Path, wat: &str, first: u8) -> String {
    let plugin = dir.join(wat.replace(".wat", ".wasm"));
    std::fs::write(&plugin, guest(wat)).unwrap();
    let input = dir.join("in.raw");
    // Bytes that vary: a chunk of one repeated byte is stored as a special
    // chunk without calling the codec at all.
    let mut data: Vec<u8> = (0..4096u32).map(|i| (i % 251) as u8).collect();
    data[0] = first;
    std::fs::write(&input, data).unwrap();
    let codec = format!("170={}", path_arg(&plugin));
    let out = dir.join("out.b2frame");
    let (code, _, err) = run(&[
        "compress",
        path_arg(&input),
        "-o",
        path_arg(&out),
        "-f",
        "--codec",
        &codec,
        "--filter",
        "none",
        "--typesize",
        "4",
        "--splitmode",
        "never",
        "--blocksize",
        "4K",
        "-T",
        "1",
        "--max-cpu-ms",
        "50",
    ]);
    assert_eq!(code, 1, "{wat} should fail, said {err}");
    assert_eq!(err.matches('\n').count(), 1, "one line: {err:?}");
    assert!(err.starts_with("sandpress: "), "{err}");
    assert!(err.contains("codec plugin 170"), "names the plugin: {err}");
    err
}

#[test]
fn a_plugin_error_line_says_each_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let err = compress_fails(dir.path(), "loop_codec.wat", 0xFF);
    assert_eq!(err.matches("deadline").count(), 1, "{err}");
    assert_eq!(err.matches("stopped by the sandbox").count(), 1, "{err}");
    assert!(err.contains("ran past its deadline of 50ms"), "{err}");
}

#[test]
fn a_guest_message_with_newlines_and_colours_is_one_escaped_line() {
    let dir = tempfile::tempdir().unwrap();
    let err = compress_fails(dir.path(), "err_codec.wat", 0xFC);
    assert!(!err.contains('\x1b'), "{err:?}");
    assert!(err.contains(r"bad\n\u{1b}[31mred"), "{err}");
    assert_eq!(err.matches("answered an error").count(), 1, "{err}");
}

#[test]
fn a_trap_in_the_start_function_is_one_line_without_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    let err = compress_fails(dir.path(), "start_trap_codec.wat", 1);
    assert!(err.contains("could not be instantiated"), "{err}");
    assert!(err.contains("unreachable"), "{err}");
    assert!(!err.contains("backtrace"), "{err}");
}

#[test]
fn plugin_check_stops_at_the_first_deadline() {
    let plugin = check::load(sandbox(), "spin", 170, &guest("spin_codec.wat")).expect("loads");
    let report = check::check(&plugin, 0, std::time::Duration::from_millis(1));
    assert_eq!(report.cases.len(), 1, "{:?}", report.cases);
    let verdict = report.halted.as_deref().expect("halted");
    assert_eq!(
        verdict,
        PluginError::Stopped(Stopped::Deadline {
            limit: sandbox().limits().get_deadline()
        })
        .to_string()
    );
    assert!(!report.passed());
}

#[test]
fn plugin_check_on_the_command_line_says_why_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("spin.wasm");
    std::fs::write(&plugin, guest("spin_codec.wat")).unwrap();
    let (code, out, err) = run(&["plugin", "check", path_arg(&plugin), "--max-cpu-ms", "50"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.matches("FAIL").count(), 1, "{out}");
    assert_eq!(
        err,
        "sandpress: stopped after 1 of 20 cases: stopped by the sandbox: \
         ran past its deadline of 50ms\n"
    );
}

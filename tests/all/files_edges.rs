//! The file commands under a newcomer's hands (issue 25): what is refused
//! and how it is said, the exit codes, `plugin check` exercising decode,
//! and the README's `info` sample against the real output.

use std::path::Path;

use crate::common::{path_arg, run_cli as run};
use crate::files::{fails, ok};

/// A `.npy` file (format 1.0) with header dict `dict` and `data`.
fn npy(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut header = dict.to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

#[test]
fn chunksize_0_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("a.raw");
    std::fs::write(&raw, [1u8; 4000]).unwrap();
    let err = fails(&["compress", path_arg(&raw), "--chunksize", "0"]);
    assert!(
        err.contains("--chunksize 0: a chunk holds at least one item"),
        "{err}"
    );
    assert!(!dir.path().join("a.raw.b2frame").exists());
}

#[test]
fn object_arrays_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "obj.npy",
            "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
        ),
        (
            "fields.npy",
            "{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (2,), }",
        ),
    ];
    for (name, dict) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, npy(dict, &[0u8; 24])).unwrap();
        let err = fails(&["compress", path_arg(&path)]);
        assert!(err.contains(&format!("{name}: dtype")), "{err}");
        assert!(
            err.ends_with("object arrays hold pointers, not data\n"),
            "{err}"
        );
    }
    // A field merely named O is data.
    let plain = dir.path().join("plain.npy");
    let dict = "{'descr': [('O', '<i4')], 'fortran_order': False, 'shape': (2,), }";
    std::fs::write(&plain, npy(dict, &[0u8; 8])).unwrap();
    ok(&["compress", path_arg(&plain)]);
}

#[test]
fn errors_name_the_users_path() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("a.raw");
    std::fs::write(&raw, [1u8; 4000]).unwrap();
    let sub = dir.path().join("plugins");
    std::fs::create_dir(&sub).unwrap();
    let err = fails(&["compress", path_arg(&sub), "--typesize", "4"]);
    assert_eq!(
        err,
        format!("sandpress: {}: is a directory, not a file\n", sub.display())
    );
    let out = dir.path().join("nodir").join("x.b2frame");
    for cmd in ["compress", "decompress"] {
        let input = if cmd == "compress" {
            raw.clone()
        } else {
            ok(&["compress", path_arg(&raw), "-f"]);
            dir.path().join("a.raw.b2frame")
        };
        let err = fails(&[cmd, path_arg(&input), "-o", path_arg(&out)]);
        assert_eq!(
            err,
            format!("sandpress: {}: No such file or directory\n", out.display()),
            "{cmd}"
        );
    }
}

/// A directory the output cannot be created in is named by the output's
/// path, not by the temporary file's (`.sandpress-…tmp`).
#[cfg(unix)]
#[test]
fn an_unwritable_directory_names_the_output() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("a.raw");
    std::fs::write(&raw, [1u8; 4000]).unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if tempfile::tempfile_in(&ro).is_ok() {
        eprintln!("skipped: running as root, a 0o555 directory is writable");
        return;
    }
    let out = ro.join("x.b2frame");
    let err = fails(&["compress", path_arg(&raw), "-o", path_arg(&out)]);
    assert!(!err.contains(".sandpress-"), "{err}");
    assert!(
        err.starts_with(&format!("sandpress: {}: Permission denied", out.display())),
        "{err}"
    );
}

#[test]
fn plugin_ids_out_of_range_get_the_range_message() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("a.raw");
    std::fs::write(&raw, [1u8; 4000]).unwrap();
    ok(&["compress", path_arg(&raw)]);
    let frame = dir.path().join("a.raw.b2frame");
    let out = dir.path().join("out");
    for id in ["300", "100"] {
        let spec = format!("{id}=x.wasm");
        let runs: [Vec<&str>; 3] = [
            vec!["compress", path_arg(&raw), "-f", "--codec", &spec],
            vec!["compress", path_arg(&raw), "-f", "--filter", &spec],
            vec![
                "decompress",
                path_arg(&frame),
                "-o",
                path_arg(&out),
                "--plugin",
                &spec,
            ],
        ];
        for args in runs {
            let err = fails(&args);
            assert_eq!(
                err,
                format!("sandpress: plugin id \"{id}\" is outside the user range 160..=255\n"),
                "{args:?}"
            );
        }
    }
}

#[test]
fn a_truncated_frame_is_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("a.raw");
    std::fs::write(&raw, crate::files::walk(50_000)).unwrap();
    ok(&["compress", path_arg(&raw), "--typesize", "4"]);
    let frame = dir.path().join("a.raw.b2frame");
    let bytes = std::fs::read(&frame).unwrap();
    let cut = dir.path().join("cut.b2frame");
    std::fs::write(&cut, &bytes[..5000]).unwrap();
    for cmd in ["info", "decompress"] {
        let mut args = vec![cmd, path_arg(&cut)];
        if cmd == "decompress" {
            args.extend(["-o", "-"]);
        }
        let (code, _, err) = run(&args);
        assert_eq!(code, 1, "{err}");
        assert_eq!(
            err,
            format!(
                "sandpress: {}: truncated: the header says {} bytes, the file has 5000\n",
                cut.display(),
                bytes.len()
            )
        );
    }
}

#[test]
fn usage_errors_exit_2_with_usage_and_others_1_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("a.raw");
    std::fs::write(&raw, [1u8; 4000]).unwrap();
    for args in [
        vec!["compress", path_arg(&raw), "--level", "5"],
        vec!["compress", path_arg(&raw), "-l", "12"],
        vec!["compress"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty());
        assert!(err.starts_with("error: "), "{err}");
        assert!(
            err.ends_with("For more information, try '--help'.\n"),
            "{err}"
        );
    }
    let missing = dir.path().join("missing.raw");
    let err = fails(&["compress", path_arg(&missing)]);
    assert!(err.contains(&missing.display().to_string()), "{err}");
    // And the README says so.
    let readme = readme();
    assert!(readme.contains("A usage error (an unknown option, a\nlevel out of range) exits 2"));
    assert!(readme.contains("any other error exits 1 with one line"));
}

/// `--sync` and `--rm` round trip (they sync the output; the rest of the
/// time nothing is synced, which no test can see).
#[test]
fn sync_and_rm_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("a.raw");
    let data = crate::files::walk(100_000);
    std::fs::write(&raw, &data).unwrap();
    ok(&[
        "compress",
        path_arg(&raw),
        "--typesize",
        "4",
        "--sync",
        "--rm",
    ]);
    assert!(!raw.exists());
    let frame = dir.path().join("a.raw.b2frame");
    ok(&["decompress", path_arg(&frame), "--sync"]);
    assert_eq!(std::fs::read(&raw).unwrap(), data);
    ok(&["decompress", path_arg(&frame), "-f", "--rm"]);
    assert!(!frame.exists());
    assert_eq!(std::fs::read(&raw).unwrap(), data);
}

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    std::fs::read_to_string(path).unwrap()
}

/// The README's `info` sample is what `info` prints for the README's
/// commands: the input made as its python line makes it, compressed with
/// its `compress` line, and the ```text block after "`info` prints".
#[test]
fn the_readmes_info_sample_is_the_real_output() {
    let readme = readme();
    let compress = readme
        .lines()
        .find(|l| l.starts_with("$S compress ints.raw "))
        .expect("the README's compress line");
    let args: Vec<&str> = compress
        .split('#')
        .next()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .collect();
    assert!(
        readme.contains("array.array('i', range(1_000_000)).tofile(open('ints.raw', 'wb'))"),
        "the README makes ints.raw differently now: change this test with it"
    );
    let after = &readme[readme.find("`info` prints").expect("`info` prints")..];
    let start = after.find("```text\n").expect("a text block") + "```text\n".len();
    let sample = &after[start..start + after[start..].find("```").unwrap()];

    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("ints.raw");
    let ints: Vec<u8> = (0..1_000_000i32).flat_map(i32::to_le_bytes).collect();
    std::fs::write(&raw, ints).unwrap();
    let args: Vec<&str> = args
        .iter()
        .map(|&a| if a == "ints.raw" { path_arg(&raw) } else { a })
        .collect();
    ok(&args);
    let frame = dir.path().join("ints.raw.b2frame");
    let out = ok(&["info", path_arg(&frame)]);
    let out = out.replace(&frame.display().to_string(), "ints.raw.b2frame");
    assert_eq!(out, sample);
}

/// `plugin check` exercises decode on the example codecs (the repeat codec
/// takes only a block of one repeated value, the step codec only
/// `start, step, step, …`), and checks each under its own id.
#[test]
fn plugin_check_decodes_the_example_codecs_under_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let repeat = write("repeat.wasm", sandpress_example_plugins::REPEAT_CODEC);
    let step = write("step.wasm", sandpress_example_plugins::STEP_CODEC);
    for (path, id) in [(&repeat, 160), (&step, 184)] {
        let out = ok(&["plugin", "check", path_arg(path), "--time-ms", "1"]);
        let first = out.lines().next().unwrap();
        assert!(
            first.contains(&format!(": codec {id} (the example's id)")),
            "{first}"
        );
        assert!(
            out.contains(
                "65536 bytes, typesize 4, repeated value: round trip (stored raw first: walk)"
            ),
            "{out}"
        );
        let last = out.lines().last().unwrap();
        assert!(last.starts_with("all 20 cases passed, "), "{last}");
        let decoded: usize = last
            .trim_start_matches("all 20 cases passed, ")
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(decoded >= 8, "{last}");
    }
    // --id wins, then plugin.toml beside the component's build/ directory.
    let out = ok(&[
        "plugin",
        "check",
        path_arg(&step),
        "--id",
        "200",
        "--time-ms",
        "1",
    ]);
    assert!(
        out.lines().next().unwrap().contains(": codec 200 (--id)"),
        "{out}"
    );
    let project = dir.path().join("proj");
    std::fs::create_dir_all(project.join("build")).unwrap();
    std::fs::write(
        project.join("plugin.toml"),
        "name = \"steps\"\nkind = \"codec\"\nlang = \"rust\"\nid = 201\n",
    )
    .unwrap();
    let built = project.join("build").join("steps.wasm");
    std::fs::write(&built, sandpress_example_plugins::STEP_CODEC).unwrap();
    let out = ok(&["plugin", "check", path_arg(&built), "--time-ms", "1"]);
    assert!(
        out.lines()
            .next()
            .unwrap()
            .contains(": codec 201 (from plugin.toml)"),
        "{out}"
    );
}

/// `-f` replaces an output by removing it just before the rename (not by
/// writing into it): another link to the old file keeps the old bytes,
/// and the new output is whole.
#[cfg(unix)]
#[test]
fn a_replaced_output_is_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("a.raw");
    let data = crate::files::walk(100_000);
    std::fs::write(&raw, &data).unwrap();
    let frame = dir.path().join("a.raw.b2frame");
    let back = dir.path().join("back.raw");
    let link = dir.path().join("old.raw");
    for (cmd, input, output) in [("compress", &raw, &frame), ("decompress", &frame, &back)] {
        std::fs::write(output, b"old").unwrap();
        std::fs::hard_link(output, &link).unwrap();
        ok(&[cmd, path_arg(input), "-o", path_arg(output), "-f"]);
        assert_eq!(std::fs::read(&link).unwrap(), b"old", "{cmd}");
        std::fs::remove_file(&link).unwrap();
    }
    assert_eq!(std::fs::read(&back).unwrap(), data);
}

/// A codec that stores every case raw (the identity codec never makes a
/// block smaller) fails `plugin check`: its decode was never exercised.
#[test]
fn plugin_check_fails_a_codec_whose_decode_never_ran() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("identity.wasm");
    std::fs::write(&plugin, crate::common::guest("identity_codec.wat")).unwrap();
    let (code, out, err) = run(&["plugin", "check", path_arg(&plugin), "--time-ms", "1"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("1048576 bytes, typesize 4, random: stored raw (no smaller), every pattern"),
        "{out}"
    );
    assert_eq!(
        err,
        "sandpress: the codec stored every case raw (patterns: walk, repeated value, \
         arithmetic run, start, step, step, random): its decode was never exercised\n"
    );
}

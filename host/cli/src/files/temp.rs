//! Temporary files never outlive the process: on SIGINT, SIGTERM or
//! SIGHUP the file commands remove the ones they made and exit as the
//! signal would have (128 + its number: 130, 143, 129).
//!
//! Every temporary file of a frame or an output is named
//! `.sandpress-PID-XXXXXX.tmp` (`sandpress_frame::temp_prefix`), in the
//! output's directory or the system's temporary directory. The handler
//! removes those of this process in the directories [`guard`] was given;
//! a process killed with `-9` cannot, so a later run removes those whose
//! process is gone ([`remove_stale`]).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use sandpress_frame::{TEMP_SUFFIX, temp_prefix};

/// Directories that may hold this process's temporary files.
static DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Watches `dirs` for this process's temporary files (removed on a
/// signal) and removes stale ones there; installs the signal handler once.
pub fn guard(dirs: &[PathBuf]) {
    for d in dirs {
        let d = if d.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            d.clone()
        };
        remove_stale(&d);
        let mut known = DIRS.lock().unwrap_or_else(|e| e.into_inner());
        if !known.contains(&d) {
            known.push(d);
        }
    }
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(install);
}

/// The directory a file at `path` is in (`.` for a bare name).
pub fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// On a terminating signal: remove this process's temporary files, then
/// exit with 128 + the signal's number. The work runs on a thread of its
/// own (signal-hook's iterator), not in the signal handler, so removing
/// files is allowed.
#[cfg(unix)]
fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("sandpress-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                remove_own();
                std::process::exit(128 + signal);
            }
        });
}

/// Elsewhere the default handling stays (the files are left).
#[cfg(not(unix))]
fn install() {}

/// Removes this process's temporary files in the watched directories.
pub fn remove_own() {
    let prefix = temp_prefix();
    let dirs = DIRS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for d in dirs {
        for (path, name) in temp_files(&d) {
            if name.starts_with(&prefix) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Removes the temporary files in `dir` of sandpress processes that are
/// gone (their pid, in the name, names no running process). Only where
/// that can be told (Linux, with /proc); a pid now reused by another
/// process keeps its files, which is the safe side.
pub fn remove_stale(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let own = std::process::id();
    for (path, name) in temp_files(dir) {
        let Some(pid) = pid_of(&name) else { continue };
        if pid != own && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The pid in a temporary file's name, `.sandpress-PID-XXXXXX.tmp`.
pub fn pid_of(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(".sandpress-")?;
    rest.strip_suffix(TEMP_SUFFIX)?;
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok()
}

/// The `.sandpress-*.tmp` files in `dir`, with their names.
fn temp_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            (name.starts_with(".sandpress-") && name.ends_with(TEMP_SUFFIX))
                .then(|| (e.path(), name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pid_is_read_from_the_name() {
        assert_eq!(pid_of(".sandpress-1234-AbC9xy.tmp"), Some(1234));
        assert_eq!(pid_of(".sandpress-AbC9xy.tmp"), None);
        assert_eq!(pid_of(".sandpress-1234-AbC9xy"), None);
        assert_eq!(pid_of("sandpress-1234-x.tmp"), None);
    }

    #[test]
    fn stale_files_of_dead_processes_go_and_live_ones_stay() {
        if !Path::new("/proc/self").exists() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        // Pids above the kernel's maximum (4194304) never run.
        let dead = dir.path().join(".sandpress-99999999-abcdef.tmp");
        let mine = dir
            .path()
            .join(format!(".sandpress-{}-abcdef.tmp", std::process::id()));
        let other = dir.path().join(".sandpress-abcdef.tmp");
        for p in [&dead, &mine, &other] {
            std::fs::write(p, b"x").unwrap();
        }
        remove_stale(dir.path());
        assert!(!dead.exists());
        assert!(mine.exists() && other.exists());
    }
}

//! python-blosc2 as a child process that measures on request, so that both
//! libraries are measured row by row in the same run (`blosc2_peer.py`).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// The script the child runs, kept next to this file.
const SCRIPT: &str = include_str!("blosc2_peer.py");

/// At most this many times `--repeat` rounds per row, however short.
pub(super) const MORE_ROUNDS: usize = 8;

/// What python-blosc2 measured for one row.
pub(super) struct PeerRow {
    pub(super) compress_s: f64,
    pub(super) decompress_s: f64,
    pub(super) cbytes: u64,
    pub(super) blocksize: u64,
}

/// A running python-blosc2 peer.
pub(super) struct Peer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    /// Starts `python` (which must import blosc2 and numpy) on the peer
    /// script, written into `dir`.
    pub(super) fn start(python: &Path, dir: &Path) -> Result<Peer> {
        let script = dir.join("blosc2_peer.py");
        std::fs::write(&script, SCRIPT).context("writing the python-blosc2 peer script")?;
        let mut child = Command::new(python)
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| {
                format!(
                    "starting {} (give a Python with blosc2 and numpy: --python, or \
                     scripts/bench-vs-blosc2, which makes one)",
                    python.display()
                )
            })?;
        let stdin = child.stdin.take().context("the peer's stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("the peer's stdout")?);
        Ok(Peer {
            child,
            stdin,
            stdout,
        })
    }

    /// Sends one request, returns its answer (an error if the peer failed).
    fn ask(&mut self, request: Value) -> Result<Value> {
        writeln!(self.stdin, "{request}").context("writing to the python-blosc2 peer")?;
        self.stdin.flush()?;
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            bail!("the python-blosc2 peer exited (is blosc2 installed in that Python?)");
        }
        let reply: Value = serde_json::from_str(&line)
            .with_context(|| format!("the python-blosc2 peer answered {line:?}"))?;
        if reply["ok"] != Value::Bool(true) {
            bail!(
                "python-blosc2: {}",
                reply["error"].as_str().unwrap_or("failed")
            );
        }
        Ok(reply)
    }

    /// The versions of python-blosc2 and of its C-Blosc2.
    pub(super) fn version(&mut self) -> Result<String> {
        let v = self.ask(json!({"op": "version"}))?;
        Ok(format!(
            "python-blosc2 {} (C-Blosc2 {})",
            v["blosc2"].as_str().unwrap_or("?"),
            v["c_blosc2"]
                .as_str()
                .unwrap_or("?")
                .split(' ')
                .next()
                .unwrap_or("?")
        ))
    }

    /// Has the peer read `path` as an array of `dtype` named `name`.
    pub(super) fn load(&mut self, name: &str, path: &Path, dtype: &str) -> Result<()> {
        self.ask(json!({"op": "load", "name": name, "path": path, "dtype": dtype}))?;
        Ok(())
    }

    /// Sets the row the next rounds measure: dataset `name` through
    /// `(codec, clevel, filter)`.
    pub(super) fn row(
        &mut self,
        name: &str,
        (codec, clevel, filter): (&str, u8, &str),
        threads: usize,
        chunksize: usize,
    ) -> Result<()> {
        self.ask(json!({
            "op": "row", "name": name, "codec": codec, "clevel": clevel,
            "filter": filter, "threads": threads, "chunksize": chunksize,
        }))?;
        Ok(())
    }

    /// Measures one round of the row: compress, then decompress.
    pub(super) fn round(&mut self) -> Result<PeerRow> {
        let r = self.ask(json!({"op": "round"}))?;
        let num = |k: &str| {
            r[k].as_f64()
                .with_context(|| format!("peer answer lacks {k}"))
        };
        Ok(PeerRow {
            compress_s: num("compress_s")?,
            decompress_s: num("decompress_s")?,
            cbytes: num("cbytes")? as u64,
            blocksize: num("blocksize")? as u64,
        })
    }

    /// The fastest of the rounds of the row on the peer, each followed by
    /// `between` (sandpress's round of the same row), so that the two sides
    /// take turns: `repeat` rounds, and more while both sides together have
    /// taken less than `least` (up to [`MORE_ROUNDS`] times `repeat`), so
    /// that a row of a few milliseconds per round is not decided by one
    /// slow spell of the machine.
    pub(super) fn rounds(
        &mut self,
        repeat: usize,
        least: Duration,
        mut between: impl FnMut() -> Result<()>,
    ) -> Result<PeerRow> {
        let mut best: Option<PeerRow> = None;
        let started = Instant::now();
        let repeat = repeat.max(1);
        for done in 0.. {
            if done >= repeat && (started.elapsed() >= least || done >= MORE_ROUNDS * repeat) {
                break;
            }
            let r = self.round()?;
            between()?;
            best = Some(match best {
                None => r,
                Some(b) => PeerRow {
                    compress_s: b.compress_s.min(r.compress_s),
                    decompress_s: b.decompress_s.min(r.decompress_s),
                    ..r
                },
            });
        }
        best.context("no round ran")
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // The peer only waits for requests: stop it, and reap it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

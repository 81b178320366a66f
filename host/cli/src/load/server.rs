//! `sandpress serve` as a child process on a loopback port.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};

/// A running server; killed when dropped.
pub struct Server {
    /// The process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Server {
    /// Starts `bin serve --listen 127.0.0.1:0 --data DATA` with `extra`
    /// arguments and waits until it listens.
    pub fn start(bin: &Path, data: &Path, extra: &[&str]) -> Result<Server> {
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {} serve", bin.display()))?;
        let stderr = child.stderr.take().context("the server's stderr")?;
        let mut reader = BufReader::new(stderr);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        // The rest of its stderr goes on to ours for as long as it runs (a
        // closed pipe would make its later messages fail).
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::stderr()));
        let Some(addr) = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|a| a.parse().ok())
        else {
            let _ = child.kill();
            bail!("the server did not start: {}", line.trim());
        };
        Ok(Server { child, addr })
    }

    /// Its resident memory in bytes (Linux), from /proc.
    pub fn rss(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kb * 1024)
    }

    /// Sends it SIGTERM (the `kill` command) and waits up to `within` for
    /// it to exit: its exit status, or `None` if it is still running.
    pub fn terminate(&mut self, within: std::time::Duration) -> Option<std::process::ExitStatus> {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        if !sent.is_ok_and(|s| s.success()) {
            return None;
        }
        let start = std::time::Instant::now();
        while start.elapsed() < within {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }

    /// Kills it with SIGKILL and waits.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

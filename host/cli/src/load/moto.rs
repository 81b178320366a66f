//! An S3-compatible store on loopback for the service's tests and load
//! runs: moto's server (`moto[server]` from PyPI, installed by
//! `tests/interop/setup-moto.sh`) as a child process, with one bucket,
//! reached through a small TCP relay that can be cut and restored, so
//! that the store can become unreachable and come back with its objects.

use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::client;

/// A running moto server with a bucket; stopped when dropped.
pub struct Moto {
    child: Child,
    relay: Relay,
    /// The bucket made at start.
    pub bucket: String,
}

impl Moto {
    /// Starts `moto_server` on a free loopback port, waits until it
    /// answers, and makes bucket `bucket`.
    pub fn start(moto_server: &Path, bucket: &str) -> Result<Moto> {
        let port = free_port()?;
        let child = Command::new(moto_server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", moto_server.display()))?;
        let target: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut moto = Moto {
            child,
            relay: Relay::start(target)?,
            bucket: bucket.to_owned(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = moto.child.try_wait()? {
                bail!("{} exited at start: {status}", moto_server.display());
            }
            match client::request(target, "GET", "/", "", &[], b"") {
                Ok(a) if a.status == 200 => break,
                _ if Instant::now() > deadline => bail!("moto did not answer within 30 s"),
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
        let made = client::request(target, "PUT", &format!("/{bucket}"), "", &[], b"")?;
        if made.status != 200 {
            bail!(
                "making bucket {bucket}: {} {}",
                made.status,
                String::from_utf8_lossy(&made.body)
            );
        }
        Ok(moto)
    }

    /// The endpoint to give the service (through the relay).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.relay.addr)
    }

    /// The `storage.toml` that points a data directory at the bucket.
    pub fn storage_toml(&self) -> String {
        format!(
            "[s3]\nbucket = \"{}\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\nallow_http = true\n\
             access_key_id = \"testing\"\nsecret_access_key = \"testing\"\n\
             connect_timeout = \"1s\"\ntimeout = \"20s\"\nretries = 2\nretry_timeout = \"3s\"\n",
            self.bucket,
            self.endpoint()
        )
    }

    /// Writes [`storage_toml`](Self::storage_toml) into data directory
    /// `data` (made if missing).
    pub fn configure(&self, data: &Path) -> Result<()> {
        std::fs::create_dir_all(data)?;
        let mut f = std::fs::File::create(data.join("storage.toml"))?;
        f.write_all(self.storage_toml().as_bytes())?;
        Ok(())
    }

    /// Makes the store unreachable: new connections are refused and open
    /// ones are closed. Its objects stay.
    pub fn cut(&self) {
        self.relay.cut();
    }

    /// Makes it reachable again, at the same address.
    pub fn restore(&self) -> Result<()> {
        self.relay.restore()
    }

    /// Makes the store hang: the relay closes its open connections and
    /// from now on accepts connections, takes what they send and answers
    /// nothing, as an endpoint whose backend stopped does.
    pub fn hang(&self) {
        self.relay.hang(true);
    }

    /// Ends a [`hang`](Self::hang): held connections are closed and new
    /// ones reach the store again.
    pub fn unhang(&self) {
        self.relay.hang(false);
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.relay.cut();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port no one listens on now.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A TCP relay from a loopback port to `target`, one pair of threads per
/// connection.
struct Relay {
    addr: SocketAddr,
    target: SocketAddr,
    state: Arc<RelayState>,
}

#[derive(Default)]
struct RelayState {
    cut: AtomicBool,
    /// Accept and answer nothing.
    hang: AtomicBool,
    /// Open connections (both ends), closed by a cut.
    open: Mutex<Vec<TcpStream>>,
    /// Bumped at each cut: an accept loop of an older generation stops.
    generation: Mutex<u64>,
}

impl Relay {
    fn start(target: SocketAddr) -> Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let relay = Relay {
            addr: listener.local_addr()?,
            target,
            state: Arc::default(),
        };
        relay.serve(listener);
        Ok(relay)
    }

    fn serve(&self, listener: TcpListener) {
        let state = self.state.clone();
        let target = self.target;
        let generation = *state.generation.lock().unwrap_or_else(|p| p.into_inner());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let current = *state.generation.lock().unwrap_or_else(|p| p.into_inner());
                if current != generation {
                    return;
                }
                let Ok(conn) = conn else { continue };
                if state.hang.load(Ordering::Acquire) {
                    hold(&state, conn);
                    continue;
                }
                let Ok(up) = TcpStream::connect(target) else {
                    continue;
                };
                pipe(&state, conn, up);
            }
        });
    }

    fn cut(&self) {
        if self.state.cut.swap(true, Ordering::AcqRel) {
            return;
        }
        *self
            .state
            .generation
            .lock()
            .unwrap_or_else(|p| p.into_inner()) += 1;
        // Wakes the accept loop so that it sees the new generation and
        // drops the listener.
        let _ = TcpStream::connect(self.addr);
        self.close_open();
    }

    /// Closes every connection open through the relay.
    fn close_open(&self) {
        for s in self
            .state
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn hang(&self, hang: bool) {
        self.state.hang.store(hang, Ordering::Release);
        self.close_open();
    }

    fn restore(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(e) => return Err(e).context("listening again on the relay's port"),
            }
        };
        self.state.cut.store(false, Ordering::Release);
        self.serve(listener);
        Ok(())
    }
}

/// Keeps `conn` open, reading what it sends and answering nothing, until
/// the relay closes it.
fn hold(state: &Arc<RelayState>, mut conn: TcpStream) {
    if let Ok(c) = conn.try_clone() {
        state.open.lock().unwrap_or_else(|p| p.into_inner()).push(c);
    }
    std::thread::spawn(move || std::io::copy(&mut conn, &mut std::io::sink()));
}

/// Copies bytes both ways between `a` and `b` until either side closes.
fn pipe(state: &Arc<RelayState>, a: TcpStream, b: TcpStream) {
    let (Ok(a2), Ok(b2)) = (a.try_clone(), b.try_clone()) else {
        return;
    };
    {
        let mut open = state.open.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|s| s.peer_addr().is_ok());
        for s in [&a, &b] {
            if let Ok(c) = s.try_clone() {
                open.push(c);
            }
        }
    }
    let one_way = |mut from: TcpStream, mut to: TcpStream| {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(Shutdown::Write);
        });
    };
    one_way(a, b2);
    one_way(b, a2);
}

//! `sandpress load`: the service under load on loopback, against the same
//! work done in-process in the same run. Starts `sandpress serve` on a
//! temporary data directory and measures
//!
//! - throughput of `POST /v1/compress` from concurrent clients (a
//!   built-in pipeline and a Wasm codec) against in-process compression
//!   of the same bodies;
//! - a noisy neighbour: tenant B's latency alone, and while tenant A keeps
//!   its concurrency limit full of requests whose plugin loops to its
//!   deadline;
//! - the server's resident memory with 10 tenants of 2 plugins each,
//!   warm and idle, and after idle workers (and their instances) are gone.
//!
//! With `--replicas`: two replicas on one S3-compatible bucket against one
//! (see the `replicas` module).
//!
//! Bounded in requests and time; the figures are ratios to a reference
//! measured in the same run.

pub mod client;
pub mod moto;
mod replicas;
pub mod server;

use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use sandpress_core::{CParams, Registry};
use sandpress_frame::FrameWriter;
use sandpress_sandbox::Sandbox;
use sandpress_service::tenant::TenantsSource;

use client::request;
use server::Server;

/// Options of `sandpress load`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadOptions {
    /// Megabytes per compression body.
    #[arg(long, default_value_t = 8)]
    pub body_mb: usize,
    /// Concurrent clients in the throughput runs.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// Requests per client in the throughput runs.
    #[arg(long, default_value_t = 4)]
    pub requests: usize,
    /// Rounds of in-process and served runs per pipeline (medians shown).
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Requests of tenant B in each noisy-neighbour run.
    #[arg(long, default_value_t = 40)]
    pub victim_requests: usize,
    /// Megabytes per request of tenant B.
    #[arg(long, default_value_t = 8)]
    pub victim_mb: usize,
    /// Tenants (2 plugins each) in the memory run.
    #[arg(long, default_value_t = 10)]
    pub tenants: usize,
    /// Instead: two replicas on one S3-compatible bucket (moto's server on
    /// loopback) against one, storing and reading frames.
    #[arg(long)]
    pub replicas: bool,
    /// moto's server for --replicas (tests/interop/setup-moto.sh installs
    /// it and prints its path).
    #[arg(long, default_value = "target/motoenv/bin/moto_server")]
    pub moto_server: std::path::PathBuf,
}

/// A looping codec: every call spins until its deadline.
const SPIN_CODEC: &str = include_str!("looping_codec.wat");

/// Int32 data that compresses about 3x with shuffle and zstd.
fn body(bytes: usize) -> Vec<u8> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..bytes / 4)
        .flat_map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((i as u32 / 16).wrapping_add((x & 0xFF) as u32)).to_le_bytes()
        })
        .collect()
}

fn mb_per_s(bytes: usize, took: Duration) -> f64 {
    bytes as f64 / 1e6 / took.as_secs_f64().max(1e-9)
}

/// The parameters the server uses for `?codec=C&filters=shuffle&typesize=4`,
/// on `threads` threads.
fn cparams(codec: u8, threads: usize) -> CParams {
    CParams {
        codec,
        typesize: 4,
        nthreads: threads,
        ..CParams::default()
    }
}

/// In-process: compresses `data` `times` times with all cores; MB/s.
fn in_process(data: &[u8], codec: u8, registry: &Registry, times: usize) -> Result<f64> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    for _ in 0..times {
        let cp = cparams(codec, threads);
        let chunk = cp.whole_items(4 << 20);
        let mut w = FrameWriter::create_temp(cp, chunk, Vec::new(), registry.clone())?;
        w.append(data)?;
        w.finish_temp()?;
    }
    Ok(mb_per_s(data.len() * times, start.elapsed()))
}

/// Through the server: `clients` threads each posting `data` `requests`
/// times; MB/s of input.
fn served(
    addr: SocketAddr,
    token: &str,
    path: &str,
    data: &[u8],
    clients: usize,
    requests: usize,
) -> Result<f64> {
    let took = each_client(clients, |_| {
        for _ in 0..requests {
            let a = request(addr, "POST", path, token, &[], data)?;
            ensure!(
                a.status == 200,
                "{path}: {} {}",
                a.status,
                String::from_utf8_lossy(&a.body)
            );
        }
        Ok(())
    })?;
    Ok(mb_per_s(data.len() * clients * requests, took))
}

/// Runs `client(i)` on `clients` threads at once; the time until the
/// last one ended (the first error, if any).
fn each_client(clients: usize, client: impl Fn(usize) -> Result<()> + Sync) -> Result<Duration> {
    let start = Instant::now();
    std::thread::scope(|s| -> Result<()> {
        let client = &client;
        let handles: Vec<_> = (0..clients).map(|i| s.spawn(move || client(i))).collect();
        for h in handles {
            h.join()
                .map_err(|_| anyhow::anyhow!("a client panicked"))??;
        }
        Ok(())
    })?;
    Ok(start.elapsed())
}

/// Latencies of `n` sequential requests, sorted.
fn latencies(
    addr: SocketAddr,
    token: &str,
    path: &str,
    data: &[u8],
    n: usize,
) -> Result<Vec<Duration>> {
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        let a = request(addr, "POST", path, token, &[], data)?;
        ensure!(a.status == 200, "{path}: {}", a.status);
        all.push(start.elapsed());
    }
    all.sort();
    Ok(all)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn put(addr: SocketAddr, token: &str, path: &str, bytes: &[u8]) -> Result<()> {
    let a = request(addr, "PUT", path, token, &[], bytes)?;
    if a.status != 200 && a.status != 201 {
        bail!(
            "PUT {path}: {} {}",
            a.status,
            String::from_utf8_lossy(&a.body)
        );
    }
    Ok(())
}

/// Runs the load runs and prints the figures.
pub fn run(o: &LoadOptions, out: &mut dyn Write) -> Result<()> {
    if o.replicas {
        return replicas::run(o, &o.moto_server, out);
    }
    let bin = std::env::current_exe().context("finding the sandpress binary")?;
    let dir = tempfile::tempdir()?;
    let source = TenantsSource::for_data_dir(dir.path())?;
    // The throughput tenant may use every core (by default a tenant gets
    // half of them), and has a slot per client.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let fast_limits = format!("concurrency = {}\nworkers = {cores}\n", o.clients.max(4));
    let (fast, noisy, victim, idle) = source.update_blocking(|file| {
        let idle: Vec<String> = (0..o.tenants)
            .map(|i| file.add(&format!("t{i}")))
            .collect::<Result<_, _>>()?;
        let fast = file.add("fast")?;
        file.set_limits("fast", &fast_limits)?;
        Ok((fast, file.add("noisy")?, file.add("victim")?, idle))
    })?;
    let mut server = Server::start(&bin, dir.path(), &["--idle-seconds", "3"])?;
    let addr = server.addr;
    let data = body(o.body_mb << 20);
    writeln!(
        out,
        "sandpress load: server at http://{addr}, bodies of {} MiB, {} clients x {} requests, medians of {} rounds",
        o.body_mb, o.clients, o.requests, o.rounds
    )?;

    // Throughput.
    put(
        addr,
        &fast,
        "/v1/plugins/160?kind=codec",
        sandpress_example_plugins::REPEAT_CODEC,
    )?;
    let sandbox = Sandbox::builder().no_cache().build()?;
    let mut wasm_registry = Registry::new();
    wasm_registry.register_codec(sandbox.load_codec(
        "repeat",
        160,
        sandpress_example_plugins::REPEAT_CODEC,
    )?)?;
    writeln!(out, "\nthroughput of POST /v1/compress (MB/s of input)")?;
    writeln!(
        out,
        "  {:<28} {:>10} {:>10} {:>7}",
        "pipeline", "in-process", "served", "ratio"
    )?;
    for (label, codec, registry, path) in [
        (
            "zstd-1 + shuffle",
            5u8,
            Registry::new(),
            "/v1/compress?codec=zstd&clevel=1&filters=shuffle&typesize=4",
        ),
        (
            "Wasm repeat codec + shuffle",
            160,
            wasm_registry,
            "/v1/compress?codec=160&filters=shuffle&typesize=4",
        ),
    ] {
        served(addr, &fast, path, &data, o.clients, 1)?; // warm-up
        // Rounds of one and then the other, so that both see the same
        // machine; the median round of each is reported.
        let (mut reference, mut got) = (Vec::new(), Vec::new());
        for _ in 0..o.rounds.max(1) {
            reference.push(in_process(&data, codec, &registry, o.clients * o.requests)?);
            got.push(served(addr, &fast, path, &data, o.clients, o.requests)?);
        }
        let (reference, got) = (median(reference), median(got));
        writeln!(
            out,
            "  {label:<28} {reference:>10.0} {got:>10.0} {:>6.2}x",
            got / reference
        )?;
    }

    // Noisy neighbour.
    let spin = wat::parse_str(SPIN_CODEC).context("the looping codec")?;
    put(addr, &noisy, "/v1/plugins/170?kind=codec", &spin)?;
    let small = body(1 << 20);
    let victim_path = "/v1/compress?codec=zstd&filters=shuffle&typesize=4";
    latencies(addr, &victim, victim_path, &small, 5)?; // warm-up
    let victim_body = body(o.victim_mb << 20);
    let alone = latencies(addr, &victim, victim_path, &victim_body, o.victim_requests)?;
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (with, noisy_answers) = std::thread::scope(|s| -> Result<(Vec<Duration>, Vec<u16>)> {
        let limit = sandpress_service::TenantLimits::default().concurrency as usize;
        let loops: Vec<_> = (0..limit)
            .map(|_| {
                s.spawn(|| {
                    let mut statuses = Vec::new();
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let path = "/v1/compress?codec=170&typesize=4&filters=none";
                        match request(addr, "POST", path, &noisy, &[], &small) {
                            Ok(a) => statuses.push(a.status),
                            Err(_) => statuses.push(0),
                        }
                    }
                    statuses
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(500));
        let with = latencies(addr, &victim, victim_path, &victim_body, o.victim_requests);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut statuses = Vec::new();
        for l in loops {
            statuses.extend(l.join().map_err(|_| anyhow::anyhow!("a client panicked"))?);
        }
        Ok((with?, statuses))
    })?;
    let count = |code: u16| noisy_answers.iter().filter(|&&c| c == code).count();
    writeln!(
        out,
        "\nnoisy neighbour: tenant B compresses {} MiB ({} requests, zstd-1 + shuffle), tenant A keeps its {} slots busy with a codec that loops to its 2 s deadline",
        o.victim_mb,
        o.victim_requests,
        sandpress_service::TenantLimits::default().concurrency
    )?;
    writeln!(
        out,
        "  B alone:  p50 {:>7.1} ms  p99 {:>7.1} ms",
        ms(pct(&alone, 0.5)),
        ms(pct(&alone, 0.99))
    )?;
    writeln!(
        out,
        "  B with A: p50 {:>7.1} ms  p99 {:>7.1} ms  (p99 ratio {:.2}x)",
        ms(pct(&with, 0.5)),
        ms(pct(&with, 0.99)),
        ms(pct(&with, 0.99)) / ms(pct(&alone, 0.99))
    )?;
    writeln!(
        out,
        "  A's answers meanwhile: {} x 422 (deadline), {} x 429 (over its concurrency), {} other",
        count(422),
        count(429),
        noisy_answers.len() - count(422) - count(429)
    )?;

    // Memory.
    let before = server.rss().unwrap_or(0);
    for token in &idle {
        put(
            addr,
            token,
            "/v1/plugins/160?kind=codec",
            sandpress_example_plugins::REPEAT_CODEC,
        )?;
        put(
            addr,
            token,
            "/v1/plugins/161?kind=filter",
            sandpress_example_plugins::DELTA_FILTER,
        )?;
        let a = request(
            addr,
            "POST",
            "/v1/compress?codec=160&filters=161,shuffle&typesize=4",
            token,
            &[],
            &small,
        )?;
        ensure!(a.status == 200, "tenant compress: {}", a.status);
    }
    let warm = server.rss().unwrap_or(0);
    let live = |addr| -> Result<f64> {
        let m = request(addr, "GET", "/metrics", "", &[], b"")?;
        Ok(String::from_utf8_lossy(&m.body)
            .lines()
            .filter(|l| l.starts_with("sandpress_live_instances{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum())
    };
    let live_warm = live(addr)?;
    std::thread::sleep(Duration::from_secs(5));
    let cold = server.rss().unwrap_or(0);
    let live_cold = live(addr)?;
    writeln!(
        out,
        "\nmemory (server RSS): {:.0} MB before, {:.0} MB with {} tenants x 2 plugins warm ({live_warm} live instances), {:.0} MB idle after 5 s ({live_cold} live instances; idle workers exit after 3 s here, 30 s by default)",
        before as f64 / 1e6,
        warm as f64 / 1e6,
        o.tenants,
        cold as f64 / 1e6
    )?;
    server.kill();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sandpress_core::plugin::{BlockInfo, CodecPlugin, PluginError, Stopped};

    #[test]
    fn the_looping_codec_loads_and_runs_to_its_deadline() {
        let limits = sandpress_sandbox::Limits::default().deadline(Duration::from_millis(50));
        let sandbox = Sandbox::builder()
            .no_cache()
            .limits(limits)
            .build()
            .unwrap();
        let bytes = wat::parse_str(SPIN_CODEC).unwrap();
        let codec = sandbox.load_codec("spin", 170, &bytes).unwrap();
        let input = body(200_000);
        let info = BlockInfo {
            typesize: 4,
            blocksize: input.len() as u32,
            ..BlockInfo::default()
        };
        let mut out = Vec::new();
        let e = codec.encode(&input, 0, &info, &mut out).unwrap_err();
        assert!(
            matches!(e, PluginError::Stopped(Stopped::Deadline { .. })),
            "{e}"
        );
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(pct(&d, 0.5), Duration::from_millis(50));
        assert_eq!(pct(&d, 0.99), Duration::from_millis(99));
        assert_eq!(pct(&d[..1], 0.99), Duration::from_millis(1));
    }
}

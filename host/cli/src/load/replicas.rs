//! `sandpress load --replicas`: throughput of two `sandpress serve`
//! replicas sharing one S3-compatible bucket (moto's server on loopback)
//! against one replica on the same bucket, in the same run. Each client
//! stores a frame (`PUT /v1/frames/…`: compress, multipart upload) and
//! reads it back (`GET`: fetch, decode); the figure is MB/s of raw bytes
//! in and out. With two replicas the clients alternate between them.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result, ensure};
use sandpress_service::tenant::TenantsSource;

use super::client::request;
use super::moto::Moto;
use super::server::Server;
use super::{LoadOptions, body, each_client, mb_per_s, median};

/// Runs the replica rounds and prints the figures.
pub fn run(o: &LoadOptions, moto_server: &Path, out: &mut dyn Write) -> Result<()> {
    let bin = std::env::current_exe().context("finding the sandpress binary")?;
    let moto = Moto::start(moto_server, "sandpress-load")?;
    let dirs = [tempfile::tempdir()?, tempfile::tempdir()?];
    for d in &dirs {
        moto.configure(d.path())?;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let clients = o.clients.max(2);
    let token = TenantsSource::for_data_dir(dirs[0].path())?.update_blocking(|f| {
        f.set_defaults(&format!(
            "concurrency = {}\nworkers = {cores}\nstorage_quota = {}\n",
            clients * 2,
            u64::MAX / 2
        ))?;
        f.add("load")
    })?;
    let servers = [
        Server::start(&bin, dirs[0].path(), &[])?,
        Server::start(&bin, dirs[1].path(), &[])?,
    ];
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    let data = body(o.body_mb << 20);
    writeln!(
        out,
        "sandpress load --replicas: moto at {}, bodies of {} MiB, {clients} clients x {} PUT+GET, medians of {} rounds",
        moto.endpoint(),
        o.body_mb,
        o.requests,
        o.rounds
    )?;
    round(&addrs, &token, &data, clients, 1)?; // warm-up
    let (mut one, mut two) = (Vec::new(), Vec::new());
    for _ in 0..o.rounds.max(1) {
        one.push(round(&addrs[..1], &token, &data, clients, o.requests)?);
        two.push(round(&addrs, &token, &data, clients, o.requests)?);
    }
    let (one, two) = (median(one), median(two));
    writeln!(out, "  one replica:  {one:>8.0} MB/s")?;
    writeln!(
        out,
        "  two replicas: {two:>8.0} MB/s  ({:.2}x one replica)",
        two / one
    )?;
    Ok(())
}

/// `clients` threads each storing and reading back `requests` frames
/// through `addrs` (client i through `addrs[i % len]`); MB/s of raw
/// bytes in and out.
fn round(
    addrs: &[SocketAddr],
    token: &str,
    data: &[u8],
    clients: usize,
    requests: usize,
) -> Result<f64> {
    let took = each_client(clients, |c| {
        let addr = addrs[c % addrs.len()];
        for r in 0..requests {
            let path = format!("/v1/frames/c{c}-{r}");
            let put = request(
                addr,
                "PUT",
                &format!("{path}?codec=zstd&clevel=1&filters=shuffle&typesize=4"),
                token,
                &[],
                data,
            )?;
            ensure!(put.status == 201, "PUT {path}: {}", put.status);
            let got = request(addr, "GET", &path, token, &[], b"")?;
            ensure!(
                got.status == 200 && got.body == data,
                "GET {path}: {}",
                got.status
            );
        }
        Ok(())
    })?;
    Ok(mb_per_s(2 * data.len() * clients * requests, took))
}

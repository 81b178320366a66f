//! The deny-all WASI p2 that components importing `wasi:*` run with.
//!
//! Nothing is granted: no arguments, environment, preopened directories or
//! network; stdin is closed; stdout and stderr go to bounded in-memory
//! pipes that nobody reads. Nothing varies from run to run either (as in
//! Shopify Functions): the wall clock is frozen at the Unix epoch, the
//! monotonic clock at zero, and both random interfaces are generators with
//! fixed seeds, so a fresh instance given the same calls answers the same
//! bytes on every run and machine (a plugin has no secrets for which it
//! would need real randomness). Host functions run
//! outside the epoch deadline's reach, so a guest that could block in one
//! (on a `wasi:clocks/monotonic-clock` timer) would hold its thread as long
//! as it liked: here every timer is ready at once, and a guest that keeps
//! waiting spins in Wasm, where the deadline stops it.

use std::time::Duration;

use rand_core::{Infallible, TryRng};
use wasmtime::component::{Linker, Resource};
use wasmtime::{Engine, StoreContextMut};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::p2::{DynPollable, Pollable, subscribe};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder};

use crate::store::StoreState;

/// The monotonic clock interface as wasmtime-wasi 48 names it; imports of
/// any 0.2.x version resolve to it.
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";

/// Seed of `wasi:random/random`.
const SECURE_SEED: u64 = 0x5341_4e44_5052_4553; // "SANDPRES"
/// Seed of `wasi:random/insecure` and the answer of `insecure-seed`.
const INSECURE_SEED: u64 = 0x0123_4567_89ab_cdef;

/// Most bytes one `get-random-bytes` call may ask for (wasmtime's default,
/// 64 MiB, is a host allocation a guest could make on every call); a larger
/// request traps.
const MAX_RANDOM_BYTES: u64 = 1 << 20;

/// A WASI context that grants nothing (see the module documentation).
pub(crate) fn deny_all_wasi(log_capacity: usize) -> WasiCtx {
    WasiCtxBuilder::new()
        .stdout(MemoryOutputPipe::new(log_capacity))
        .stderr(MemoryOutputPipe::new(log_capacity))
        .wall_clock(FrozenClock)
        .monotonic_clock(FrozenClock)
        .secure_random(SeededRandom::new(SECURE_SEED))
        .insecure_random(SeededRandom::new(INSECURE_SEED))
        .insecure_random_seed(u128::from(INSECURE_SEED))
        .max_random_size(MAX_RANDOM_BYTES)
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .build()
}

/// A linker with WASI p2 (synchronous), its timers replaced by ones that
/// are ready at once.
pub(crate) fn wasi_linker(engine: &Engine) -> wasmtime::Result<Linker<StoreState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    linker.allow_shadowing(true);
    let mut clock = linker.instance(MONOTONIC_CLOCK)?;
    clock.func_wrap(
        "subscribe-duration",
        |mut store: StoreContextMut<'_, StoreState>, (_duration,): (u64,)| {
            ready_at_once(store.data_mut())
        },
    )?;
    clock.func_wrap(
        "subscribe-instant",
        |mut store: StoreContextMut<'_, StoreState>, (_instant,): (u64,)| {
            ready_at_once(store.data_mut())
        },
    )?;
    linker.allow_shadowing(false);
    Ok(linker)
}

/// A new pollable that is always ready.
fn ready_at_once(state: &mut StoreState) -> wasmtime::Result<(Resource<DynPollable>,)> {
    let table = state.table();
    let ready = table.push(Ready)?;
    Ok((subscribe(table, ready)?,))
}

/// A timer that has always expired.
struct Ready;

#[wasmtime_wasi::async_trait]
impl Pollable for Ready {
    async fn ready(&mut self) {}
}

/// A clock that never moves: the wall clock always says
/// 1970-01-01T00:00:00Z, the monotonic clock always 0 ns.
struct FrozenClock;

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }

    fn now(&self) -> u64 {
        0
    }
}

/// SplitMix64: a small generator whose output is fixed by its seed.
struct SeededRandom {
    state: u64,
}

impl SeededRandom {
    fn new(seed: u64) -> Self {
        SeededRandom { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl TryRng for SeededRandom {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

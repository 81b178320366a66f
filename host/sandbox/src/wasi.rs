//! The deny-all WASI p2 that components importing `wasi:*` run with.
//!
//! Nothing is granted: no arguments, environment, preopened directories or
//! network; stdin is closed; stdout and stderr go to bounded in-memory
//! pipes that nobody reads; the wall clock is frozen at the Unix epoch; the
//! monotonic clock is real but cannot be slept on. Host functions run
//! outside the epoch deadline's reach, so a guest that could block in one
//! (on a `wasi:clocks/monotonic-clock` timer) would hold its thread as long
//! as it liked: here every timer is ready at once, and a guest that keeps
//! waiting spins in Wasm, where the deadline stops it.

use std::time::Duration;

use wasmtime::component::{Linker, Resource};
use wasmtime::{Engine, StoreContextMut};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::p2::{DynPollable, Pollable, subscribe};
use wasmtime_wasi::{HostWallClock, WasiCtx, WasiCtxBuilder};

use crate::store::StoreState;

/// The monotonic clock interface as wasmtime-wasi 48 names it; imports of
/// any 0.2.x version resolve to it.
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";

/// A WASI context that grants nothing (see the module documentation).
pub(crate) fn deny_all_wasi(log_capacity: usize) -> WasiCtx {
    WasiCtxBuilder::new()
        .stdout(MemoryOutputPipe::new(log_capacity))
        .stderr(MemoryOutputPipe::new(log_capacity))
        .wall_clock(FrozenClock)
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

/// A wall clock that always says 1970-01-01T00:00:00Z.
struct FrozenClock;

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

//! sandpress service: `sandpress serve`, Blosc2 compression over HTTP for
//! tenants that bring their own WebAssembly codecs and filters.
//!
//! Each tenant has a bearer token (stored as a hash in
//! `DATA/tenants.toml`), its own limits, its own [`Sandbox`] (so no plugin
//! instance ever serves two tenants), and its own prefix in an
//! `object_store` (a local directory by default). Pipeline work runs on
//! worker threads, never on the async runtime; a worker keeps its plugin
//! instances while it lives and drops them when it has been idle for
//! [`ServeOptions::idle_worker`].
//!
//! The modules, from the request inwards:
//!
//! - `serve`: the process ([`run`]): runtime, listener, shutdown;
//! - `routes`: the HTTP API (one module per resource) and its OpenAPI
//!   description;
//! - `app`: the running service's state (tenants, storage, metrics);
//! - [`tenant`]: tenants: the tenants file, where it lives, their limits,
//!   and each running tenant's sandbox, plugins and permits;
//! - `jobs`: the pipeline work of a request, run on worker threads;
//! - `store_frame`: the one path that stores a frame (quota, upload,
//!   commit, accounting);
//! - [`storage`]: where objects are kept (`storage.toml`), and uploading,
//!   committing and reading them.
//!
//! [`Sandbox`]: sandpress_sandbox::Sandbox

pub mod access;
mod app;
mod body;
mod jobs;
mod metrics;
mod params;
mod problem;
mod range;
mod routes;
mod serve;
pub mod storage;
mod store_frame;
pub mod tenant;

pub use app::{App, AppError, Config};
pub use problem::{Problem, ProblemBody};
pub use routes::{admin, metrics_router, openapi, router, router_without_metrics};
pub use serve::{Listening, ServeError, ServeOptions, run};
pub use storage::{Storage, StorageError, StoreWrapper};
pub use tenant::{PluginInfo, TenantLimits};

//! Tenants: who may use the service and within what limits, and each
//! tenant as the running server holds it.
//!
//! - [`file`](mod@file): the tenants file (`tenants.toml`): tokens as hashes, limits;
//! - [`source`]: where that file lives (beside a local store, or in a
//!   bucket shared by replicas) and how it is read and changed;
//! - `limits`: [`TenantLimits`], what one tenant may use;
//! - `state`: one tenant of the running server (its store, sandbox,
//!   usage);
//! - `plugins`: a tenant's registered codecs and filters;
//! - `permit`: its request slots and work turns.

pub mod file;
mod limits;
mod permit;
mod plugins;
pub mod source;
mod state;

pub use file::{TenantConfig, TenantsFile, TenantsFileError};
pub use limits::{TenantLimits, ZeroLimit};
pub(crate) use permit::{Permit, Turns};
pub use plugins::PluginInfo;
pub(crate) use plugins::parse_kind;
pub use source::{TenantsSource, TenantsSourceError};
pub(crate) use state::{Shared, Tenant};

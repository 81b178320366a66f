//! What one tenant may use: requests at once, body size, storage, plugins,
//! and the sandbox [`Limits`] its plugins run under.

use std::time::Duration;

use sandpress_sandbox::Limits;
use serde::{Deserialize, Serialize};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// A tenant's limits. In `tenants.toml`, `[defaults]` sets them for every
/// tenant and `[tenants.NAME.limits]` overrides them for one; a key left
/// out keeps the default written here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TenantLimits {
    /// Requests of this tenant served at once; the next one gets 429.
    /// Default 4.
    pub concurrency: u32,
    /// Of those, how many do pipeline work at once (the others wait their
    /// turn, a chunk at a time): what one tenant can take of the
    /// machine's cores, whatever its plugins do. Default: half the cores
    /// (at least 1), so that one tenant never has them all.
    pub workers: u32,
    /// Largest request body in bytes (raw data, frame or component).
    /// Default 1 GiB.
    pub max_body: u64,
    /// Bytes of stored frames and plugins. Default 10 GiB.
    pub storage_quota: u64,
    /// Plugins registered at once. Default 32.
    pub max_plugins: u32,
    /// CPU time of one plugin call in milliseconds. Default 2000.
    pub cpu_ms_per_call: u64,
    /// Memory of one plugin instance in bytes. Default 256 MiB.
    pub memory_per_instance: u64,
    /// Memory of all the tenant's plugin instances together. Default 1 GiB.
    pub total_memory: u64,
    /// Largest plugin component in bytes. Default 16 MiB.
    pub max_component_size: u64,
    /// Plugin instances of the tenant alive at once. Default 64.
    pub max_instances: u32,
}

impl Default for TenantLimits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        TenantLimits {
            concurrency: 4,
            workers: u32::try_from((cores / 2).max(1)).unwrap_or(u32::MAX),
            max_body: GIB,
            storage_quota: 10 * GIB,
            max_plugins: 32,
            cpu_ms_per_call: 2000,
            memory_per_instance: 256 * MIB,
            total_memory: GIB,
            max_component_size: 16 * MIB,
            max_instances: 64,
        }
    }
}

impl TenantLimits {
    /// The sandbox limits the tenant's plugins run under.
    pub fn sandbox(&self) -> Limits {
        Limits::default()
            .deadline(Duration::from_millis(self.cpu_ms_per_call.max(1)))
            .memory(to_usize(self.memory_per_instance))
            .total_memory(to_usize(self.total_memory))
            .max_component_size(to_usize(self.max_component_size))
            .max_instances(self.max_instances.max(1))
    }

    /// Refuses limits under which nothing could run.
    ///
    /// ```
    /// use sandpress_service::TenantLimits;
    ///
    /// let none = TenantLimits { concurrency: 0, ..TenantLimits::default() };
    /// assert_eq!(none.check().unwrap_err().limit, "concurrency");
    /// assert!(TenantLimits::default().check().is_ok());
    /// ```
    pub fn check(&self) -> Result<(), ZeroLimit> {
        let zero = [
            ("concurrency", u64::from(self.concurrency)),
            ("workers", u64::from(self.workers)),
            ("max_body", self.max_body),
            ("cpu_ms_per_call", self.cpu_ms_per_call),
            ("memory_per_instance", self.memory_per_instance),
            ("total_memory", self.total_memory),
            ("max_component_size", self.max_component_size),
            ("max_instances", u64::from(self.max_instances)),
        ];
        match zero.iter().find(|(_, v)| *v == 0) {
            Some(&(limit, _)) => Err(ZeroLimit { limit }),
            None => Ok(()),
        }
    }
}

/// A limit set to 0, under which nothing could run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("limit {limit} must be above 0")]
#[non_exhaustive]
pub struct ZeroLimit {
    /// The limit's key (`concurrency`, `max_body`, ...).
    pub limit: &'static str,
}

fn to_usize(bytes: u64) -> usize {
    usize::try_from(bytes).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_left_out_keep_their_default() {
        let l: TenantLimits = toml::from_str("concurrency = 2").unwrap();
        assert_eq!(l.concurrency, 2);
        assert_eq!(l.max_body, TenantLimits::default().max_body);
        assert!(toml::from_str::<TenantLimits>("concurency = 2").is_err());
    }

    #[test]
    fn the_sandbox_limits_follow() {
        let l = TenantLimits {
            cpu_ms_per_call: 50,
            memory_per_instance: 8 * MIB,
            ..TenantLimits::default()
        };
        let s = l.sandbox();
        assert_eq!(s.get_deadline(), Duration::from_millis(50));
        assert_eq!(s.get_memory(), 8 << 20);
        assert!(
            TenantLimits {
                concurrency: 0,
                ..l
            }
            .check()
            .is_err()
        );
        assert!(l.check().is_ok());
    }
}

//! The sandbox's limits as command-line options, shared by `compress`,
//! `decompress` and `plugin check`.

use std::time::Duration;

use clap::Args;
use sandpress_sandbox::Limits;

use sandpress_core::parse_size;

/// Options that set the [`Limits`] plugins run under; each one left out
/// keeps the library's default.
#[derive(Args, Debug, Clone, Default)]
pub struct LimitArgs {
    /// CPU time of one plugin call, in ms (default 2000); a call past it fails.
    #[arg(long, value_name = "MS")]
    pub max_cpu_ms: Option<u64>,
    /// Fuel (about one Wasm instruction each) per plugin call, for a cut-off
    /// that is the same on every machine (default: off).
    #[arg(long, value_name = "UNITS")]
    pub fuel: Option<u64>,
    /// Memory of one plugin instance, all its memories and tables (default 256M).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<usize>,
    /// Memory of all plugin instances together (default 1G).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_total_memory: Option<usize>,
    /// Largest plugin component accepted (default 16M).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_component_size: Option<usize>,
    /// Largest function body in a plugin, checked before compiling (default 512K).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_function_size: Option<usize>,
    /// Most plugin instances alive at once (default 500).
    #[arg(long, value_name = "N")]
    pub max_instances: Option<u32>,
}

impl LimitArgs {
    /// The limits: the defaults with every option given applied.
    pub fn limits(&self) -> Limits {
        let mut l = Limits::default();
        if let Some(ms) = self.max_cpu_ms {
            l = l.deadline(Duration::from_millis(ms));
        }
        if self.fuel.is_some() {
            l = l.fuel(self.fuel);
        }
        if let Some(bytes) = self.max_memory {
            l = l.memory(bytes);
        }
        if let Some(bytes) = self.max_total_memory {
            l = l.total_memory(bytes);
        }
        if let Some(bytes) = self.max_component_size {
            l = l.max_component_size(bytes);
        }
        if let Some(bytes) = self.max_function_size {
            let budget = l.get_compile_budget().max_function_size(bytes as u64);
            l = l.compile_budget(budget);
        }
        if let Some(n) = self.max_instances {
            l = l.max_instances(n);
        }
        l
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_given_is_the_default() {
        assert_eq!(LimitArgs::default().limits(), Limits::default());
    }

    #[test]
    fn each_option_sets_its_limit() {
        let a = LimitArgs {
            max_cpu_ms: Some(100),
            fuel: Some(5),
            max_memory: Some(1 << 20),
            max_total_memory: Some(2 << 20),
            max_component_size: Some(3),
            max_function_size: Some(4),
            max_instances: Some(6),
        };
        let l = a.limits();
        assert_eq!(l.get_deadline(), Duration::from_millis(100));
        assert_eq!(l.get_fuel(), Some(5));
        assert_eq!(l.get_memory(), 1 << 20);
        assert_eq!(l.get_total_memory(), 2 << 20);
        assert_eq!(l.get_max_component_size(), 3);
        assert_eq!(l.get_compile_budget().get_max_function_size(), 4);
        assert_eq!(l.get_max_instances(), 6);
    }
}

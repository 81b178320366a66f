//! `sandpress example-plugins DIR`: the example components as files, to
//! pass to `--codec ID=FILE` and `--filter ID=FILE`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes every example plugin to `dir/NAME.wasm` and lists them on `out`.
pub fn write(dir: &Path, out: &mut dyn Write) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for e in sandpress_example_plugins::examples() {
        let path = dir.join(format!("{}.wasm", e.name));
        std::fs::write(&path, e.bytes).with_context(|| format!("writing {}", path.display()))?;
        writeln!(
            out,
            "{} ({} {}, {} bytes): {}",
            path.display(),
            e.kind,
            e.id,
            e.bytes.len(),
            e.summary
        )?;
    }
    Ok(())
}

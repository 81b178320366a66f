//! A progress bar on stderr for large inputs, only when stderr is a
//! terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Inputs at least this large get a bar.
const MIN_BYTES: u64 = 256 << 20;

/// A bar for `total` bytes, or a hidden one.
pub fn bar(total: Option<u64>, verb: &str) -> ProgressBar {
    match total {
        Some(n) if n >= MIN_BYTES && std::io::stderr().is_terminal() => {
            let bar = ProgressBar::new(n);
            let style = ProgressStyle::with_template(
                "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(verb.to_string());
            bar
        }
        _ => ProgressBar::hidden(),
    }
}

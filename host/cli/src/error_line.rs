//! The one line a failed command prints: every cause once, no control
//! characters.
//!
//! Library errors here include their cause in their own message (so
//! `to_string()` tells the whole story) and also return it from
//! `source()` (so callers can downcast to it). anyhow's `{:#}` prints
//! every link of the chain, which then says the same cause two or three
//! times ("… stopped by the sandbox: ran past its deadline of 2s: stopped
//! by the sandbox: ran past its deadline of 2s: ran past …"). This prints a
//! link only when the line so far does not already end with it.

/// `error`'s chain on one line, each cause once, joined with `: `; control
/// characters are escaped (`\n`, `\u{1b}`) so that nothing in a message
/// (a guest's, a file name) can break the line or drive the terminal.
pub fn one_line(error: &anyhow::Error) -> String {
    sandpress_core::error::one_line(error.as_ref())
}

#[cfg(test)]
mod tests {
    use sandpress_core::Error;
    use sandpress_core::plugin::{PluginError, PluginKind, Stopped};

    use super::*;

    #[test]
    fn a_plugin_error_says_its_cause_once() {
        let e = Error::Plugin {
            kind: PluginKind::Codec,
            id: 170,
            chunk: 1,
            block: 0,
            source: PluginError::Stopped(Stopped::Deadline {
                limit: std::time::Duration::from_secs(2),
            }),
        };
        let e = anyhow::Error::new(e).context("compressing in.raw");
        assert_eq!(
            one_line(&e),
            "compressing in.raw: codec plugin 170 failed on chunk 1, block 0: \
             stopped by the sandbox: ran past its deadline of 2s"
        );
    }

    #[test]
    fn a_file_error_says_the_system_message_once() {
        let source = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = Error::io("open", std::path::Path::new("in.b2frame"), source);
        let e = anyhow::Error::new(e).context("reading");
        assert_eq!(
            one_line(&e),
            "reading: cannot open in.b2frame: no such file"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        let e = anyhow::anyhow!("a\nb\x1b[31m");
        assert_eq!(one_line(&e), r"a\nb\u{1b}[31m");
    }
}

//! Text that comes from a guest (its `err` messages, traps, instantiation
//! failures) made safe to show: one line, control characters escaped,
//! bounded length.
//!
//! The sandbox does this where the text enters the host, once, rather
//! than where it is printed: every consumer (the CLI's error line, a
//! service's JSON body or log line, a test's assertion) then holds the same
//! harmless string, and none of them can forget to escape it. Nothing
//! needs the raw bytes: a guest's message is a diagnostic, not data.

/// Longest message kept, in bytes, before escaping.
pub(crate) const MAX_MESSAGE: usize = 1024;

/// A guest's message on one line: cut to [`MAX_MESSAGE`] bytes (saying how
/// long it was), then every control or invisible formatting character
/// (newlines, tabs, ANSI escapes, bidirectional overrides) written as a
/// Rust escape such as `\n` or `\u{1b}`.
pub(crate) fn guest_text(message: &str) -> String {
    let (kept, total) = cut(message);
    let mut out = String::with_capacity(kept.len() + 32);
    escape_into(kept, &mut out);
    if let Some(total) = total {
        out.push_str(&format!("... ({total} bytes in all)"));
    }
    out
}

/// The cause of a wasmtime error on one line: its chain of messages joined
/// with `: `, without the wasm backtrace wasmtime attaches (a multi-line
/// list of guest frames that names nothing a user can act on), escaped and
/// cut as [`guest_text`] does.
pub(crate) fn error_line(error: &wasmtime::Error) -> String {
    // The backtrace is a context layer of the error: a link of the chain
    // whose text is the backtrace's.
    let backtrace = error
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .map(ToString::to_string);
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if backtrace.as_ref() == Some(&text) || line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    guest_text(&line)
}

/// `message` cut to at most [`MAX_MESSAGE`] bytes on a character boundary,
/// and its full length when it was cut.
fn cut(message: &str) -> (&str, Option<usize>) {
    if message.len() <= MAX_MESSAGE {
        return (message, None);
    }
    let mut end = MAX_MESSAGE;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    (&message[..end], Some(message.len()))
}

/// Appends `text` with every character that is not printable escaped.
fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        if c.is_control() {
            // `\n`, `\r`, `\t`, `\0`, else `\u{1b}`.
            out.extend(c.escape_debug());
        } else if is_invisible_format(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
}

/// The formatting characters that change how the rest of a line is
/// displayed: zero-width, line/paragraph separators and bidirectional
/// controls.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_plain_text() {
        assert_eq!(guest_text("block refused: née"), "block refused: née");
    }

    #[test]
    fn escapes_newlines_and_terminal_codes() {
        assert_eq!(
            guest_text("one\ntwo\r\x1b[31mred\x1b[0m\u{202e}"),
            "one\\ntwo\\r\\u{1b}[31mred\\u{1b}[0m\\u{202e}"
        );
    }

    #[test]
    fn cuts_long_messages_then_escapes() {
        let long = "é".repeat(2000);
        let cut = guest_text(&long);
        assert!(cut.len() < MAX_MESSAGE + 40, "{}", cut.len());
        assert!(cut.ends_with("... (4000 bytes in all)"));
        let lines = "\n".repeat(5000);
        let cut = guest_text(&lines);
        assert!(!cut.contains('\n'));
        assert!(cut.ends_with("... (5000 bytes in all)"));
    }

    #[test]
    fn error_line_drops_the_backtrace_and_repeats() {
        let e = wasmtime::Error::msg("root\ncause").context("outer");
        assert_eq!(error_line(&e), "outer: root\\ncause");
    }
}

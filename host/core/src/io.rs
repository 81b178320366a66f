//! Reading helpers shared by the command line and the service.

use std::io::{self, Read};

/// Reads until `buf` is full or the input ends; returns the bytes read
/// (fewer than `buf.len()` only at the end of the input).
pub fn read_full<R: Read + ?Sized>(input: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_across_short_reads_and_stops_at_the_end() {
        let mut input = io::Cursor::new(vec![1u8; 10]).chain(io::Cursor::new(vec![2u8; 5]));
        let mut buf = [0u8; 12];
        assert_eq!(read_full(&mut input, &mut buf).unwrap(), 12);
        assert_eq!(buf[11], 2);
        assert_eq!(read_full(&mut input, &mut buf).unwrap(), 3);
        assert_eq!(read_full(&mut input, &mut buf).unwrap(), 0);
    }
}

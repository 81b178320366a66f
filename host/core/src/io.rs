//! Reading helpers shared by the command line and the service.

use std::fs::File;
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

/// Reads `file` from `offset` until `buf` is full or the file ends;
/// returns the bytes read (fewer than `buf.len()` only at the end). A
/// positioned read: the file's cursor is not used (on Unix not moved
/// either; on Windows it is), so several threads can read one file at
/// once.
pub fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        #[cfg(unix)]
        let got = std::os::unix::fs::FileExt::read_at(file, &mut buf[n..], offset + n as u64);
        #[cfg(windows)]
        let got = std::os::windows::fs::FileExt::seek_read(file, &mut buf[n..], offset + n as u64);
        match got {
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

    #[test]
    fn reads_at_an_offset_without_moving_the_cursor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, (0..100u8).collect::<Vec<_>>()).unwrap();
        let mut file = File::open(&path).unwrap();
        let mut buf = [0u8; 30];
        assert_eq!(read_full_at(&file, &mut buf, 80).unwrap(), 20);
        assert_eq!(buf[..20], (80..100).collect::<Vec<u8>>()[..]);
        assert_eq!(read_full_at(&file, &mut buf, 10).unwrap(), 30);
        assert_eq!(buf[0], 10);
        assert_eq!(read_full_at(&file, &mut buf, 100).unwrap(), 0);
        assert_eq!(read_full_at(&file, &mut buf, 1 << 40).unwrap(), 0);
        #[cfg(unix)]
        {
            let mut first = [0u8; 1];
            file.read_exact(&mut first).unwrap();
            assert_eq!(first, [0], "the cursor did not move");
        }
    }
}

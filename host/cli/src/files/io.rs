//! Inputs and outputs of the file commands: paths or `-` for stdin and
//! stdout, default output names, refusing to overwrite without `-f`, and
//! files that appear under their name only once complete.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use tempfile::NamedTempFile;

/// Options every file command shares, in the conventions of zstd and gzip.
#[derive(clap::Args, Debug, Clone)]
pub struct CommonArgs {
    /// Output (default: derived from INPUT; - for stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Overwrite the output if it exists.
    #[arg(short, long)]
    pub force: bool,
    /// Keep the input (the default; see --rm).
    #[arg(short, long)]
    pub keep: bool,
    /// Remove the input once the output is complete.
    #[arg(long, conflicts_with = "keep")]
    pub rm: bool,
    /// Worker threads; 0 or none for every core. At most one per chunk
    /// and MAX_THREADS_PER_CORE (4) per core: a note on stderr says when
    /// -T is capped.
    #[arg(short = 'T', long)]
    pub threads: Option<usize>,
    /// Sync the output to disk before finishing (done anyway with --rm,
    /// before the input is removed); without it, as zstd and gzip, the
    /// system writes it back in its own time.
    #[arg(long)]
    pub sync: bool,
    /// Limits of the plugins' sandbox.
    #[command(flatten)]
    pub limits: crate::limits::LimitArgs,
}

/// Most worker threads per core `-T` gets: more only hold more chunks in
/// memory (two each) and take longer to start.
pub const MAX_THREADS_PER_CORE: usize = 4;

/// The number of cores (1 when it cannot be told).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl CommonArgs {
    /// The thread count: `-T` (0 or none: every core), capped at
    /// [`MAX_THREADS_PER_CORE`] per core, with a note on stderr when
    /// capped.
    pub fn threads(&self) -> usize {
        self.threads_for(None)
    }

    /// The thread count for work of `chunks` chunks: as
    /// [`threads`](Self::threads), and at most one per chunk.
    pub fn threads_for(&self, chunks: Option<u64>) -> usize {
        let (threads, note) = thread_count(self.threads, cores(), chunks);
        if let Some(note) = note {
            eprintln!("sandpress: {note}");
        }
        threads
    }

    /// Whether the output must reach the disk before the command ends:
    /// with `--sync`, or `--rm` (the input goes).
    pub fn durable(&self) -> bool {
        self.sync || self.rm
    }

    /// Ends a command whose output is complete: gives an output file its
    /// permissions ([`set_output_permissions`]), syncs it when
    /// [`durable`](Self::durable), then removes the input when `--rm` was
    /// given.
    pub fn finish(&self, input: &Path, output: Option<&Path>) -> Result<()> {
        if let Some(out) = output {
            set_output_permissions(input, out)?;
            if self.durable() {
                sync_file(out)?;
            }
        }
        self.remove_input(input)
    }

    /// Removes `input` when `--rm` was given (never stdin).
    fn remove_input(&self, input: &Path) -> Result<()> {
        if self.rm && !is_dash(input) {
            std::fs::remove_file(input).with_context(|| format!("removing {}", input.display()))?;
        }
        Ok(())
    }
}

/// The threads `-T asked` gets on `cores` cores for `chunks` chunks, and
/// the note to print when it is fewer than asked.
pub fn thread_count(
    asked: Option<usize>,
    cores: usize,
    chunks: Option<u64>,
) -> (usize, Option<String>) {
    let all = cores.max(1);
    let want = asked.filter(|&t| t > 0).unwrap_or(all);
    let max = all.saturating_mul(MAX_THREADS_PER_CORE);
    let per_chunk = chunks.map_or(usize::MAX, |c| {
        usize::try_from(c.max(1)).unwrap_or(usize::MAX)
    });
    let threads = want.min(max).min(per_chunk);
    let note = match asked {
        Some(t) if t > threads && threads == per_chunk => Some(format!(
            "-T {t} capped at {threads}: the input has {per_chunk} chunk{}",
            if per_chunk == 1 { "" } else { "s" }
        )),
        Some(t) if t > threads => Some(format!(
            "-T {t} capped at {threads}: at most {MAX_THREADS_PER_CORE} per core, {all} cores here"
        )),
        _ => None,
    };
    (threads, note)
}

/// Syncs a complete output file, and its name in its directory, to disk.
pub fn sync_file(path: &Path) -> Result<()> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", path.display()))?;
    if let Ok(d) = File::open(super::temp::dir_of(path)) {
        // Not every platform can sync a directory.
        let _ = d.sync_all();
    }
    Ok(())
}

/// The suffix of frame files.
pub const SUFFIX: &str = ".b2frame";

/// Whether `p` means stdin or stdout.
pub fn is_dash(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// A command's input.
pub enum Input {
    /// A regular file of this size, which can be read at offsets.
    File(File, u64),
    /// Stdin, or anything else read in order (a pipe, a device).
    Stream(Box<dyn Read>),
}

/// Opens the input: a regular file, or a stream. A file that says it is
/// empty is read as a stream: those of /proc say so and are not.
pub fn open_input(path: &Path) -> Result<Input> {
    if is_dash(path) {
        return Ok(Input::Stream(Box::new(io::stdin().lock())));
    }
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let meta = f.metadata();
    if meta.as_ref().is_ok_and(|m| m.is_dir()) {
        bail!("{}: is a directory, not a file", path.display());
    }
    match meta {
        Ok(m) if m.is_file() && m.len() > 0 => Ok(Input::File(f, m.len())),
        _ => Ok(Input::Stream(Box::new(f))),
    }
}

pub use sandpress_core::io::{read_full, read_full_at};

/// Where a command writes: `None` is stdout.
pub fn resolve_output(
    input: &Path,
    output: Option<&Path>,
    derive: impl Fn(&Path) -> Result<PathBuf>,
    force: bool,
) -> Result<Option<PathBuf>> {
    let out = match output {
        Some(o) if is_dash(o) => None,
        Some(o) => Some(o.to_path_buf()),
        None if is_dash(input) => None,
        None => Some(derive(input)?),
    };
    match &out {
        None if io::stdout().is_terminal() => {
            bail!("refusing to write binary data to a terminal (use -o FILE, or redirect)")
        }
        // The output replaces its path by a rename: a device or a pipe
        // there (/dev/null, say) would be replaced by a file.
        Some(p) if p.exists() && !p.is_file() => {
            bail!(
                "{} is not a regular file (write to stdout with -o - and redirect)",
                p.display()
            )
        }
        Some(p) if !force && p.exists() => {
            bail!("{} already exists (use -f to overwrite)", p.display())
        }
        Some(p) if !is_dash(input) && same_file(input, p) => {
            bail!("{} is both input and output", p.display())
        }
        Some(p) if !super::temp::dir_of(p).is_dir() => {
            bail!("{}: No such file or directory", p.display())
        }
        _ => Ok(out),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// A file written under a temporary name in its final directory and
/// renamed into place by [`commit`](Self::commit); dropped uncommitted, it
/// disappears.
pub struct AtomicFile {
    tmp: NamedTempFile,
    dest: PathBuf,
}

impl AtomicFile {
    /// Starts writing what will become `dest`.
    pub fn create(dest: &Path) -> Result<Self> {
        let tmp = sandpress_frame::temp_beside(dest).map_err(|e| name_output(e.into(), dest))?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// The file to write to.
    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// Renames the file into place. It is not synced here: the command's
    /// [`CommonArgs::finish`] syncs it when the data is at stake (`--rm`,
    /// `--sync`). An output already there (`-f`) is removed just before:
    /// ext4 writes back a file renamed over another before the rename
    /// returns, which took 134 ms of a 250 ms run for 200 MB. Nothing is
    /// lost by it: the input is removed only once the new output is
    /// synced.
    pub fn commit(self) -> Result<()> {
        sandpress_frame::unlink_existing(&self.dest);
        self.tmp
            .persist(&self.dest)
            .with_context(|| format!("cannot rename the output to {}", self.dest.display()))?;
        Ok(())
    }
}

/// An error about a temporary output file, told about `output`, the
/// name the user gave: `nodir/x.b2frame: No such file or directory (os
/// error 2)`, never `.sandpress-1234-7S4DZq.tmp`. Other errors pass.
pub fn name_output(error: anyhow::Error, output: &Path) -> anyhow::Error {
    let temp = error.chain().find_map(|c| match c.downcast_ref() {
        Some(sandpress_core::Error::Io { path, source, .. })
            if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(".sandpress-"))
                || path.is_dir() =>
        {
            Some(source.raw_os_error().map_or_else(
                || source.kind().to_string(),
                |c| io::Error::from_raw_os_error(c).to_string(),
            ))
        }
        _ => None,
    });
    match temp {
        Some(why) => anyhow::anyhow!("{}: {why}", output.display()),
        None => error,
    }
}

/// Gives the complete `output` the permissions zstd and gzip give theirs:
/// those of the input when it is a regular file, else those of any new
/// file in its directory (0o666 less the umask). Outputs are written as
/// owner-only temporary files, so no one else can read them before this
/// (which matters when the input was private).
pub fn set_output_permissions(input: &Path, output: &Path) -> Result<()> {
    let permissions = match std::fs::metadata(input) {
        Ok(m) if !is_dash(input) && m.is_file() => m.permissions(),
        _ => new_file_permissions(output)?,
    };
    std::fs::set_permissions(output, permissions)
        .with_context(|| format!("setting the permissions of {}", output.display()))
}

/// The permissions a new file beside `path` gets: those of a file created
/// with mode 0o666, which the umask (or the directory's default ACL)
/// narrows, seen on a probe file removed at once.
#[cfg(unix)]
fn new_file_permissions(path: &Path) -> Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let probe = tempfile::Builder::new()
        .prefix(&sandpress_frame::temp_prefix())
        .suffix(sandpress_frame::TEMP_SUFFIX)
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    Ok(probe.as_file().metadata()?.permissions())
}

/// Elsewhere the output keeps the permissions it was created with.
#[cfg(not(unix))]
fn new_file_permissions(path: &Path) -> Result<std::fs::Permissions> {
    Ok(std::fs::metadata(path)?.permissions())
}

/// A temporary file in the system's temporary directory, named as this
/// process's (`.sandpress-PID-XXXXXX.tmp`), so that an interrupted command
/// removes it ([`super::temp`]); removed when dropped.
pub fn temp_file() -> Result<NamedTempFile> {
    let dir = std::env::temp_dir();
    tempfile::Builder::new()
        .prefix(&sandpress_frame::temp_prefix())
        .suffix(sandpress_frame::TEMP_SUFFIX)
        .tempfile_in(&dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))
}

/// Copies a finished temporary file to stdout.
pub fn copy_to_stdout(mut f: File) -> Result<()> {
    let mut out = io::stdout().lock();
    io::copy(&mut f, &mut out).context("writing to stdout")?;
    out.flush().context("writing to stdout")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_capped_per_core_and_per_chunk() {
        assert_eq!(thread_count(None, 2, None), (2, None));
        assert_eq!(thread_count(Some(0), 2, None), (2, None));
        assert_eq!(thread_count(Some(3), 2, None), (3, None));
        assert_eq!(
            thread_count(Some(100_000), 2, Some(1000)),
            (
                8,
                Some("-T 100000 capped at 8: at most 4 per core, 2 cores here".into())
            )
        );
        assert_eq!(
            thread_count(Some(100_000), 2, Some(1)),
            (
                1,
                Some("-T 100000 capped at 1: the input has 1 chunk".into())
            )
        );
        assert_eq!(
            thread_count(Some(6), 2, Some(3)),
            (3, Some("-T 6 capped at 3: the input has 3 chunks".into()))
        );
        // Every core, silently, even past the chunks (nothing was asked).
        assert_eq!(thread_count(None, 8, Some(2)), (2, None));
    }
}

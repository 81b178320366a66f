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
    /// Worker threads (default: every core).
    #[arg(short = 'T', long)]
    pub threads: Option<usize>,
    /// Limits of the plugins' sandbox.
    #[command(flatten)]
    pub limits: crate::limits::LimitArgs,
}

impl CommonArgs {
    /// The thread count: `-T`, or every core.
    pub fn threads(&self) -> usize {
        self.threads
            .filter(|&t| t > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// Ends a command whose output is complete: gives an output file its
    /// permissions ([`set_output_permissions`]), then removes the input
    /// when `--rm` was given.
    pub fn finish(&self, input: &Path, output: Option<&Path>) -> Result<()> {
        if let Some(out) = output {
            set_output_permissions(input, out)?;
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
    match f.metadata() {
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
        let tmp = sandpress_frame::temp_beside(dest)?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// The file to write to.
    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// Syncs the file and renames it into place.
    pub fn commit(self) -> Result<()> {
        self.tmp
            .as_file()
            .sync_all()
            .context("syncing the output")?;
        self.tmp
            .persist(&self.dest)
            .with_context(|| format!("cannot rename the output to {}", self.dest.display()))?;
        Ok(())
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
        .prefix(".sandpress-")
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

/// Copies a finished temporary file to stdout.
pub fn copy_to_stdout(mut f: File) -> Result<()> {
    let mut out = io::stdout().lock();
    io::copy(&mut f, &mut out).context("writing to stdout")?;
    out.flush().context("writing to stdout")
}

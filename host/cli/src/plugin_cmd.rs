//! `sandpress plugin new | build | check`: write, build and check plugins
//! in Rust, C or AssemblyScript.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use sandpress_sandbox::Sandbox;
use sandpress_tooling::{Lang, check, new, project};

/// The `plugin` subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum PluginCommand {
    /// Make a plugin project that builds as it stands.
    New(NewArgs),
    /// Build a project (default: the current directory) into build/NAME.wasm.
    Build {
        /// The project directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Check a component against the contract and round-trip test blocks through it.
    Check(CheckArgs),
}

/// Options of `plugin new`.
#[derive(Args, Debug, Clone)]
pub struct NewArgs {
    /// The plugin's name; the project is made in a directory of that name.
    pub name: String,
    /// Language: rust, c or as (AssemblyScript).
    #[arg(long)]
    pub lang: String,
    /// Kind: codec, filter, prefilter or postfilter.
    #[arg(long)]
    pub kind: String,
    /// The id it registers under (160-255).
    #[arg(long, default_value_t = 160)]
    pub id: u8,
    /// Directory to make (default: NAME).
    #[arg(short, long)]
    pub dir: Option<PathBuf>,
}

/// Options of `plugin check`.
#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// The component (.wasm).
    pub plugin: PathBuf,
    /// Id to load it under (default: the id in the project's plugin.toml,
    /// beside the component or above its build/ directory; for an example
    /// component its suggested id; else 160).
    #[arg(long)]
    pub id: Option<u8>,
    /// The meta byte passed to every call.
    #[arg(long, default_value_t = 0)]
    pub meta: u8,
    /// Milliseconds to time each large block size for.
    #[arg(long, default_value_t = 200)]
    pub time_ms: u64,
    /// Limits of the sandbox the plugin is checked in.
    #[command(flatten)]
    pub limits: crate::limits::LimitArgs,
}

/// Runs a `plugin` subcommand; output on `out`.
pub fn run(cmd: &PluginCommand, out: &mut dyn Write) -> Result<()> {
    match cmd {
        PluginCommand::New(a) => {
            let lang = Lang::parse(&a.lang)
                .with_context(|| format!("--lang {:?}: rust, c or as", a.lang))?;
            let kind = project::parse_kind(&a.kind).with_context(|| {
                format!(
                    "--kind {:?}: codec, filter, prefilter or postfilter",
                    a.kind
                )
            })?;
            let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from(&a.name));
            let p = new::new(&dir, &a.name, lang, kind, a.id)?;
            writeln!(
                out,
                "made {} ({} {} in {}); next: sandpress plugin build {}",
                dir.display(),
                p.lang,
                a.kind,
                p.name,
                dir.display()
            )?;
        }
        PluginCommand::Build { dir } => {
            let b = sandpress_tooling::build::build(dir)?;
            let imports = if b.imports.is_empty() {
                "none".to_string()
            } else {
                b.imports.join(", ")
            };
            writeln!(
                out,
                "{}: {} bytes, sha256 {}, imports: {imports}",
                b.path.display(),
                b.component.len(),
                b.sha256
            )?;
        }
        PluginCommand::Check(a) => check_cmd(a, out)?,
    }
    Ok(())
}

fn check_cmd(a: &CheckArgs, out: &mut dyn Write) -> Result<()> {
    let bytes =
        std::fs::read(&a.plugin).with_context(|| format!("cannot read {}", a.plugin.display()))?;
    let name = a
        .plugin
        .file_stem()
        .map_or("plugin".into(), |s| s.to_string_lossy().into_owned());
    let sandbox = Sandbox::builder()
        .limits(a.limits.limits())
        .build()
        .context("starting the WebAssembly sandbox")?;
    let (id, id_from) = check_id(a, &bytes);
    let plugin = check::load(&sandbox, &name, id, &bytes)
        .with_context(|| format!("{} does not meet the contract", a.plugin.display()))?;
    let imports = sandpress_tooling::componentize::imports(&bytes);
    let m = plugin.meta().clone();
    writeln!(
        out,
        "{}: {} {} ({id_from}) {:?}, {} bytes, sha256 {}, imports: {}",
        a.plugin.display(),
        m.kind,
        m.id,
        m.name,
        bytes.len(),
        m.sha256_hex(),
        if imports.is_empty() {
            "none".into()
        } else {
            imports.join(", ")
        }
    )?;
    let report = check::check(&plugin, a.meta, Duration::from_millis(a.time_ms));
    let mut failed = 0;
    for c in &report.cases {
        let speed = c
            .mb_per_s
            .map_or(String::new(), |s| format!("  {s:>8.0} MB/s"));
        match &c.outcome {
            Ok(note) => writeln!(
                out,
                "  ok    {:>8} bytes, typesize {}, {}: {note}{}{speed}",
                c.size,
                c.typesize,
                c.pattern,
                raw_note(c)
            )?,
            Err(e) => {
                failed += 1;
                writeln!(
                    out,
                    "  FAIL  {:>8} bytes, typesize {}: {e}",
                    c.size, c.typesize
                )?
            }
        }
    }
    if let Some(verdict) = &report.halted {
        bail!(
            "stopped after {} of {} cases: {verdict}",
            report.cases.len(),
            check::SIZES.len() * check::TYPESIZES.len()
        );
    }
    if failed > 0 {
        bail!("{failed} of {} cases failed", report.cases.len());
    }
    let decoded = report.decoded();
    if report.decode_never_ran() {
        bail!(
            "the codec stored every case raw (patterns: {}): its decode was never exercised",
            check::Pattern::ALL.map(check::Pattern::name).join(", ")
        );
    }
    writeln!(
        out,
        "all {} cases passed, {decoded} of them decoded",
        report.cases.len()
    )?;
    Ok(())
}

/// `  (stored raw: walk, random)` when a codec declined patterns first.
fn raw_note(c: &check::Case) -> String {
    match (c.raw.len(), c.decoded) {
        (0, _) => String::new(),
        (_, true) => format!(" (stored raw first: {})", c.raw.join(", ")),
        (n, false) if n == check::Pattern::ALL.len() => ", every pattern".into(),
        (_, false) => String::new(),
    }
}

/// The id to check a component under, and where it came from: `--id`,
/// the project's plugin.toml, an example component's suggested id, or 160.
fn check_id(a: &CheckArgs, bytes: &[u8]) -> (u8, &'static str) {
    if let Some(id) = a.id {
        return (id, "--id");
    }
    if let Some(id) = check::project_id(&a.plugin) {
        return (id, "from plugin.toml");
    }
    if let Some(e) = sandpress_example_plugins::examples()
        .iter()
        .find(|e| e.bytes == bytes)
    {
        return (e.id, "the example's id");
    }
    (160, "the first user id: no --id, no plugin.toml")
}

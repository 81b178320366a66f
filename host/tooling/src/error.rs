//! Errors of the plugin tooling.

use std::path::PathBuf;

/// What went wrong making, building or checking a plugin.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        error: std::io::Error,
    },
    /// `plugin.toml` is missing or malformed.
    #[error("{path}: {reason}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A tool the language needs is not installed.
    #[error("{tool} is needed to build {lang} plugins and was not found: {hint}")]
    MissingTool {
        /// The program.
        tool: String,
        /// The language.
        lang: &'static str,
        /// How to install it.
        hint: String,
    },
    /// The compiler failed; its own messages were shown above.
    #[error("the {step} step failed ({command}); its messages are above")]
    StepFailed {
        /// Which step (compile, link, ...).
        step: &'static str,
        /// The command line.
        command: String,
    },
    /// The compiled module could not be made into a component.
    #[error("making the component: {0}")]
    Componentize(String),
    /// `plugin new` was asked for something it does not make.
    #[error("{0}")]
    Invalid(String),
}

impl ToolError {
    /// An [`ToolError::Io`] on `path`.
    pub fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        ToolError::Io {
            path: path.into(),
            error,
        }
    }
}

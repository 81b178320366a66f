//! One module per language: how to scaffold a project and how to compile
//! it into a core module whose exports have the canonical ABI names.

pub mod assemblyscript;
pub mod c;
pub mod rust;

use std::path::PathBuf;
use std::process::Command;

use crate::error::ToolError;

/// A file of a new project: path relative to the project, and contents.
pub type NewFile = (PathBuf, String);

/// Runs `cmd` (its output goes to the user), failing with
/// [`ToolError::StepFailed`] naming `step`.
pub fn run_step(step: &'static str, cmd: &mut Command) -> Result<(), ToolError> {
    let command = format!("{cmd:?}");
    let status = cmd.status().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ToolError::StepFailed {
            step,
            command: format!("{command}: program not found"),
        },
        _ => ToolError::StepFailed {
            step,
            command: format!("{command}: {e}"),
        },
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(ToolError::StepFailed { step, command })
    }
}

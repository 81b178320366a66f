//! The compile budget: limits on a component's code, checked with
//! wasmparser before Cranelift sees anything.
//!
//! Cranelift's time and memory grow with the size of a function (register
//! allocation over a function with a million live values took 11 s and
//! 800 MB), and compiling cannot be interrupted. Bounding the largest
//! function, the number of functions, the total code and the locals of a
//! function bounds both, at the cost of one linear scan of the bytes.

use std::fmt;

use crate::SandboxError;

/// Limits on the code of a component, checked before it is compiled.
///
/// Counts run over every core module the component contains. The defaults
/// leave room of 20× and more over the example plugins (Rust, C and
/// AssemblyScript components of 20–60 KB whose largest function is a few
/// KB).
///
/// ```
/// use sandpress_sandbox::{CompileBudget, Limits};
///
/// let budget = CompileBudget::default().max_function_size(64 << 10);
/// let limits = Limits::default().compile_budget(budget);
/// assert_eq!(limits.get_compile_budget().get_max_function_size(), 64 << 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileBudget {
    max_functions: u64,
    max_function_size: u64,
    max_code_size: u64,
    max_locals: u64,
}

impl CompileBudget {
    /// Default most functions defined, over all core modules: 20,000.
    pub const DEFAULT_MAX_FUNCTIONS: u64 = 20_000;
    /// Default largest body of one function: 512 KiB.
    pub const DEFAULT_MAX_FUNCTION_SIZE: u64 = 512 << 10;
    /// Default most bytes of function bodies in all: 8 MiB.
    pub const DEFAULT_MAX_CODE_SIZE: u64 = 8 << 20;
    /// Default most locals one function declares: 10,000.
    pub const DEFAULT_MAX_LOCALS: u64 = 10_000;

    /// Most functions the component's core modules define, together.
    ///
    /// A component with more is refused at load time, before it is
    /// compiled, with [`SandboxError::CompileBudget`] naming
    /// [`CompileLimit::Functions`]. Default:
    /// [`CompileBudget::DEFAULT_MAX_FUNCTIONS`] (20,000).
    #[must_use]
    pub fn max_functions(mut self, count: u64) -> Self {
        self.max_functions = count;
        self
    }

    /// Largest body of one function, in bytes of its binary encoding.
    ///
    /// This is the limit that stops a compile bomb (one huge function):
    /// a component with a larger function is refused at load time, before
    /// it is compiled, with [`SandboxError::CompileBudget`] naming
    /// [`CompileLimit::FunctionSize`]. Default:
    /// [`CompileBudget::DEFAULT_MAX_FUNCTION_SIZE`] (512 KiB).
    #[must_use]
    pub fn max_function_size(mut self, bytes: u64) -> Self {
        self.max_function_size = bytes;
        self
    }

    /// Most bytes of function bodies over all core modules.
    ///
    /// A component with more code is refused at load time, before it is
    /// compiled, with [`SandboxError::CompileBudget`] naming
    /// [`CompileLimit::CodeSize`]. Default:
    /// [`CompileBudget::DEFAULT_MAX_CODE_SIZE`] (8 MiB).
    #[must_use]
    pub fn max_code_size(mut self, bytes: u64) -> Self {
        self.max_code_size = bytes;
        self
    }

    /// Most locals one function declares (parameters not included).
    ///
    /// A component with a function declaring more is refused at load
    /// time, before it is compiled, with [`SandboxError::CompileBudget`]
    /// naming [`CompileLimit::Locals`]. Default:
    /// [`CompileBudget::DEFAULT_MAX_LOCALS`] (10,000).
    #[must_use]
    pub fn max_locals(mut self, count: u64) -> Self {
        self.max_locals = count;
        self
    }

    /// The most functions accepted.
    pub fn get_max_functions(&self) -> u64 {
        self.max_functions
    }

    /// The largest function body accepted, in bytes.
    pub fn get_max_function_size(&self) -> u64 {
        self.max_function_size
    }

    /// The most code accepted, in bytes.
    pub fn get_max_code_size(&self) -> u64 {
        self.max_code_size
    }

    /// The most locals accepted in one function.
    pub fn get_max_locals(&self) -> u64 {
        self.max_locals
    }
}

impl Default for CompileBudget {
    fn default() -> Self {
        CompileBudget {
            max_functions: Self::DEFAULT_MAX_FUNCTIONS,
            max_function_size: Self::DEFAULT_MAX_FUNCTION_SIZE,
            max_code_size: Self::DEFAULT_MAX_CODE_SIZE,
            max_locals: Self::DEFAULT_MAX_LOCALS,
        }
    }
}

/// Which limit of the [`CompileBudget`] a component exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompileLimit {
    /// [`CompileBudget::max_functions`].
    Functions,
    /// [`CompileBudget::max_function_size`].
    FunctionSize,
    /// [`CompileBudget::max_code_size`].
    CodeSize,
    /// [`CompileBudget::max_locals`].
    Locals,
}

impl fmt::Display for CompileLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompileLimit::Functions => "functions defined",
            CompileLimit::FunctionSize => "bytes in one function body",
            CompileLimit::CodeSize => "bytes of code in all",
            CompileLimit::Locals => "locals in one function",
        })
    }
}

/// Refuses a component whose code exceeds `budget`. Only what the parser
/// reads before an error counts: malformed bytes are left for the compiler
/// to report (it refuses them without compiling anything).
pub(crate) fn check_compile_budget(
    bytes: &[u8],
    budget: &CompileBudget,
) -> Result<(), SandboxError> {
    let over = |limit, allowed, found| SandboxError::CompileBudget {
        limit,
        allowed,
        found,
    };
    let mut functions = 0u64;
    let mut code = 0u64;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else {
            return Ok(());
        };
        match payload {
            wasmparser::Payload::CodeSectionStart { count, .. } => {
                functions = functions.saturating_add(u64::from(count));
                if functions > budget.max_functions {
                    return Err(over(
                        CompileLimit::Functions,
                        budget.max_functions,
                        functions,
                    ));
                }
            }
            wasmparser::Payload::CodeSectionEntry(body) => {
                let size = body.range().len() as u64;
                if size > budget.max_function_size {
                    return Err(over(
                        CompileLimit::FunctionSize,
                        budget.max_function_size,
                        size,
                    ));
                }
                code = code.saturating_add(size);
                if code > budget.max_code_size {
                    return Err(over(CompileLimit::CodeSize, budget.max_code_size, code));
                }
                let locals = declared_locals(&body);
                if locals > budget.max_locals {
                    return Err(over(CompileLimit::Locals, budget.max_locals, locals));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Locals a function body declares (saturating; a malformed declaration
/// counts what was read before it).
fn declared_locals(body: &wasmparser::FunctionBody<'_>) -> u64 {
    let Ok(reader) = body.get_locals_reader() else {
        return 0;
    };
    reader
        .into_iter()
        .map_while(Result::ok)
        .fold(0u64, |sum, (count, _)| sum.saturating_add(u64::from(count)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(functions: &str) -> Vec<u8> {
        wat::parse_str(format!("(component (core module {functions}))")).unwrap()
    }

    #[test]
    fn small_code_passes() {
        let c = component("(func (local i32) nop) (func)");
        assert_eq!(check_compile_budget(&c, &CompileBudget::default()), Ok(()));
    }

    #[test]
    fn each_limit_is_named() {
        let c = component("(func (local i32 i32 i32) nop) (func)");
        let found = |budget: CompileBudget| match check_compile_budget(&c, &budget) {
            Err(SandboxError::CompileBudget { limit, allowed, .. }) => Some((limit, allowed)),
            _ => None,
        };
        let d = CompileBudget::default();
        assert_eq!(
            found(d.max_functions(1)),
            Some((CompileLimit::Functions, 1))
        );
        assert_eq!(
            found(d.max_function_size(3)),
            Some((CompileLimit::FunctionSize, 3))
        );
        assert_eq!(found(d.max_code_size(6)), Some((CompileLimit::CodeSize, 6)));
        assert_eq!(found(d.max_locals(2)), Some((CompileLimit::Locals, 2)));
    }
}

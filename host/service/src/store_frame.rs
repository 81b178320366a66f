//! Storing a frame for a tenant: the one path every write of a whole
//! frame takes (`PUT /v1/frames/{name}` and appends). A finished frame
//! file is checked against the tenant's quota, uploaded in parts (staged:
//! nothing is visible yet), committed under the frame's lock if the
//! stored one is as the write expects, and then counted in the tenant's
//! usage.

use object_store::path::Path;

use crate::problem::Problem;
use crate::storage::TenantStore;
use crate::storage::commit::{self, Committed, Expect};
use crate::storage::upload;
use crate::tenant::Tenant;

/// The object a frame named `name` is stored as, `frames/NAME`; a name
/// must be 1-200 of `A-Z a-z 0-9 . _ -`, not starting with `.`.
pub fn frame_path(name: &str) -> Result<Path, Problem> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok {
        return Err(Problem::BadParameter(format!(
            "frame name {name:?}: use 1-200 of A-Z a-z 0-9 . _ -, not starting with ."
        )));
    }
    Ok(Path::from(format!("frames/{name}")))
}

/// The answer when the tenant has no frame `name`.
pub fn not_found(name: &str) -> Problem {
    Problem::NotFound(format!("no frame {name:?}"))
}

/// Where a frame is stored, and on what condition.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// The frame's object (see [`frame_path`]).
    pub path: &'a Path,
    /// What the stored object must be like for the write to go ahead.
    pub expect: &'a Expect,
    /// The frame as answers name it (`frame "NAME"`).
    pub what: &'a str,
}

/// Stores the finished frame `file` (`frame_len` bytes, read from its
/// start) at `to`: refused past the tenant's quota (the frame replacing
/// the `replacing` bytes stored there when the write started), staged,
/// committed if the stored object is as `to.expect` says, then counted
/// in the tenant's usage in place of the object it replaced.
pub async fn store(
    tenant: &Tenant,
    store: &TenantStore,
    to: Destination<'_>,
    file: std::fs::File,
    frame_len: u64,
    replacing: u64,
) -> Result<Committed, Problem> {
    tenant.check_quota(frame_len, replacing)?;
    let staged = upload::stage(store, to.path, file).await?;
    let done = commit::commit(store, to.path, staged, to.expect, to.what).await?;
    tenant.account(frame_len, done.replaced.unwrap_or(0));
    Ok(done)
}

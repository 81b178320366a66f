//! The tenants file: each tenant's token (as a sha256 hash only) and
//! limits, with defaults for all. It is `DATA/tenants.toml` with a local
//! store, and the object `tenants.toml` of a shared bucket (see
//! [`TenantsSource`](crate::tenant::source::TenantsSource)).
//!
//! ```toml
//! [defaults]               # every tenant, unless it says otherwise
//! concurrency = 4
//!
//! [tenants.alice]
//! token_sha256 = "9f86d0…"
//! [tenants.alice.limits]   # alice's own, over the defaults
//! storage_quota = 1073741824
//! ```

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

use crate::tenant::limits::{TenantLimits, ZeroLimit};

/// The file's name under the data directory.
pub const FILE_NAME: &str = "tenants.toml";

/// Why the tenants file could not be read, written or changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TenantsFileError {
    /// The text is not a tenants file (bad TOML, unknown key).
    #[error("reading {origin}: {source}")]
    Parse {
        /// Where the text was read from.
        origin: String,
        /// What the TOML parser said.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// The file could not be written as TOML.
    #[error("writing the tenants file: {source}")]
    Write {
        /// What the TOML writer said.
        #[source]
        source: toml::ser::Error,
    },
    /// A tenant's limits (the defaults with its own over them) are not
    /// limits: an unknown key, or a value of the wrong type.
    #[error("{origin}: limits of tenant {tenant}: {source}")]
    Limits {
        /// Where the file was read from.
        origin: String,
        /// The tenant.
        tenant: String,
        /// What the TOML parser said.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A tenant's limit is 0, under which nothing could run.
    #[error("{origin}: tenant {tenant}: {source}")]
    ZeroLimit {
        /// Where the file was read from.
        origin: String,
        /// The tenant.
        tenant: String,
        /// The limit.
        #[source]
        source: ZeroLimit,
    },
    /// Limits given to set (the defaults, or one tenant's) that are not a
    /// TOML table.
    #[error("{what}: {source}")]
    LimitsTable {
        /// `the default limits` or `the limits of tenant NAME`.
        what: String,
        /// What the TOML parser said.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A tenant name that cannot be used.
    #[error("tenant name {name:?}: use 1-63 of a-z, 0-9, _ and -, starting with a letter or digit")]
    BadName {
        /// The name given.
        name: String,
    },
    /// A tenant added under a name the file has already.
    #[error("tenant {name} exists already (rotate-token gives it a new token)")]
    Exists {
        /// The name.
        name: String,
    },
    /// A tenant the file does not have.
    #[error("no tenant {name}")]
    NoTenant {
        /// The name.
        name: String,
    },
    /// No random bytes for a new token.
    #[error("no random bytes: {source}")]
    Random {
        /// What the system's generator said.
        #[source]
        source: getrandom::Error,
    },
}

type Result<T, E = TenantsFileError> = std::result::Result<T, E>;

/// What the file says of one tenant, its limits resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantConfig {
    /// The tenant's name.
    pub name: String,
    /// The sha256 of its token, in hex.
    pub token_sha256: String,
    /// Its limits: the defaults with its own over them.
    pub limits: TenantLimits,
}

/// The tenants file, parsed: read and written whole through a
/// [`TenantsSource`](crate::tenant::source::TenantsSource).
#[derive(Debug, Clone)]
pub struct TenantsFile {
    origin: String,
    repr: FileRepr,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRepr {
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    defaults: toml::Table,
    #[serde(default)]
    tenants: BTreeMap<String, EntryRepr>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryRepr {
    token_sha256: String,
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    limits: toml::Table,
}

impl TenantsFile {
    /// A file with no tenants, which will be written to `origin`.
    pub fn empty(origin: &str) -> Self {
        TenantsFile {
            origin: origin.to_owned(),
            repr: FileRepr::default(),
        }
    }

    /// Parses the text of a tenants file read from `origin` (named in
    /// errors), checking every tenant's limits.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let repr = toml::from_str(text).map_err(|source| TenantsFileError::Parse {
            origin: origin.to_owned(),
            source: Box::new(source),
        })?;
        let file = TenantsFile {
            origin: origin.to_owned(),
            repr,
        };
        file.configs()?;
        Ok(file)
    }

    /// The text to store.
    pub fn to_text(&self) -> Result<String> {
        Ok(format!(
            "# sandpress tenants: tokens are kept as sha256 hashes only.\n\
             # Limits: [defaults] for every tenant, [tenants.NAME.limits] for one.\n{}",
            toml::to_string(&self.repr).map_err(|source| TenantsFileError::Write { source })?
        ))
    }

    /// Every tenant with its limits resolved, by name.
    pub fn configs(&self) -> Result<Vec<TenantConfig>> {
        self.repr
            .tenants
            .iter()
            .map(|(name, entry)| {
                let mut table = self.repr.defaults.clone();
                table.extend(entry.limits.clone());
                let limits: TenantLimits =
                    table
                        .try_into()
                        .map_err(|source| TenantsFileError::Limits {
                            origin: self.origin.clone(),
                            tenant: name.clone(),
                            source: Box::new(source),
                        })?;
                limits
                    .check()
                    .map_err(|source| TenantsFileError::ZeroLimit {
                        origin: self.origin.clone(),
                        tenant: name.clone(),
                        source,
                    })?;
                Ok(TenantConfig {
                    name: name.clone(),
                    token_sha256: entry.token_sha256.clone(),
                    limits,
                })
            })
            .collect()
    }

    /// Adds tenant `name` with a new token, which is returned (and kept
    /// only as its hash).
    pub fn add(&mut self, name: &str) -> Result<String> {
        check_name(name)?;
        if self.repr.tenants.contains_key(name) {
            return Err(TenantsFileError::Exists {
                name: name.to_owned(),
            });
        }
        let token = new_token()?;
        self.repr.tenants.insert(
            name.to_owned(),
            EntryRepr {
                token_sha256: token_hash(&token),
                limits: toml::Table::new(),
            },
        );
        Ok(token)
    }

    /// Gives tenant `name` a new token; the old one stops working when
    /// the servers next read the file.
    pub fn rotate(&mut self, name: &str) -> Result<String> {
        let token = new_token()?;
        let entry = self.entry(name)?;
        entry.token_sha256 = token_hash(&token);
        Ok(token)
    }

    /// Removes tenant `name` (its data stays in storage).
    pub fn remove(&mut self, name: &str) -> Result<()> {
        match self.repr.tenants.remove(name) {
            Some(_) => Ok(()),
            None => Err(no_tenant(name)),
        }
    }

    /// Sets the limits every tenant has unless it says otherwise, from
    /// the body of a TOML table (`concurrency = 2`).
    pub fn set_defaults(&mut self, toml_table: &str) -> Result<()> {
        self.repr.defaults = limits_table(toml_table, || "the default limits".to_owned())?;
        self.configs().map(drop)
    }

    /// Sets tenant `name`'s own limits, over the defaults, from the body
    /// of a TOML table (`concurrency = 8`); they replace the ones it had.
    ///
    /// ```
    /// use sandpress_service::tenant::TenantsFile;
    ///
    /// let mut file = TenantsFile::empty("example");
    /// file.add("alice")?;
    /// file.set_limits("alice", "concurrency = 8")?;
    /// assert_eq!(file.configs()?[0].limits.concurrency, 8);
    /// assert!(file.set_limits("alice", "concurrency = 0").is_err());
    /// # Ok::<(), sandpress_service::tenant::TenantsFileError>(())
    /// ```
    pub fn set_limits(&mut self, name: &str, toml_table: &str) -> Result<()> {
        let table = limits_table(toml_table, || format!("the limits of tenant {name}"))?;
        let entry = self.entry(name)?;
        let before = std::mem::replace(&mut entry.limits, table);
        if let Err(e) = self.configs() {
            self.entry(name)?.limits = before;
            return Err(e);
        }
        Ok(())
    }

    fn entry(&mut self, name: &str) -> Result<&mut EntryRepr> {
        self.repr
            .tenants
            .get_mut(name)
            .ok_or_else(|| no_tenant(name))
    }
}

fn no_tenant(name: &str) -> TenantsFileError {
    TenantsFileError::NoTenant {
        name: name.to_owned(),
    }
}

/// Parses the body of a TOML table of limits; `what` names it in errors.
fn limits_table(text: &str, what: impl FnOnce() -> String) -> Result<toml::Table> {
    toml::from_str(text).map_err(|source| TenantsFileError::LimitsTable {
        what: what(),
        source: Box::new(source),
    })
}

/// Tenant names: 1-63 of `a-z 0-9 _ -`, starting with a letter or digit
/// (they name storage prefixes and metrics labels).
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !ok {
        return Err(TenantsFileError::BadName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// A new API token: `sp_` and 32 random bytes in hex.
fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|source| TenantsFileError::Random { source })?;
    Ok(format!("sp_{}", hex(&bytes)))
}

/// The hash a token is stored and looked up by.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_rotate_remove_round_trip_through_the_text() {
        let mut f = TenantsFile::empty("t");
        let token = f.add("alice").unwrap();
        assert!(token.starts_with("sp_") && token.len() == 67);
        assert!(f.add("alice").is_err());
        assert!(f.add("Bob").is_err());
        let text = f.to_text().unwrap();
        assert!(!text.contains(&token), "the token itself is never stored");
        assert!(text.contains(&token_hash(&token)));

        let mut again = TenantsFile::parse(&text, "t").unwrap();
        let c = again.configs().unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].token_sha256, token_hash(&token));

        let new = again.rotate("alice").unwrap();
        assert_ne!(new, token);
        again.remove("alice").unwrap();
        assert!(again.remove("alice").is_err());
        assert!(again.configs().unwrap().is_empty());
    }

    #[test]
    fn a_tenants_limits_go_over_the_defaults() {
        let text = "[defaults]\nconcurrency = 2\nmax_plugins = 3\n\
             [tenants.a]\ntoken_sha256 = \"x\"\n[tenants.a.limits]\nconcurrency = 9\n";
        let mut file = TenantsFile::parse(text, "t").unwrap();
        let c = file.configs().unwrap();
        assert_eq!(c[0].limits.concurrency, 9);
        assert_eq!(c[0].limits.max_plugins, 3);
        // Writing keeps the defaults and the tenant's own limits.
        file.add("b").unwrap();
        let c = TenantsFile::parse(&file.to_text().unwrap(), "t")
            .unwrap()
            .configs()
            .unwrap();
        assert_eq!((c[0].limits.concurrency, c[1].limits.concurrency), (9, 2));
        let bad = "[tenants.a]\ntoken_sha256 = \"x\"\n[tenants.a.limits]\nconcurrency = 0\n";
        let e = TenantsFile::parse(bad, "t").unwrap_err();
        assert!(
            format!("{e:#}").contains("concurrency must be above 0"),
            "{e:#}"
        );
        assert!(file.set_defaults("concurrency = 0").is_err());
        file.set_defaults("concurrency = 5").unwrap();
        assert_eq!(file.configs().unwrap()[1].limits.concurrency, 5);
    }

    #[test]
    fn a_tenants_own_limits_are_set_whole_and_checked() {
        let mut file = TenantsFile::empty("t");
        file.add("a").unwrap();
        file.set_limits("a", "concurrency = 7\nworkers = 3")
            .unwrap();
        let text = file.to_text().unwrap();
        assert!(text.contains("[tenants.a.limits]"), "{text}");
        let c = TenantsFile::parse(&text, "t").unwrap().configs().unwrap();
        assert_eq!((c[0].limits.concurrency, c[0].limits.workers), (7, 3));
        // Refused limits leave the ones it had.
        let e = file.set_limits("a", "workers = 0").unwrap_err();
        assert!(
            matches!(&e, TenantsFileError::ZeroLimit { tenant, .. } if tenant == "a"),
            "{e}"
        );
        assert_eq!(file.configs().unwrap()[0].limits.workers, 3);
        assert!(matches!(
            file.set_limits("b", "concurrency = 1"),
            Err(TenantsFileError::NoTenant { .. })
        ));
        assert!(matches!(
            file.set_limits("a", "concurrency = "),
            Err(TenantsFileError::LimitsTable { .. })
        ));
    }
}

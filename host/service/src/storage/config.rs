//! Where the service keeps its objects: `DATA/storage.toml`. Without the
//! file, a local directory (`DATA/store`); with an `[s3]` table, a bucket
//! of any S3-compatible store, shared by every replica that names it.
//!
//! ```toml
//! [s3]
//! bucket = "sandpress"
//! endpoint = "http://127.0.0.1:5000"   # else AWS_ENDPOINT_URL, else AWS itself
//! region = "us-east-1"                 # else AWS_REGION / AWS_DEFAULT_REGION
//! prefix = "prod"                      # keys under prod/ (default: the bucket's root)
//! allow_http = true                    # a plain-HTTP endpoint (testing)
//! # Credentials: access_key_id / secret_access_key here, else the usual
//! # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
//! connect_timeout = "2s"               # defaults shown
//! timeout = "60s"
//! retries = 3
//! retry_timeout = "10s"
//! ```
//!
//! Every setting not in the file comes from the `AWS_*` environment
//! variables object_store reads (`AmazonS3Builder::from_env`).

use std::num::ParseIntError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::prefix::PrefixStore;
use object_store::{BackoffConfig, ClientConfigKey, ObjectStore, RetryConfig};
use serde::Deserialize;

/// The file's name under the data directory.
pub const FILE_NAME: &str = "storage.toml";

/// Why `DATA/storage.toml` could not be read or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageConfigError {
    /// The file could not be read.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a storage configuration (bad TOML, unknown key).
    #[error("reading {}: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A duration setting that does not parse.
    #[error("{FILE_NAME}: {name} = {value:?}: {source}")]
    Duration {
        /// The setting (`timeout`, ...).
        name: &'static str,
        /// Its value as written.
        value: String,
        /// What is wrong with it.
        #[source]
        source: DurationError,
    },
    /// The bucket cannot be used as configured.
    #[error("S3 bucket {bucket}: {source}")]
    S3 {
        /// The bucket.
        bucket: String,
        /// What object_store said.
        #[source]
        source: object_store::Error,
    },
}

/// A duration that is not a whole number and a unit (`2s`, `500ms`, `1m`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// No whole number before the unit.
    #[error("expected a whole number and a unit (ms, s, m): {source}")]
    Number {
        /// What the number's parser said.
        #[source]
        source: ParseIntError,
    },
    /// A unit other than `ms`, `s` or `m`.
    #[error("unit {unit:?}: use ms, s or m")]
    Unit {
        /// The unit as written.
        unit: String,
    },
}

/// `DATA/storage.toml` as read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// An S3-compatible bucket; none: the local directory `DATA/store`.
    pub s3: Option<S3Config>,
}

/// An S3-compatible bucket and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    /// The bucket (it must exist).
    pub bucket: String,
    /// The endpoint URL, for stores other than AWS.
    pub endpoint: Option<String>,
    /// The region.
    pub region: Option<String>,
    /// Keys go under this prefix of the bucket.
    pub prefix: Option<String>,
    /// Whether a plain-HTTP endpoint may be used.
    pub allow_http: Option<bool>,
    /// The access key; else `AWS_ACCESS_KEY_ID`.
    pub access_key_id: Option<String>,
    /// The secret key; else `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<String>,
    /// Time to connect to the store (humantime: `2s`, `500ms`).
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout: String,
    /// Time for one request to the store.
    #[serde(default = "default_timeout")]
    pub timeout: String,
    /// Retries of a failed request.
    #[serde(default = "default_retries")]
    pub retries: usize,
    /// No retry starts this long after the first try.
    #[serde(default = "default_retry_timeout")]
    pub retry_timeout: String,
}

fn default_connect_timeout() -> String {
    "2s".into()
}

fn default_timeout() -> String {
    "60s".into()
}

fn default_retries() -> usize {
    3
}

fn default_retry_timeout() -> String {
    "10s".into()
}

impl StorageConfig {
    /// Reads `DATA/storage.toml`; a missing file is the local default.
    pub fn load(data_dir: &Path) -> Result<Self, StorageConfigError> {
        let path = data_dir.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|source| StorageConfigError::Parse {
                path,
                source: Box::new(source),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StorageConfig::default()),
            Err(source) => Err(StorageConfigError::Read { path, source }),
        }
    }
}

impl S3Config {
    /// The bucket as an object store (under the prefix, if any). Nothing
    /// is sent to the store yet.
    pub fn build(&self) -> Result<Arc<dyn ObjectStore>, StorageConfigError> {
        // The TLS stack's cryptography (ring); installing it twice is
        // harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut b = AmazonS3Builder::from_env().with_bucket_name(&self.bucket);
        if let Some(e) = &self.endpoint {
            b = b.with_endpoint(e);
        }
        if let Some(r) = &self.region {
            b = b.with_region(r);
        }
        if let Some(allow) = self.allow_http {
            b = b.with_allow_http(allow);
        }
        if let Some(k) = &self.access_key_id {
            b = b.with_access_key_id(k);
        }
        if let Some(k) = &self.secret_access_key {
            b = b.with_secret_access_key(k);
        }
        let retry_timeout = humantime(&self.retry_timeout, "retry_timeout")?;
        humantime(&self.connect_timeout, "connect_timeout")?;
        humantime(&self.timeout, "timeout")?;
        let b = b
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
                &self.connect_timeout,
            )
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::Timeout),
                &self.timeout,
            )
            .with_retry(RetryConfig {
                backoff: BackoffConfig {
                    init_backoff: Duration::from_millis(100),
                    max_backoff: Duration::from_secs(2),
                    base: 2.0,
                },
                max_retries: self.retries,
                retry_timeout,
            });
        let s3: Arc<dyn ObjectStore> =
            Arc::new(b.build().map_err(|source| StorageConfigError::S3 {
                bucket: self.bucket.clone(),
                source,
            })?);
        Ok(match self.prefix.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => Arc::new(PrefixStore::new(s3, p)),
            None => s3,
        })
    }

    /// Where it is, for messages: `s3://BUCKET/PREFIX at ENDPOINT`.
    pub fn describe(&self) -> String {
        let prefix = self.prefix.as_deref().unwrap_or("");
        match &self.endpoint {
            Some(e) => format!("s3://{}/{prefix} at {e}", self.bucket),
            None => format!("s3://{}/{prefix}", self.bucket),
        }
    }
}

fn humantime(value: &str, name: &'static str) -> Result<Duration, StorageConfigError> {
    parse_duration(value).map_err(|source| StorageConfigError::Duration {
        name,
        value: value.to_owned(),
        source,
    })
}

/// `2s`, `500ms`, `1m`: a whole number and a unit.
fn parse_duration(value: &str) -> Result<Duration, DurationError> {
    let v = value.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (n, unit) = v.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|source| DurationError::Number { source })?;
    match unit.trim() {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n.saturating_mul(60))),
        other => Err(DurationError::Unit {
            unit: other.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_reads_with_defaults_and_refuses_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            StorageConfig::load(dir.path()).unwrap(),
            StorageConfig::default()
        );
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[s3]\nbucket = \"b1\"\nendpoint = \"http://127.0.0.1:9\"\nallow_http = true\n",
        )
        .unwrap();
        let c = StorageConfig::load(dir.path()).unwrap().s3.unwrap();
        assert_eq!((c.bucket.as_str(), c.retries), ("b1", 3));
        assert_eq!(c.describe(), "s3://b1/ at http://127.0.0.1:9");
        c.build().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "[s3]\nbuckt = \"b1\"\n").unwrap();
        let e = StorageConfig::load(dir.path()).unwrap_err();
        assert!(format!("{e:#}").contains("buckt"), "{e:#}");
    }

    #[test]
    fn durations_parse_with_their_units() {
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1m").unwrap(), Duration::from_secs(60));
        assert!(parse_duration("2").is_err());
        assert!(parse_duration("1.5s").is_err());
        assert!(parse_duration("s").is_err());
    }
}

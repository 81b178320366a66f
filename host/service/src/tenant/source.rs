//! Where the tenants file lives, and how it is read, watched and changed:
//! `DATA/tenants.toml` beside a local store, or the object `tenants.toml`
//! of a bucket that several replicas share. In a bucket every change is a
//! conditional write (the object's e_tag as last read), so two admins
//! changing tenants at once through two machines never lose a change.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};

use crate::storage::config::{StorageConfig, StorageConfigError};
use crate::tenant::file::{FILE_NAME, TenantsFile, TenantsFileError};

/// Why the tenants file could not be read or changed where it lives.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TenantsSourceError {
    /// A local file could not be read.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The object could not be read.
    #[error("reading {origin}: {source}")]
    Fetch {
        /// Where it is.
        origin: String,
        /// What the store said.
        #[source]
        source: object_store::Error,
    },
    /// The object is not UTF-8 text.
    #[error("reading {origin}: not UTF-8: {source}")]
    NotUtf8 {
        /// Where it is.
        origin: String,
        /// Where the text went wrong.
        #[source]
        source: std::string::FromUtf8Error,
    },
    /// A local file's directory could not be made.
    #[error("creating {}: {source}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A local file could not be written.
    #[error("writing {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The object could not be written.
    #[error("writing {origin}: {source}")]
    Store {
        /// Where it is.
        origin: String,
        /// What the store said.
        #[source]
        source: object_store::Error,
    },
    /// Other writers changed the file between each read and write of a
    /// change.
    #[error("{origin} kept changing while this change was written; try again")]
    KeptChanging {
        /// Where it is.
        origin: String,
        /// How many times the change was tried.
        attempts: usize,
    },
    /// What the file says (or a change to it) is wrong.
    #[error(transparent)]
    File(#[from] TenantsFileError),
    /// `DATA/storage.toml` could not be read, or names a bucket that
    /// cannot be used.
    #[error(transparent)]
    Storage(#[from] StorageConfigError),
    /// No runtime for the blocking calls.
    #[error("starting a runtime: {source}")]
    Runtime {
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

type Result<T, E = TenantsSourceError> = std::result::Result<T, E>;

/// Where the tenants file is.
#[derive(Debug, Clone)]
pub enum TenantsSource {
    /// A local file.
    File(PathBuf),
    /// The object `tenants.toml` of a shared store.
    Object(Arc<dyn ObjectStore>),
}

/// What one read of the file saw, to tell whether it changed since and
/// to write it only if it did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stamp {
    /// There was no file.
    Absent,
    /// A local file's modification time.
    Modified(Option<SystemTime>),
    /// An object's version.
    Version {
        /// Its e_tag.
        e_tag: Option<String>,
        /// Its version, where the store keeps versions.
        version: Option<String>,
    },
}

/// How many times a change is tried again when another writer got in
/// between its read and its write.
const ATTEMPTS: usize = 5;

impl TenantsSource {
    /// Where the data directory's tenants are: in the bucket
    /// `DATA/storage.toml` names, else `DATA/tenants.toml`.
    pub fn for_data_dir(data_dir: &Path) -> Result<Self> {
        Ok(match StorageConfig::load(data_dir)?.s3 {
            Some(s3) => TenantsSource::Object(s3.build()?),
            None => TenantsSource::File(data_dir.join(FILE_NAME)),
        })
    }

    /// Where, for messages.
    pub fn describe(&self) -> String {
        match self {
            TenantsSource::File(p) => p.display().to_string(),
            TenantsSource::Object(s) => format!("{FILE_NAME} in {s}"),
        }
    }

    fn key() -> ObjectPath {
        ObjectPath::from(FILE_NAME)
    }

    /// Whether the file is shared by several machines (then it is read
    /// at most every refresh interval, not at every request).
    pub fn is_shared(&self) -> bool {
        matches!(self, TenantsSource::Object(_))
    }

    /// What the file is now, without reading it.
    pub async fn stamp(&self) -> Result<Stamp> {
        match self {
            TenantsSource::File(p) => Ok(match std::fs::metadata(p) {
                Ok(m) => Stamp::Modified(m.modified().ok()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Stamp::Absent,
                Err(source) => {
                    return Err(TenantsSourceError::Read {
                        path: p.clone(),
                        source,
                    });
                }
            }),
            TenantsSource::Object(s) => match s.head(&Self::key()).await {
                Ok(m) => Ok(Stamp::Version {
                    e_tag: m.e_tag,
                    version: m.version,
                }),
                Err(object_store::Error::NotFound { .. }) => Ok(Stamp::Absent),
                Err(source) => Err(TenantsSourceError::Fetch {
                    origin: self.describe(),
                    source,
                }),
            },
        }
    }

    /// The file and what it was when read; a missing file has no tenants.
    pub async fn read(&self) -> Result<(TenantsFile, Stamp)> {
        let origin = self.describe();
        let (text, stamp) = match self {
            TenantsSource::File(p) => {
                let stamp = self.stamp().await?;
                match std::fs::read_to_string(p) {
                    Ok(t) => (Some(t), stamp),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => (None, Stamp::Absent),
                    Err(source) => {
                        return Err(TenantsSourceError::Read {
                            path: p.clone(),
                            source,
                        });
                    }
                }
            }
            TenantsSource::Object(s) => match s.get(&Self::key()).await {
                Ok(r) => {
                    let stamp = Stamp::Version {
                        e_tag: r.meta.e_tag.clone(),
                        version: r.meta.version.clone(),
                    };
                    let bytes = r
                        .bytes()
                        .await
                        .map_err(|source| TenantsSourceError::Fetch {
                            origin: origin.clone(),
                            source,
                        })?;
                    let text = String::from_utf8(bytes.to_vec()).map_err(|source| {
                        TenantsSourceError::NotUtf8 {
                            origin: origin.clone(),
                            source,
                        }
                    })?;
                    (Some(text), stamp)
                }
                Err(object_store::Error::NotFound { .. }) => (None, Stamp::Absent),
                Err(source) => return Err(TenantsSourceError::Fetch { origin, source }),
            },
        };
        let file = match text {
            Some(t) => TenantsFile::parse(&t, &origin)?,
            None => TenantsFile::empty(&origin),
        };
        Ok((file, stamp))
    }

    /// Reads the file, applies `change` and writes it back, unless another
    /// writer changed it in between: then it starts over (a few times).
    pub async fn update<T>(
        &self,
        mut change: impl FnMut(&mut TenantsFile) -> Result<T, TenantsFileError>,
    ) -> Result<T> {
        for _ in 0..ATTEMPTS {
            let (mut file, stamp) = self.read().await?;
            let out = change(&mut file)?;
            if self.write(&file, &stamp).await? {
                return Ok(out);
            }
        }
        Err(TenantsSourceError::KeptChanging {
            origin: self.describe(),
            attempts: ATTEMPTS,
        })
    }

    /// [`update`](Self::update) from code that is not async (the CLI).
    ///
    /// ```
    /// use sandpress_service::tenant::TenantsSource;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let source = TenantsSource::for_data_dir(dir.path())?;
    /// let token = source.update_blocking(|file| file.add("alice"))?;
    /// assert!(token.starts_with("sp_"));
    /// assert_eq!(source.read_blocking()?.configs()?[0].name, "alice");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update_blocking<T>(
        &self,
        change: impl FnMut(&mut TenantsFile) -> Result<T, TenantsFileError>,
    ) -> Result<T> {
        block_on(self.update(change))
    }

    /// [`read`](Self::read) from code that is not async (the CLI).
    pub fn read_blocking(&self) -> Result<TenantsFile> {
        block_on(self.read()).map(|(file, _)| file)
    }

    /// Writes `file`, in a bucket only if it is still as `seen`; whether
    /// it was written.
    async fn write(&self, file: &TenantsFile, seen: &Stamp) -> Result<bool> {
        let text = file.to_text()?;
        match self {
            TenantsSource::File(p) => {
                write_file(p, &text)?;
                Ok(true)
            }
            TenantsSource::Object(s) => {
                let mode = match seen {
                    Stamp::Version { e_tag, version } if e_tag.is_some() || version.is_some() => {
                        PutMode::Update(UpdateVersion {
                            e_tag: e_tag.clone(),
                            version: version.clone(),
                        })
                    }
                    Stamp::Absent => PutMode::Create,
                    _ => PutMode::Overwrite,
                };
                let put = s
                    .put_opts(&Self::key(), PutPayload::from(text), PutOptions::from(mode))
                    .await;
                match put {
                    Ok(_) => Ok(true),
                    Err(
                        object_store::Error::Precondition { .. }
                        | object_store::Error::AlreadyExists { .. },
                    ) => Ok(false),
                    Err(source) => Err(TenantsSourceError::Store {
                        origin: self.describe(),
                        source,
                    }),
                }
            }
        }
    }
}

/// Runs `f` to its end on a runtime of its own (for callers that have none).
fn block_on<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| TenantsSourceError::Runtime { source })?
        .block_on(f)
}

/// Writes a local file under a temporary name and renames it into place.
fn write_file(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| TenantsSourceError::CreateDir {
        dir: dir.to_owned(),
        source,
    })?;
    let failed = |source| TenantsSourceError::Write {
        path: path.to_owned(),
        source,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(failed)?;
    tmp.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use object_store::memory::InMemory;

    use super::*;

    #[tokio::test]
    async fn a_change_read_before_anothers_write_is_made_again_on_top_of_it() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let src = TenantsSource::Object(store.clone());
        assert_eq!(src.stamp().await.unwrap(), Stamp::Absent);
        src.update(|f| f.add("alice")).await.unwrap();
        let (file, seen) = src.read().await.unwrap();
        assert_eq!(file.configs().unwrap().len(), 1);
        // Another machine adds bob between this one's read and its write:
        // the stale write is refused, and update() starts over.
        let other = TenantsSource::Object(store.clone());
        other.update(|f| f.add("bob")).await.unwrap();
        assert!(!src.write(&file, &seen).await.unwrap());
        assert_ne!(src.stamp().await.unwrap(), seen);
        src.update(|f| f.add("carol")).await.unwrap();
        let (file, _) = src.read().await.unwrap();
        let names: Vec<_> = file
            .configs()
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["alice", "bob", "carol"]);
    }

    #[tokio::test]
    async fn a_local_file_is_written_whole_and_watched_by_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let src = TenantsSource::for_data_dir(dir.path()).unwrap();
        assert!(!src.is_shared());
        assert_eq!(src.stamp().await.unwrap(), Stamp::Absent);
        let token = src.update(|f| f.add("alice")).await.unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(text.contains(&crate::tenant::file::token_hash(&token)));
        assert!(matches!(
            src.stamp().await.unwrap(),
            Stamp::Modified(Some(_))
        ));
    }
}

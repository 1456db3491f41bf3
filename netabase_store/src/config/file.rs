//! [`FileConfig`]: the configuration of the file backends (native targets).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::error::Result;

/// Configuration of a file-backed store.
#[derive(Debug, Clone)]
pub struct FileConfig {
    /// Where the database lives: a directory for sled, a file for redb.
    pub path: PathBuf,
    /// Cache size in megabytes (default 256).
    pub cache_size_mb: usize,
    /// Create the database when it does not exist (default `true`).
    pub create_if_missing: bool,
    /// Delete any existing database before opening (default `false`).
    pub truncate: bool,
    /// Open read-only (default `false`).
    pub read_only: bool,
    /// Make every commit durable before it returns (default `true`).
    pub use_fsync: bool,
    /// With `use_fsync` off, how often commits are made durable (default
    /// [`FileConfig::DEFAULT_FLUSH_INTERVAL`]): sled flushes in the background at this
    /// interval; redb makes the first commit after it durable, and with it every earlier one.
    /// A crash then loses about this much; redb's memory for non-durable commits stays bounded.
    pub flush_interval: Duration,
    /// How many change events a subscriber may fall behind before it lags (default
    /// [`DEFAULT_CAPACITY`](crate::subscription::DEFAULT_CAPACITY)).
    pub subscription_capacity: usize,
    /// Keeps the directory of [`FileConfig::temp`] alive; it is deleted with the last clone of
    /// this config (and of any store opened from it).
    temp_dir: Option<Arc<tempfile::TempDir>>,
}

impl FileConfig {
    /// The default [`FileConfig::flush_interval`] (sled's own default).
    pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_millis(500);

    /// A configuration with default options for `path`.
    pub fn new(path: impl AsRef<Path>) -> Self {
        FileConfig {
            path: path.as_ref().to_path_buf(),
            cache_size_mb: 256,
            create_if_missing: true,
            truncate: false,
            read_only: false,
            use_fsync: true,
            flush_interval: Self::DEFAULT_FLUSH_INTERVAL,
            subscription_capacity: crate::subscription::DEFAULT_CAPACITY,
            temp_dir: None,
        }
    }

    /// A configuration for a fresh database in a new temporary directory, deleted when the
    /// last clone of this configuration, and every store opened from it, is dropped.
    ///
    /// # Errors
    /// When the temporary directory cannot be created.
    pub fn temp() -> Result<Self> {
        let dir = tempfile::Builder::new().prefix("netabase-").tempdir()?;
        let mut config = FileConfig::new(dir.path().join("db"));
        config.temp_dir = Some(Arc::new(dir));
        Ok(config)
    }

    /// Starts a builder; `path` must be set before the config is used.
    pub fn builder() -> FileConfigBuilder {
        FileConfigBuilder {
            config: FileConfig::new(PathBuf::new()),
        }
    }

    /// Checks what every backend requires. `backend` names the caller in errors.
    #[cfg(any(feature = "sled", feature = "redb"))]
    pub(crate) fn validate(&self, backend: &'static str) -> Result<()> {
        use crate::error::NetabaseError;

        if self.path.as_os_str().is_empty() {
            return Err(NetabaseError::InvalidConfig {
                backend,
                field: "path",
                reason: "is empty; set it with `FileConfig::new(path)` or `.path(..)`".into(),
            });
        }
        if self.flush_interval < Duration::from_millis(1) {
            return Err(NetabaseError::InvalidConfig {
                backend,
                field: "flush_interval",
                reason: "must be at least 1 ms; set `use_fsync` to make every commit durable"
                    .into(),
            });
        }
        if self.read_only && self.truncate {
            return Err(NetabaseError::InvalidConfig {
                backend,
                field: "truncate",
                reason: "cannot be combined with `read_only`".into(),
            });
        }
        Ok(())
    }

    /// The cache size in bytes.
    #[cfg(any(feature = "sled", feature = "redb"))]
    pub(crate) fn cache_bytes(&self) -> usize {
        self.cache_size_mb.saturating_mul(1024 * 1024)
    }
}

/// Builder of [`FileConfig`] (`FileConfig::builder().path(..).cache_size_mb(..).build()`).
#[derive(Debug, Clone)]
#[must_use]
pub struct FileConfigBuilder {
    config: FileConfig,
}

impl FileConfigBuilder {
    /// Sets the database path.
    pub fn path(mut self, path: PathBuf) -> Self {
        self.config.path = path;
        self
    }

    /// Sets the cache size in megabytes.
    pub fn cache_size_mb(mut self, megabytes: usize) -> Self {
        self.config.cache_size_mb = megabytes;
        self
    }

    /// Sets whether a missing database is created.
    pub fn create_if_missing(mut self, create: bool) -> Self {
        self.config.create_if_missing = create;
        self
    }

    /// Sets whether an existing database is deleted first.
    pub fn truncate(mut self, truncate: bool) -> Self {
        self.config.truncate = truncate;
        self
    }

    /// Sets read-only mode.
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.config.read_only = read_only;
        self
    }

    /// Sets whether every commit is durable before it returns.
    pub fn use_fsync(mut self, use_fsync: bool) -> Self {
        self.config.use_fsync = use_fsync;
        self
    }

    /// Sets how often commits are made durable when `use_fsync` is off.
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.config.flush_interval = interval;
        self
    }

    /// Sets how many change events a subscriber may fall behind before it lags.
    pub fn subscription_capacity(mut self, events: usize) -> Self {
        self.config.subscription_capacity = events;
        self
    }

    /// Finishes the configuration. An unset path is reported when the config is used.
    pub fn build(self) -> FileConfig {
        self.config
    }
}

/// Removes what is at `path` (file or directory) if anything is there.
#[cfg(any(feature = "sled", feature = "redb"))]
pub(crate) fn remove_existing(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path)?,
        Ok(_) => std::fs::remove_file(path)?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err.into()),
    }
    Ok(())
}

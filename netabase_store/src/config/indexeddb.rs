//! [`IndexedDBConfig`]: the configuration of the IndexedDB backend (wasm32, feature `wasm`).

use crate::error::{NetabaseError, Result};

/// Configuration of an IndexedDB store (see
/// [`IndexedDBStore::with_config`](crate::databases::indexeddb_store::IndexedDBStore::with_config)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedDBConfig {
    /// The IndexedDB database name. Databases are per origin; two stores with the same name
    /// share one database (each definition has its own object stores in it).
    pub database_name: String,
    /// The lowest version to open the database at (default 1, at least 1). A database with a
    /// lower version is upgraded to it; a database that lacks object stores of the definition is
    /// upgraded one version past `max(version, its version)`; a database with a higher version
    /// is opened at its version, as IndexedDB cannot open a database at a lower version.
    pub version: u32,
}

impl IndexedDBConfig {
    /// A configuration for database `database_name` at version 1.
    pub fn new(database_name: impl Into<String>) -> Self {
        IndexedDBConfig {
            database_name: database_name.into(),
            version: 1,
        }
    }

    /// Sets the lowest version to open the database at.
    #[must_use]
    pub fn with_version(mut self, version: u32) -> Self {
        self.version = version;
        self
    }

    /// Checks the fields.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.version == 0 {
            return Err(NetabaseError::InvalidConfig {
                backend: "indexeddb",
                field: "version",
                reason: "must be at least 1 (IndexedDB versions start at 1)".into(),
            });
        }
        Ok(())
    }
}

impl Default for IndexedDBConfig {
    /// Database `"netabase"` at version 1.
    fn default() -> Self {
        IndexedDBConfig::new("netabase")
    }
}

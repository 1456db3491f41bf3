//! Backend configuration.
//!
//! `FileConfig` (native targets) configures the file backends (sled, redb); `IndexedDBConfig`
//! (wasm32, feature `wasm`) configures the IndexedDB backend. Every field is honoured by each
//! backend or rejected with [`NetabaseError::InvalidConfig`](crate::error::NetabaseError):
//!
//! | `FileConfig` field | sled | redb |
//! |---|---|---|
//! | `path` | database directory | database file |
//! | `cache_size_mb` | page cache capacity | page cache size |
//! | `create_if_missing` | fail with `NotFound` when the directory does not exist | same, for the file |
//! | `truncate` | delete the existing directory first | delete the existing file first |
//! | `read_only` | rejected: sled 0.34 has no read-only mode | opened with redb's read-only database; writes fail with `ReadOnly` |
//! | `use_fsync` | every commit is followed by a flush (fsync) | commits use `Durability::Immediate` (else `None`) |
//! | `flush_interval` | without `use_fsync`: sled's background flush interval | without `use_fsync`: the first commit after this interval since the last durable one is made durable (this bounds redb's memory for non-durable commits) |
//! | `subscription_capacity` | events buffered per slow subscriber | same |
//!
//! `use_fsync = true` (the default) means a write is durable when the call returns.
//!
//! | `IndexedDBConfig` field | IndexedDB |
//! |---|---|
//! | `database_name` | the IndexedDB database name (one per origin) |
//! | `version` | the lowest database version to open; opening upgrades an older database to it, and past it when the definition gained models (IndexedDB never opens a database at a lower version than it has) |

#[cfg(not(target_arch = "wasm32"))]
mod file;
#[cfg(all(feature = "wasm", target_arch = "wasm32"))]
mod indexeddb;

#[cfg(all(not(target_arch = "wasm32"), any(feature = "sled", feature = "redb")))]
pub(crate) use file::remove_existing;
#[cfg(not(target_arch = "wasm32"))]
pub use file::{FileConfig, FileConfigBuilder};
#[cfg(all(feature = "wasm", target_arch = "wasm32"))]
pub use indexeddb::IndexedDBConfig;

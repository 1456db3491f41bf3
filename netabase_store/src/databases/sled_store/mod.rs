//! The sled backend.
//!
//! Each table is a sled tree. sled's own transactions cannot iterate, so a write transaction
//! here keeps its writes in an overlay (read-your-writes, ordered iteration merged with the
//! tree) and commits them in **one** sled multi-tree transaction, which sled applies
//! atomically, also across a crash. Write transactions are serialised by a store-wide mutex,
//! so the values read to maintain secondary indexes cannot change before the commit.
//!
//! Auto-commit writes ([`Backend::auto_commit`]: tree calls, batches, DHT records) skip the
//! overlay: they run inside sled's transaction closure and write to its transactional trees
//! directly, as hand-written sled code would. Those trees cannot iterate or count, so a write
//! that does (clearing, checking unique keys, repairing the index of an undecodable value)
//! is rolled back when it tries and runs again on the overlay. Callers that know their work
//! iterates name no tables and get the overlay at once.
//!
//! Reads outside a write transaction see committed data; sled has no snapshots, so a read
//! transaction that spans several calls may observe commits made in between.

mod write;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};
use sled::{IVec, Tree};

pub use self::write::{MergeIter, SledWrite, SledWriteTable};
use crate::config::{FileConfig, remove_existing};
use crate::engine::{
    Backend, KeyBounds, RawTable, ReadTxn, SnapshotTable, is_empty_range, write_in_transaction,
};
use crate::error::{NetabaseError, Result};
use crate::subscription::{ChangeHub, DEFAULT_CAPACITY, EventLog};
use crate::traits::backend_store::BackendStore;
use crate::traits::definition::NetabaseDefinitionTrait;

const BACKEND: &str = "sled";

fn sled_err(operation: &'static str) -> impl FnOnce(sled::Error) -> NetabaseError {
    move |err| NetabaseError::storage(operation, err)
}

struct Shared {
    db: sled::Db,
    /// The trees this store has opened, by name: sled's own lookup hashes the name under a
    /// lock on every call, this one compares a few names.
    trees: RwLock<Vec<(&'static str, Tree)>>,
    writer: Arc<Mutex<()>>,
    fsync: bool,
    changes: ChangeHub,
    _config: Option<FileConfig>,
}

/// A sled-backed store for definition `D`. Clones share the same database.
pub struct SledStore<D> {
    shared: Arc<Shared>,
    _definition: PhantomData<fn() -> D>,
}

impl<D> Clone for SledStore<D> {
    fn clone(&self) -> Self {
        SledStore {
            shared: Arc::clone(&self.shared),
            _definition: PhantomData,
        }
    }
}

impl<D> fmt::Debug for SledStore<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SledStore")
            .field("fsync", &self.shared.fsync)
            .finish_non_exhaustive()
    }
}

impl<D> SledStore<D> {
    /// Opens (creating if needed) the database directory at `path`, with default options.
    ///
    /// # Errors
    /// When sled cannot open the directory (for example another process holds it).
    pub fn new(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Self::with_config(FileConfig::new(path), false)
    }

    /// A fresh database that is deleted when the last clone of the store is dropped.
    ///
    /// # Errors
    /// When sled cannot create it.
    pub fn temp() -> Result<Self> {
        let db = sled::Config::new()
            .temporary(true)
            .open()
            .map_err(sled_err("creating a temporary database"))?;
        Ok(Self::from_db(db, false, None))
    }

    fn from_db(db: sled::Db, fsync: bool, config: Option<FileConfig>) -> Self {
        let capacity = config
            .as_ref()
            .map_or(DEFAULT_CAPACITY, |config| config.subscription_capacity);
        SledStore {
            shared: Arc::new(Shared {
                db,
                trees: RwLock::new(Vec::new()),
                writer: Arc::new(Mutex::new(())),
                fsync,
                changes: ChangeHub::with_capacity(capacity),
                _config: config,
            }),
            _definition: PhantomData,
        }
    }

    fn with_config(config: FileConfig, must_exist: bool) -> Result<Self> {
        config.validate(BACKEND)?;
        if config.read_only {
            return Err(NetabaseError::InvalidConfig {
                backend: BACKEND,
                field: "read_only",
                reason: "is not supported: sled 0.34 cannot open a database read-only".into(),
            });
        }
        if config.truncate {
            remove_existing(&config.path)?;
        }
        let exists = config.path.join("conf").exists() || config.path.join("db").exists();
        if !exists && (must_exist || !config.create_if_missing) {
            return Err(NetabaseError::NotFound(config.path.clone()));
        }
        let sled_config = sled::Config::new()
            .path(&config.path)
            .cache_capacity(config.cache_bytes() as u64)
            .flush_every_ms(Some(
                u64::try_from(config.flush_interval.as_millis()).unwrap_or(u64::MAX),
            ));
        let db = open_waiting_for_lock(&sled_config)?;
        Ok(Self::from_db(db, config.use_fsync, Some(config)))
    }

    /// The underlying sled database. The store keeps its trees open: dropping one of them
    /// (`drop_tree`) behind its back is not supported.
    pub fn db(&self) -> &sled::Db {
        &self.shared.db
    }
}

/// How long opening waits for a directory lock held by a store that is shutting down.
const LOCK_WAIT: Duration = Duration::from_secs(1);

/// Opens a sled database, waiting up to [`LOCK_WAIT`] for its directory lock.
///
/// sled releases the lock a few milliseconds after the last handle of a database is dropped
/// (its I/O threads finish first), so reopening right after a drop would otherwise fail at
/// random. A lock held by a live store is still an error after the wait.
fn open_waiting_for_lock(config: &sled::Config) -> Result<sled::Db> {
    let started = Instant::now();
    loop {
        match config.open() {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(err))
                if err.to_string().contains("could not acquire lock")
                    && started.elapsed() < LOCK_WAIT =>
            {
                tracing::debug!(error = %err, "sled directory is locked; waiting for its previous user");
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(err) => return Err(NetabaseError::storage("opening the database", err)),
        }
    }
}

impl<D: NetabaseDefinitionTrait> BackendStore<D> for SledStore<D> {
    type Config = FileConfig;

    fn new(config: FileConfig) -> Result<Self> {
        Self::with_config(config, false)
    }

    fn open(config: FileConfig) -> Result<Self> {
        Self::with_config(config, true)
    }

    fn temp() -> Result<Self> {
        SledStore::temp()
    }
}

impl<D: 'static> Backend for SledStore<D> {
    type Read = SledRead;
    type Write = SledWrite;

    fn begin_read(&self) -> Result<SledRead> {
        Ok(SledRead {
            shared: Arc::clone(&self.shared),
        })
    }

    fn begin_write(&self) -> Result<SledWrite> {
        let guard = self.shared.writer.lock_arc();
        Ok(SledWrite::overlay(&self.shared, Some(guard)))
    }

    /// Runs `work` inside one sled transaction over `tables`, writing to sled's transactional
    /// trees directly; when `work` asks for what they cannot do (iterate, count), that attempt
    /// is rolled back and `work` runs again on an overlay transaction, as it does at once when
    /// `tables` is empty.
    fn auto_commit<R>(
        &self,
        tables: &[&'static str],
        work: impl FnMut(&SledWrite, &mut EventLog) -> Result<R>,
    ) -> Result<R> {
        if tables.is_empty() {
            write_in_transaction(self, work)
        } else {
            write::direct_or_overlay(&self.shared, tables, work)
        }
    }

    fn flush(&self) -> Result<()> {
        self.shared
            .db
            .flush()
            .map(drop)
            .map_err(sled_err("flushing"))
    }

    fn changes(&self) -> &ChangeHub {
        &self.shared.changes
    }
}

impl Shared {
    /// Tree `name`, opened (created if needed) once per store.
    fn tree(&self, name: &'static str) -> Result<Tree> {
        let find = |trees: &[(&'static str, Tree)]| {
            trees
                .iter()
                .find(|(known, _)| std::ptr::eq(*known, name) || *known == name)
                .map(|(_, tree)| tree.clone())
        };
        if let Some(tree) = find(&self.trees.read()) {
            return Ok(tree);
        }
        let mut trees = self.trees.write();
        if let Some(tree) = find(&trees) {
            return Ok(tree);
        }
        let tree = self
            .db
            .open_tree(name)
            .map_err(sled_err("opening a tree"))?;
        trees.push((name, tree.clone()));
        Ok(tree)
    }
}

/// A read transaction of [`SledStore`]: reads see committed data.
pub struct SledRead {
    shared: Arc<Shared>,
}

impl ReadTxn for SledRead {
    type Table = SledTable;

    fn open_table(&self, name: &'static str) -> Result<SledTable> {
        self.shared.tree(name).map(SledTable)
    }
}

/// A tree of a [`SledRead`] transaction.
pub struct SledTable(Tree);

fn tree_range(tree: &Tree, bounds: KeyBounds<'_>) -> SledIter {
    if is_empty_range(bounds) {
        SledIter(None)
    } else {
        SledIter(Some(tree.range::<&[u8], _>(bounds)))
    }
}

/// A sled range iterator (owning).
pub struct SledIter(Option<sled::Iter>);

impl Iterator for SledIter {
    type Item = Result<(IVec, IVec)>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.0
            .as_mut()?
            .next()
            .map(|item| item.map_err(sled_err("iterating")))
    }
}

impl RawTable for SledTable {
    type Bytes<'a> = IVec;
    type Range<'a> = SledIter;

    #[inline]
    fn get(&self, key: &[u8]) -> Result<Option<IVec>> {
        self.0.get(key).map_err(sled_err("reading"))
    }

    fn range(&self, bounds: KeyBounds<'_>) -> Result<SledIter> {
        Ok(tree_range(&self.0, bounds))
    }

    fn len(&self) -> Result<u64> {
        Ok(self.0.len() as u64)
    }
}

impl SnapshotTable for SledTable {
    type Owned = IVec;
    type Scan = SledIter;

    fn scan(&self, bounds: KeyBounds<'_>) -> Result<SledIter> {
        Ok(tree_range(&self.0, bounds))
    }
}

super::typed_store_api!(SledStore, SledStoreTree);

#[cfg(test)]
mod tests;

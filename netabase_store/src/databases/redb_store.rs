//! The redb backend.
//!
//! Every table is a redb table of raw bytes (`&[u8] → &[u8]`); keys are already encoded so
//! that byte order is key order, so redb compares keys with `memcmp` and never decodes them.
//! Transactions are redb's own: a write transaction is atomic and durable on commit (unless
//! `use_fsync` is off), a read transaction is a consistent snapshot.
//!
//! Without `use_fsync` (and in [`RedbStore::temp`], where nothing can be durable), commits use
//! `Durability::None`, except the first one after each `flush_interval` (see
//! [`FileConfig::flush_interval`]): redb keeps bookkeeping for every non-durable commit in
//! memory until a durable one (about 40 bytes each), so a long-running store that never made a
//! durable commit would grow without bound. The periodic durable commit bounds that memory, and
//! what a crash can lose to about that interval of commits, as sled's background flush does.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use redb::{
    AccessGuard, Database, Durability, ReadOnlyDatabase, ReadableDatabase, ReadableTable,
    ReadableTableMetadata, TableDefinition, TableError,
};

use crate::config::{FileConfig, remove_existing};
use crate::engine::{
    Backend, KeyBounds, RawTable, RawTableMut, ReadTxn, SnapshotTable, WriteTxn, is_empty_range,
};
use crate::error::{NetabaseError, Result};
use crate::subscription::{ChangeHub, DEFAULT_CAPACITY};
use crate::traits::backend_store::BackendStore;
use crate::traits::definition::NetabaseDefinitionTrait;

const BACKEND: &str = "redb";

type Bytes = &'static [u8];

fn definition(name: &str) -> TableDefinition<'_, Bytes, Bytes> {
    TableDefinition::new(name)
}

fn redb_err<E: Into<redb::Error>>(operation: &'static str) -> impl FnOnce(E) -> NetabaseError {
    move |err| NetabaseError::storage(operation, err.into())
}

enum Db {
    ReadWrite(Database),
    ReadOnly(ReadOnlyDatabase),
}

struct Shared {
    db: Db,
    /// `Immediate`: every commit is durable (`use_fsync`). `None`: commits are not, except
    /// the first one after each `flush_interval`.
    durability: Durability,
    flush_interval: Duration,
    /// When the last durable commit of a `Durability::None` store was made.
    last_durable: Mutex<Instant>,
    changes: ChangeHub,
    _config: Option<FileConfig>,
}

/// A redb-backed store for definition `D`. Clones share the same database.
pub struct RedbStore<D> {
    shared: Arc<Shared>,
    _definition: PhantomData<fn() -> D>,
}

impl<D> Clone for RedbStore<D> {
    fn clone(&self) -> Self {
        RedbStore {
            shared: Arc::clone(&self.shared),
            _definition: PhantomData,
        }
    }
}

impl<D> fmt::Debug for RedbStore<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbStore")
            .field("read_only", &matches!(self.shared.db, Db::ReadOnly(_)))
            .finish_non_exhaustive()
    }
}

impl<D> RedbStore<D> {
    /// Opens (creating if needed) the database file at `path`, with default options.
    ///
    /// # Errors
    /// When redb cannot open the file (for example it is not a redb database, or another
    /// process holds it).
    pub fn new(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Self::with_config(FileConfig::new(path), false)
    }

    /// Opens an existing database file at `path`.
    ///
    /// # Errors
    /// [`NetabaseError::NotFound`] when there is no file, or when redb cannot open it.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Self::with_config(FileConfig::new(path), true)
    }

    /// A fresh database held in memory (no file), gone when the last clone is dropped. Its
    /// commits are not durable (there is nothing to make durable), but for the periodic durable
    /// commit, every [`FileConfig::DEFAULT_FLUSH_INTERVAL`], that bounds redb's bookkeeping
    /// (see the module docs).
    ///
    /// # Errors
    /// When redb cannot initialise it.
    pub fn temp() -> Result<Self> {
        let db = redb::Builder::new()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(redb_err("creating an in-memory database"))?;
        Ok(Self::from_db(
            Db::ReadWrite(db),
            Durability::None,
            FileConfig::DEFAULT_FLUSH_INTERVAL,
            None,
        ))
    }

    fn from_db(
        db: Db,
        durability: Durability,
        flush_interval: Duration,
        config: Option<FileConfig>,
    ) -> Self {
        let capacity = config
            .as_ref()
            .map_or(DEFAULT_CAPACITY, |config| config.subscription_capacity);
        RedbStore {
            shared: Arc::new(Shared {
                db,
                durability,
                flush_interval,
                last_durable: Mutex::new(Instant::now()),
                changes: ChangeHub::with_capacity(capacity),
                _config: config,
            }),
            _definition: PhantomData,
        }
    }

    fn with_config(config: FileConfig, must_exist: bool) -> Result<Self> {
        config.validate(BACKEND)?;
        if config.truncate {
            remove_existing(&config.path)?;
        }
        let exists = config.path.is_file();
        if !exists && (must_exist || config.read_only || !config.create_if_missing) {
            return Err(NetabaseError::NotFound(config.path.clone()));
        }
        let mut builder = redb::Builder::new();
        builder.set_cache_size(config.cache_bytes());
        let db = if config.read_only {
            Db::ReadOnly(
                builder
                    .open_read_only(&config.path)
                    .map_err(redb_err("opening the database read-only"))?,
            )
        } else {
            Db::ReadWrite(
                builder
                    .create(&config.path)
                    .map_err(redb_err("opening the database"))?,
            )
        };
        let durability = if config.use_fsync {
            Durability::Immediate
        } else {
            Durability::None
        };
        Ok(Self::from_db(
            db,
            durability,
            config.flush_interval,
            Some(config),
        ))
    }

    /// The underlying redb database, unless the store was opened read-only.
    pub fn db(&self) -> Option<&Database> {
        match &self.shared.db {
            Db::ReadWrite(db) => Some(db),
            Db::ReadOnly(_) => None,
        }
    }
}

impl<D: NetabaseDefinitionTrait> BackendStore<D> for RedbStore<D> {
    type Config = FileConfig;

    fn new(config: FileConfig) -> Result<Self> {
        Self::with_config(config, false)
    }

    fn open(config: FileConfig) -> Result<Self> {
        Self::with_config(config, true)
    }

    fn temp() -> Result<Self> {
        RedbStore::temp()
    }
}

impl<D: 'static> Backend for RedbStore<D> {
    type Read = RedbRead;
    type Write = RedbWrite;

    fn begin_read(&self) -> Result<RedbRead> {
        let txn = match &self.shared.db {
            Db::ReadWrite(db) => db.begin_read(),
            Db::ReadOnly(db) => db.begin_read(),
        };
        txn.map(RedbRead)
            .map_err(redb_err("beginning a read transaction"))
    }

    fn begin_write(&self) -> Result<RedbWrite> {
        let Db::ReadWrite(db) = &self.shared.db else {
            return Err(NetabaseError::ReadOnly);
        };
        let mut txn = db
            .begin_write()
            .map_err(redb_err("beginning a write transaction"))?;
        // Decided once redb has serialised this writer behind the previous one.
        let periodic = matches!(self.shared.durability, Durability::None)
            && self.shared.last_durable.lock().elapsed() >= self.shared.flush_interval;
        if !periodic {
            txn.set_durability(self.shared.durability)
                .map_err(|err| NetabaseError::storage("setting durability", err))?;
        }
        Ok(RedbWrite {
            txn,
            periodic: periodic.then(|| Arc::clone(&self.shared)),
        })
    }

    fn flush(&self) -> Result<()> {
        let Db::ReadWrite(db) = &self.shared.db else {
            return Ok(());
        };
        if matches!(self.shared.durability, Durability::Immediate) {
            return Ok(());
        }
        // An empty durable commit persists every earlier non-durable one.
        let txn = db
            .begin_write()
            .map_err(redb_err("beginning a flush transaction"))?;
        txn.commit().map_err(redb_err("flushing"))?;
        *self.shared.last_durable.lock() = Instant::now();
        Ok(())
    }

    fn changes(&self) -> &ChangeHub {
        &self.shared.changes
    }
}

/// Bytes borrowed from a redb page.
pub struct RedbBytes<'a>(AccessGuard<'a, Bytes>);

impl Deref for RedbBytes<'_> {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.0.value()
    }
}

/// A redb range iterator.
pub struct RedbRange<'a>(Option<redb::Range<'a, Bytes, Bytes>>);

impl<'a> Iterator for RedbRange<'a> {
    type Item = Result<(RedbBytes<'a>, RedbBytes<'a>)>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.0.as_mut()?.next().map(|item| {
            item.map(|(k, v)| (RedbBytes(k), RedbBytes(v)))
                .map_err(redb_err("iterating"))
        })
    }
}

/// A read transaction of [`RedbStore`]: a consistent snapshot.
pub struct RedbRead(redb::ReadTransaction);

impl ReadTxn for RedbRead {
    type Table = RedbTable;

    fn open_table(&self, name: &'static str) -> Result<RedbTable> {
        match self.0.open_table(definition(name)) {
            Ok(table) => Ok(RedbTable(Some(table))),
            Err(TableError::TableDoesNotExist(_)) => Ok(RedbTable(None)),
            Err(err) => Err(NetabaseError::storage("opening a table", err)),
        }
    }
}

/// A table of a [`RedbRead`] transaction; `None` when the table was never created.
pub struct RedbTable(Option<redb::ReadOnlyTable<Bytes, Bytes>>);

impl RawTable for RedbTable {
    type Bytes<'a> = RedbBytes<'static>;
    type Range<'a> = RedbRange<'static>;

    #[inline]
    fn get(&self, key: &[u8]) -> Result<Option<RedbBytes<'static>>> {
        let Some(table) = &self.0 else {
            return Ok(None);
        };
        table
            .get(key)
            .map(|v| v.map(RedbBytes))
            .map_err(redb_err("reading"))
    }

    fn range(&self, bounds: KeyBounds<'_>) -> Result<RedbRange<'static>> {
        self.scan(bounds)
    }

    fn len(&self) -> Result<u64> {
        self.0
            .as_ref()
            .map_or(Ok(0), |table| table.len().map_err(redb_err("counting")))
    }
}

impl SnapshotTable for RedbTable {
    type Owned = RedbBytes<'static>;
    type Scan = RedbRange<'static>;

    fn scan(&self, bounds: KeyBounds<'_>) -> Result<RedbRange<'static>> {
        match &self.0 {
            None => Ok(RedbRange(None)),
            Some(_) if is_empty_range(bounds) => Ok(RedbRange(None)),
            // The inherent `ReadOnlyTable::range` returns an owning `Range<'static>`.
            Some(table) => table
                .range::<&[u8]>(bounds)
                .map(|range| RedbRange(Some(range)))
                .map_err(redb_err("starting a range")),
        }
    }
}

/// A write transaction of [`RedbStore`].
pub struct RedbWrite {
    txn: redb::WriteTransaction,
    /// The store, when this is the periodic durable commit of a `Durability::None` store.
    periodic: Option<Arc<Shared>>,
}

impl WriteTxn for RedbWrite {
    type Table<'t> = RedbWriteTable<'t>;

    fn open_table(&self, name: &'static str) -> Result<RedbWriteTable<'_>> {
        match self.txn.open_table(definition(name)) {
            Ok(table) => Ok(RedbWriteTable(table)),
            Err(TableError::TableAlreadyOpen(..)) => Err(NetabaseError::TreeAlreadyOpen(name)),
            Err(err) => Err(NetabaseError::storage("opening a table", err)),
        }
    }

    fn commit(self) -> Result<()> {
        self.txn.commit().map_err(redb_err("committing"))?;
        if let Some(shared) = self.periodic {
            *shared.last_durable.lock() = Instant::now();
        }
        Ok(())
    }
}

impl RedbWrite {
    /// Discards every write of this transaction, reporting an engine failure (dropping the
    /// transaction discards too, silently).
    #[cfg_attr(not(feature = "redb-zerocopy"), allow(dead_code))]
    pub(crate) fn abort(self) -> Result<()> {
        self.txn.abort().map_err(redb_err("aborting"))
    }
}

/// A table of a [`RedbWrite`] transaction.
pub struct RedbWriteTable<'t>(redb::Table<'t, Bytes, Bytes>);

impl RawTable for RedbWriteTable<'_> {
    type Bytes<'a>
        = RedbBytes<'a>
    where
        Self: 'a;
    type Range<'a>
        = RedbRange<'a>
    where
        Self: 'a;

    #[inline]
    fn get(&self, key: &[u8]) -> Result<Option<RedbBytes<'_>>> {
        self.0
            .get(key)
            .map(|v| v.map(RedbBytes))
            .map_err(redb_err("reading"))
    }

    fn range(&self, bounds: KeyBounds<'_>) -> Result<RedbRange<'_>> {
        if is_empty_range(bounds) {
            return Ok(RedbRange(None));
        }
        self.0
            .range::<&[u8]>(bounds)
            .map(|range| RedbRange(Some(range)))
            .map_err(redb_err("starting a range"))
    }

    fn len(&self) -> Result<u64> {
        self.0.len().map_err(redb_err("counting"))
    }
}

impl RawTableMut for RedbWriteTable<'_> {
    #[inline]
    fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<Option<Vec<u8>>> {
        self.0
            .insert(key, value)
            .map(|old| old.map(|v| v.value().to_vec()))
            .map_err(redb_err("writing"))
    }

    fn remove(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.0
            .remove(key)
            .map(|old| old.map(|v| v.value().to_vec()))
            .map_err(redb_err("removing"))
    }

    fn clear(&mut self) -> Result<()> {
        self.0.retain(|_, _| false).map_err(redb_err("clearing"))
    }

    #[inline]
    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.0
            .insert(key, value)
            .map(drop)
            .map_err(redb_err("writing"))
    }

    #[inline]
    fn delete(&mut self, key: &[u8]) -> Result<()> {
        self.0.remove(key).map(drop).map_err(redb_err("removing"))
    }
}

super::typed_store_api!(RedbStore, RedbStoreTree);

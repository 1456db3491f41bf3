//! The sled backend.
//!
//! Each table is a sled tree. sled's own transactions cannot iterate, so a write transaction
//! here keeps its writes in an overlay (read-your-writes, ordered iteration merged with the
//! tree) and commits them in **one** sled multi-tree transaction, which sled applies
//! atomically, also across a crash. Write transactions are serialised by a store-wide mutex,
//! so the values read to maintain secondary indexes cannot change before the commit.
//!
//! Reads outside a write transaction see committed data; sled has no snapshots, so a read
//! transaction that spans several calls may observe commits made in between.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RawMutex, lock_api::ArcMutexGuard};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::{IVec, Transactional, Tree};

use crate::config::{FileConfig, remove_existing};
use crate::engine::{
    Backend, KeyBounds, RawTable, RawTableMut, ReadTxn, SnapshotTable, WriteTxn, borrow_bounds,
    is_empty_range, owned_bounds,
};
use crate::error::{NetabaseError, Result};
use crate::subscription::{ChangeHub, DEFAULT_CAPACITY};
use crate::traits::backend_store::BackendStore;
use crate::traits::definition::NetabaseDefinitionTrait;

const BACKEND: &str = "sled";

fn sled_err(operation: &'static str) -> impl FnOnce(sled::Error) -> NetabaseError {
    move |err| NetabaseError::storage(operation, err)
}

struct Shared {
    db: sled::Db,
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
            .cache_capacity(config.cache_bytes() as u64);
        let db = open_waiting_for_lock(&sled_config)?;
        Ok(Self::from_db(db, config.use_fsync, Some(config)))
    }

    /// The underlying sled database.
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
            db: self.shared.db.clone(),
        })
    }

    fn begin_write(&self) -> Result<SledWrite> {
        let guard = self.shared.writer.lock_arc();
        Ok(SledWrite {
            shared: Arc::clone(&self.shared),
            overlay: RefCell::new(HashMap::new()),
            _writer: guard,
        })
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

fn open_tree(db: &sled::Db, name: &'static str) -> Result<Tree> {
    db.open_tree(name).map_err(sled_err("opening a tree"))
}

/// A read transaction of [`SledStore`]: reads see committed data.
pub struct SledRead {
    db: sled::Db,
}

impl ReadTxn for SledRead {
    type Table = SledTable;

    fn open_table(&self, name: &'static str) -> Result<SledTable> {
        open_tree(&self.db, name).map(SledTable)
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

/// The pending writes of one tree in a [`SledWrite`] transaction.
struct Overlay {
    tree: Tree,
    /// Whether the tree was cleared in this transaction: the committed entries are hidden.
    cleared: bool,
    /// `Some(value)` for a pending insert, `None` for a pending removal. Keys are `IVec`s,
    /// which hold short keys inline (no allocation).
    writes: BTreeMap<IVec, Option<IVec>>,
}

impl Overlay {
    fn get(&self, key: &[u8]) -> Result<Option<IVec>> {
        match self.writes.get(key) {
            Some(pending) => Ok(pending.clone()),
            None if self.cleared => Ok(None),
            None => self.tree.get(key).map_err(sled_err("reading")),
        }
    }
}

/// A write transaction of [`SledStore`].
pub struct SledWrite {
    shared: Arc<Shared>,
    overlay: RefCell<HashMap<&'static str, Overlay>>,
    _writer: ArcMutexGuard<RawMutex, ()>,
}

enum Op {
    Insert(IVec, IVec),
    Remove(IVec),
}

impl WriteTxn for SledWrite {
    type Table<'t> = SledWriteTable<'t>;

    fn open_table(&self, name: &'static str) -> Result<SledWriteTable<'_>> {
        let mut overlay = self.overlay.borrow_mut();
        if !overlay.contains_key(name) {
            let tree = open_tree(&self.shared.db, name)?;
            overlay.insert(
                name,
                Overlay {
                    tree,
                    cleared: false,
                    writes: BTreeMap::new(),
                },
            );
        }
        Ok(SledWriteTable { txn: self, name })
    }

    fn commit(self) -> Result<()> {
        let overlay = self.overlay.into_inner();
        let mut trees = Vec::new();
        let mut ops = Vec::new();
        for pending in overlay.into_values() {
            if !pending.cleared && pending.writes.is_empty() {
                continue;
            }
            let mut tree_ops = Vec::new();
            if pending.cleared {
                // The writer lock keeps this list exact until the commit below.
                for key in pending.tree.iter().keys() {
                    let key = key.map_err(sled_err("listing a cleared tree"))?;
                    if !pending.writes.contains_key(key.as_ref()) {
                        tree_ops.push(Op::Remove(key));
                    }
                }
            }
            for (key, write) in pending.writes {
                tree_ops.push(match write {
                    Some(value) => Op::Insert(key, value),
                    None => Op::Remove(key),
                });
            }
            trees.push(pending.tree);
            ops.push(tree_ops);
        }
        if trees.is_empty() {
            return Ok(());
        }
        trees
            .as_slice()
            .transaction(|views| {
                for (view, tree_ops) in views.iter().zip(&ops) {
                    for op in tree_ops {
                        match op {
                            Op::Insert(key, value) => {
                                view.insert(key.clone(), value.clone())?;
                            }
                            Op::Remove(key) => {
                                view.remove(key.clone())?;
                            }
                        }
                    }
                }
                Ok::<(), ConflictableTransactionError<std::convert::Infallible>>(())
            })
            .map_err(|err| match err {
                TransactionError::Storage(err) => NetabaseError::storage("committing", err),
                TransactionError::Abort(never) => match never {},
            })?;
        if self.shared.fsync {
            self.shared
                .db
                .flush()
                .map_err(sled_err("flushing a commit"))?;
        }
        Ok(())
    }
}

/// A tree of a [`SledWrite`] transaction.
pub struct SledWriteTable<'t> {
    txn: &'t SledWrite,
    name: &'static str,
}

impl SledWriteTable<'_> {
    fn with<R>(&self, f: impl FnOnce(&mut Overlay) -> Result<R>) -> Result<R> {
        let mut overlay = self.txn.overlay.borrow_mut();
        match overlay.get_mut(self.name) {
            Some(pending) => f(pending),
            None => Err(NetabaseError::Corrupt {
                tree: self.name,
                reason: "tree is not open in this transaction".into(),
            }),
        }
    }
}

impl RawTable for SledWriteTable<'_> {
    type Bytes<'a>
        = IVec
    where
        Self: 'a;
    type Range<'a>
        = MergeIter
    where
        Self: 'a;

    fn get(&self, key: &[u8]) -> Result<Option<IVec>> {
        self.with(|pending| pending.get(key))
    }

    fn range(&self, bounds: KeyBounds<'_>) -> Result<MergeIter> {
        self.with(|pending| {
            let owned = owned_bounds(bounds);
            let writes: Vec<_> = if is_empty_range(bounds) {
                Vec::new()
            } else {
                pending
                    .writes
                    .range::<[u8], _>(borrow_bounds(&owned))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            };
            let base = if pending.cleared {
                SledIter(None)
            } else {
                tree_range(&pending.tree, bounds)
            };
            Ok(MergeIter {
                base: base.peekable(),
                writes: writes.into_iter().peekable(),
            })
        })
    }

    fn len(&self) -> Result<u64> {
        self.with(|pending| {
            let inserted = pending.writes.values().filter(|w| w.is_some()).count() as u64;
            if pending.cleared {
                return Ok(inserted);
            }
            let mut len = pending.tree.len() as u64;
            for (key, write) in &pending.writes {
                let existed = pending
                    .tree
                    .contains_key(key)
                    .map_err(sled_err("reading"))?;
                match (existed, write.is_some()) {
                    (true, false) => len -= 1,
                    (false, true) => len += 1,
                    _ => {}
                }
            }
            Ok(len)
        })
    }
}

impl RawTableMut for SledWriteTable<'_> {
    fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<Option<Vec<u8>>> {
        self.with(|pending| {
            let old = pending.get(key)?.map(|v| v.to_vec());
            pending
                .writes
                .insert(IVec::from(key), Some(IVec::from(value)));
            Ok(old)
        })
    }

    fn remove(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.with(|pending| {
            let old = pending.get(key)?.map(|v| v.to_vec());
            if old.is_some() {
                pending.writes.insert(IVec::from(key), None);
            }
            Ok(old)
        })
    }

    fn clear(&mut self) -> Result<()> {
        self.with(|pending| {
            pending.cleared = true;
            pending.writes.clear();
            Ok(())
        })
    }

    // Neither reads the tree: a pending write is the same whether or not the key existed (a
    // removal of a missing key removes nothing at commit, and `len` checks each key).
    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.with(|pending| {
            pending
                .writes
                .insert(IVec::from(key), Some(IVec::from(value)));
            Ok(())
        })
    }

    fn delete(&mut self, key: &[u8]) -> Result<()> {
        self.with(|pending| {
            pending.writes.insert(IVec::from(key), None);
            Ok(())
        })
    }
}

/// Merges the committed entries of a tree with the transaction's pending writes (which win).
pub struct MergeIter {
    base: std::iter::Peekable<SledIter>,
    writes: std::iter::Peekable<std::vec::IntoIter<(IVec, Option<IVec>)>>,
}

impl Iterator for MergeIter {
    type Item = Result<(IVec, IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let take_write = match (self.base.peek(), self.writes.peek()) {
                (None, None) => return None,
                (Some(Err(_)), _) => return self.base.next(),
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(Ok((base_key, _))), Some((write_key, _))) => {
                    if base_key == write_key {
                        // The pending write shadows the committed entry.
                        self.base.next();
                        true
                    } else {
                        write_key < base_key
                    }
                }
            };
            if !take_write {
                return self.base.next();
            }
            match self.writes.next() {
                Some((key, Some(value))) => return Some(Ok((key, value))),
                Some((_, None)) => continue,
                None => return None,
            }
        }
    }
}

super::typed_store_api!(SledStore, SledStoreTree);

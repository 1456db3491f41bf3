//! The in-memory backend: the reference every other backend is tested against.
//!
//! Tables are persistent ordered maps ([`imbl::OrdMap`]): cloning one is O(1) and shares
//! structure, so a read transaction is a true snapshot and a write transaction works on a
//! private copy that replaces the committed state in one pointer swap. Writers are serialised
//! by a mutex held for the life of the write transaction.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Bound;
use std::sync::Arc;

use imbl::OrdMap;
use parking_lot::{Mutex, RawMutex, RwLock, lock_api::ArcMutexGuard};

use crate::engine::{
    Backend, KeyBounds, RawTable, RawTableMut, ReadTxn, SnapshotTable, WriteTxn, is_empty_range,
    owned_bounds,
};
use crate::error::Result;
use crate::subscription::{ChangeHub, DEFAULT_CAPACITY};
use crate::traits::backend_store::BackendStore;
use crate::traits::definition::NetabaseDefinitionTrait;

type Bytes = Arc<[u8]>;
type Table = OrdMap<Bytes, Bytes>;
type Tables = HashMap<&'static str, Table>;

struct Shared {
    committed: RwLock<Arc<Tables>>,
    writer: Arc<Mutex<()>>,
    changes: ChangeHub,
}

/// An in-memory store for definition `D`. Clones share the same data.
pub struct MemoryStore<D> {
    shared: Arc<Shared>,
    _definition: PhantomData<fn() -> D>,
}

impl<D> Clone for MemoryStore<D> {
    fn clone(&self) -> Self {
        MemoryStore {
            shared: Arc::clone(&self.shared),
            _definition: PhantomData,
        }
    }
}

impl<D> fmt::Debug for MemoryStore<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl<D> Default for MemoryStore<D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<D> MemoryStore<D> {
    /// An empty store.
    pub fn new() -> Self {
        Self::with_subscription_capacity(DEFAULT_CAPACITY)
    }

    /// An empty store whose subscribers may fall `capacity` events behind before they lag.
    pub fn with_subscription_capacity(capacity: usize) -> Self {
        MemoryStore {
            shared: Arc::new(Shared {
                committed: RwLock::new(Arc::new(Tables::new())),
                writer: Arc::new(Mutex::new(())),
                changes: ChangeHub::with_capacity(capacity),
            }),
            _definition: PhantomData,
        }
    }
}

impl<D: NetabaseDefinitionTrait> BackendStore<D> for MemoryStore<D> {
    /// The memory backend has nothing to configure.
    type Config = ();

    fn new(_config: ()) -> Result<Self> {
        Ok(MemoryStore::new())
    }

    fn open(_config: ()) -> Result<Self> {
        Ok(MemoryStore::new())
    }

    fn temp() -> Result<Self> {
        Ok(MemoryStore::new())
    }
}

impl<D: 'static> Backend for MemoryStore<D> {
    type Read = MemoryRead;
    type Write = MemoryWrite;

    fn begin_read(&self) -> Result<MemoryRead> {
        Ok(MemoryRead {
            tables: Arc::clone(&self.shared.committed.read()),
        })
    }

    fn begin_write(&self) -> Result<MemoryWrite> {
        let guard = self.shared.writer.lock_arc();
        let working = (**self.shared.committed.read()).clone();
        Ok(MemoryWrite {
            shared: Arc::clone(&self.shared),
            working: RefCell::new(working),
            _writer: guard,
        })
    }

    fn flush(&self) -> Result<()> {
        Ok(())
    }

    fn changes(&self) -> &ChangeHub {
        &self.shared.changes
    }
}

/// A read transaction of [`MemoryStore`]: a snapshot of the committed state.
pub struct MemoryRead {
    tables: Arc<Tables>,
}

impl ReadTxn for MemoryRead {
    type Table = MemoryTable;

    fn open_table(&self, name: &'static str) -> Result<MemoryTable> {
        Ok(MemoryTable(
            self.tables.get(name).cloned().unwrap_or_default(),
        ))
    }
}

/// A table snapshot of [`MemoryStore`].
pub struct MemoryTable(Table);

/// A range of a [`MemoryTable`] snapshot, borrowing it.
pub struct MemoryRange<'a>(
    Option<imbl::ordmap::RangedIter<'a, Bytes, Bytes, imbl::shared_ptr::DefaultSharedPtr>>,
);

impl<'a> Iterator for MemoryRange<'a> {
    type Item = Result<(&'a [u8], &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.as_mut()?.next().map(|(k, v)| Ok((&**k, &**v)))
    }
}

impl RawTable for MemoryTable {
    type Bytes<'a> = &'a [u8];
    type Range<'a> = MemoryRange<'a>;

    fn get(&self, key: &[u8]) -> Result<Option<&[u8]>> {
        Ok(self.0.get(key).map(|value| &**value))
    }

    fn range(&self, bounds: KeyBounds<'_>) -> Result<MemoryRange<'_>> {
        if is_empty_range(bounds) {
            return Ok(MemoryRange(None));
        }
        Ok(MemoryRange(Some(self.0.range::<_, [u8]>(bounds))))
    }

    fn len(&self) -> Result<u64> {
        Ok(self.0.len() as u64)
    }
}

impl SnapshotTable for MemoryTable {
    type Owned = Bytes;
    type Scan = MemoryScan;

    fn scan(&self, bounds: KeyBounds<'_>) -> Result<MemoryScan> {
        Ok(MemoryScan::new(self.0.clone(), bounds))
    }
}

/// An owning iterator over a table snapshot. Each step is one O(log n) seek past the previous
/// key, so it needs no borrow of the map.
pub struct MemoryScan {
    map: Table,
    next: Bound<Vec<u8>>,
    end: Bound<Vec<u8>>,
    done: bool,
}

impl MemoryScan {
    fn new(map: Table, bounds: KeyBounds<'_>) -> Self {
        let done = is_empty_range(bounds);
        let (next, end) = owned_bounds(bounds);
        MemoryScan {
            map,
            next,
            end,
            done,
        }
    }
}

impl Iterator for MemoryScan {
    type Item = Result<(Bytes, Bytes)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let bounds = (
            self.next.as_ref().map(Vec::as_slice),
            self.end.as_ref().map(Vec::as_slice),
        );
        if is_empty_range(bounds) {
            self.done = true;
            return None;
        }
        let found = self
            .map
            .range::<_, [u8]>(bounds)
            .next()
            .map(|(k, v)| (Arc::clone(k), Arc::clone(v)));
        match found {
            Some((key, value)) => {
                self.next = Bound::Excluded(key.to_vec());
                Some(Ok((key, value)))
            }
            None => {
                self.done = true;
                None
            }
        }
    }
}

/// A write transaction of [`MemoryStore`]: a private copy of the tables, swapped in on commit.
pub struct MemoryWrite {
    shared: Arc<Shared>,
    working: RefCell<Tables>,
    _writer: ArcMutexGuard<RawMutex, ()>,
}

impl WriteTxn for MemoryWrite {
    type Table<'t> = MemoryWriteTable<'t>;

    fn open_table(&self, name: &'static str) -> Result<MemoryWriteTable<'_>> {
        self.working.borrow_mut().entry(name).or_default();
        Ok(MemoryWriteTable { txn: self, name })
    }

    fn commit(self) -> Result<()> {
        let working = self.working.into_inner();
        *self.shared.committed.write() = Arc::new(working);
        Ok(())
    }
}

/// A table of a [`MemoryWrite`] transaction.
pub struct MemoryWriteTable<'t> {
    txn: &'t MemoryWrite,
    name: &'static str,
}

impl MemoryWriteTable<'_> {
    fn with<R>(&self, f: impl FnOnce(&mut Table) -> R) -> R {
        f(self.txn.working.borrow_mut().entry(self.name).or_default())
    }
}

impl RawTable for MemoryWriteTable<'_> {
    type Bytes<'a>
        = Bytes
    where
        Self: 'a;
    type Range<'a>
        = MemoryScan
    where
        Self: 'a;

    fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        Ok(self.with(|table| table.get(key).cloned()))
    }

    fn range(&self, bounds: KeyBounds<'_>) -> Result<MemoryScan> {
        Ok(MemoryScan::new(self.with(|table| table.clone()), bounds))
    }

    fn len(&self) -> Result<u64> {
        Ok(self.with(|table| table.len() as u64))
    }
}

impl RawTableMut for MemoryWriteTable<'_> {
    fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.with(|table| {
            table
                .insert(Arc::from(key), Arc::from(value))
                .map(|old| old.to_vec())
        }))
    }

    fn remove(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.with(|table| table.remove(key).map(|old| old.to_vec())))
    }

    fn clear(&mut self) -> Result<()> {
        self.with(|table| *table = Table::new());
        Ok(())
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.with(|table| table.insert(Arc::from(key), Arc::from(value)));
        Ok(())
    }

    fn delete(&mut self, key: &[u8]) -> Result<()> {
        self.with(|table| table.remove(key));
        Ok(())
    }
}

super::typed_store_api!(MemoryStore, MemoryStoreTree);

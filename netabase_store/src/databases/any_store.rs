//! [`AnyStore`]: a backend chosen at run time (memory, sled or redb), for code that picks its
//! storage from configuration, such as the network node. It forwards every engine call to the
//! backend it holds; the typed API on top is the same as for the concrete stores.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::databases::memory_store::{
    MemoryRange, MemoryRead, MemoryScan, MemoryStore, MemoryTable, MemoryWrite, MemoryWriteTable,
};
#[cfg(feature = "redb")]
use crate::databases::redb_store::{
    RedbBytes, RedbRange, RedbRead, RedbStore, RedbTable, RedbWrite, RedbWriteTable,
};
#[cfg(feature = "sled")]
use crate::databases::sled_store::{
    MergeIter, SledIter, SledRead, SledStore, SledTable, SledWrite, SledWriteTable,
};
use crate::engine::{Backend, KeyBounds, RawTable, RawTableMut, ReadTxn, SnapshotTable, WriteTxn};
use crate::error::Result;
use crate::subscription::ChangeHub;

/// A store whose backend is chosen at run time.
#[non_exhaustive]
pub enum AnyStore<D> {
    /// The in-memory backend.
    Memory(MemoryStore<D>),
    /// The sled backend.
    #[cfg(feature = "sled")]
    Sled(SledStore<D>),
    /// The redb backend.
    #[cfg(feature = "redb")]
    Redb(RedbStore<D>),
}

impl<D> Clone for AnyStore<D> {
    fn clone(&self) -> Self {
        match self {
            AnyStore::Memory(store) => AnyStore::Memory(store.clone()),
            #[cfg(feature = "sled")]
            AnyStore::Sled(store) => AnyStore::Sled(store.clone()),
            #[cfg(feature = "redb")]
            AnyStore::Redb(store) => AnyStore::Redb(store.clone()),
        }
    }
}

impl<D> fmt::Debug for AnyStore<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnyStore::Memory(store) => store.fmt(f),
            #[cfg(feature = "sled")]
            AnyStore::Sled(store) => store.fmt(f),
            #[cfg(feature = "redb")]
            AnyStore::Redb(store) => store.fmt(f),
        }
    }
}

impl<D> From<MemoryStore<D>> for AnyStore<D> {
    fn from(store: MemoryStore<D>) -> Self {
        AnyStore::Memory(store)
    }
}

#[cfg(feature = "sled")]
impl<D> From<SledStore<D>> for AnyStore<D> {
    fn from(store: SledStore<D>) -> Self {
        AnyStore::Sled(store)
    }
}

#[cfg(feature = "redb")]
impl<D> From<RedbStore<D>> for AnyStore<D> {
    fn from(store: RedbStore<D>) -> Self {
        AnyStore::Redb(store)
    }
}

/// Applies `$body` to the value inside any variant of `$value` (of enum `$enum`); with
/// `$wrap(..)`, wraps the `Ok` value in the variant of `$wrap` with the same name.
macro_rules! dispatch {
    ($value:expr, $enum:ident, $inner:ident => $wrap:ident($body:expr)) => {
        match $value {
            $enum::Memory($inner) => $body.map($wrap::Memory),
            #[cfg(feature = "sled")]
            $enum::Sled($inner) => $body.map($wrap::Sled),
            #[cfg(feature = "redb")]
            $enum::Redb($inner) => $body.map($wrap::Redb),
        }
    };
    ($value:expr, $enum:ident, $inner:ident => $body:expr) => {
        match $value {
            $enum::Memory($inner) => $body,
            #[cfg(feature = "sled")]
            $enum::Sled($inner) => $body,
            #[cfg(feature = "redb")]
            $enum::Redb($inner) => $body,
        }
    };
}

impl<D: 'static> Backend for AnyStore<D> {
    type Read = AnyRead;
    type Write = AnyWrite;

    fn begin_read(&self) -> Result<AnyRead> {
        dispatch!(self, AnyStore, store => AnyRead(store.begin_read()))
    }

    fn begin_write(&self) -> Result<AnyWrite> {
        dispatch!(self, AnyStore, store => AnyWrite(store.begin_write()))
    }

    fn flush(&self) -> Result<()> {
        dispatch!(self, AnyStore, store => store.flush())
    }

    fn changes(&self) -> &ChangeHub {
        dispatch!(self, AnyStore, store => store.changes())
    }
}

/// A read transaction of an [`AnyStore`].
#[allow(missing_docs)]
pub enum AnyRead {
    Memory(MemoryRead),
    #[cfg(feature = "sled")]
    Sled(SledRead),
    #[cfg(feature = "redb")]
    Redb(RedbRead),
}

impl ReadTxn for AnyRead {
    type Table = AnyTable;

    fn open_table(&self, name: &'static str) -> Result<AnyTable> {
        dispatch!(self, AnyRead, txn => AnyTable(txn.open_table(name)))
    }
}

/// A table of an [`AnyRead`] transaction.
#[allow(missing_docs)]
pub enum AnyTable {
    Memory(MemoryTable),
    #[cfg(feature = "sled")]
    Sled(SledTable),
    #[cfg(feature = "redb")]
    Redb(RedbTable),
}

/// Bytes read through an [`AnyStore`].
#[allow(missing_docs)]
pub enum AnyBytes<'a> {
    Borrowed(&'a [u8]),
    Shared(Arc<[u8]>),
    #[cfg(feature = "sled")]
    Sled(sled::IVec),
    #[cfg(feature = "redb")]
    Redb(RedbBytes<'a>),
}

impl Deref for AnyBytes<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            AnyBytes::Borrowed(bytes) => bytes,
            AnyBytes::Shared(bytes) => bytes,
            #[cfg(feature = "sled")]
            AnyBytes::Sled(bytes) => bytes,
            #[cfg(feature = "redb")]
            AnyBytes::Redb(bytes) => bytes,
        }
    }
}

/// A range iterator of an [`AnyStore`] table.
// Built once per scan and moved rarely; which variant is largest depends on the features.
#[allow(missing_docs, clippy::large_enum_variant)]
pub enum AnyRange<'a> {
    Memory(MemoryRange<'a>),
    MemoryScan(MemoryScan),
    #[cfg(feature = "sled")]
    Sled(SledIter),
    #[cfg(feature = "sled")]
    SledMerge(MergeIter),
    #[cfg(feature = "redb")]
    Redb(RedbRange<'a>),
}

impl<'a> Iterator for AnyRange<'a> {
    type Item = Result<(AnyBytes<'a>, AnyBytes<'a>)>;

    fn next(&mut self) -> Option<Self::Item> {
        fn pair<'a, B>(
            item: Result<(B, B)>,
            wrap: impl Fn(B) -> AnyBytes<'a>,
        ) -> Result<(AnyBytes<'a>, AnyBytes<'a>)> {
            item.map(|(k, v)| (wrap(k), wrap(v)))
        }
        match self {
            AnyRange::Memory(iter) => iter.next().map(|item| pair(item, AnyBytes::Borrowed)),
            AnyRange::MemoryScan(iter) => iter.next().map(|item| pair(item, AnyBytes::Shared)),
            #[cfg(feature = "sled")]
            AnyRange::Sled(iter) => iter.next().map(|item| pair(item, AnyBytes::Sled)),
            #[cfg(feature = "sled")]
            AnyRange::SledMerge(iter) => iter.next().map(|item| pair(item, AnyBytes::Sled)),
            #[cfg(feature = "redb")]
            AnyRange::Redb(iter) => iter.next().map(|item| pair(item, AnyBytes::Redb)),
        }
    }
}

impl RawTable for AnyTable {
    type Bytes<'a> = AnyBytes<'a>;
    type Range<'a> = AnyRange<'a>;

    fn get(&self, key: &[u8]) -> Result<Option<AnyBytes<'_>>> {
        match self {
            AnyTable::Memory(table) => table.get(key).map(|v| v.map(AnyBytes::Borrowed)),
            #[cfg(feature = "sled")]
            AnyTable::Sled(table) => table.get(key).map(|v| v.map(AnyBytes::Sled)),
            #[cfg(feature = "redb")]
            AnyTable::Redb(table) => table.get(key).map(|v| v.map(AnyBytes::Redb)),
        }
    }

    fn range(&self, bounds: KeyBounds<'_>) -> Result<AnyRange<'_>> {
        match self {
            AnyTable::Memory(table) => table.range(bounds).map(AnyRange::Memory),
            #[cfg(feature = "sled")]
            AnyTable::Sled(table) => table.range(bounds).map(AnyRange::Sled),
            #[cfg(feature = "redb")]
            AnyTable::Redb(table) => table.range(bounds).map(AnyRange::Redb),
        }
    }

    fn len(&self) -> Result<u64> {
        dispatch!(self, AnyTable, table => table.len())
    }
}

impl SnapshotTable for AnyTable {
    type Owned = AnyBytes<'static>;
    type Scan = AnyRange<'static>;

    fn scan(&self, bounds: KeyBounds<'_>) -> Result<AnyRange<'static>> {
        match self {
            AnyTable::Memory(table) => table.scan(bounds).map(AnyRange::MemoryScan),
            #[cfg(feature = "sled")]
            AnyTable::Sled(table) => table.scan(bounds).map(AnyRange::Sled),
            #[cfg(feature = "redb")]
            AnyTable::Redb(table) => table.scan(bounds).map(AnyRange::Redb),
        }
    }
}

/// A write transaction of an [`AnyStore`].
// One value per write transaction, built once and never moved in a loop: boxing the larger
// redb variant would only add an allocation per transaction.
#[allow(missing_docs, clippy::large_enum_variant)]
pub enum AnyWrite {
    Memory(MemoryWrite),
    #[cfg(feature = "sled")]
    Sled(SledWrite),
    #[cfg(feature = "redb")]
    Redb(RedbWrite),
}

impl WriteTxn for AnyWrite {
    type Table<'t> = AnyWriteTable<'t>;

    fn open_table(&self, name: &'static str) -> Result<AnyWriteTable<'_>> {
        dispatch!(self, AnyWrite, txn => AnyWriteTable(txn.open_table(name)))
    }

    fn commit(self) -> Result<()> {
        dispatch!(self, AnyWrite, txn => txn.commit())
    }
}

/// A table of an [`AnyWrite`] transaction.
#[allow(missing_docs)]
pub enum AnyWriteTable<'t> {
    Memory(MemoryWriteTable<'t>),
    #[cfg(feature = "sled")]
    Sled(SledWriteTable<'t>),
    #[cfg(feature = "redb")]
    Redb(RedbWriteTable<'t>),
}

impl RawTable for AnyWriteTable<'_> {
    type Bytes<'a>
        = AnyBytes<'a>
    where
        Self: 'a;
    type Range<'a>
        = AnyRange<'a>
    where
        Self: 'a;

    fn get(&self, key: &[u8]) -> Result<Option<AnyBytes<'_>>> {
        match self {
            AnyWriteTable::Memory(table) => table.get(key).map(|v| v.map(AnyBytes::Shared)),
            #[cfg(feature = "sled")]
            AnyWriteTable::Sled(table) => table.get(key).map(|v| v.map(AnyBytes::Sled)),
            #[cfg(feature = "redb")]
            AnyWriteTable::Redb(table) => table.get(key).map(|v| v.map(AnyBytes::Redb)),
        }
    }

    fn range(&self, bounds: KeyBounds<'_>) -> Result<AnyRange<'_>> {
        match self {
            AnyWriteTable::Memory(table) => table.range(bounds).map(AnyRange::MemoryScan),
            #[cfg(feature = "sled")]
            AnyWriteTable::Sled(table) => table.range(bounds).map(AnyRange::SledMerge),
            #[cfg(feature = "redb")]
            AnyWriteTable::Redb(table) => table.range(bounds).map(AnyRange::Redb),
        }
    }

    fn len(&self) -> Result<u64> {
        dispatch!(self, AnyWriteTable, table => table.len())
    }
}

impl RawTableMut for AnyWriteTable<'_> {
    fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<Option<Vec<u8>>> {
        dispatch!(self, AnyWriteTable, table => table.insert(key, value))
    }

    fn remove(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        dispatch!(self, AnyWriteTable, table => table.remove(key))
    }

    fn clear(&mut self) -> Result<()> {
        dispatch!(self, AnyWriteTable, table => table.clear())
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        dispatch!(self, AnyWriteTable, table => table.set(key, value))
    }

    fn delete(&mut self, key: &[u8]) -> Result<()> {
        dispatch!(self, AnyWriteTable, table => table.delete(key))
    }
}

super::typed_store_api!(AnyStore, AnyStoreTree);

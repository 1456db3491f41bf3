//! The byte-level contract between the typed store and a storage engine.
//!
//! A backend (sled, redb, memory) implements [`Backend`]: read and write transactions over
//! named tables of byte keys and byte values, ordered by key. Everything typed (encoding,
//! secondary indexes, batches, transactions, iteration) is written once on top of this
//! contract, so every backend has the same semantics by construction.
//!
//! Requirements on an implementation:
//! * A [`WriteTxn`] is atomic: after [`WriteTxn::commit`] returns `Ok`, all of its writes are
//!   visible; if it is dropped (or `commit` fails) none are, including after a crash.
//! * Write transactions are serialised: beginning one waits until the previous one ended.
//! * Tables are ordered by key bytes (lexicographically) and created on first use.
//! * [`ReadTxn`] tables are owned handles that can outlive the borrow they were opened with, so
//!   iterators over committed data can be returned to callers.

use std::ops::{Bound, Deref};

use crate::error::Result;
use crate::subscription::{ChangeHub, EventLog};

/// Borrowed bounds on key bytes.
pub type KeyBounds<'a> = (Bound<&'a [u8]>, Bound<&'a [u8]>);

/// A storage engine.
pub trait Backend: Send + Sync + 'static {
    /// A read-only transaction.
    type Read: ReadTxn + 'static;
    /// A read-write transaction.
    type Write: WriteTxn + 'static;

    /// Begins a read transaction.
    ///
    /// # Errors
    /// When the engine cannot start one.
    fn begin_read(&self) -> Result<Self::Read>;

    /// Begins a write transaction, waiting for the current one to end.
    ///
    /// # Errors
    /// When the engine cannot start one, or the store is read-only.
    fn begin_write(&self) -> Result<Self::Write>;

    /// Makes every committed write durable.
    ///
    /// # Errors
    /// When the engine fails to sync.
    fn flush(&self) -> Result<()>;

    /// The store's change hub, shared by every handle on the same database: the typed layer
    /// publishes committed changes there (see [`crate::subscription`]).
    fn changes(&self) -> &ChangeHub;

    /// Runs `work` in a new write transaction, commits it when `work` returns `Ok`, and then
    /// publishes the changes `work` recorded in `log`, in commit order. This is how every
    /// auto-commit call (a tree's `put`, `put_many`, `remove`, `clear`, a batch, a DHT record)
    /// writes.
    ///
    /// `tables` names the tables `work` opens, or is empty when `work` iterates or counts a
    /// table (clearing it, checking unique keys). An engine may use the names to write more
    /// directly than [`Backend::begin_write`] allows, and may then roll a first attempt back
    /// and run `work` again (sled does, when `work` iterates after all); only the last
    /// attempt is committed and published.
    ///
    /// # Errors
    /// The error of `work`, or of the engine; then nothing was written and nothing published.
    fn auto_commit<R>(
        &self,
        tables: &[&'static str],
        work: impl FnMut(&Self::Write, &mut EventLog) -> Result<R>,
    ) -> Result<R> {
        let _ = tables;
        write_in_transaction(self, work)
    }
}

/// [`Backend::auto_commit`] on an ordinary write transaction: `work` runs once.
pub(crate) fn write_in_transaction<B: Backend + ?Sized, R>(
    backend: &B,
    work: impl FnOnce(&B::Write, &mut EventLog) -> Result<R>,
) -> Result<R> {
    let hub = backend.changes();
    let mut log = EventLog::for_hub(hub);
    let txn = backend.begin_write()?;
    let result = work(&txn, &mut log)?;
    log.commit(hub, txn)?;
    Ok(result)
}

/// A read transaction.
pub trait ReadTxn {
    /// A table opened in this transaction.
    type Table: SnapshotTable;

    /// Opens table `name`; a table that does not exist reads as empty.
    ///
    /// # Errors
    /// When the engine fails.
    fn open_table(&self, name: &'static str) -> Result<Self::Table>;
}

/// A write transaction. Dropping it without [`WriteTxn::commit`] discards its writes.
pub trait WriteTxn {
    /// A table opened in this transaction.
    type Table<'t>: RawTableMut
    where
        Self: 't;

    /// Opens (creating if needed) table `name`.
    ///
    /// # Errors
    /// When the engine fails, or the table is already open in this transaction.
    fn open_table(&self, name: &'static str) -> Result<Self::Table<'_>>;

    /// Commits every write of this transaction atomically.
    ///
    /// # Errors
    /// When the engine fails; then nothing was written.
    fn commit(self) -> Result<()>;
}

/// Read access to one table.
pub trait RawTable {
    /// Bytes read from the table.
    type Bytes<'a>: Deref<Target = [u8]>
    where
        Self: 'a;

    /// An iterator over `(key, value)` pairs in key order.
    type Range<'a>: Iterator<Item = Result<(Self::Bytes<'a>, Self::Bytes<'a>)>>
    where
        Self: 'a;

    /// The value stored under `key`.
    ///
    /// # Errors
    /// When the engine fails.
    fn get(&self, key: &[u8]) -> Result<Option<Self::Bytes<'_>>>;

    /// The entries whose keys lie within `bounds`, in key order.
    ///
    /// # Errors
    /// When the engine fails.
    fn range(&self, bounds: KeyBounds<'_>) -> Result<Self::Range<'_>>;

    /// The number of entries.
    ///
    /// # Errors
    /// When the engine fails.
    fn len(&self) -> Result<u64>;

    /// Whether the table has no entry.
    ///
    /// # Errors
    /// When the engine fails.
    fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
}

/// Write access to one table inside a [`WriteTxn`].
pub trait RawTableMut: RawTable {
    /// Stores `value` under `key`, returning the previous value.
    ///
    /// # Errors
    /// When the engine fails.
    fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Removes `key`, returning its value.
    ///
    /// # Errors
    /// When the engine fails.
    fn remove(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Removes every entry.
    ///
    /// # Errors
    /// When the engine fails.
    fn clear(&mut self) -> Result<()>;

    /// Stores `value` under `key` without returning the previous value, which an engine can
    /// then skip reading or copying.
    ///
    /// # Errors
    /// When the engine fails.
    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        self.insert(key, value).map(drop)
    }

    /// Removes `key` (if present) without returning its value.
    ///
    /// # Errors
    /// When the engine fails.
    fn delete(&mut self, key: &[u8]) -> Result<()> {
        self.remove(key).map(drop)
    }
}

/// A table handle of a [`ReadTxn`], which can hand out iterators that own their data.
pub trait SnapshotTable: RawTable + Send + 'static {
    /// Bytes owned by a [`SnapshotTable::Scan`] item.
    type Owned: Deref<Target = [u8]> + Send + 'static;

    /// An owning iterator over `(key, value)` pairs in key order.
    type Scan: Iterator<Item = Result<(Self::Owned, Self::Owned)>> + Send + 'static;

    /// Like [`RawTable::range`], but the iterator does not borrow the table: it owns what it
    /// needs and stays valid after the table and its transaction are dropped, reading the
    /// transaction's snapshot.
    ///
    /// # Errors
    /// When the engine fails.
    fn scan(&self, bounds: KeyBounds<'_>) -> Result<Self::Scan>;
}

/// Whether `bounds` can contain no key at all (start after end, or an empty exclusive range).
/// Engines check this first: some panic when asked for such a range.
pub(crate) fn is_empty_range(bounds: KeyBounds<'_>) -> bool {
    match bounds {
        (Bound::Included(lo), Bound::Included(hi)) => lo > hi,
        (Bound::Included(lo), Bound::Excluded(hi))
        | (Bound::Excluded(lo), Bound::Included(hi))
        | (Bound::Excluded(lo), Bound::Excluded(hi)) => lo >= hi,
        _ => false,
    }
}

/// Owned bounds on key bytes.
pub(crate) type OwnedKeyBounds = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// Owned copies of borrowed bounds.
pub(crate) fn owned_bounds(bounds: KeyBounds<'_>) -> OwnedKeyBounds {
    (bounds.0.map(<[u8]>::to_vec), bounds.1.map(<[u8]>::to_vec))
}

/// Borrowed view of owned bounds.
pub(crate) fn borrow_bounds(bounds: &OwnedKeyBounds) -> KeyBounds<'_> {
    (
        bounds.0.as_ref().map(Vec::as_slice),
        bounds.1.as_ref().map(Vec::as_slice),
    )
}

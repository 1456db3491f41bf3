//! Explicit transactions with read-only / read-write type-state.
//!
//! `store.read()` returns a [`TxnGuard`] in [`ReadOnly`] mode and `store.write()` one in
//! [`ReadWrite`] mode. Trees opened on the guard ([`TreeView`]) share its transaction. Writes
//! exist only on read-write views, so `put` on a read-only view does not compile. A write
//! transaction commits with [`TxnGuard::commit`]; dropping it (or [`TxnGuard::rollback`])
//! writes nothing.
//!
//! `read()` and `write()` return the guard directly; if the engine cannot start the
//! transaction, every operation on the guard and its views reports
//! [`NetabaseError::TransactionUnavailable`].
//!
//! Views open their tables for each operation and hold only a borrow of the transaction, so
//! `txn.commit()` compiles while views are still in scope, and two views of one model can be
//! used together. Iterating a read-only view (whole, by range or prefix, by secondary key)
//! reads the transaction's snapshot; iterating a read-write view is a cursor that sees the
//! transaction's writes as it advances.
//!
//! If a write operation on a view fails after it may have written part of its changes (an
//! engine error), the transaction is poisoned: [`TxnGuard::commit`] refuses to commit it, so a
//! half-applied operation can never be committed. Encoding errors and unique-key violations
//! are detected before anything is written and do not poison the transaction.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Bound, Deref, RangeBounds};
use std::sync::Arc;

use crate::codec::KeyPrefix;
use crate::engine::{
    Backend, KeyBounds, OwnedKeyBounds, RawTable, ReadTxn, SnapshotTable, WriteTxn, borrow_bounds,
    owned_bounds,
};
use crate::error::{NetabaseError, Result};
use crate::subscription::EventLog;
use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::NetabaseModelTrait;
use crate::typed::{
    EncodedModel, ModelIter, ModelTables, PrimaryLookup, PrimaryTable, SecondaryIter, TxnState,
    WriteOp, key_bounds, key_prefix_bounds, secondary_bounds, secondary_prefix_bounds,
};

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::ReadOnly {}
    impl Sealed for super::ReadWrite {}
}

/// Type-state of a read-only transaction.
#[derive(Debug, Clone, Copy)]
pub struct ReadOnly;

/// Type-state of a read-write transaction.
#[derive(Debug, Clone, Copy)]
pub struct ReadWrite;

/// The mode of a transaction: which engine transaction and tables it uses.
pub trait TxnMode: sealed::Sealed + 'static {
    /// Whether transactions of this mode can write.
    const WRITES: bool;

    /// The engine transaction.
    type Txn<B: Backend>;
    /// A table opened in that transaction.
    type Table<'t, B: Backend>: RawTable;
    /// The iterator over a range of a table in that transaction.
    type Scan<'t, B: Backend>: Iterator<Item = Result<(Self::Bytes<'t, B>, Self::Bytes<'t, B>)>>;
    /// Bytes yielded by [`TxnMode::Scan`].
    type Bytes<'t, B: Backend>: Deref<Target = [u8]>;
    /// How a secondary-key iterator reads models in that transaction: the snapshot table, or
    /// a [`WriteLookup`].
    type Lookup<'t, B: Backend>;

    #[doc(hidden)]
    fn begin<B: Backend>(backend: &B) -> Result<Self::Txn<B>>;

    #[doc(hidden)]
    fn open_table<'t, B: Backend>(
        txn: &'t Self::Txn<B>,
        name: &'static str,
    ) -> Result<Self::Table<'t, B>>;

    #[doc(hidden)]
    fn scan<'t, B: Backend>(
        txn: &'t Self::Txn<B>,
        name: &'static str,
        bounds: KeyBounds<'_>,
    ) -> Result<Self::Scan<'t, B>>;

    #[doc(hidden)]
    fn lookup<'t, B: Backend>(
        txn: &'t Self::Txn<B>,
        name: &'static str,
    ) -> Result<Self::Lookup<'t, B>>;
}

/// The tables of model `M` in a transaction of mode `Mode`.
type ModelTablesOf<'t, D, M, B, Mode> = ModelTables<D, M, <Mode as TxnMode>::Table<'t, B>>;

impl TxnMode for ReadOnly {
    const WRITES: bool = false;
    type Txn<B: Backend> = B::Read;
    type Table<'t, B: Backend> = <B::Read as ReadTxn>::Table;
    type Scan<'t, B: Backend> = <<B::Read as ReadTxn>::Table as SnapshotTable>::Scan;
    type Bytes<'t, B: Backend> = <<B::Read as ReadTxn>::Table as SnapshotTable>::Owned;
    type Lookup<'t, B: Backend> = <B::Read as ReadTxn>::Table;

    fn begin<B: Backend>(backend: &B) -> Result<B::Read> {
        backend.begin_read()
    }

    fn open_table<B: Backend>(
        txn: &B::Read,
        name: &'static str,
    ) -> Result<<B::Read as ReadTxn>::Table> {
        txn.open_table(name)
    }

    fn scan<'t, B: Backend>(
        txn: &'t B::Read,
        name: &'static str,
        bounds: KeyBounds<'_>,
    ) -> Result<Self::Scan<'t, B>> {
        txn.open_table(name)?.scan(bounds)
    }

    fn lookup<B: Backend>(
        txn: &B::Read,
        name: &'static str,
    ) -> Result<<B::Read as ReadTxn>::Table> {
        txn.open_table(name)
    }
}

impl TxnMode for ReadWrite {
    const WRITES: bool = true;
    type Txn<B: Backend> = B::Write;
    type Table<'t, B: Backend> = <B::Write as WriteTxn>::Table<'t>;
    type Scan<'t, B: Backend> = WriteCursor<'t, B::Write>;
    type Bytes<'t, B: Backend> = Vec<u8>;
    type Lookup<'t, B: Backend> = WriteLookup<'t, B::Write>;

    fn begin<B: Backend>(backend: &B) -> Result<B::Write> {
        backend.begin_write()
    }

    fn open_table<'t, B: Backend>(
        txn: &'t B::Write,
        name: &'static str,
    ) -> Result<<B::Write as WriteTxn>::Table<'t>> {
        txn.open_table(name)
    }

    fn scan<'t, B: Backend>(
        txn: &'t B::Write,
        name: &'static str,
        bounds: KeyBounds<'_>,
    ) -> Result<WriteCursor<'t, B::Write>> {
        Ok(WriteCursor {
            txn,
            table: name,
            bounds: owned_bounds(bounds),
            done: false,
        })
    }

    fn lookup<'t, B: Backend>(
        txn: &'t B::Write,
        name: &'static str,
    ) -> Result<WriteLookup<'t, B::Write>> {
        Ok(WriteLookup { txn, table: name })
    }
}

/// Iterates a range of a table inside a write transaction. Each step reopens the table and
/// seeks past the previous key, so the cursor holds no table open between steps and sees the
/// transaction's writes as it advances.
pub struct WriteCursor<'t, W> {
    txn: &'t W,
    table: &'static str,
    /// What is left to read: the start moves past each key read.
    bounds: OwnedKeyBounds,
    done: bool,
}

impl<W: WriteTxn> WriteCursor<'_, W> {
    fn step(&self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let table = self.txn.open_table(self.table)?;
        let mut range = table.range(borrow_bounds(&self.bounds))?;
        let entry = match range.next() {
            Some(entry) => {
                let (key, value) = entry?;
                Some((key.to_vec(), value.to_vec()))
            }
            None => None,
        };
        Ok(entry)
    }
}

impl<W: WriteTxn> Iterator for WriteCursor<'_, W> {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.step() {
            Ok(Some((key, value))) => {
                self.bounds.0 = Bound::Excluded(key.clone());
                Some(Ok((key, value)))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(err) => {
                self.done = true;
                Some(Err(err))
            }
        }
    }
}

/// Reads models inside a write transaction for a secondary-key iterator, opening the table
/// for each read so that no table stays open between steps.
pub struct WriteLookup<'t, W> {
    txn: &'t W,
    table: &'static str,
}

impl<W: WriteTxn> PrimaryLookup for WriteLookup<'_, W> {
    fn lookup<R>(&self, key: &[u8], read: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
        self.txn.open_table(self.table)?.lookup(key, read)
    }
}

impl<W> fmt::Debug for WriteLookup<'_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteLookup")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

/// An open transaction on a store with backend `B`, in mode [`ReadOnly`] or [`ReadWrite`].
#[must_use = "a write transaction writes nothing unless committed"]
pub struct TxnGuard<'db, D, B: Backend, Mode: TxnMode> {
    backend: &'db B,
    txn: std::result::Result<Mode::Txn<B>, Arc<NetabaseError>>,
    state: TxnState,
    _definition: PhantomData<fn() -> D>,
}

/// The iterator of [`TreeView::iter`], [`TreeView::range`] and [`TreeView::prefix`].
pub type ViewIter<'txn, D, M, B, Mode> = ModelIter<D, M, <Mode as TxnMode>::Scan<'txn, B>>;

/// The iterator of [`TreeView::range_by_secondary_key`] and
/// [`TreeView::prefix_by_secondary_key`].
pub type ViewSecondaryIter<'txn, D, M, B, Mode> =
    SecondaryIter<D, M, <Mode as TxnMode>::Scan<'txn, B>, <Mode as TxnMode>::Lookup<'txn, B>>;

impl<D, B: Backend, Mode: TxnMode> fmt::Debug for TxnGuard<'_, D, B, Mode> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TxnGuard")
            .field("mode", &std::any::type_name::<Mode>())
            .field("started", &self.txn.is_ok())
            .field("poisoned", &self.state.is_poisoned())
            .finish()
    }
}

impl<'db, D, B, Mode> TxnGuard<'db, D, B, Mode>
where
    D: NetabaseDefinitionTrait,
    B: Backend,
    Mode: TxnMode,
{
    pub(crate) fn begin(backend: &'db B) -> Self {
        // The log decides now whether to record: a subscriber that arrives later misses this
        // transaction, never half of it.
        let log = if Mode::WRITES {
            EventLog::for_hub(backend.changes())
        } else {
            EventLog::inactive()
        };
        TxnGuard {
            backend,
            txn: Mode::begin(backend).map_err(Arc::new),
            state: TxnState::new(log),
            _definition: PhantomData,
        }
    }

    /// Opens the tree of model `M` in this transaction. Opening is free; errors surface on use.
    pub fn open_tree<M: NetabaseModelTrait<D>>(&self) -> TreeView<'_, D, M, B, Mode> {
        TreeView {
            txn: self.txn.as_ref(),
            state: &self.state,
            _model: PhantomData,
        }
    }
}

impl<D, B> TxnGuard<'_, D, B, ReadWrite>
where
    D: NetabaseDefinitionTrait,
    B: Backend,
{
    /// Commits every write of this transaction atomically.
    ///
    /// # Errors
    /// When the transaction could not be started, is poisoned by a failed write, or the
    /// engine fails to commit; in every case nothing was written.
    pub fn commit(self) -> Result<()> {
        if self.state.is_poisoned() {
            return Err(NetabaseError::TransactionPoisoned);
        }
        match self.txn {
            Ok(txn) => self.state.into_log().commit(self.backend.changes(), txn),
            Err(err) => Err(NetabaseError::TransactionUnavailable(err)),
        }
    }

    /// Discards every write of this transaction (the same as dropping it).
    pub fn rollback(self) {}
}

/// The tree of model `M` inside a transaction.
pub struct TreeView<'txn, D, M, B: Backend, Mode: TxnMode> {
    txn: std::result::Result<&'txn Mode::Txn<B>, &'txn Arc<NetabaseError>>,
    state: &'txn TxnState,
    _model: PhantomData<fn() -> (D, M)>,
}

impl<D, M, B, Mode> fmt::Debug for TreeView<'_, D, M, B, Mode>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
    Mode: TxnMode,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TreeView")
            .field("tree", &M::TREE_NAMES.primary)
            .field("mode", &std::any::type_name::<Mode>())
            .finish()
    }
}

impl<'txn, D, M, B, Mode> TreeView<'txn, D, M, B, Mode>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
    Mode: TxnMode,
{
    fn txn(&self) -> Result<&'txn Mode::Txn<B>> {
        self.txn
            .map_err(|err| NetabaseError::TransactionUnavailable(Arc::clone(err)))
    }

    fn tables(&self) -> Result<ModelTablesOf<'txn, D, M, B, Mode>> {
        let txn = self.txn()?;
        ModelTables::open(|name| Mode::open_table::<B>(txn, name))
    }

    /// The table of models alone, for reads that do not need the index.
    fn primary(&self) -> Result<PrimaryTable<D, M, <Mode as TxnMode>::Table<'txn, B>>> {
        let txn = self.txn()?;
        PrimaryTable::open(|name| Mode::open_table::<B>(txn, name))
    }

    /// The model with primary key `key`, as this transaction sees it.
    ///
    /// # Errors
    /// When the engine fails or the stored value does not decode.
    pub fn get(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        self.primary()?.get(&key)
    }

    /// Every model whose secondary key equals `key`, in primary-key order.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    pub fn get_by_secondary_key(&self, key: M::SecondaryKeys) -> Result<Vec<M>> {
        self.tables()?.get_by_secondary(&key)
    }

    /// One entry per key, in order.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    pub fn get_many(
        &self,
        keys: impl IntoIterator<Item = M::PrimaryKey>,
    ) -> Result<Vec<Option<M>>> {
        self.primary()?.get_many(keys)
    }

    /// The number of models.
    ///
    /// # Errors
    /// When the engine fails.
    pub fn len(&self) -> Result<usize> {
        self.primary()?.len()
    }

    /// Whether the tree holds no model.
    ///
    /// # Errors
    /// When the engine fails.
    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|len| len == 0)
    }

    /// The model whose unique secondary key equals `key`, as this transaction sees it (see
    /// [`StoreTree::get_by_unique_key`](crate::store_tree::StoreTree::get_by_unique_key)).
    ///
    /// # Errors
    /// [`NetabaseError::NotUnique`] when `key`'s field is not unique; otherwise when the engine
    /// fails or the stored value does not decode.
    pub fn get_by_unique_key(&self, key: M::SecondaryKeys) -> Result<Option<M>> {
        self.tables()?.get_by_unique(&key)
    }

    /// Every model with its primary key, in primary-key order, as this transaction sees it.
    ///
    /// # Errors
    /// When the engine cannot start the iteration; item errors come from the iterator.
    pub fn iter(&self) -> Result<ViewIter<'txn, D, M, B, Mode>> {
        self.scan(&(Bound::Unbounded, Bound::Unbounded))
    }

    /// The models whose primary keys lie within `range`, with their keys, in primary-key
    /// order, as this transaction sees it (see
    /// [`StoreTree::range`](crate::store_tree::StoreTree::range)).
    ///
    /// # Errors
    /// When the engine cannot start the iteration; item errors come from the iterator.
    pub fn range(
        &self,
        range: impl RangeBounds<M::PrimaryKey>,
    ) -> Result<ViewIter<'txn, D, M, B, Mode>> {
        self.scan(&key_bounds(&range))
    }

    /// The models whose string or byte-string primary keys start with `prefix`, with their
    /// keys, in primary-key order, as this transaction sees it.
    ///
    /// # Errors
    /// When the engine cannot start the iteration; item errors come from the iterator.
    pub fn prefix(
        &self,
        prefix: &<M::PrimaryKey as KeyPrefix>::Prefix,
    ) -> Result<ViewIter<'txn, D, M, B, Mode>>
    where
        M::PrimaryKey: KeyPrefix,
    {
        self.scan(&key_prefix_bounds::<M::PrimaryKey>(prefix))
    }

    /// The models whose value of one secondary key lies within `range`, each with that key, in
    /// (secondary value, primary key) order, as this transaction sees it. The bounds must be
    /// keys of one field; see
    /// [`StoreTree::range_by_secondary_key`](crate::store_tree::StoreTree::range_by_secondary_key).
    ///
    /// # Errors
    /// [`NetabaseError::SecondaryRangeFields`] when the bounds are keys of different fields,
    /// [`NetabaseError::UnboundedSecondaryRange`] when neither side is bounded, or the engine
    /// failing to start the iteration. Later errors are yielded by the iterator.
    pub fn range_by_secondary_key(
        &self,
        range: impl RangeBounds<M::SecondaryKeys>,
    ) -> Result<ViewSecondaryIter<'txn, D, M, B, Mode>> {
        self.scan_index(&secondary_bounds::<D, M>(&range)?)
    }

    /// The models whose string or byte-string secondary key `K` starts with `prefix`'s value,
    /// each with that key, in (secondary value, primary key) order, as this transaction sees
    /// it.
    ///
    /// # Errors
    /// When the engine cannot start the iteration; item errors come from the iterator.
    pub fn prefix_by_secondary_key<K>(
        &self,
        prefix: K,
    ) -> Result<ViewSecondaryIter<'txn, D, M, B, Mode>>
    where
        K: KeyPrefix + Into<M::SecondaryKeys>,
    {
        self.scan_index(&secondary_prefix_bounds::<D, M, K>(prefix))
    }

    fn scan(&self, bounds: &OwnedKeyBounds) -> Result<ViewIter<'txn, D, M, B, Mode>> {
        Mode::scan::<B>(self.txn()?, M::TREE_NAMES.primary, borrow_bounds(bounds))
            .map(ModelIter::new)
    }

    fn scan_index(
        &self,
        bounds: &OwnedKeyBounds,
    ) -> Result<ViewSecondaryIter<'txn, D, M, B, Mode>> {
        let txn = self.txn()?;
        let entries = Mode::scan::<B>(txn, M::TREE_NAMES.index, borrow_bounds(bounds))?;
        let models = Mode::lookup::<B>(txn, M::TREE_NAMES.primary)?;
        Ok(SecondaryIter::new(entries, models))
    }
}

impl<'txn, D, M, B> TreeView<'txn, D, M, B, ReadWrite>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
{
    /// Inserts `model`, replacing the model with the same primary key.
    ///
    /// # Errors
    /// When the model cannot be encoded or another model has the same value of one of its
    /// unique secondary keys ([`NetabaseError::UniqueViolation`]): then nothing was written and
    /// the transaction stays usable. When the engine fails: then the transaction is poisoned.
    pub fn put(&mut self, model: M) -> Result<()> {
        let ops = [WriteOp::Put(EncodedModel::new::<D, M>(&model)?)];
        self.tables()?.put_in(&ops, self.state)
    }

    /// Inserts every model, in order.
    ///
    /// # Errors
    /// When a model cannot be encoded or two models would share the value of a unique
    /// secondary key (with each other or with a model in the transaction): both are checked
    /// for all models before any is written, so nothing was written and the transaction stays
    /// usable. When the engine fails: then the transaction is poisoned.
    pub fn put_many(&mut self, models: impl IntoIterator<Item = M>) -> Result<()> {
        let ops = WriteOp::puts::<D, M>(models)?;
        self.tables()?.put_in(&ops, self.state)
    }

    /// Removes the model with primary key `key` and returns it.
    ///
    /// # Errors
    /// When the engine fails or the stored value does not decode (the transaction is
    /// poisoned).
    pub fn remove(&mut self, key: M::PrimaryKey) -> Result<Option<M>> {
        let removed = self.tables()?.remove_in([key], self.state)?;
        Ok(removed.into_iter().next().flatten())
    }

    /// Removes every key's model; one entry per key, in order.
    ///
    /// # Errors
    /// As [`TreeView::remove`].
    pub fn remove_many(
        &mut self,
        keys: impl IntoIterator<Item = M::PrimaryKey>,
    ) -> Result<Vec<Option<M>>> {
        self.tables()?.remove_in(keys, self.state)
    }

    /// Removes every model and its index entries.
    ///
    /// # Errors
    /// When the engine fails (the transaction is poisoned).
    pub fn clear(&mut self) -> Result<()> {
        self.tables()?.clear_in(self.state)
    }
}

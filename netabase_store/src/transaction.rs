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
//! used together. Iterating a read-only view reads the transaction's snapshot; iterating a
//! read-write view is a cursor that sees the transaction's writes as it advances.
//!
//! If a write operation on a view fails after it may have written part of its changes (an
//! engine error), the transaction is poisoned: [`TxnGuard::commit`] refuses to commit it, so a
//! half-applied operation can never be committed. Encoding errors are detected before
//! anything is written and do not poison the transaction.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Bound, Deref};
use std::sync::Arc;

use crate::engine::{Backend, RawTable, ReadTxn, SnapshotTable, WriteTxn};
use crate::error::{NetabaseError, Result};
use crate::subscription::EventLog;
use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::NetabaseModelTrait;
use crate::typed::{EncodedModel, ModelIter, ModelTables};

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
    /// The iterator over a whole table in that transaction.
    type Scan<'t, B: Backend>: Iterator<Item = Result<(Self::Bytes<'t, B>, Self::Bytes<'t, B>)>>;
    /// Bytes yielded by [`TxnMode::Scan`].
    type Bytes<'t, B: Backend>: Deref<Target = [u8]>;

    #[doc(hidden)]
    fn begin<B: Backend>(backend: &B) -> Result<Self::Txn<B>>;

    #[doc(hidden)]
    fn open_table<'t, B: Backend>(
        txn: &'t Self::Txn<B>,
        name: &'static str,
    ) -> Result<Self::Table<'t, B>>;

    #[doc(hidden)]
    fn scan<'t, B: Backend>(txn: &'t Self::Txn<B>, name: &'static str)
    -> Result<Self::Scan<'t, B>>;
}

/// The tables of model `M` in a transaction of mode `Mode`.
type ModelTablesOf<'t, D, M, B, Mode> = ModelTables<D, M, <Mode as TxnMode>::Table<'t, B>>;

impl TxnMode for ReadOnly {
    const WRITES: bool = false;
    type Txn<B: Backend> = B::Read;
    type Table<'t, B: Backend> = <B::Read as ReadTxn>::Table;
    type Scan<'t, B: Backend> = <<B::Read as ReadTxn>::Table as SnapshotTable>::Scan;
    type Bytes<'t, B: Backend> = <<B::Read as ReadTxn>::Table as SnapshotTable>::Owned;

    fn begin<B: Backend>(backend: &B) -> Result<B::Read> {
        backend.begin_read()
    }

    fn open_table<B: Backend>(
        txn: &B::Read,
        name: &'static str,
    ) -> Result<<B::Read as ReadTxn>::Table> {
        txn.open_table(name)
    }

    fn scan<'t, B: Backend>(txn: &'t B::Read, name: &'static str) -> Result<Self::Scan<'t, B>> {
        txn.open_table(name)?
            .scan((Bound::Unbounded, Bound::Unbounded))
    }
}

impl TxnMode for ReadWrite {
    const WRITES: bool = true;
    type Txn<B: Backend> = B::Write;
    type Table<'t, B: Backend> = <B::Write as WriteTxn>::Table<'t>;
    type Scan<'t, B: Backend> = WriteCursor<'t, B::Write>;
    type Bytes<'t, B: Backend> = Vec<u8>;

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
    ) -> Result<WriteCursor<'t, B::Write>> {
        Ok(WriteCursor {
            txn,
            table: name,
            next: Bound::Unbounded,
            done: false,
        })
    }
}

/// Iterates a table inside a write transaction. Each step reopens the table and seeks past the
/// previous key, so the cursor holds no table open between steps and sees the transaction's
/// writes as it advances.
pub struct WriteCursor<'t, W> {
    txn: &'t W,
    table: &'static str,
    next: Bound<Vec<u8>>,
    done: bool,
}

impl<W: WriteTxn> WriteCursor<'_, W> {
    fn step(&self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let table = self.txn.open_table(self.table)?;
        let mut range = table.range((self.next.as_ref().map(Vec::as_slice), Bound::Unbounded))?;
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
                self.next = Bound::Excluded(key.clone());
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

/// An open transaction on a store with backend `B`, in mode [`ReadOnly`] or [`ReadWrite`].
#[must_use = "a write transaction writes nothing unless committed"]
pub struct TxnGuard<'db, D, B: Backend, Mode: TxnMode> {
    backend: &'db B,
    txn: std::result::Result<Mode::Txn<B>, Arc<NetabaseError>>,
    poisoned: Cell<bool>,
    log: RefCell<EventLog>,
    _definition: PhantomData<fn() -> D>,
}

/// The iterator of [`TreeView::iter`].
pub type ViewIter<'txn, D, M, B, Mode> = ModelIter<D, M, <Mode as TxnMode>::Scan<'txn, B>>;

impl<D, B: Backend, Mode: TxnMode> fmt::Debug for TxnGuard<'_, D, B, Mode> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TxnGuard")
            .field("mode", &std::any::type_name::<Mode>())
            .field("started", &self.txn.is_ok())
            .field("poisoned", &self.poisoned.get())
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
            poisoned: Cell::new(false),
            log: RefCell::new(log),
            _definition: PhantomData,
        }
    }

    /// Opens the tree of model `M` in this transaction. Opening is free; errors surface on use.
    pub fn open_tree<M: NetabaseModelTrait<D>>(&self) -> TreeView<'_, D, M, B, Mode> {
        TreeView {
            txn: self.txn.as_ref(),
            poisoned: &self.poisoned,
            log: &self.log,
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
        if self.poisoned.get() {
            return Err(NetabaseError::TransactionPoisoned);
        }
        match self.txn {
            Ok(txn) => self.log.into_inner().commit(self.backend.changes(), txn),
            Err(err) => Err(NetabaseError::TransactionUnavailable(err)),
        }
    }

    /// Discards every write of this transaction (the same as dropping it).
    pub fn rollback(self) {}
}

/// The tree of model `M` inside a transaction.
pub struct TreeView<'txn, D, M, B: Backend, Mode: TxnMode> {
    txn: std::result::Result<&'txn Mode::Txn<B>, &'txn Arc<NetabaseError>>,
    poisoned: &'txn Cell<bool>,
    log: &'txn RefCell<EventLog>,
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

    /// The model with primary key `key`, as this transaction sees it.
    ///
    /// # Errors
    /// When the engine fails or the stored value does not decode.
    pub fn get(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        self.tables()?.get(&key)
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
        let tables = self.tables()?;
        keys.into_iter().map(|key| tables.get(&key)).collect()
    }

    /// The number of models.
    ///
    /// # Errors
    /// When the engine fails.
    pub fn len(&self) -> Result<usize> {
        self.tables()?.len()
    }

    /// Whether the tree holds no model.
    ///
    /// # Errors
    /// When the engine fails.
    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|len| len == 0)
    }

    /// Every model with its primary key, in primary-key order, as this transaction sees it.
    ///
    /// # Errors
    /// When the engine cannot start the iteration; item errors come from the iterator.
    pub fn iter(&self) -> Result<ViewIter<'txn, D, M, B, Mode>> {
        Mode::scan::<B>(self.txn()?, M::TREE_NAMES.primary).map(ModelIter::new)
    }
}

impl<'txn, D, M, B> TreeView<'txn, D, M, B, ReadWrite>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
{
    fn write<R>(
        &mut self,
        op: impl FnOnce(&mut ModelTablesOf<'txn, D, M, B, ReadWrite>, &mut EventLog) -> Result<R>,
    ) -> Result<R> {
        let result = self
            .tables()
            .and_then(|mut tables| op(&mut tables, &mut self.log.borrow_mut()));
        if result.is_err() {
            self.poisoned.set(true);
        }
        result
    }

    /// Inserts `model`, replacing the model with the same primary key.
    ///
    /// # Errors
    /// When the model cannot be encoded (the transaction stays usable) or the engine fails
    /// (the transaction is poisoned).
    pub fn put(&mut self, model: M) -> Result<()> {
        let encoded = EncodedModel::new::<D, M>(&model)?;
        self.write(|tables, log| tables.put(&encoded, log))
    }

    /// Inserts every model.
    ///
    /// # Errors
    /// When a model cannot be encoded (checked for all models before any is written; the
    /// transaction stays usable) or the engine fails (the transaction is poisoned).
    pub fn put_many(&mut self, models: impl IntoIterator<Item = M>) -> Result<()> {
        let encoded = models
            .into_iter()
            .map(|model| EncodedModel::new::<D, M>(&model))
            .collect::<Result<Vec<_>>>()?;
        self.write(|tables, log| {
            for model in &encoded {
                tables.put(model, log)?;
            }
            Ok(())
        })
    }

    /// Removes the model with primary key `key` and returns it.
    ///
    /// # Errors
    /// When the engine fails or the stored value does not decode (the transaction is
    /// poisoned).
    pub fn remove(&mut self, key: M::PrimaryKey) -> Result<Option<M>> {
        self.write(|tables, log| tables.remove(&key, log))
    }

    /// Removes every key's model; one entry per key, in order.
    ///
    /// # Errors
    /// As [`TreeView::remove`].
    pub fn remove_many(
        &mut self,
        keys: impl IntoIterator<Item = M::PrimaryKey>,
    ) -> Result<Vec<Option<M>>> {
        self.write(|tables, log| {
            keys.into_iter()
                .map(|key| tables.remove(&key, log))
                .collect()
        })
    }

    /// Removes every model and its index entries.
    ///
    /// # Errors
    /// When the engine fails (the transaction is poisoned).
    pub fn clear(&mut self) -> Result<()> {
        self.write(|tables, log| tables.clear(log))
    }
}

//! [`StoreTree`]: the typed tree of one model, where every call is its own transaction.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Bound;

use crate::codec::encode_key;
use crate::digest::{DigestSide, KeyRange, TreeDigest, TreeSnapshot};
use crate::engine::{Backend, ReadTxn, SnapshotTable, WriteTxn};
use crate::error::{NetabaseError, Result};
use crate::traits::batch::{BatchBuilder, Batchable};
use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::NetabaseModelTrait;
use crate::traits::tree::NetabaseTreeSync;
use crate::typed::{EncodedModel, ModelIter, ModelTables};

type ReadTable<B> = <<B as Backend>::Read as ReadTxn>::Table;
type WriteTable<'t, B> = <<B as Backend>::Write as WriteTxn>::Table<'t>;

/// The tree of model `M` in a store with backend `B`.
///
/// Opening a tree is free. Each method runs in its own transaction: writes commit before the
/// method returns (atomically, with their index entries); reads see one snapshot on backends
/// that have them. For many operations, use [`StoreTree::put_many`] and friends, a
/// [`Batch`], or an explicit transaction (`store.write()`).
pub struct StoreTree<'db, D, M, B> {
    backend: &'db B,
    _model: PhantomData<fn() -> (D, M)>,
}

impl<D, M, B> Clone for StoreTree<'_, D, M, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D, M, B> Copy for StoreTree<'_, D, M, B> {}

impl<D, M, B> fmt::Debug for StoreTree<'_, D, M, B>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreTree")
            .field("tree", &M::TREE_NAMES.primary)
            .finish()
    }
}

/// An iterator over the models of a tree in primary-key order, reading one snapshot.
pub type TreeIter<D, M, B> = ModelIter<D, M, TreeScan<B>>;

/// The raw scan behind [`TreeIter`]: the snapshot iterator, or the error that prevented it.
pub struct TreeScan<B: Backend> {
    state: ScanState<<ReadTable<B> as SnapshotTable>::Scan>,
}

enum ScanState<S> {
    Scanning(S),
    Failed(Option<NetabaseError>),
}

impl<B: Backend> Iterator for TreeScan<B> {
    type Item = <<ReadTable<B> as SnapshotTable>::Scan as Iterator>::Item;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.state {
            ScanState::Scanning(scan) => scan.next(),
            ScanState::Failed(err) => err.take().map(Err),
        }
    }
}

impl<'db, D, M, B> StoreTree<'db, D, M, B>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
{
    pub(crate) fn new(backend: &'db B) -> Self {
        StoreTree {
            backend,
            _model: PhantomData,
        }
    }

    fn read<R>(&self, f: impl FnOnce(&ModelTables<D, M, ReadTable<B>>) -> Result<R>) -> Result<R> {
        let txn = self.backend.begin_read()?;
        let tables = ModelTables::open_read(&txn)?;
        f(&tables)
    }

    fn write<R>(
        &self,
        f: impl for<'t> FnOnce(&mut ModelTables<D, M, WriteTable<'t, B>>) -> Result<R>,
    ) -> Result<R> {
        let txn = self.backend.begin_write()?;
        let result = {
            let mut tables = ModelTables::open_write(&txn)?;
            f(&mut tables)?
        };
        txn.commit()?;
        Ok(result)
    }

    /// Inserts `model`, replacing the model with the same primary key.
    ///
    /// # Errors
    /// When the model cannot be encoded or the engine fails; then nothing was written.
    pub fn put(&self, model: M) -> Result<()> {
        let encoded = EncodedModel::new::<D, M>(&model)?;
        self.write(|tables| tables.put(&encoded).map(drop))
    }

    /// The model with primary key `key`.
    ///
    /// # Errors
    /// When the engine fails or the stored value does not decode.
    pub fn get(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        self.read(|tables| tables.get(&key))
    }

    /// Removes the model with primary key `key` and returns it.
    ///
    /// # Errors
    /// When the engine fails or the stored value does not decode; then nothing was removed.
    pub fn remove(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        self.write(|tables| tables.remove(&key))
    }

    /// Every model whose secondary key equals `key`, in primary-key order.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    pub fn get_by_secondary_key(&self, key: M::SecondaryKeys) -> Result<Vec<M>> {
        self.read(|tables| tables.get_by_secondary(&key))
    }

    /// Every model with its primary key, in primary-key order, from one snapshot. The
    /// iterator reads lazily; it does not load the tree into memory.
    pub fn iter(&self) -> TreeIter<D, M, B> {
        let state = self
            .backend
            .begin_read()
            .and_then(|txn| txn.open_table(M::TREE_NAMES.primary))
            .and_then(|table| table.scan((Bound::Unbounded, Bound::Unbounded)));
        ModelIter::new(TreeScan {
            state: match state {
                Ok(scan) => ScanState::Scanning(scan),
                Err(err) => ScanState::Failed(Some(err)),
            },
        })
    }

    /// The number of models.
    ///
    /// # Errors
    /// When the engine fails.
    pub fn len(&self) -> Result<usize> {
        self.read(ModelTables::len)
    }

    /// Whether the tree holds no model.
    ///
    /// # Errors
    /// When the engine fails.
    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|len| len == 0)
    }

    /// Removes every model and its index entries.
    ///
    /// # Errors
    /// When the engine fails; then nothing was removed.
    pub fn clear(&self) -> Result<()> {
        self.write(|tables| tables.clear())
    }

    /// Inserts every model in one transaction: all are written or none.
    ///
    /// # Errors
    /// When a model cannot be encoded or the engine fails; then nothing was written.
    pub fn put_many(&self, models: impl IntoIterator<Item = M>) -> Result<()> {
        let encoded = models
            .into_iter()
            .map(|model| EncodedModel::new::<D, M>(&model))
            .collect::<Result<Vec<_>>>()?;
        self.write(|tables| {
            for model in &encoded {
                tables.put(model)?;
            }
            Ok(())
        })
    }

    /// Looks up every key in one read transaction; one entry per key, in order.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    pub fn get_many(
        &self,
        keys: impl IntoIterator<Item = M::PrimaryKey>,
    ) -> Result<Vec<Option<M>>> {
        self.read(|tables| keys.into_iter().map(|key| tables.get(&key)).collect())
    }

    /// Looks up every secondary key in one read transaction; one `Vec` per key, in order.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    pub fn get_many_by_secondary_keys(
        &self,
        keys: impl IntoIterator<Item = M::SecondaryKeys>,
    ) -> Result<Vec<Vec<M>>> {
        self.read(|tables| {
            keys.into_iter()
                .map(|key| tables.get_by_secondary(&key))
                .collect()
        })
    }

    /// The digest of this tree: the number of models and a hash of all of them in key order,
    /// equal on two trees exactly when they hold the same models (see [`crate::digest`]).
    /// Reads the whole tree from one snapshot.
    ///
    /// # Errors
    /// When the engine fails.
    pub fn digest(&self) -> Result<TreeDigest> {
        self.snapshot()?.fingerprint(&KeyRange::all())
    }

    /// This tree, read from one snapshot, as the local side of a comparison
    /// ([`crate::digest::compare`]).
    ///
    /// # Errors
    /// When the engine cannot begin a read transaction.
    pub fn snapshot(&self) -> Result<TreeSnapshot<D, M, B>> {
        TreeSnapshot::open(self.backend)
    }

    /// Starts a batch of writes to this tree, committed atomically by [`Batch::commit`].
    ///
    /// # Errors
    /// Never for the built-in backends; the `Result` is the [`Batchable`] signature.
    pub fn create_batch(&self) -> Result<Batch<'db, D, M, B>> {
        Ok(Batch {
            backend: self.backend,
            ops: Vec::new(),
            _model: PhantomData,
        })
    }
}

impl<D, M, B> NetabaseTreeSync<D, M> for StoreTree<'_, D, M, B>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
{
    type PrimaryKey = M::PrimaryKey;
    type SecondaryKeys = M::SecondaryKeys;

    fn put(&self, model: M) -> Result<()> {
        StoreTree::put(self, model)
    }

    fn get(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        StoreTree::get(self, key)
    }

    fn remove(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        StoreTree::remove(self, key)
    }

    fn get_by_secondary_key(&self, key: M::SecondaryKeys) -> Result<Vec<M>> {
        StoreTree::get_by_secondary_key(self, key)
    }

    fn iter(&self) -> impl Iterator<Item = Result<(M::PrimaryKey, M)>> + '_ {
        StoreTree::iter(self)
    }

    fn len(&self) -> Result<usize> {
        StoreTree::len(self)
    }

    fn is_empty(&self) -> Result<bool> {
        StoreTree::is_empty(self)
    }

    fn clear(&self) -> Result<()> {
        StoreTree::clear(self)
    }

    fn put_many(&self, models: impl IntoIterator<Item = M>) -> Result<()> {
        StoreTree::put_many(self, models)
    }

    fn get_many(&self, keys: impl IntoIterator<Item = M::PrimaryKey>) -> Result<Vec<Option<M>>> {
        StoreTree::get_many(self, keys)
    }

    fn get_many_by_secondary_keys(
        &self,
        keys: impl IntoIterator<Item = M::SecondaryKeys>,
    ) -> Result<Vec<Vec<M>>> {
        StoreTree::get_many_by_secondary_keys(self, keys)
    }
}

impl<'db, D, M, B> Batchable<D, M> for StoreTree<'db, D, M, B>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
{
    type Batch = Batch<'db, D, M, B>;

    fn create_batch(&self) -> Result<Batch<'db, D, M, B>> {
        StoreTree::create_batch(self)
    }
}

enum BatchOp {
    Put(EncodedModel),
    Remove(Vec<u8>),
}

/// Puts and removes on one tree, written in one transaction by [`Batch::commit`].
///
/// Models are encoded when queued, so an encoding error is reported by [`Batch::put`] and
/// leaves the batch unchanged. Nothing is written before `commit`; dropping the batch
/// discards it; if `commit` fails, nothing of the batch was written.
#[must_use = "a batch writes nothing until it is committed"]
pub struct Batch<'db, D, M, B> {
    backend: &'db B,
    ops: Vec<BatchOp>,
    _model: PhantomData<fn() -> (D, M)>,
}

impl<D, M, B> fmt::Debug for Batch<'_, D, M, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("operations", &self.ops.len())
            .finish_non_exhaustive()
    }
}

impl<D, M, B> Batch<'_, D, M, B>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
{
    /// Queues an insert or overwrite of `model`.
    ///
    /// # Errors
    /// When the model cannot be encoded; the batch is unchanged.
    pub fn put(&mut self, model: M) -> Result<()> {
        self.ops
            .push(BatchOp::Put(EncodedModel::new::<D, M>(&model)?));
        Ok(())
    }

    /// Queues the removal of the model with primary key `key`.
    ///
    /// # Errors
    /// Never; the `Result` is the [`BatchBuilder`] signature.
    pub fn remove(&mut self, key: M::PrimaryKey) -> Result<()> {
        self.ops.push(BatchOp::Remove(encode_key(&key)));
        Ok(())
    }

    /// The number of queued operations.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether no operation is queued.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Applies every queued operation, in order, in one transaction.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode; then nothing was written.
    pub fn commit(self) -> Result<()> {
        let txn = self.backend.begin_write()?;
        {
            let mut tables = ModelTables::<D, M, _>::open_write(&txn)?;
            for op in &self.ops {
                match op {
                    BatchOp::Put(model) => {
                        tables.put(model)?;
                    }
                    BatchOp::Remove(key) => {
                        tables.remove_encoded(key)?;
                    }
                }
            }
        }
        txn.commit()
    }
}

impl<D, M, B> BatchBuilder<D, M> for Batch<'_, D, M, B>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
{
    fn put(&mut self, model: M) -> Result<()> {
        Batch::put(self, model)
    }

    fn remove(&mut self, key: M::PrimaryKey) -> Result<()> {
        Batch::remove(self, key)
    }

    fn commit(self) -> Result<()> {
        Batch::commit(self)
    }
}

//! [`StoreTree`]: the typed tree of one model, where every call is its own transaction.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Bound, RangeBounds};

use crate::codec::{KeyPrefix, encode_key};
use crate::digest::{DigestSide, KeyRange, TreeDigest, TreeSnapshot};
use crate::engine::{Backend, OwnedKeyBounds, ReadTxn, SnapshotTable, WriteTxn, borrow_bounds};
use crate::error::{NetabaseError, Result};
use crate::subscription::{EventLog, Subscription, subscribe_tree};
use crate::traits::batch::{BatchBuilder, Batchable};
use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::NetabaseModelTrait;
use crate::traits::tree::{NetabaseTreeAsync, NetabaseTreeSync};
use crate::typed::{
    EncodedModel, ModelIter, ModelTables, PrimaryTable, SecondaryIter, WriteOp, has_unique,
    key_bounds, key_prefix_bounds, secondary_bounds, secondary_prefix_bounds,
};

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

/// An iterator over the models of a tree in secondary-key order, reading one snapshot: the
/// iterator of [`StoreTree::range_by_secondary_key`] and [`StoreTree::prefix_by_secondary_key`].
pub type TreeSecondaryIter<D, M, B> =
    SecondaryIter<D, M, <ReadTable<B> as SnapshotTable>::Scan, ReadTable<B>>;

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

    /// Like [`StoreTree::read`] for reads that need only the table of models.
    fn read_primary<R>(
        &self,
        f: impl FnOnce(&PrimaryTable<D, M, ReadTable<B>>) -> Result<R>,
    ) -> Result<R> {
        let txn = self.backend.begin_read()?;
        f(&PrimaryTable::open_read(&txn)?)
    }

    /// Runs `f` on the model's tables in one auto-commit write ([`Backend::auto_commit`]),
    /// which may run it more than once. `iterates`: whether `f` iterates a table.
    fn write<R>(
        &self,
        iterates: bool,
        mut f: impl for<'t> FnMut(&mut ModelTables<D, M, WriteTable<'t, B>>, &mut EventLog) -> Result<R>,
    ) -> Result<R> {
        let tables = ModelTables::<D, M, ()>::auto_commit_tables(iterates);
        self.backend.auto_commit(tables, |txn, log| {
            f(&mut ModelTables::open_write(txn)?, log)
        })
    }

    /// A lazy iterator over the models whose encoded primary keys lie within `bounds`.
    fn scan(&self, bounds: &OwnedKeyBounds) -> TreeIter<D, M, B> {
        let state = self
            .backend
            .begin_read()
            .and_then(|txn| txn.open_table(M::TREE_NAMES.primary))
            .and_then(|table| table.scan(borrow_bounds(bounds)));
        ModelIter::new(TreeScan {
            state: match state {
                Ok(scan) => ScanState::Scanning(scan),
                Err(err) => ScanState::Failed(Some(err)),
            },
        })
    }

    /// A lazy iterator over the index entries within `bounds` and their models.
    fn scan_index(&self, bounds: &OwnedKeyBounds) -> Result<TreeSecondaryIter<D, M, B>> {
        let txn = self.backend.begin_read()?;
        let entries = txn
            .open_table(M::TREE_NAMES.index)?
            .scan(borrow_bounds(bounds))?;
        let models = txn.open_table(M::TREE_NAMES.primary)?;
        Ok(SecondaryIter::new(entries, models))
    }

    /// Inserts `model`, replacing the model with the same primary key.
    ///
    /// # Errors
    /// When the model cannot be encoded, another model has the same value of one of its
    /// unique secondary keys ([`NetabaseError::UniqueViolation`]), or the engine fails; then
    /// nothing was written.
    pub fn put(&self, model: M) -> Result<()> {
        let ops = [WriteOp::Put(EncodedModel::new::<D, M>(&model)?)];
        // Unique keys are checked by iterating the index.
        self.write(has_unique::<D, M>(), |tables, log| {
            tables.check_and_apply(&ops, log)
        })
    }

    /// The model with primary key `key`.
    ///
    /// # Errors
    /// When the engine fails or the stored value does not decode.
    pub fn get(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        self.read_primary(|table| table.get(&key))
    }

    /// Removes the model with primary key `key` and returns it.
    ///
    /// # Errors
    /// When the engine fails or the stored value does not decode; then nothing was removed.
    pub fn remove(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        self.write(false, |tables, log| tables.remove(&key, log))
    }

    /// Every model whose secondary key equals `key`, in primary-key order.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    pub fn get_by_secondary_key(&self, key: M::SecondaryKeys) -> Result<Vec<M>> {
        self.read(|tables| tables.get_by_secondary(&key))
    }

    /// The model whose unique secondary key (`#[secondary_key(unique)]`) equals `key`.
    ///
    /// ```
    /// # #[netabase_store::netabase_definition_module(Shop, ShopKeys)]
    /// # mod shop {
    /// #     use netabase_store::{NetabaseModel, netabase};
    /// #     #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    /// #     #[netabase(Shop)]
    /// #     pub struct Customer {
    /// #         #[primary_key] pub id: u64,
    /// #         #[secondary_key(unique)] pub email: String,
    /// #     }
    /// # }
    /// # use shop::*;
    /// # fn main() -> netabase_store::error::Result<()> {
    /// let store = netabase_store::NetabaseStore::<Shop, _>::memory();
    /// let customers = store.open_tree::<Customer>();
    /// customers.put(Customer { id: 1, email: "a@example.com".into() })?;
    /// let found = customers.get_by_unique_key("a@example.com".as_customer_email_key())?;
    /// assert_eq!(found.map(|c| c.id), Some(1));
    /// // A second customer cannot take the address.
    /// assert!(customers.put(Customer { id: 2, email: "a@example.com".into() }).is_err());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`NetabaseError::NotUnique`] when `key`'s field is not unique; otherwise when the engine
    /// fails or the stored value does not decode.
    pub fn get_by_unique_key(&self, key: M::SecondaryKeys) -> Result<Option<M>> {
        self.read(|tables| tables.get_by_unique(&key))
    }

    /// Every model with its primary key, in primary-key order, from one snapshot. The
    /// iterator reads lazily; it does not load the tree into memory.
    pub fn iter(&self) -> TreeIter<D, M, B> {
        self.scan(&(Bound::Unbounded, Bound::Unbounded))
    }

    /// The models whose primary keys lie within `range`, with their keys, in primary-key
    /// order, from one snapshot. Lazy like [`StoreTree::iter`]; an empty or inverted range
    /// yields nothing.
    ///
    /// ```
    /// # #[netabase_store::netabase_definition_module(Log, LogKeys)]
    /// # mod log {
    /// #     use netabase_store::{NetabaseModel, netabase};
    /// #     #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    /// #     #[netabase(Log)]
    /// #     pub struct Event { #[primary_key] pub at: i64, pub what: String }
    /// # }
    /// # use log::*;
    /// # fn main() -> netabase_store::error::Result<()> {
    /// let store = netabase_store::NetabaseStore::<Log, _>::memory();
    /// let events = store.open_tree::<Event>();
    /// events.put_many((-5..5).map(|at| Event { at, what: format!("event {at}") }))?;
    /// let keys = events
    ///     .range(EventPrimaryKey(-2)..=EventPrimaryKey(1))
    ///     .map(|item| item.map(|(key, _)| key.0))
    ///     .collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(keys, [-2, -1, 0, 1]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Errors (the engine failing, a value that does not decode) are yielded by the iterator.
    pub fn range(&self, range: impl RangeBounds<M::PrimaryKey>) -> TreeIter<D, M, B> {
        self.scan(&key_bounds(&range))
    }

    /// The models whose string or byte-string primary keys start with `prefix`, with their
    /// keys, in primary-key order, from one snapshot. Lazy like [`StoreTree::iter`].
    ///
    /// ```
    /// # #[netabase_store::netabase_definition_module(Wiki, WikiKeys)]
    /// # mod wiki {
    /// #     use netabase_store::{NetabaseModel, netabase};
    /// #     #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    /// #     #[netabase(Wiki)]
    /// #     pub struct Page { #[primary_key] pub path: String, pub text: String }
    /// # }
    /// # use wiki::*;
    /// # fn main() -> netabase_store::error::Result<()> {
    /// let store = netabase_store::NetabaseStore::<Wiki, _>::memory();
    /// let pages = store.open_tree::<Page>();
    /// for path in ["docs/a", "docs/b", "blog/c"] {
    ///     pages.put(Page { path: path.into(), text: String::new() })?;
    /// }
    /// let docs = pages.prefix("docs/").collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(docs.len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Errors (the engine failing, a value that does not decode) are yielded by the iterator.
    pub fn prefix(&self, prefix: &<M::PrimaryKey as KeyPrefix>::Prefix) -> TreeIter<D, M, B>
    where
        M::PrimaryKey: KeyPrefix,
    {
        self.scan(&key_prefix_bounds::<M::PrimaryKey>(prefix))
    }

    /// The models whose value of one secondary key lies within `range`, each with that key, in
    /// (secondary value, primary key) order, from one snapshot. Lazy: it reads index entries
    /// and their models as it advances.
    ///
    /// Both bounds are values of [`NetabaseModelTrait::SecondaryKeys`] and must be keys of the
    /// same field, which the range is over; an unbounded side extends to the first or last
    /// value of that field (`age(30)..` is every age from 30). An empty or inverted range
    /// yields nothing.
    ///
    /// ```
    /// # #[netabase_store::netabase_definition_module(Club, ClubKeys)]
    /// # mod club {
    /// #     use netabase_store::{NetabaseModel, netabase};
    /// #     #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    /// #     #[netabase(Club)]
    /// #     pub struct Member {
    /// #         #[primary_key] pub id: u64,
    /// #         #[secondary_key] pub age: u32,
    /// #     }
    /// # }
    /// # use club::*;
    /// # fn main() -> netabase_store::error::Result<()> {
    /// let store = netabase_store::NetabaseStore::<Club, _>::memory();
    /// let members = store.open_tree::<Member>();
    /// members.put_many([(1, 40), (2, 17), (3, 30), (4, 30)].map(|(id, age)| Member { id, age }))?;
    /// let adults: Vec<u64> = members
    ///     .range_by_secondary_key(18u32.as_member_age_key()..)?
    ///     .map(|item| item.map(|(_, member)| member.id))
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(adults, [3, 4, 1]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`NetabaseError::SecondaryRangeFields`] when the bounds are keys of different fields,
    /// [`NetabaseError::UnboundedSecondaryRange`] when neither side is bounded, or the engine
    /// failing to start the read. Later errors are yielded by the iterator.
    pub fn range_by_secondary_key(
        &self,
        range: impl RangeBounds<M::SecondaryKeys>,
    ) -> Result<TreeSecondaryIter<D, M, B>> {
        self.scan_index(&secondary_bounds::<D, M>(&range)?)
    }

    /// The models whose string or byte-string secondary key `K` starts with `prefix`'s value,
    /// each with that key, in (secondary value, primary key) order, from one snapshot. Lazy.
    ///
    /// `K` is the field's key type (`ArticleCategorySecondaryKey`), so only string and
    /// byte-string fields are accepted.
    ///
    /// # Errors
    /// When the engine fails to start the read; later errors are yielded by the iterator.
    pub fn prefix_by_secondary_key<K>(&self, prefix: K) -> Result<TreeSecondaryIter<D, M, B>>
    where
        K: KeyPrefix + Into<M::SecondaryKeys>,
    {
        self.scan_index(&secondary_prefix_bounds::<D, M, K>(prefix))
    }

    /// The number of models.
    ///
    /// # Errors
    /// When the engine fails.
    pub fn len(&self) -> Result<usize> {
        self.read_primary(PrimaryTable::len)
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
        self.write(true, |tables, log| tables.clear(log))
    }

    /// Inserts every model, in order, in one transaction: all are written or none.
    ///
    /// # Errors
    /// When a model cannot be encoded, two models would share the value of a unique secondary
    /// key (with each other or with a stored model; [`NetabaseError::UniqueViolation`]), or
    /// the engine fails; then nothing was written.
    pub fn put_many(&self, models: impl IntoIterator<Item = M>) -> Result<()> {
        if !has_unique::<D, M>() {
            // Nothing to check across the list: encode and write each model in turn. An
            // encoding error drops the transaction, so nothing is written either way.
            // Collecting a `Vec` reuses its buffer; any list is kept for a second run.
            let models: Vec<M> = models.into_iter().collect();
            return self.write(false, |tables, log| tables.put_streaming(&models, log));
        }
        let ops = WriteOp::puts::<D, M>(models)?;
        self.write(true, |tables, log| tables.check_and_apply(&ops, log))
    }

    /// Looks up every key in one read transaction; one entry per key, in order.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    pub fn get_many(
        &self,
        keys: impl IntoIterator<Item = M::PrimaryKey>,
    ) -> Result<Vec<Option<M>>> {
        self.read_primary(|table| table.get_many(keys))
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

    /// Subscribes to every committed change of this tree (see [`crate::subscription`]).
    pub fn subscribe(&self) -> Subscription<M> {
        subscribe_tree::<D, M>(self.backend.changes(), (Bound::Unbounded, Bound::Unbounded))
    }

    /// Subscribes to the committed changes of the models whose primary key lies in `keys`.
    pub fn subscribe_range(&self, keys: impl RangeBounds<M::PrimaryKey>) -> Subscription<M> {
        let encode = |bound: Bound<&M::PrimaryKey>| bound.map(encode_key);
        subscribe_tree::<D, M>(
            self.backend.changes(),
            (encode(keys.start_bound()), encode(keys.end_bound())),
        )
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

/// Each future runs its call when first polled, synchronously (on a native engine this blocks
/// the polling thread for the call's duration, like the sync call).
impl<D, M, B> NetabaseTreeAsync<D, M> for StoreTree<'_, D, M, B>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
{
    type PrimaryKey = M::PrimaryKey;
    type SecondaryKeys = M::SecondaryKeys;

    async fn put(&self, model: M) -> Result<()> {
        StoreTree::put(self, model)
    }

    async fn get(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        StoreTree::get(self, key)
    }

    async fn remove(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        StoreTree::remove(self, key)
    }

    async fn get_by_secondary_key(&self, key: M::SecondaryKeys) -> Result<Vec<M>> {
        StoreTree::get_by_secondary_key(self, key)
    }

    async fn iter(&self) -> Result<Vec<(M::PrimaryKey, M)>> {
        StoreTree::iter(self).collect()
    }

    async fn len(&self) -> Result<usize> {
        StoreTree::len(self)
    }

    async fn is_empty(&self) -> Result<bool> {
        StoreTree::is_empty(self)
    }

    async fn clear(&self) -> Result<()> {
        StoreTree::clear(self)
    }

    async fn put_many(&self, models: impl IntoIterator<Item = M>) -> Result<()> {
        StoreTree::put_many(self, models)
    }

    async fn get_many(
        &self,
        keys: impl IntoIterator<Item = M::PrimaryKey>,
    ) -> Result<Vec<Option<M>>> {
        StoreTree::get_many(self, keys)
    }

    async fn get_many_by_secondary_keys(
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

/// Puts and removes on one tree, written in one transaction by [`Batch::commit`].
///
/// Models are encoded when queued, so an encoding error is reported by [`Batch::put`] and
/// leaves the batch unchanged. Nothing is written before `commit`; dropping the batch
/// discards it; if `commit` fails (an engine error, a unique key violation), nothing of the
/// batch was written.
#[must_use = "a batch writes nothing until it is committed"]
pub struct Batch<'db, D, M, B> {
    backend: &'db B,
    ops: Vec<WriteOp>,
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
            .push(WriteOp::Put(EncodedModel::new::<D, M>(&model)?));
        Ok(())
    }

    /// Queues the removal of the model with primary key `key`.
    ///
    /// # Errors
    /// Never; the `Result` is the [`BatchBuilder`] signature.
    pub fn remove(&mut self, key: M::PrimaryKey) -> Result<()> {
        self.ops.push(WriteOp::Remove(encode_key(&key)));
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
    /// Unique secondary keys are checked in that order: a put may take a value that a model
    /// removed or changed earlier in the batch had.
    ///
    /// # Errors
    /// When two models would share the value of a unique secondary key
    /// ([`NetabaseError::UniqueViolation`]), the engine fails or a stored value does not
    /// decode; then nothing was written.
    pub fn commit(self) -> Result<()> {
        // Unique keys are checked by iterating the index.
        let tables = ModelTables::<D, M, ()>::auto_commit_tables(has_unique::<D, M>());
        self.backend.auto_commit(tables, |txn, log| {
            ModelTables::<D, M, _>::open_write(txn)?.check_and_apply(&self.ops, log)
        })
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

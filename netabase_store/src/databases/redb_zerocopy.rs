//! [`RedbStoreZeroCopy`]: redb with explicit transactions and reads that borrow stored bytes.
//!
//! This is the redb engine of [`RedbStore`] with a different front: you begin a transaction,
//! open the trees you need in it, and commit. A tree keeps its redb tables open for as long as
//! it lives, so many operations in one transaction do not reopen them. The database file is the
//! same as [`RedbStore`]'s (same table names, same bytes), so either type can open a file the
//! other wrote, and [`RedbStoreZeroCopy`] implements [`Backend`], so
//! [`NetabaseStore`](crate::NetabaseStore) runs on it with the usual API as well.
//!
//! ```
//! # #[netabase_store::netabase_definition_module(BlogDefinition, BlogKeys)]
//! # mod blog {
//! #     use netabase_store::{NetabaseModel, netabase};
//! #     #[derive(NetabaseModel, Clone, Debug, PartialEq, bincode::Encode, bincode::Decode)]
//! #     #[netabase(BlogDefinition)]
//! #     pub struct User { #[primary_key] pub id: u64, #[secondary_key] pub email: String }
//! # }
//! # use blog::*;
//! use netabase_store::databases::redb_zerocopy::RedbStoreZeroCopy;
//!
//! # fn main() -> Result<(), netabase_store::error::NetabaseError> {
//! # let dir = tempfile::tempdir()?;
//! let store = RedbStoreZeroCopy::<BlogDefinition>::new(dir.path().join("blog.redb"))?;
//! let mut txn = store.begin_write()?;
//! let mut users = txn.open_tree::<User>()?;
//! users.put(User { id: 1, email: "a@example.com".into() })?;
//! drop(users);
//! txn.commit()?;
//!
//! let read = store.begin_read()?;
//! let users = read.open_tree::<User>()?;
//! let guard = users.get_ref(&UserPrimaryKey(1))?.expect("stored above");
//! // `bytes()` borrows the stored value in redb's page; `value()` decodes it.
//! assert_eq!(guard.bytes(), netabase_store::codec::encode_value(&guard.value()?).unwrap());
//! # Ok(())
//! # }
//! ```
//!
//! # What is zero-copy and what is not
//!
//! | operation | copies |
//! |---|---|
//! | [`BorrowedGuard::bytes`] (from `get_ref`, `iter_ref`) | none: a slice of the page in redb's page cache, held by redb's `AccessGuard` |
//! | [`BorrowedGuard::decode_borrowed`] into a type with `&str` / `&[u8]` fields | none for those fields (they point into the page); other fields are decoded |
//! | [`BorrowedGuard::value`], `get`, `iter`, `get_by_secondary_key` | the value is decoded into an owned model (allocations for strings, vectors, ...) |
//! | `put`, `put_many` | the model is encoded once into a buffer that redb copies into its page |
//! | keys handed out by `iter_ref` | decoded (keys are small) |
//!
//! redb reads pages from the file into its cache; that is I/O, not a per-value copy. Nothing
//! here uses `unsafe`: the borrowed forms are tied to the guard's lifetime by the compiler.
//!
//! # Transactions
//!
//! * [`RedbStoreZeroCopy::begin_write`] waits for the previous write transaction to end.
//!   Nothing is written unless [`RedbWriteTransactionZC::commit`] succeeds; dropping the
//!   transaction or calling [`RedbWriteTransactionZC::abort`] writes nothing.
//! * A write tree ([`RedbTreeMut`]) borrows its transaction mutably, so one tree is open at a
//!   time and it must be dropped before `commit` (the compiler enforces both).
//! * A write that fails after it may have written part of its changes (an engine error, or a
//!   stored value that does not decode) poisons the transaction: `commit` then returns
//!   [`NetabaseError::TransactionPoisoned`]. Encoding errors are found before anything is
//!   written and do not poison.
//! * [`RedbStoreZeroCopy::begin_read`] is a consistent snapshot; any number of read trees can
//!   be open in it.
//! * `quick_put`, `quick_get` and `quick_remove` run one operation in its own transaction.
//!
//! Neither [`RedbStoreZeroCopy::new`] nor [`RedbStoreZeroCopy::open`] ever deletes data
//! (only a [`FileConfig`] with `truncate` does).

use std::fmt;
use std::marker::PhantomData;
use std::ops::Bound;
use std::path::Path;

use redb::Database;

use crate::config::FileConfig;
use crate::databases::redb_store::{
    RedbBytes, RedbRange, RedbRead, RedbStore, RedbTable, RedbWrite, RedbWriteTable,
};
use crate::engine::{Backend, KeyBounds, RawTable, SnapshotTable};
use crate::error::{NetabaseError, Result};
use crate::store_tree::StoreTree;
use crate::subscription::{ChangeHub, EventLog};
use crate::traits::backend_store::BackendStore;
use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::NetabaseModelTrait;
use crate::typed::{
    EncodedModel, ModelIter, ModelTables, TxnState, WriteOp, decode_model, decode_primary,
};

/// A redb store with explicit transactions and borrowed reads. Clones share the database.
///
/// See the [module documentation](self) for what is and is not zero-copy.
pub struct RedbStoreZeroCopy<D> {
    inner: RedbStore<D>,
}

impl<D> Clone for RedbStoreZeroCopy<D> {
    fn clone(&self) -> Self {
        RedbStoreZeroCopy {
            inner: self.inner.clone(),
        }
    }
}

impl<D> fmt::Debug for RedbStoreZeroCopy<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbStoreZeroCopy")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<D> From<RedbStore<D>> for RedbStoreZeroCopy<D> {
    /// The same open database, with the explicit-transaction API.
    fn from(inner: RedbStore<D>) -> Self {
        RedbStoreZeroCopy { inner }
    }
}

impl<D> From<RedbStoreZeroCopy<D>> for RedbStore<D> {
    /// The same open database, with the per-call API.
    fn from(store: RedbStoreZeroCopy<D>) -> Self {
        store.inner
    }
}

impl<D> RedbStoreZeroCopy<D> {
    /// Opens (creating if needed) the database file at `path`. Existing data is kept.
    ///
    /// # Errors
    /// When redb cannot open the file (for example it is not a redb database, or another
    /// process holds it).
    pub fn new(path: impl AsRef<Path>) -> Result<Self> {
        RedbStore::new(path).map(Self::from)
    }

    /// Opens the existing database file at `path`.
    ///
    /// # Errors
    /// [`NetabaseError::NotFound`] when there is no file, or when redb cannot open it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        RedbStore::open(path).map(Self::from)
    }

    /// A fresh database held in memory (no file), gone when the last clone is dropped.
    ///
    /// # Errors
    /// When redb cannot initialise it.
    pub fn temp() -> Result<Self> {
        RedbStore::temp().map(Self::from)
    }

    /// The underlying redb database, unless the store was opened read-only.
    pub fn database(&self) -> Option<&Database> {
        self.inner.db()
    }

    /// The same database as a [`RedbStore`] (per-call API).
    pub fn as_redb_store(&self) -> &RedbStore<D> {
        &self.inner
    }
}

impl<D: NetabaseDefinitionTrait> RedbStoreZeroCopy<D> {
    /// Opens a store from a configuration (see [`crate::config`] for what each field does).
    ///
    /// # Errors
    /// When the configuration cannot be honoured or redb fails to open.
    pub fn with_config(config: FileConfig) -> Result<Self> {
        <RedbStore<D> as BackendStore<D>>::new(config).map(Self::from)
    }

    /// Begins a write transaction, waiting for the current one to end.
    ///
    /// # Errors
    /// When redb cannot start one, or the store is read-only.
    pub fn begin_write(&self) -> Result<RedbWriteTransactionZC<D>> {
        // The log decides now whether to record, as every write path does.
        let log = EventLog::for_hub(self.inner.changes());
        Ok(RedbWriteTransactionZC {
            txn: Backend::begin_write(&self.inner)?,
            store: self.inner.clone(),
            state: TxnState::new(log),
        })
    }

    /// Begins a read transaction: a consistent snapshot.
    ///
    /// # Errors
    /// When redb cannot start one.
    pub fn begin_read(&self) -> Result<RedbReadTransactionZC<D>> {
        Ok(RedbReadTransactionZC {
            txn: Backend::begin_read(&self.inner)?,
            _definition: PhantomData,
        })
    }

    /// Inserts `model` (replacing the one with the same primary key) in its own transaction.
    ///
    /// # Errors
    /// When the model cannot be encoded or redb fails; then nothing was written.
    pub fn quick_put<M: NetabaseModelTrait<D>>(&self, model: M) -> Result<()> {
        StoreTree::<D, M, _>::new(&self.inner).put(model)
    }

    /// The model with primary key `key`, read in its own transaction.
    ///
    /// # Errors
    /// When redb fails or the stored value does not decode.
    pub fn quick_get<M: NetabaseModelTrait<D>>(&self, key: &M::PrimaryKey) -> Result<Option<M>> {
        StoreTree::<D, M, _>::new(&self.inner).get(key.clone())
    }

    /// Removes the model with primary key `key` in its own transaction and returns it.
    ///
    /// # Errors
    /// When redb fails or the stored value does not decode; then nothing was removed.
    pub fn quick_remove<M: NetabaseModelTrait<D>>(&self, key: &M::PrimaryKey) -> Result<Option<M>> {
        StoreTree::<D, M, _>::new(&self.inner).remove(key.clone())
    }

    /// Makes every committed write durable (a no-op when every commit already is).
    ///
    /// # Errors
    /// When redb fails to sync.
    pub fn flush(&self) -> Result<()> {
        Backend::flush(&self.inner)
    }
}

impl<D: NetabaseDefinitionTrait> BackendStore<D> for RedbStoreZeroCopy<D> {
    type Config = FileConfig;

    fn new(config: FileConfig) -> Result<Self> {
        Self::with_config(config)
    }

    fn open(config: FileConfig) -> Result<Self> {
        <RedbStore<D> as BackendStore<D>>::open(config).map(Self::from)
    }

    fn temp() -> Result<Self> {
        RedbStoreZeroCopy::temp()
    }
}

/// The redb engine itself, so [`NetabaseStore`](crate::NetabaseStore) and generic code run on
/// this store. Method calls on the store pick the inherent `begin_write` / `begin_read`
/// (typed transactions); call these through the trait (`Backend::begin_write(&store)`).
impl<D: 'static> Backend for RedbStoreZeroCopy<D> {
    type Read = RedbRead;
    type Write = RedbWrite;

    fn begin_read(&self) -> Result<RedbRead> {
        self.inner.begin_read()
    }

    fn begin_write(&self) -> Result<RedbWrite> {
        self.inner.begin_write()
    }

    fn flush(&self) -> Result<()> {
        self.inner.flush()
    }

    fn changes(&self) -> &ChangeHub {
        self.inner.changes()
    }
}

/// Runs `f` in a write transaction and commits it if `f` returns `Ok`; otherwise nothing is
/// written.
///
/// # Errors
/// The error of `f`, or of beginning or committing the transaction.
pub fn with_write_transaction<D, R>(
    store: &RedbStoreZeroCopy<D>,
    f: impl FnOnce(&mut RedbWriteTransactionZC<D>) -> Result<R>,
) -> Result<R>
where
    D: NetabaseDefinitionTrait,
{
    let mut txn = store.begin_write()?;
    let result = f(&mut txn)?;
    txn.commit()?;
    Ok(result)
}

/// Runs `f` in a read transaction (one snapshot).
///
/// # Errors
/// The error of `f`, or of beginning the transaction.
pub fn with_read_transaction<D, R>(
    store: &RedbStoreZeroCopy<D>,
    f: impl FnOnce(&RedbReadTransactionZC<D>) -> Result<R>,
) -> Result<R>
where
    D: NetabaseDefinitionTrait,
{
    f(&store.begin_read()?)
}

/// A write transaction of [`RedbStoreZeroCopy`]. Dropping it writes nothing.
#[must_use = "a write transaction writes nothing unless committed"]
pub struct RedbWriteTransactionZC<D> {
    txn: RedbWrite,
    store: RedbStore<D>,
    state: TxnState,
}

impl<D> fmt::Debug for RedbWriteTransactionZC<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbWriteTransactionZC")
            .field("poisoned", &self.state.is_poisoned())
            .finish_non_exhaustive()
    }
}

impl<D: NetabaseDefinitionTrait> RedbWriteTransactionZC<D> {
    /// Opens (creating if needed) the tables of model `M` and keeps them open in the returned
    /// tree. Drop the tree before opening another one or committing.
    ///
    /// # Errors
    /// When redb cannot open the tables.
    pub fn open_tree<M: NetabaseModelTrait<D>>(&mut self) -> Result<RedbTreeMut<'_, D, M>> {
        Ok(RedbTreeMut {
            tables: ModelTables::open_write(&self.txn)?,
            state: &self.state,
        })
    }

    /// Whether a failed write poisoned this transaction (then it can only be aborted).
    pub fn is_poisoned(&self) -> bool {
        self.state.is_poisoned()
    }

    /// Commits every write of this transaction atomically.
    ///
    /// # Errors
    /// [`NetabaseError::TransactionPoisoned`] after a failed write, or a redb error; in every
    /// case nothing was written.
    pub fn commit(self) -> Result<()> {
        if self.state.is_poisoned() {
            return Err(NetabaseError::TransactionPoisoned);
        }
        self.state.into_log().commit(self.store.changes(), self.txn)
    }

    /// Discards every write of this transaction.
    ///
    /// # Errors
    /// When redb reports a failure while discarding; nothing was written either way.
    pub fn abort(self) -> Result<()> {
        self.txn.abort()
    }
}

/// The tree of model `M` in a [`RedbWriteTransactionZC`]: reads see the transaction's writes.
pub struct RedbTreeMut<'t, D, M> {
    tables: ModelTables<D, M, RedbWriteTable<'t>>,
    state: &'t TxnState,
}

impl<D, M> fmt::Debug for RedbTreeMut<'_, D, M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbTreeMut")
            .field("tree", &M::TREE_NAMES.primary)
            .finish_non_exhaustive()
    }
}

impl<'t, D, M> RedbTreeMut<'t, D, M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    /// Inserts `model`, replacing the model with the same primary key and moving its index
    /// entries.
    ///
    /// # Errors
    /// When the model cannot be encoded (the transaction stays usable) or redb fails (the
    /// transaction is poisoned).
    pub fn put(&mut self, model: M) -> Result<()> {
        let ops = [WriteOp::Put(EncodedModel::new::<D, M>(&model)?)];
        self.tables.put_in(&ops, self.state)
    }

    /// Inserts every model.
    ///
    /// # Errors
    /// When a model cannot be encoded (checked for all models before any is written; the
    /// transaction stays usable) or redb fails (the transaction is poisoned).
    pub fn put_many(&mut self, models: impl IntoIterator<Item = M>) -> Result<()> {
        let ops = WriteOp::puts::<D, M>(models)?;
        self.tables.put_in(&ops, self.state)
    }

    /// Removes the model with primary key `key` and its index entries, and returns it.
    ///
    /// # Errors
    /// When redb fails or the stored value does not decode (the transaction is poisoned).
    pub fn remove(&mut self, key: M::PrimaryKey) -> Result<Option<M>> {
        let removed = self.tables.remove_in([key], self.state)?;
        Ok(removed.into_iter().next().flatten())
    }

    /// Removes every key's model; one entry per key, in order.
    ///
    /// # Errors
    /// As [`RedbTreeMut::remove`].
    pub fn remove_many(
        &mut self,
        keys: impl IntoIterator<Item = M::PrimaryKey>,
    ) -> Result<Vec<Option<M>>> {
        self.tables.remove_in(keys, self.state)
    }

    /// Removes every model and its index entries.
    ///
    /// # Errors
    /// When redb fails (the transaction is poisoned).
    pub fn clear(&mut self) -> Result<()> {
        self.tables.clear_in(self.state)
    }

    /// The model with primary key `key`, decoded (see [`RedbTreeMut::get_ref`] for the bytes).
    ///
    /// # Errors
    /// When redb fails or the stored value does not decode.
    pub fn get(&self, key: &M::PrimaryKey) -> Result<Option<M>> {
        self.tables.get(key)
    }

    /// The stored value of `key`, borrowed from redb's page, not decoded.
    ///
    /// # Errors
    /// When redb fails.
    pub fn get_ref(&self, key: &M::PrimaryKey) -> Result<Option<BorrowedGuard<'_, D, M>>> {
        Ok(self.tables.get_bytes(key)?.map(BorrowedGuard::new))
    }

    /// Every model whose secondary key equals `key`, in primary-key order.
    ///
    /// # Errors
    /// When redb fails or a stored value does not decode.
    pub fn get_by_secondary_key(&self, key: M::SecondaryKeys) -> Result<Vec<M>> {
        self.tables.get_by_secondary(&key)
    }

    /// The number of models.
    ///
    /// # Errors
    /// When redb fails.
    pub fn len(&self) -> Result<usize> {
        self.tables.len()
    }

    /// Whether the tree holds no model.
    ///
    /// # Errors
    /// When redb fails.
    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|len| len == 0)
    }

    /// Every model with its primary key, in primary-key order, decoded.
    ///
    /// # Errors
    /// When redb cannot start the iteration; item errors come from the iterator.
    pub fn iter(&self) -> Result<ModelIter<D, M, RedbRange<'_>>> {
        self.tables.primary().range(ALL).map(ModelIter::new)
    }

    /// Every primary key with its stored value borrowed from redb's pages, in key order.
    ///
    /// # Errors
    /// When redb cannot start the iteration; item errors come from the iterator.
    pub fn iter_ref(&self) -> Result<RefIter<'_, D, M>> {
        self.tables.primary().range(ALL).map(RefIter::new)
    }
}

/// A read transaction of [`RedbStoreZeroCopy`]: a consistent snapshot.
pub struct RedbReadTransactionZC<D> {
    txn: RedbRead,
    _definition: PhantomData<fn() -> D>,
}

impl<D> fmt::Debug for RedbReadTransactionZC<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbReadTransactionZC")
            .finish_non_exhaustive()
    }
}

impl<D: NetabaseDefinitionTrait> RedbReadTransactionZC<D> {
    /// Opens the tables of model `M` in this snapshot; a model never written reads as empty.
    ///
    /// # Errors
    /// When redb cannot open the tables.
    pub fn open_tree<M: NetabaseModelTrait<D>>(&self) -> Result<RedbTree<D, M>> {
        Ok(RedbTree {
            tables: ModelTables::open_read(&self.txn)?,
        })
    }
}

/// The tree of model `M` in a [`RedbReadTransactionZC`].
///
/// The tree and the guards it hands out own their share of the snapshot, so they stay valid
/// after the transaction value is dropped.
pub struct RedbTree<D, M> {
    tables: ModelTables<D, M, RedbTable>,
}

impl<D, M> fmt::Debug for RedbTree<D, M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbTree")
            .field("tree", &M::TREE_NAMES.primary)
            .finish_non_exhaustive()
    }
}

impl<D, M> RedbTree<D, M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    /// The model with primary key `key`, decoded (see [`RedbTree::get_ref`] for the bytes).
    ///
    /// # Errors
    /// When redb fails or the stored value does not decode.
    pub fn get(&self, key: &M::PrimaryKey) -> Result<Option<M>> {
        self.tables.get(key)
    }

    /// The stored value of `key`, borrowed from redb's page, not decoded. The guard owns its
    /// page reference, so it may outlive the tree.
    ///
    /// # Errors
    /// When redb fails.
    pub fn get_ref(&self, key: &M::PrimaryKey) -> Result<Option<BorrowedGuard<'static, D, M>>> {
        Ok(self.tables.get_bytes(key)?.map(BorrowedGuard::new))
    }

    /// One entry per key, in order, decoded.
    ///
    /// # Errors
    /// When redb fails or a stored value does not decode.
    pub fn get_many<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k M::PrimaryKey>,
    ) -> Result<Vec<Option<M>>> {
        keys.into_iter().map(|key| self.tables.get(key)).collect()
    }

    /// Every model whose secondary key equals `key`, in primary-key order.
    ///
    /// # Errors
    /// When redb fails or a stored value does not decode.
    pub fn get_by_secondary_key(&self, key: M::SecondaryKeys) -> Result<Vec<M>> {
        self.tables.get_by_secondary(&key)
    }

    /// The number of models.
    ///
    /// # Errors
    /// When redb fails.
    pub fn len(&self) -> Result<usize> {
        self.tables.len()
    }

    /// Whether the tree holds no model.
    ///
    /// # Errors
    /// When redb fails.
    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|len| len == 0)
    }

    /// Every model with its primary key, in primary-key order, decoded.
    ///
    /// # Errors
    /// When redb cannot start the iteration; item errors come from the iterator.
    pub fn iter(&self) -> Result<ModelIter<D, M, RedbRange<'static>>> {
        self.tables.primary().scan(ALL).map(ModelIter::new)
    }

    /// Every primary key with its stored value borrowed from redb's pages, in key order.
    ///
    /// # Errors
    /// When redb cannot start the iteration; item errors come from the iterator.
    pub fn iter_ref(&self) -> Result<RefIter<'static, D, M>> {
        self.tables.primary().scan(ALL).map(RefIter::new)
    }
}

/// Bounds that contain every key.
const ALL: KeyBounds<'static> = (Bound::Unbounded, Bound::Unbounded);

/// A stored model value, borrowed from redb's page cache and not decoded.
///
/// Holds redb's `AccessGuard`: [`BorrowedGuard::bytes`] is a slice of the page, no copy.
/// [`BorrowedGuard::value`] decodes (allocates an owned model);
/// [`BorrowedGuard::decode_borrowed`] decodes into a type whose `&str` / `&[u8]` fields point
/// into the page.
pub struct BorrowedGuard<'a, D, M> {
    bytes: RedbBytes<'a>,
    _model: PhantomData<fn() -> (D, M)>,
}

impl<D, M> fmt::Debug for BorrowedGuard<'_, D, M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BorrowedGuard")
            .field("tree", &M::TREE_NAMES.primary)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl<'a, D, M> BorrowedGuard<'a, D, M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    fn new(bytes: RedbBytes<'a>) -> Self {
        BorrowedGuard {
            bytes,
            _model: PhantomData,
        }
    }

    /// The stored value bytes (the bincode encoding of the model), borrowed: no copy.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Decodes the value into an owned model. This copies: it allocates the model's strings,
    /// vectors and other owned fields.
    ///
    /// # Errors
    /// [`NetabaseError::Decode`] when the bytes are not a valid model.
    pub fn value(&self) -> Result<M> {
        decode_model::<D, M>(self.bytes())
    }

    /// Decodes the value into `V`, a type whose encoding is the model's but whose `&str` and
    /// `&[u8]` fields borrow from the page instead of allocating: for a model
    /// `User { id: u64, name: String }`, a `#[derive(bincode::BorrowDecode)]` view
    /// `UserView<'a> { id: u64, name: &'a str }` decodes `name` without a copy.
    ///
    /// `V` must list the model's fields in the same order with encoding-compatible types
    /// (`&str` for `String`, `&[u8]` for `Vec<u8>`, the same type otherwise). The compiler
    /// cannot check that; every byte must be consumed, which catches most mismatches, but a
    /// view whose types encode alike with a different meaning decodes to wrong values.
    ///
    /// # Errors
    /// [`NetabaseError::Decode`] when the bytes are not exactly one valid encoding of `V`.
    pub fn decode_borrowed<'g, V>(&'g self) -> Result<V>
    where
        V: bincode::BorrowDecode<'g, ()>,
    {
        crate::codec::decode_value_borrowed(self.bytes()).map_err(|source| NetabaseError::Decode {
            tree: M::TREE_NAMES.primary,
            source,
        })
    }
}

/// An iterator over primary keys (decoded) and [`BorrowedGuard`]s, in key order.
pub struct RefIter<'a, D, M> {
    range: RedbRange<'a>,
    _model: PhantomData<fn() -> (D, M)>,
}

impl<'a, D, M> RefIter<'a, D, M> {
    fn new(range: RedbRange<'a>) -> Self {
        RefIter {
            range,
            _model: PhantomData,
        }
    }
}

impl<D, M> fmt::Debug for RefIter<'_, D, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefIter").finish_non_exhaustive()
    }
}

impl<'a, D, M> Iterator for RefIter<'a, D, M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    type Item = Result<(M::PrimaryKey, BorrowedGuard<'a, D, M>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.range.next()?;
        Some(item.and_then(|(key, value)| {
            Ok((decode_primary::<D, M>(&key)?, BorrowedGuard::new(value)))
        }))
    }
}

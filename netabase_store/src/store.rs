//! [`NetabaseStore`]: one typed API over any backend.

use std::fmt;
use std::marker::PhantomData;
#[cfg(not(target_arch = "wasm32"))]
use std::path::Path;

#[cfg(not(target_arch = "wasm32"))]
use crate::config::FileConfig;
use crate::databases::memory_store::MemoryStore;
#[cfg(feature = "redb")]
use crate::databases::redb_store::RedbStore;
#[cfg(feature = "redb-zerocopy")]
use crate::databases::redb_zerocopy::{
    RedbReadTransactionZC, RedbStoreZeroCopy, RedbWriteTransactionZC,
};
#[cfg(feature = "sled")]
use crate::databases::sled_store::SledStore;
use crate::engine::Backend;
use crate::error::Result;
use crate::store_tree::StoreTree;
use crate::subscription::{Subscription, subscribe_store};
use crate::traits::backend_store::BackendStore;
use crate::traits::definition::{NetabaseDefinitionTrait, model_discriminants};
use crate::traits::model::NetabaseModelTrait;
use crate::traits::store_ops::OpenTree;
use crate::transaction::{ReadOnly, ReadWrite, TxnGuard};

/// A typed store of the models of definition `D` on backend `B`.
///
/// The same code runs on every backend; only the constructor changes:
///
/// ```
/// # use netabase_store::NetabaseStore;
/// # #[netabase_store::netabase_definition_module(BlogDefinition, BlogKeys)]
/// # mod blog {
/// #     use netabase_store::{NetabaseModel, netabase};
/// #     #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
/// #     #[netabase(BlogDefinition)]
/// #     pub struct User { #[primary_key] pub id: u64, #[secondary_key] pub email: String }
/// # }
/// # use blog::*;
/// # fn main() -> Result<(), netabase_store::error::NetabaseError> {
/// let store = NetabaseStore::<BlogDefinition, _>::memory();
/// let users = store.open_tree::<User>();
/// users.put(User { id: 1, email: "a@example.com".into() })?;
/// assert_eq!(users.get(UserPrimaryKey(1))?.map(|u| u.email), Some("a@example.com".into()));
/// # Ok(())
/// # }
/// ```
pub struct NetabaseStore<D, B> {
    backend: B,
    _definition: PhantomData<fn() -> D>,
}

impl<D, B: Clone> Clone for NetabaseStore<D, B> {
    fn clone(&self) -> Self {
        NetabaseStore {
            backend: self.backend.clone(),
            _definition: PhantomData,
        }
    }
}

impl<D: NetabaseDefinitionTrait, B: fmt::Debug> fmt::Debug for NetabaseStore<D, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetabaseStore")
            .field("definition", &D::NAME)
            .field("backend", &self.backend)
            .finish()
    }
}

impl<D, B> NetabaseStore<D, B>
where
    D: NetabaseDefinitionTrait,
    B: Backend,
{
    /// Wraps an opened backend.
    pub fn from_backend(backend: B) -> Self {
        NetabaseStore {
            backend,
            _definition: PhantomData,
        }
    }

    /// The backend, for backend-specific calls.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The backend, mutably.
    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Unwraps the backend.
    pub fn into_backend(self) -> B {
        self.backend
    }

    /// Opens the tree of model `M`. Opening is free; errors surface on the first operation.
    pub fn open_tree<M: NetabaseModelTrait<D>>(&self) -> StoreTree<'_, D, M, B> {
        StoreTree::new(&self.backend)
    }

    /// Begins a read-only transaction (see [`crate::transaction`]).
    pub fn read(&self) -> TxnGuard<'_, D, B, ReadOnly> {
        TxnGuard::begin(&self.backend)
    }

    /// Begins a read-write transaction; it writes nothing unless committed.
    pub fn write(&self) -> TxnGuard<'_, D, B, ReadWrite> {
        TxnGuard::begin(&self.backend)
    }

    /// Makes every committed write durable (a no-op when every commit already is).
    ///
    /// # Errors
    /// When the engine fails to sync.
    pub fn flush(&self) -> Result<()> {
        self.backend.flush()
    }

    /// The models of definition `D`, one tree each.
    pub fn tree_names(&self) -> Vec<D::Discriminant> {
        model_discriminants::<D>().to_vec()
    }

    /// Subscribes to every committed change in this store (see [`crate::subscription`]).
    pub fn subscribe(&self) -> Subscription<D> {
        subscribe_store::<D>(self.backend.changes(), None)
    }

    /// Subscribes to the committed changes of the given models only.
    pub fn subscribe_models(&self, models: &[D::Discriminant]) -> Subscription<D> {
        subscribe_store::<D>(self.backend.changes(), Some(models))
    }
}

impl<D, B> NetabaseStore<D, B>
where
    D: NetabaseDefinitionTrait,
    B: Backend + BackendStore<D>,
{
    /// Opens a store from a backend configuration (`FileConfig`, in [`crate::config`], for the
    /// file backends).
    ///
    /// # Errors
    /// When the configuration cannot be honoured or the engine fails to open.
    pub fn with_config(config: B::Config) -> Result<Self> {
        B::new(config).map(Self::from_backend)
    }

    /// Opens an existing store; fails when there is none.
    ///
    /// # Errors
    /// When there is no store, the configuration cannot be honoured or the engine fails.
    pub fn open_existing(config: B::Config) -> Result<Self> {
        B::open(config).map(Self::from_backend)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl<D, B> NetabaseStore<D, B>
where
    D: NetabaseDefinitionTrait,
    B: Backend + BackendStore<D, Config = FileConfig>,
{
    /// Opens (creating if needed) a store at `path` with default options, on the backend
    /// named by the type: `NetabaseStore::<D, RedbStore<D>>::new("db.redb")`.
    ///
    /// # Errors
    /// When the engine fails to open the path.
    pub fn new(path: impl AsRef<Path>) -> Result<Self> {
        Self::with_config(FileConfig::new(path))
    }
}

impl<D: NetabaseDefinitionTrait> NetabaseStore<D, MemoryStore<D>> {
    /// An empty in-memory store.
    pub fn memory() -> Self {
        Self::from_backend(MemoryStore::new())
    }
}

#[cfg(feature = "sled")]
impl<D: NetabaseDefinitionTrait> NetabaseStore<D, SledStore<D>> {
    /// Opens (creating if needed) a sled database in directory `path`.
    ///
    /// # Errors
    /// When sled cannot open the directory.
    pub fn sled(path: impl AsRef<Path>) -> Result<Self> {
        SledStore::new(path).map(Self::from_backend)
    }

    /// A temporary sled database, deleted when the store is dropped.
    ///
    /// # Errors
    /// When sled cannot create it.
    pub fn temp() -> Result<Self> {
        SledStore::temp().map(Self::from_backend)
    }
}

#[cfg(feature = "redb")]
impl<D: NetabaseDefinitionTrait> NetabaseStore<D, RedbStore<D>> {
    /// Opens (creating if needed) a redb database file at `path`.
    ///
    /// # Errors
    /// When redb cannot open the file.
    pub fn redb(path: impl AsRef<Path>) -> Result<Self> {
        RedbStore::new(path).map(Self::from_backend)
    }

    /// Opens an existing redb database file at `path`.
    ///
    /// # Errors
    /// When there is no file or redb cannot open it.
    pub fn open_redb(path: impl AsRef<Path>) -> Result<Self> {
        RedbStore::open(path).map(Self::from_backend)
    }
}

#[cfg(feature = "redb-zerocopy")]
impl<D: NetabaseDefinitionTrait> NetabaseStore<D, RedbStoreZeroCopy<D>> {
    /// Opens (creating if needed) a redb database file at `path` with the explicit-transaction
    /// backend. Existing data is kept.
    ///
    /// # Errors
    /// When redb cannot open the file.
    pub fn redb_zerocopy(path: impl AsRef<Path>) -> Result<Self> {
        RedbStoreZeroCopy::new(path).map(Self::from_backend)
    }

    /// Opens an existing redb database file at `path` with the explicit-transaction backend.
    ///
    /// # Errors
    /// When there is no file or redb cannot open it.
    pub fn open_redb_zerocopy(path: impl AsRef<Path>) -> Result<Self> {
        RedbStoreZeroCopy::open(path).map(Self::from_backend)
    }

    /// Begins a typed write transaction ([`RedbStoreZeroCopy::begin_write`]).
    ///
    /// # Errors
    /// When redb cannot start one, or the store is read-only.
    pub fn begin_write(&self) -> Result<RedbWriteTransactionZC<D>> {
        self.backend.begin_write()
    }

    /// Begins a typed read transaction ([`RedbStoreZeroCopy::begin_read`]).
    ///
    /// # Errors
    /// When redb cannot start one.
    pub fn begin_read(&self) -> Result<RedbReadTransactionZC<D>> {
        self.backend.begin_read()
    }

    /// [`RedbStoreZeroCopy::quick_put`].
    ///
    /// # Errors
    /// As there.
    pub fn quick_put<M: NetabaseModelTrait<D>>(&self, model: M) -> Result<()> {
        self.backend.quick_put(model)
    }

    /// [`RedbStoreZeroCopy::quick_get`].
    ///
    /// # Errors
    /// As there.
    pub fn quick_get<M: NetabaseModelTrait<D>>(&self, key: &M::PrimaryKey) -> Result<Option<M>> {
        self.backend.quick_get(key)
    }

    /// [`RedbStoreZeroCopy::quick_remove`].
    ///
    /// # Errors
    /// As there.
    pub fn quick_remove<M: NetabaseModelTrait<D>>(&self, key: &M::PrimaryKey) -> Result<Option<M>> {
        self.backend.quick_remove(key)
    }
}

impl<D, B> OpenTree<D> for NetabaseStore<D, B>
where
    D: NetabaseDefinitionTrait,
    B: Backend,
{
    type Tree<'a, M>
        = StoreTree<'a, D, M, B>
    where
        Self: 'a,
        M: NetabaseModelTrait<D>;

    fn open_tree<M: NetabaseModelTrait<D>>(&self) -> StoreTree<'_, D, M, B> {
        NetabaseStore::open_tree(self)
    }
}

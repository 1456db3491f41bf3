//! The IndexedDB backend: typed trees in the browser (wasm32, feature `wasm`).
//!
//! ```no_run
//! # #[netabase_store::netabase_definition_module(BlogDefinition, BlogKeys)]
//! # mod blog {
//! #     use netabase_store::{NetabaseModel, netabase};
//! #     #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
//! #     #[netabase(BlogDefinition)]
//! #     pub struct User {
//! #         #[primary_key] pub id: u64,
//! #         #[secondary_key] pub email: String,
//! #     }
//! # }
//! # use blog::*;
//! use netabase_store::databases::indexeddb_store::IndexedDBStore;
//! use netabase_store::traits::tree::NetabaseTreeAsync;
//!
//! async fn save_and_find() -> netabase_store::error::Result<()> {
//!     let store = IndexedDBStore::<BlogDefinition>::new("my-app").await?;
//!     let users = store.open_tree::<User>();
//!     users.put(User { id: 1, email: "a@example.com".into() }).await?;
//!     let found = users.get_by_secondary_key("a@example.com".as_user_email_key()).await?;
//!     assert_eq!(found.len(), 1);
//!     Ok(())
//! }
//! # fn main() {}
//! ```
//!
//! # Layout
//!
//! One IndexedDB database holds one object store per table of the other backends, with the
//! same names and bytes: `"{Definition}/{Model}"` maps `encode_key(primary key)` to
//! `encode_value(model)`, and `"{Definition}/{Model}/index"` (for models with secondary keys)
//! maps `tag ‖ encode_key(secondary) ‖ encode_key(primary)` to an empty value. Keys are binary
//! keys (IndexedDB compares them bytewise), so the order-preserving key encoding gives key
//! order, and a secondary lookup is one key-range scan of the index over the prefix
//! `tag ‖ encode_key(secondary)`, never a full scan. Values are `Uint8Array`s.
//!
//! # Transactions
//!
//! Every call is one IndexedDB transaction: a read-only one for reads, a read-write one over
//! the model's two stores for writes, so a model and its index entries commit together.
//! Writes run the typed layer's algorithms: unique secondary keys are checked before anything
//! is written, overwrites move index entries, removes and clears delete them. A write that
//! fails part way (a refused unique key, an undecodable value, an engine error), or whose
//! future is dropped before it finishes, aborts its transaction: nothing is written.
//!
//! # Opening and upgrades
//!
//! Opening reads the database's version and object stores. When the definition has a model
//! whose stores are missing (a new database, or a model added to the definition since), the
//! database is upgraded to the next version (at least [`IndexedDBConfig::version`]) and the
//! missing stores are created; existing stores and their data are kept. Another open
//! connection to the database (another tab, another store) is closed when a connection wants
//! to upgrade it; its later calls fail with
//! [`NetabaseError::Storage`](crate::error::NetabaseError::Storage) until it is reopened.
//!
//! # What differs from the native backends
//!
//! The API is async ([`NetabaseTreeAsync`]), and its futures are not `Send`. `iter` returns a
//! `Vec` read in one transaction. Change subscriptions, batches, explicit transactions and
//! range queries are not offered on this backend. Durability is the browser's: IndexedDB
//! commits are durable against a tab closing, and the browser may evict an origin's data under
//! storage pressure unless the page was granted persistent storage.

mod js;
mod tables;

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use idb::event::VersionChangeEvent;
use idb::{
    Database, DatabaseEvent, Event as _, Factory, ObjectStoreParams, Request as _, TransactionMode,
};
use web_sys::IdbDatabase;

use self::js::storage;
use self::tables::ModelStores;
use crate::codec::encode_key;
use crate::config::IndexedDBConfig;
use crate::error::Result;
use crate::traits::definition::{ModelTypeVisitor, NetabaseDefinitionTrait, model_discriminants};
use crate::traits::model::{NetabaseModelTrait, index_prefix};
use crate::traits::tree::NetabaseTreeAsync;
use crate::typed::{EncodedModel, WriteOp, one_unique, unique_prefix};

const OPEN: &str = "open an IndexedDB database";

/// A store of the models of definition `D` in an IndexedDB database. Clones share one
/// connection, which closes when the last clone is dropped.
pub struct IndexedDBStore<D> {
    connection: Rc<Connection>,
    _definition: PhantomData<fn() -> D>,
}

impl<D> Clone for IndexedDBStore<D> {
    fn clone(&self) -> Self {
        IndexedDBStore {
            connection: Rc::clone(&self.connection),
            _definition: PhantomData,
        }
    }
}

impl<D> fmt::Debug for IndexedDBStore<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexedDBStore")
            .field("database", &self.connection.name)
            .field("version", &self.connection.version)
            .finish_non_exhaustive()
    }
}

/// An open database connection.
struct Connection {
    db: Database,
    name: String,
    version: u32,
    /// Set when the connection was closed by an upgrade elsewhere or by the browser.
    closed: Rc<Cell<bool>>,
}

impl Connection {
    /// Keeps `db`, closing it when another connection asks to upgrade the database (which
    /// could otherwise not proceed) and noting when the browser closes it.
    fn watch(db: Database, name: String) -> Result<Connection> {
        let version = db.version().map_err(|err| storage(OPEN, err))?;
        let raw: IdbDatabase = db.into();
        let mut db = Database::from(raw.clone());
        let closed = Rc::new(Cell::new(false));
        {
            let closed = Rc::clone(&closed);
            let name = name.clone();
            db.on_version_change(move |_| {
                closed.set(true);
                raw.close();
                tracing::info!(
                    database = %name,
                    "another connection upgrades the IndexedDB database; this one is closed"
                );
            });
        }
        {
            let closed = Rc::clone(&closed);
            let name = name.clone();
            db.on_close(move |_| {
                closed.set(true);
                tracing::warn!(database = %name, "the browser closed the IndexedDB database");
            });
        }
        Ok(Connection {
            db,
            name,
            version,
            closed,
        })
    }

    fn begin<D, M>(&self, mode: TransactionMode) -> Result<ModelStores<D, M>>
    where
        D: NetabaseDefinitionTrait,
        M: NetabaseModelTrait<D>,
    {
        if self.closed.get() {
            return Err(storage(
                "begin an IndexedDB transaction",
                format!(
                    "the connection to database `{}` was closed (upgraded by another \
                     connection, or closed by the browser); open the store again",
                    self.name
                ),
            ));
        }
        ModelStores::begin(&self.db, mode)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.db.close();
    }
}

/// The object store names of one model: its primary store and, if it has secondary keys, its
/// index store.
struct StoreNames;

impl<D: NetabaseDefinitionTrait> ModelTypeVisitor<D> for StoreNames {
    type Output = [Option<&'static str>; 2];

    fn visit<M: NetabaseModelTrait<D>>(self) -> Self::Output {
        let names = M::TREE_NAMES;
        [
            Some(names.primary),
            (!M::SECONDARY_KEYS.is_empty()).then_some(names.index),
        ]
    }
}

/// Every object store definition `D` needs.
fn required_stores<D: NetabaseDefinitionTrait>() -> Vec<&'static str> {
    model_discriminants::<D>()
        .iter()
        .flat_map(|&model| D::visit_model_type(model, StoreNames))
        .flatten()
        .collect()
}

/// Creates the stores of `required` that the database being upgraded lacks.
fn create_missing_stores(
    event: &VersionChangeEvent,
    required: &[&'static str],
) -> Result<(), idb::Error> {
    let db = event.database()?;
    let existing = db.store_names();
    for name in required {
        if !existing.iter().any(|store| store == name) {
            db.create_object_store(name, ObjectStoreParams::new())?;
            tracing::debug!(store = name, "created IndexedDB object store");
        }
    }
    Ok(())
}

/// Opens database `name` (at `version`, or at its current version), creating the stores of
/// `required` that are missing if the open upgrades it.
async fn open_database(
    factory: &Factory,
    name: &str,
    version: Option<u32>,
    required: &[&'static str],
) -> Result<Database> {
    let mut request = factory
        .open(name, version)
        .map_err(|err| storage(OPEN, err))?;
    let failure: Rc<Cell<Option<String>>> = Rc::new(Cell::new(None));
    {
        let failure = Rc::clone(&failure);
        let required = required.to_vec();
        request.on_upgrade_needed(move |event| {
            if let Err(err) = create_missing_stores(&event, &required) {
                failure.set(Some(err.to_string()));
                // The open fails and the database keeps its version and stores.
                if let Some(upgrade) = event.target().ok().and_then(|target| target.transaction())
                    && let Err(err) = upgrade.abort()
                {
                    tracing::warn!(error = %err, "aborting a failed IndexedDB upgrade failed");
                }
            }
        });
    }
    {
        let name = name.to_owned();
        request.on_blocked(move |_| {
            tracing::warn!(
                database = %name,
                "opening waits for other connections to the IndexedDB database to close"
            );
        });
    }
    match request.await {
        Ok(db) => Ok(db),
        Err(err) => Err(storage(
            OPEN,
            match failure.take() {
                Some(reason) => format!("creating object stores failed: {reason}"),
                None => err.to_string(),
            },
        )),
    }
}

impl<D: NetabaseDefinitionTrait> IndexedDBStore<D> {
    /// Opens (creating or upgrading if needed) IndexedDB database `database_name` with the
    /// defaults of [`IndexedDBConfig::new`].
    ///
    /// # Errors
    /// When IndexedDB is unavailable (no `indexedDB` global) or fails to open the database.
    pub async fn new(database_name: impl Into<String>) -> Result<Self> {
        Self::with_config(IndexedDBConfig::new(database_name)).await
    }

    /// Opens (creating or upgrading if needed) the database `config` names, at version
    /// `config.version` or higher (see the [module documentation](self) on upgrades).
    ///
    /// # Errors
    /// [`NetabaseError::InvalidConfig`](crate::error::NetabaseError::InvalidConfig) for
    /// version 0; [`NetabaseError::Storage`](crate::error::NetabaseError::Storage) when
    /// IndexedDB is unavailable, the database cannot be opened or upgraded, or it was upgraded
    /// past the wanted version by another connection while this one was opening.
    pub async fn with_config(config: IndexedDBConfig) -> Result<Self> {
        config.validate()?;
        let name = config.database_name;
        let required = required_stores::<D>();
        let factory = Factory::new().map_err(|err| storage(OPEN, err))?;
        // At its current version; a new database is created at version 1 with every store.
        let db = open_database(&factory, &name, None, &required).await?;
        let current = db.version().map_err(|err| storage(OPEN, err))?;
        let existing = db.store_names();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|store| !existing.iter().any(|name| name == store))
            .collect();
        let target = if missing.is_empty() {
            current.max(config.version)
        } else {
            current
                .checked_add(1)
                .ok_or_else(|| storage(OPEN, "the database version cannot grow past u32::MAX"))?
                .max(config.version)
        };
        let db = if target == current {
            db
        } else {
            db.close();
            tracing::info!(
                database = %name,
                from = current,
                to = target,
                missing = ?missing,
                "upgrading the IndexedDB database"
            );
            open_database(&factory, &name, Some(target), &required).await?
        };
        Ok(IndexedDBStore {
            connection: Rc::new(Connection::watch(db, name)?),
            _definition: PhantomData,
        })
    }

    /// Opens the tree of model `M`. Opening is free; errors surface on use.
    pub fn open_tree<M: NetabaseModelTrait<D>>(&self) -> IndexedDBStoreTree<'_, D, M> {
        IndexedDBStoreTree {
            store: self,
            _model: PhantomData,
        }
    }

    /// The models of definition `D`, one tree each.
    pub fn tree_names(&self) -> Vec<D::Discriminant> {
        model_discriminants::<D>().to_vec()
    }

    /// The IndexedDB database name.
    pub fn database_name(&self) -> &str {
        &self.connection.name
    }

    /// The database version this store opened.
    pub fn version(&self) -> u32 {
        self.connection.version
    }

    /// The names of the database's object stores, sorted (those of every definition stored
    /// in it).
    pub fn store_names(&self) -> Vec<String> {
        self.connection.db.store_names()
    }
}

/// The tree of model `M` in an [`IndexedDBStore`]. Every method is one IndexedDB transaction.
pub struct IndexedDBStoreTree<'db, D, M> {
    store: &'db IndexedDBStore<D>,
    _model: PhantomData<fn() -> M>,
}

impl<D, M> Clone for IndexedDBStoreTree<'_, D, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D, M> Copy for IndexedDBStoreTree<'_, D, M> {}

impl<D, M> fmt::Debug for IndexedDBStoreTree<'_, D, M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexedDBStoreTree")
            .field("tree", &M::TREE_NAMES.primary)
            .finish()
    }
}

impl<D, M> IndexedDBStoreTree<'_, D, M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    fn begin(&self, mode: TransactionMode) -> Result<ModelStores<D, M>> {
        self.store.connection.begin(mode)
    }

    /// Applies `ops` in order in one read-write transaction, after checking unique keys.
    async fn write(&self, ops: &[WriteOp]) -> Result<()> {
        let stores = self.begin(TransactionMode::ReadWrite)?;
        stores.check_and_apply(ops).await?;
        stores.commit().await
    }

    /// Inserts `model`, replacing the model with the same primary key.
    ///
    /// # Errors
    /// When the model cannot be encoded, another model has the same value of one of its unique
    /// secondary keys
    /// ([`NetabaseError::UniqueViolation`](crate::error::NetabaseError::UniqueViolation)), or
    /// IndexedDB fails; then nothing was written.
    pub async fn put(&self, model: M) -> Result<()> {
        self.write(&[WriteOp::Put(EncodedModel::new::<D, M>(&model)?)])
            .await
    }

    /// The model with primary key `key`.
    ///
    /// # Errors
    /// When IndexedDB fails or the stored value does not decode.
    pub async fn get(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        self.begin(TransactionMode::ReadOnly)?
            .get(&encode_key(&key))
            .await
    }

    /// Removes the model with primary key `key` and returns it.
    ///
    /// # Errors
    /// When IndexedDB fails or the stored value does not decode; then nothing was removed.
    pub async fn remove(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        let stores = self.begin(TransactionMode::ReadWrite)?;
        let removed = stores.remove(&encode_key(&key)).await?;
        stores.commit().await?;
        Ok(removed)
    }

    /// Every model whose secondary key equals `key`, in primary-key order.
    ///
    /// # Errors
    /// When IndexedDB fails or a stored value does not decode.
    pub async fn get_by_secondary_key(&self, key: M::SecondaryKeys) -> Result<Vec<M>> {
        self.begin(TransactionMode::ReadOnly)?
            .models_under(&index_prefix(&key), None)
            .await
    }

    /// The model whose unique secondary key (`#[secondary_key(unique)]`) equals `key`.
    ///
    /// # Errors
    /// [`NetabaseError::NotUnique`](crate::error::NetabaseError::NotUnique) when `key`'s field
    /// is not unique; otherwise when IndexedDB fails or the stored value does not decode.
    pub async fn get_by_unique_key(&self, key: M::SecondaryKeys) -> Result<Option<M>> {
        let prefix = unique_prefix::<D, M>(&key)?;
        let models = self
            .begin(TransactionMode::ReadOnly)?
            .models_under(&prefix, Some(2))
            .await?;
        one_unique::<D, M>(&key, models)
    }

    /// Every model with its primary key, in primary-key order, read in one transaction into a
    /// `Vec` (see [`NetabaseTreeAsync::iter`]).
    ///
    /// # Errors
    /// When IndexedDB fails, or a stored key or value does not decode.
    pub async fn iter(&self) -> Result<Vec<(M::PrimaryKey, M)>> {
        self.begin(TransactionMode::ReadOnly)?.all().await
    }

    /// The number of models.
    ///
    /// # Errors
    /// When IndexedDB fails.
    pub async fn len(&self) -> Result<usize> {
        self.begin(TransactionMode::ReadOnly)?.len().await
    }

    /// Whether the tree holds no model.
    ///
    /// # Errors
    /// When IndexedDB fails.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }

    /// Removes every model and its index entries.
    ///
    /// # Errors
    /// When IndexedDB fails; then nothing was removed.
    pub async fn clear(&self) -> Result<()> {
        let stores = self.begin(TransactionMode::ReadWrite)?;
        stores.clear()?;
        stores.commit().await
    }

    /// Inserts every model, in order, in one transaction: all are written or none.
    ///
    /// # Errors
    /// When a model cannot be encoded, two models would share the value of a unique secondary
    /// key ([`NetabaseError::UniqueViolation`](crate::error::NetabaseError::UniqueViolation)),
    /// or IndexedDB fails; then nothing was written.
    pub async fn put_many(&self, models: impl IntoIterator<Item = M>) -> Result<()> {
        let ops = models
            .into_iter()
            .map(|model| EncodedModel::new::<D, M>(&model).map(WriteOp::Put))
            .collect::<Result<Vec<_>>>()?;
        self.write(&ops).await
    }

    /// Looks up every key in one read transaction; one entry per key, in order.
    ///
    /// # Errors
    /// When IndexedDB fails or a stored value does not decode.
    pub async fn get_many(
        &self,
        keys: impl IntoIterator<Item = M::PrimaryKey>,
    ) -> Result<Vec<Option<M>>> {
        let stores = self.begin(TransactionMode::ReadOnly)?;
        let mut models = Vec::new();
        for key in keys {
            models.push(stores.get(&encode_key(&key)).await?);
        }
        Ok(models)
    }

    /// Looks up every secondary key in one read transaction; one `Vec` per key, in order.
    ///
    /// # Errors
    /// When IndexedDB fails or a stored value does not decode.
    pub async fn get_many_by_secondary_keys(
        &self,
        keys: impl IntoIterator<Item = M::SecondaryKeys>,
    ) -> Result<Vec<Vec<M>>> {
        let stores = self.begin(TransactionMode::ReadOnly)?;
        let mut found = Vec::new();
        for key in keys {
            found.push(stores.models_under(&index_prefix(&key), None).await?);
        }
        Ok(found)
    }
}

impl<D, M> NetabaseTreeAsync<D, M> for IndexedDBStoreTree<'_, D, M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    type PrimaryKey = M::PrimaryKey;
    type SecondaryKeys = M::SecondaryKeys;

    async fn put(&self, model: M) -> Result<()> {
        IndexedDBStoreTree::put(self, model).await
    }

    async fn get(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        IndexedDBStoreTree::get(self, key).await
    }

    async fn remove(&self, key: M::PrimaryKey) -> Result<Option<M>> {
        IndexedDBStoreTree::remove(self, key).await
    }

    async fn get_by_secondary_key(&self, key: M::SecondaryKeys) -> Result<Vec<M>> {
        IndexedDBStoreTree::get_by_secondary_key(self, key).await
    }

    async fn iter(&self) -> Result<Vec<(M::PrimaryKey, M)>> {
        IndexedDBStoreTree::iter(self).await
    }

    async fn len(&self) -> Result<usize> {
        IndexedDBStoreTree::len(self).await
    }

    async fn is_empty(&self) -> Result<bool> {
        IndexedDBStoreTree::is_empty(self).await
    }

    async fn clear(&self) -> Result<()> {
        IndexedDBStoreTree::clear(self).await
    }

    async fn put_many(&self, models: impl IntoIterator<Item = M>) -> Result<()> {
        IndexedDBStoreTree::put_many(self, models).await
    }

    async fn get_many(
        &self,
        keys: impl IntoIterator<Item = M::PrimaryKey>,
    ) -> Result<Vec<Option<M>>> {
        IndexedDBStoreTree::get_many(self, keys).await
    }

    async fn get_many_by_secondary_keys(
        &self,
        keys: impl IntoIterator<Item = M::SecondaryKeys>,
    ) -> Result<Vec<Vec<M>>> {
        IndexedDBStoreTree::get_many_by_secondary_keys(self, keys).await
    }
}

//! The tree traits: typed CRUD on the models of one type, synchronous ([`NetabaseTreeSync`],
//! the native backends and memory) or asynchronous ([`NetabaseTreeAsync`], IndexedDB in the
//! browser). Both have the same methods with the same semantics.

use std::future::Future;

use crate::error::Result;
use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::NetabaseModelTrait;

/// Typed, synchronous access to the tree of one model type.
///
/// Every method that writes is one atomic transaction: a model and its secondary index entries
/// are written together, and overwriting a model moves its index entries.
pub trait NetabaseTreeSync<D: NetabaseDefinitionTrait, M: NetabaseModelTrait<D>> {
    /// The model's primary key type.
    type PrimaryKey;
    /// The model's secondary keys enum.
    type SecondaryKeys;

    /// Inserts `model`, replacing the model with the same primary key.
    ///
    /// # Errors
    /// When the model cannot be encoded, another model has the same value of one of its
    /// unique secondary keys, or the engine fails; then nothing was written.
    fn put(&self, model: M) -> Result<()>;

    /// The model with primary key `key`.
    ///
    /// # Errors
    /// When the engine fails or the stored value does not decode.
    fn get(&self, key: Self::PrimaryKey) -> Result<Option<M>>;

    /// Removes the model with primary key `key` and returns it.
    ///
    /// # Errors
    /// When the engine fails or the stored value does not decode; then nothing was removed.
    fn remove(&self, key: Self::PrimaryKey) -> Result<Option<M>>;

    /// Every model whose secondary key equals `key`, in primary-key order.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    fn get_by_secondary_key(&self, key: Self::SecondaryKeys) -> Result<Vec<M>>;

    /// Every model with its primary key, in primary-key order.
    fn iter(&self) -> impl Iterator<Item = Result<(Self::PrimaryKey, M)>> + '_;

    /// The number of models.
    ///
    /// # Errors
    /// When the engine fails.
    fn len(&self) -> Result<usize>;

    /// Whether the tree holds no model.
    ///
    /// # Errors
    /// When the engine fails.
    fn is_empty(&self) -> Result<bool>;

    /// Removes every model and its index entries.
    ///
    /// # Errors
    /// When the engine fails; then nothing was removed.
    fn clear(&self) -> Result<()>;

    /// Inserts every model, in order, in one transaction.
    ///
    /// # Errors
    /// When one model cannot be encoded, two models would share the value of a unique
    /// secondary key, or the engine fails; then nothing was written.
    fn put_many(&self, models: impl IntoIterator<Item = M>) -> Result<()>;

    /// Looks up every key in one read transaction; the result has one entry per key.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    fn get_many(&self, keys: impl IntoIterator<Item = Self::PrimaryKey>) -> Result<Vec<Option<M>>>;

    /// Looks up every secondary key in one read transaction; one `Vec` per key.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    fn get_many_by_secondary_keys(
        &self,
        keys: impl IntoIterator<Item = Self::SecondaryKeys>,
    ) -> Result<Vec<Vec<M>>>;
}

/// Typed, asynchronous access to the tree of one model type: [`NetabaseTreeSync`]'s methods,
/// returning futures. Implemented by the IndexedDB backend's trees (wasm32, feature `wasm`),
/// and by every [`StoreTree`](crate::store_tree::StoreTree), whose futures do the work
/// synchronously when first polled (so generic async code runs on any backend).
///
/// The futures are not required to be `Send`: in the browser nothing is (JavaScript handles
/// are bound to their thread). Every method that writes is one atomic transaction, as for
/// [`NetabaseTreeSync`].
pub trait NetabaseTreeAsync<D: NetabaseDefinitionTrait, M: NetabaseModelTrait<D>> {
    /// The model's primary key type.
    type PrimaryKey;
    /// The model's secondary keys enum.
    type SecondaryKeys;

    /// Inserts `model`, replacing the model with the same primary key.
    ///
    /// # Errors
    /// When the model cannot be encoded, another model has the same value of one of its
    /// unique secondary keys, or the engine fails; then nothing was written.
    fn put(&self, model: M) -> impl Future<Output = Result<()>>;

    /// The model with primary key `key`.
    ///
    /// # Errors
    /// When the engine fails or the stored value does not decode.
    fn get(&self, key: Self::PrimaryKey) -> impl Future<Output = Result<Option<M>>>;

    /// Removes the model with primary key `key` and returns it.
    ///
    /// # Errors
    /// When the engine fails or the stored value does not decode; then nothing was removed.
    fn remove(&self, key: Self::PrimaryKey) -> impl Future<Output = Result<Option<M>>>;

    /// Every model whose secondary key equals `key`, in primary-key order.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    fn get_by_secondary_key(
        &self,
        key: Self::SecondaryKeys,
    ) -> impl Future<Output = Result<Vec<M>>>;

    /// Every model with its primary key, in primary-key order, read from one snapshot (one
    /// read transaction) into a `Vec`: an async iterator could not keep a browser transaction
    /// open between the caller's steps. For a large tree, prefer secondary-key lookups.
    ///
    /// # Errors
    /// When the engine fails, or a stored key or value does not decode (the first such entry
    /// fails the call).
    fn iter(&self) -> impl Future<Output = Result<Vec<(Self::PrimaryKey, M)>>>;

    /// The number of models.
    ///
    /// # Errors
    /// When the engine fails.
    fn len(&self) -> impl Future<Output = Result<usize>>;

    /// Whether the tree holds no model.
    ///
    /// # Errors
    /// When the engine fails.
    fn is_empty(&self) -> impl Future<Output = Result<bool>>;

    /// Removes every model and its index entries.
    ///
    /// # Errors
    /// When the engine fails; then nothing was removed.
    fn clear(&self) -> impl Future<Output = Result<()>>;

    /// Inserts every model, in order, in one transaction.
    ///
    /// # Errors
    /// When one model cannot be encoded, two models would share the value of a unique
    /// secondary key, or the engine fails; then nothing was written.
    fn put_many(&self, models: impl IntoIterator<Item = M>) -> impl Future<Output = Result<()>>;

    /// Looks up every key in one read transaction; the result has one entry per key.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    fn get_many(
        &self,
        keys: impl IntoIterator<Item = Self::PrimaryKey>,
    ) -> impl Future<Output = Result<Vec<Option<M>>>>;

    /// Looks up every secondary key in one read transaction; one `Vec` per key.
    ///
    /// # Errors
    /// When the engine fails or a stored value does not decode.
    fn get_many_by_secondary_keys(
        &self,
        keys: impl IntoIterator<Item = Self::SecondaryKeys>,
    ) -> impl Future<Output = Result<Vec<Vec<M>>>>;
}

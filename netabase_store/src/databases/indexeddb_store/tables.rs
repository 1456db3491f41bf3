//! The object stores of one model in one IndexedDB transaction, and the typed operations on
//! them. The algorithms are the typed layer's (`crate::typed`): the same encoded model, the
//! same index update, the same unique-key check and the same errors; only the I/O is async.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::ops::Bound;

use idb::{Database, ObjectStore, TransactionMode};
use wasm_bindgen::JsValue;

use super::js::{self, Txn};
use crate::codec::HexBytes;
use crate::error::{NetabaseError, Result};
use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::NetabaseModelTrait;
use crate::typed::{
    EncodedModel, IndexUpdate, WriteOp, check_unique, dangling_entry, decode_model, decode_primary,
    decode_removed, entry_belongs_to, prefix_bounds, tree_len, unique_values,
};

/// Every key of a store.
const ALL: (Bound<Vec<u8>>, Bound<Vec<u8>>) = (Bound::Unbounded, Bound::Unbounded);

/// The primary store of model `M` and, when it has secondary keys, its index store, opened in
/// one transaction (a read-write one covers both, so a model and its index entries commit
/// together).
pub(super) struct ModelStores<D, M> {
    txn: Txn,
    primary: ObjectStore,
    index: Option<ObjectStore>,
    _model: PhantomData<fn() -> (D, M)>,
}

impl<D, M> ModelStores<D, M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    /// Begins a transaction over the stores of `M`.
    pub(super) fn begin(db: &Database, mode: TransactionMode) -> Result<Self> {
        let names = M::TREE_NAMES;
        let with_index = !M::SECONDARY_KEYS.is_empty();
        let stores: &[&'static str] = if with_index {
            &[names.primary, names.index]
        } else {
            &[names.primary]
        };
        let (txn, mut opened) = Txn::begin(db, stores, mode)?;
        let index = if with_index { opened.pop() } else { None };
        let primary = opened.pop().ok_or_else(|| {
            js::storage(
                "begin an IndexedDB transaction",
                "the primary store did not open",
            )
        })?;
        Ok(ModelStores {
            txn,
            primary,
            index,
            _model: PhantomData,
        })
    }

    /// Commits the transaction (see [`Txn::commit`]).
    pub(super) async fn commit(self) -> Result<()> {
        self.txn.commit().await
    }

    /// The model stored under encoded primary key `key`.
    pub(super) async fn get(&self, key: &[u8]) -> Result<Option<M>> {
        match js::get(&self.primary, key).await? {
            Some(value) => decode_model::<D, M>(&self.value_bytes(&value)?).map(Some),
            None => Ok(None),
        }
    }

    fn value_bytes(&self, value: &JsValue) -> Result<Vec<u8>> {
        js::stored_bytes(value, M::TREE_NAMES.primary, "value")
    }

    /// The encoded index entries starting with `prefix`, in order, at most `limit`.
    async fn entries_under(
        &self,
        index: &ObjectStore,
        prefix: &[u8],
        limit: Option<u32>,
    ) -> Result<Vec<Vec<u8>>> {
        js::keys_in(index, &prefix_bounds(prefix), limit)
            .await?
            .iter()
            .map(|entry| js::stored_bytes(entry, M::TREE_NAMES.index, "index key"))
            .collect()
    }

    /// The first `limit` models whose index entries start with `prefix` (`tag ‖ value`), in
    /// primary-key order: a key-range scan of the index, then one lookup per entry.
    pub(super) async fn models_under(&self, prefix: &[u8], limit: Option<u32>) -> Result<Vec<M>> {
        let Some(index) = &self.index else {
            // A model without secondary keys has an uninhabited `SecondaryKeys` enum.
            return Ok(Vec::new());
        };
        let mut models = Vec::new();
        for entry in self.entries_under(index, prefix, limit).await? {
            let primary = entry
                .strip_prefix(prefix)
                .ok_or_else(|| outside_range::<D, M>(&entry))?;
            match self.get(primary).await? {
                Some(model) => models.push(model),
                None => return Err(dangling_entry::<D, M>(&entry)),
            }
        }
        Ok(models)
    }

    /// Every model with its primary key, in key order: two requests of one transaction.
    pub(super) async fn all(&self) -> Result<Vec<(M::PrimaryKey, M)>> {
        let keys = js::keys_in(&self.primary, &ALL, None).await?;
        let values = js::all_values(&self.primary).await?;
        if keys.len() != values.len() {
            return Err(NetabaseError::Corrupt {
                tree: M::TREE_NAMES.primary,
                reason: format!(
                    "{} keys but {} values in one snapshot",
                    keys.len(),
                    values.len()
                ),
            });
        }
        keys.iter()
            .zip(&values)
            .map(|(key, value)| {
                let key = js::stored_bytes(key, M::TREE_NAMES.primary, "key")?;
                Ok((
                    decode_primary::<D, M>(&key)?,
                    decode_model::<D, M>(&self.value_bytes(value)?)?,
                ))
            })
            .collect()
    }

    /// The number of models.
    pub(super) async fn len(&self) -> Result<usize> {
        tree_len::<D, M>(js::count(&self.primary).await?)
    }

    /// Checks `ops` against unique secondary keys, then applies them in order. Nothing is
    /// written before the check passes; the caller commits.
    pub(super) async fn check_and_apply(&self, ops: &[WriteOp]) -> Result<()> {
        self.check_unique(ops).await?;
        for op in ops {
            match op {
                WriteOp::Put(model) => self.put(model).await?,
                WriteOp::Remove(key) => {
                    self.remove(key).await?;
                }
            }
        }
        Ok(())
    }

    /// [`check_unique`] over the index as it is before `ops`: every unique value's holders are
    /// read first (one key-range scan each), then the typed layer's check runs on them.
    async fn check_unique(&self, ops: &[WriteOp]) -> Result<()> {
        let Some(index) = &self.index else {
            return Ok(());
        };
        let mut stored: HashMap<&[u8], Vec<Vec<u8>>> = HashMap::new();
        for value in unique_values::<D, M>(ops) {
            let holders = self
                .entries_under(index, value, None)
                .await?
                .into_iter()
                .map(|entry| match entry.strip_prefix(value) {
                    Some(holder) => Ok(holder.to_vec()),
                    None => Err(outside_range::<D, M>(&entry)),
                })
                .collect::<Result<Vec<_>>>()?;
            stored.insert(value, holders);
        }
        check_unique::<D, M>(ops, |value| {
            Ok(stored.get(value).cloned().unwrap_or_default())
        })
    }

    /// Writes an encoded model and moves its index entries.
    async fn put(&self, model: &EncodedModel) -> Result<()> {
        let previous = js::get(&self.primary, model.key()).await?;
        js::put(&self.primary, model.key(), &model.value)?;
        let Some(index) = &self.index else {
            return Ok(());
        };
        let update = match previous.as_ref().map(js::to_bytes) {
            None => model.index_update::<D, M>(None),
            Some(Some(bytes)) => model.index_update::<D, M>(Some(&bytes)),
            Some(None) => {
                tracing::warn!(
                    tree = M::TREE_NAMES.primary,
                    key = %HexBytes(model.key()),
                    "overwriting a value that is not a byte string; scanning the index for its entries"
                );
                model.index_rescan()
            }
        };
        let insert = match update {
            IndexUpdate::Move { remove, insert } => {
                for entry in &remove {
                    js::delete(index, entry)?;
                }
                insert
            }
            IndexUpdate::Rescan { insert } => {
                for entry in js::keys_in(index, &ALL, None).await? {
                    let entry = js::stored_bytes(&entry, M::TREE_NAMES.index, "index key")?;
                    if entry_belongs_to::<D, M>(&entry, model.key())? {
                        js::delete(index, &entry)?;
                    }
                }
                insert
            }
        };
        for entry in insert {
            js::put(index, entry, &[])?;
        }
        Ok(())
    }

    /// Removes the model with encoded primary key `key` and its index entries. The stored value
    /// is decoded before anything is written, so an undecodable value changes nothing.
    pub(super) async fn remove(&self, key: &[u8]) -> Result<Option<M>> {
        let Some(value) = js::get(&self.primary, key).await? else {
            return Ok(None);
        };
        let (old, entries) = decode_removed::<D, M>(key, &self.value_bytes(&value)?)?;
        js::delete(&self.primary, key)?;
        if let Some(index) = &self.index {
            for entry in entries.keys() {
                js::delete(index, entry)?;
            }
        }
        Ok(Some(old))
    }

    /// Removes every model and index entry.
    pub(super) fn clear(&self) -> Result<()> {
        js::clear(&self.primary)?;
        if let Some(index) = &self.index {
            js::clear(index)?;
        }
        Ok(())
    }
}

/// The error for an index key outside the range it was read from (IndexedDB broke its
/// contract).
fn outside_range<D, M>(entry: &[u8]) -> NetabaseError
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    NetabaseError::Corrupt {
        tree: M::TREE_NAMES.index,
        reason: format!(
            "index key {} lies outside the key range it was read from",
            HexBytes(entry)
        ),
    }
}

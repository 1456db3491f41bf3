//! Typed operations on the two tables of one model, written once for every engine.
//!
//! A model `M` of definition `D` lives in two tables (see [`TreeNames`]):
//! * `primary`: `encode_key(primary key) → encode_value(model)`;
//! * `index` (only when `M` has secondary keys): `tag ‖ encode_key(secondary) ‖
//!   encode_key(primary) → ()`, one entry per secondary key of every model.
//!
//! Invariant maintained by every write here, inside one engine write transaction: the index
//! holds exactly the entries of the models in the primary table. Overwrites move index entries;
//! removals and clears delete them.

use std::marker::PhantomData;
use std::ops::{Bound, Deref};

use crate::codec::{self, HexBytes, decode_key, encode_key, prefix_successor};
use crate::engine::{RawTable, RawTableMut, ReadTxn, WriteTxn};
use crate::error::{NetabaseError, Result};
use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::{
    IndexKeyWriter, NetabaseModelTrait, SecondaryKeyEnum, TreeNames, index_prefix,
};

/// A model encoded for writing: primary key bytes, value bytes and index keys.
pub(crate) struct EncodedModel {
    pub(crate) key: Vec<u8>,
    pub(crate) value: Vec<u8>,
    index: IndexKeyWriter,
}

impl EncodedModel {
    /// Encodes `model`; nothing is written, so a failure here leaves everything unchanged.
    pub(crate) fn new<D, M>(model: &M) -> Result<Self>
    where
        D: NetabaseDefinitionTrait,
        M: NetabaseModelTrait<D>,
    {
        let key = encode_key(&model.primary_key());
        let value = codec::encode_value(model).map_err(|source| NetabaseError::Encode {
            tree: M::TREE_NAMES.primary,
            source,
        })?;
        let mut index = IndexKeyWriter::new(&key);
        model.write_index_keys(&mut index);
        Ok(EncodedModel { key, value, index })
    }
}

fn names<D: NetabaseDefinitionTrait, M: NetabaseModelTrait<D>>() -> TreeNames {
    M::TREE_NAMES
}

/// Decodes a stored model value.
pub(crate) fn decode_model<D, M>(bytes: &[u8]) -> Result<M>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    codec::decode_value(bytes).map_err(|source| NetabaseError::Decode {
        tree: names::<D, M>().primary,
        source,
    })
}

/// Decodes a stored primary key.
pub(crate) fn decode_primary<D, M>(bytes: &[u8]) -> Result<M::PrimaryKey>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    decode_key(bytes).map_err(|source| NetabaseError::KeyDecode {
        tree: names::<D, M>().primary,
        source,
    })
}

/// The two tables of model `M`, opened in one transaction.
pub(crate) struct ModelTables<D, M, T> {
    primary: T,
    index: Option<T>,
    _model: PhantomData<fn() -> (D, M)>,
}

impl<D, M, T> ModelTables<D, M, T>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    /// Opens the tables with `open` (a transaction's `open_table`). The index table is only
    /// opened when `M` has secondary keys.
    pub(crate) fn open(mut open: impl FnMut(&'static str) -> Result<T>) -> Result<Self> {
        let names = M::TREE_NAMES;
        Ok(ModelTables {
            primary: open(names.primary)?,
            index: if M::SECONDARY_KEYS.is_empty() {
                None
            } else {
                Some(open(names.index)?)
            },
            _model: PhantomData,
        })
    }

    /// Opens the tables in a read transaction.
    pub(crate) fn open_read<R: ReadTxn<Table = T>>(txn: &R) -> Result<Self> {
        Self::open(|name| txn.open_table(name))
    }

    /// Opens (creating if needed) the tables in a write transaction.
    pub(crate) fn open_write<'t, W: WriteTxn<Table<'t> = T>>(txn: &'t W) -> Result<Self> {
        Self::open(|name| txn.open_table(name))
    }
}

impl<D, M, T> ModelTables<D, M, T>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    T: RawTable,
{
    pub(crate) fn get(&self, key: &M::PrimaryKey) -> Result<Option<M>> {
        self.get_encoded(&encode_key(key))
    }

    /// The stored value bytes of the model with primary key `key`, as the engine hands them
    /// out (borrowed from the engine where it can).
    #[cfg_attr(not(feature = "redb-zerocopy"), allow(dead_code))]
    pub(crate) fn get_bytes(&self, key: &M::PrimaryKey) -> Result<Option<T::Bytes<'_>>> {
        self.primary.get(&encode_key(key))
    }

    /// The table of models.
    #[cfg_attr(not(feature = "redb-zerocopy"), allow(dead_code))]
    pub(crate) fn primary(&self) -> &T {
        &self.primary
    }

    fn get_encoded(&self, key: &[u8]) -> Result<Option<M>> {
        match self.primary.get(key)? {
            Some(bytes) => decode_model::<D, M>(&bytes).map(Some),
            None => Ok(None),
        }
    }

    pub(crate) fn get_by_secondary(&self, key: &M::SecondaryKeys) -> Result<Vec<M>> {
        let Some(index) = &self.index else {
            // A model without secondary keys has an uninhabited `SecondaryKeys` enum.
            return Ok(Vec::new());
        };
        let prefix = index_prefix(key);
        let end = prefix_successor(&prefix);
        let bounds = (
            Bound::Included(prefix.as_slice()),
            end.as_deref().map_or(Bound::Unbounded, Bound::Excluded),
        );
        let mut models = Vec::new();
        for entry in index.range(bounds)? {
            let (entry, _) = entry?;
            let primary = &entry[prefix.len()..];
            match self.get_encoded(primary)? {
                Some(model) => models.push(model),
                None => {
                    return Err(NetabaseError::Corrupt {
                        tree: M::TREE_NAMES.index,
                        reason: format!(
                            "index entry {} points to a missing model",
                            HexBytes(&entry)
                        ),
                    });
                }
            }
        }
        Ok(models)
    }

    pub(crate) fn len(&self) -> Result<usize> {
        let len = self.primary.len()?;
        usize::try_from(len).map_err(|_| NetabaseError::Corrupt {
            tree: M::TREE_NAMES.primary,
            reason: format!("{len} entries do not fit in usize"),
        })
    }
}

impl<D, M, T> ModelTables<D, M, T>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    T: RawTableMut,
{
    /// Writes an encoded model and moves its index entries. Returns the previous value bytes.
    pub(crate) fn put(&mut self, model: &EncodedModel) -> Result<Option<Vec<u8>>> {
        let previous = self.primary.insert(&model.key, &model.value)?;
        let Some(index) = &mut self.index else {
            return Ok(previous);
        };
        let new_keys: Vec<&[u8]> = model.index.keys().collect();
        match &previous {
            None => {
                for key in &new_keys {
                    index.insert(key, &[])?;
                }
            }
            Some(old_bytes) => match decode_model::<D, M>(old_bytes) {
                Ok(old) => {
                    let mut old_index = IndexKeyWriter::new(&model.key);
                    old.write_index_keys(&mut old_index);
                    let old_keys: Vec<&[u8]> = old_index.keys().collect();
                    for key in old_keys.iter().filter(|k| !new_keys.contains(k)) {
                        index.remove(key)?;
                    }
                    for key in new_keys.iter().filter(|k| !old_keys.contains(k)) {
                        index.insert(key, &[])?;
                    }
                }
                Err(err) => {
                    tracing::warn!(
                        tree = M::TREE_NAMES.primary,
                        key = %HexBytes(&model.key),
                        error = %err,
                        "overwriting an undecodable value; scanning the index for its entries"
                    );
                    remove_index_entries_by_scan::<D, M, T>(index, &model.key)?;
                    for key in &new_keys {
                        index.insert(key, &[])?;
                    }
                }
            },
        }
        Ok(previous)
    }

    /// Removes the model with encoded primary key `key` and its index entries.
    ///
    /// The stored value is decoded before anything is written, so an undecodable value is
    /// reported without changing the tables.
    pub(crate) fn remove_encoded(&mut self, key: &[u8]) -> Result<Option<M>> {
        let Some(old) = self.get_encoded(key)? else {
            return Ok(None);
        };
        self.primary.remove(key)?;
        if let Some(index) = &mut self.index {
            let mut old_index = IndexKeyWriter::new(key);
            old.write_index_keys(&mut old_index);
            for entry in old_index.keys() {
                index.remove(entry)?;
            }
        }
        Ok(Some(old))
    }

    pub(crate) fn remove(&mut self, key: &M::PrimaryKey) -> Result<Option<M>> {
        self.remove_encoded(&encode_key(key))
    }

    pub(crate) fn clear(&mut self) -> Result<()> {
        self.primary.clear()?;
        if let Some(index) = &mut self.index {
            index.clear()?;
        }
        Ok(())
    }
}

/// Removes every index entry whose primary-key part is `primary`, by decoding each entry.
/// Only used when a stored value cannot be decoded to learn its secondary keys.
fn remove_index_entries_by_scan<D, M, T>(index: &mut T, primary: &[u8]) -> Result<()>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    T: RawTableMut,
{
    let mut stale = Vec::new();
    for entry in index.range((Bound::Unbounded, Bound::Unbounded))? {
        let (entry, _) = entry?;
        if index_entry_primary::<D, M>(&entry)? == primary {
            stale.push(entry.to_vec());
        }
    }
    for entry in stale {
        index.remove(&entry)?;
    }
    Ok(())
}

/// Splits an index entry `tag ‖ secondary ‖ primary` and returns the primary-key bytes.
pub(crate) fn index_entry_primary<D, M>(entry: &[u8]) -> Result<&[u8]>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    let corrupt = |source| NetabaseError::KeyDecode {
        tree: M::TREE_NAMES.index,
        source,
    };
    let Some((&tag, mut rest)) = entry.split_first() else {
        return Err(corrupt(crate::codec::KeyDecodeError::UnexpectedEnd {
            needed: 1,
        }));
    };
    M::SecondaryKeys::decode_index_key(tag, &mut rest).map_err(corrupt)?;
    Ok(rest)
}

/// Decodes `(key, value)` byte pairs of a primary table into `(primary key, model)`.
pub struct ModelIter<D, M, I> {
    inner: I,
    _model: PhantomData<fn() -> (D, M)>,
}

impl<D, M, I> ModelIter<D, M, I> {
    pub(crate) fn new(inner: I) -> Self {
        ModelIter {
            inner,
            _model: PhantomData,
        }
    }
}

impl<D, M, I, K> Iterator for ModelIter<D, M, I>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    I: Iterator<Item = Result<(K, K)>>,
    K: Deref<Target = [u8]>,
{
    type Item = Result<(M::PrimaryKey, M)>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.inner.next()?;
        Some(item.and_then(|(key, value)| {
            Ok((decode_primary::<D, M>(&key)?, decode_model::<D, M>(&value)?))
        }))
    }
}

impl<D, M, I> std::fmt::Debug for ModelIter<D, M, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelIter").finish_non_exhaustive()
    }
}

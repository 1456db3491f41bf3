//! Typed operations on the two tables of one model, written once for every engine.
//!
//! A model `M` of definition `D` lives in two tables (see [`TreeNames`]):
//! * `primary`: `encode_key(primary key) → encode_value(model)`;
//! * `index` (only when `M` has secondary keys): `tag ‖ encode_key(secondary) ‖
//!   encode_key(primary) → ()`, one entry per secondary key of every model.
//!
//! Invariant maintained by every write here, inside one engine write transaction: the index
//! holds exactly the entries of the models in the primary table. Overwrites move index entries;
//! removals and clears delete them. Writes are checked against unique secondary keys before
//! anything is written ([`ModelTables::check_unique`]).
//!
//! Queries are byte ranges over these tables: a range of primary keys is the range of their
//! encodings ([`key_bounds`]); a prefix of a string key is the range of encodings that start
//! with its escaped bytes ([`prefix_bounds`]); a range of secondary values is a range of index
//! entries ([`secondary_bounds`]), read by a [`SecondaryIter`].

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::ops::{Bound, Deref, RangeBounds};

use crate::codec::{self, HexBytes, KeyCodec, KeyPrefix, decode_key, encode_key, prefix_successor};
use crate::engine::{OwnedKeyBounds, RawTable, RawTableMut, ReadTxn, WriteTxn, borrow_bounds};
use crate::error::{NetabaseError, Result};
use crate::subscription::EventLog;
use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::{
    IndexKeyWriter, NetabaseModelTrait, SecondaryKeyEnum, TreeNames, index_prefix,
};

mod unique;

#[cfg(all(feature = "wasm", target_arch = "wasm32"))]
pub(crate) use unique::unique_values;
pub(crate) use unique::{check_unique, one_unique, unique_prefix};

/// A model encoded for writing: primary key bytes, value bytes and index keys.
pub(crate) struct EncodedModel {
    pub(crate) value: Vec<u8>,
    /// The index keys, and the primary key they end with.
    index: IndexKeyWriter,
}

impl EncodedModel {
    /// Encodes `model`; nothing is written, so a failure here leaves everything unchanged.
    pub(crate) fn new<D, M>(model: &M) -> Result<Self>
    where
        D: NetabaseDefinitionTrait,
        M: NetabaseModelTrait<D>,
    {
        let value = codec::encode_value(model).map_err(|source| NetabaseError::Encode {
            tree: M::TREE_NAMES.primary,
            source,
        })?;
        let mut index = IndexKeyWriter::with_capacity(M::SECONDARY_KEYS.len());
        index.start(|key| model.encode_primary_key(key));
        model.write_index_keys(&mut index);
        Ok(EncodedModel { value, index })
    }

    /// The encoded primary key.
    pub(crate) fn key(&self) -> &[u8] {
        self.index.primary()
    }

    /// Encodes `model` into these buffers, reusing their memory: encoding many models this way
    /// allocates only when a model is larger than every one before it.
    fn refill<D, M>(&mut self, model: &M) -> Result<()>
    where
        D: NetabaseDefinitionTrait,
        M: NetabaseModelTrait<D>,
    {
        self.index.start(|key| model.encode_primary_key(key));
        self.value.clear();
        codec::encode_value_into(model, &mut self.value).map_err(|source| {
            NetabaseError::Encode {
                tree: M::TREE_NAMES.primary,
                source,
            }
        })?;
        model.write_index_keys(&mut self.index);
        Ok(())
    }

    /// The index prefixes (`tag ‖ encode_key(value)`) of the model's unique secondary keys.
    fn unique_values<D, M>(&self) -> impl Iterator<Item = &[u8]> + '_
    where
        D: NetabaseDefinitionTrait,
        M: NetabaseModelTrait<D>,
    {
        self.index
            .keys()
            .filter(|entry| entry.first().is_some_and(|&tag| is_unique::<D, M>(tag)))
            .filter_map(|entry| entry.strip_suffix(self.key()))
    }

    /// How writing this model changes the index, given the value it replaces (`previous`):
    /// only the entries that differ between the old and new model move.
    pub(crate) fn index_update<D, M>(&self, previous: Option<&[u8]>) -> IndexUpdate<'_>
    where
        D: NetabaseDefinitionTrait,
        M: NetabaseModelTrait<D>,
    {
        let new_keys: Vec<&[u8]> = self.index.keys().collect();
        let Some(old_bytes) = previous else {
            return IndexUpdate::Move {
                remove: Vec::new(),
                insert: new_keys,
            };
        };
        match decode_model::<D, M>(old_bytes) {
            Ok(old) => {
                let old_index = index_entries::<D, M>(self.key(), &old);
                let old_keys: Vec<&[u8]> = old_index.keys().collect();
                IndexUpdate::Move {
                    remove: old_keys
                        .iter()
                        .filter(|key| !new_keys.contains(key))
                        .map(|key| key.to_vec())
                        .collect(),
                    insert: new_keys
                        .into_iter()
                        .filter(|key| !old_keys.contains(key))
                        .collect(),
                }
            }
            Err(err) => {
                tracing::warn!(
                    tree = M::TREE_NAMES.primary,
                    key = %HexBytes(self.key()),
                    error = %err,
                    "overwriting an undecodable value; scanning the index for its entries"
                );
                self.index_rescan()
            }
        }
    }

    /// The index update of a put over a value whose index entries are unknown (it does not
    /// decode): [`IndexUpdate::Rescan`].
    pub(crate) fn index_rescan(&self) -> IndexUpdate<'_> {
        IndexUpdate::Rescan {
            insert: self.index.keys().collect(),
        }
    }
}

/// What a put does to the index (see [`EncodedModel::index_update`]). Every backend applies it
/// in the write transaction of the put: removals first, then insertions.
pub(crate) enum IndexUpdate<'a> {
    /// Remove the entries of the replaced model that the new one lacks, insert the new ones.
    Move {
        remove: Vec<Vec<u8>>,
        insert: Vec<&'a [u8]>,
    },
    /// The replaced value does not decode, so its entries are unknown: remove every entry whose
    /// primary-key part is the model's key (found by scanning the index with
    /// [`entry_belongs_to`]), then insert all of the model's entries. Overwriting repairs.
    Rescan { insert: Vec<&'a [u8]> },
}

/// The index entries (`tag ‖ secondary ‖ primary`) of `model`, stored under encoded primary key
/// `key`.
pub(crate) fn index_entries<D, M>(key: &[u8], model: &M) -> IndexKeyWriter
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    let mut entries = IndexKeyWriter::new(key);
    model.write_index_keys(&mut entries);
    entries
}

/// Decodes the value removed from under `key`, and its index entries. An undecodable value
/// fails the removal; every caller then discards the transaction.
pub(crate) fn decode_removed<D, M>(key: &[u8], value: &[u8]) -> Result<(M, IndexKeyWriter)>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    let old = decode_model::<D, M>(value)?;
    let entries = index_entries::<D, M>(key, &old);
    Ok((old, entries))
}

/// One write of a call, batch or transaction operation, applied in order.
pub(crate) enum WriteOp {
    /// Insert or overwrite a model.
    Put(EncodedModel),
    /// Remove the model with this encoded primary key.
    Remove(Vec<u8>),
}

impl WriteOp {
    /// Encodes every model as a put; nothing is written, so a failure changes nothing.
    pub(crate) fn puts<D, M>(models: impl IntoIterator<Item = M>) -> Result<Vec<WriteOp>>
    where
        D: NetabaseDefinitionTrait,
        M: NetabaseModelTrait<D>,
    {
        models
            .into_iter()
            .map(|model| EncodedModel::new::<D, M>(&model).map(WriteOp::Put))
            .collect()
    }
}

/// What the trees of one explicit write transaction share: its change log, and whether a write
/// failed after it may have written part of its changes (then the transaction may only be
/// rolled back).
pub(crate) struct TxnState {
    poisoned: Cell<bool>,
    log: RefCell<EventLog>,
}

impl TxnState {
    pub(crate) fn new(log: EventLog) -> Self {
        TxnState {
            poisoned: Cell::new(false),
            log: RefCell::new(log),
        }
    }

    pub(crate) fn is_poisoned(&self) -> bool {
        self.poisoned.get()
    }

    /// The change log, to publish on commit.
    pub(crate) fn into_log(self) -> EventLog {
        self.log.into_inner()
    }

    /// Runs a write that may fail part way, poisoning the transaction if it does.
    fn guard<R>(&self, write: impl FnOnce(&mut EventLog) -> Result<R>) -> Result<R> {
        let result = write(&mut self.log.borrow_mut());
        if result.is_err() {
            self.poisoned.set(true);
        }
        result
    }
}

fn names<D: NetabaseDefinitionTrait, M: NetabaseModelTrait<D>>() -> TreeNames {
    M::TREE_NAMES
}

/// The name of the secondary key field with tag `tag`.
pub(super) fn field_name<D: NetabaseDefinitionTrait, M: NetabaseModelTrait<D>>(
    tag: u8,
) -> &'static str {
    M::SECONDARY_KEYS
        .get(usize::from(tag))
        .map_or("<unknown field>", |info| info.field)
}

/// Whether model `M` has a `#[secondary_key(unique)]` field.
pub(crate) fn has_unique<D: NetabaseDefinitionTrait, M: NetabaseModelTrait<D>>() -> bool {
    M::SECONDARY_KEYS.iter().any(|info| info.unique)
}

/// Whether the secondary key field with tag `tag` is `#[secondary_key(unique)]`.
pub(super) fn is_unique<D: NetabaseDefinitionTrait, M: NetabaseModelTrait<D>>(tag: u8) -> bool {
    M::SECONDARY_KEYS
        .get(usize::from(tag))
        .is_some_and(|info| info.unique)
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

/// The table of models of `M` alone, for the reads that never touch the index (by primary
/// key, length). Opening the index as well would cost each such call a second table open.
pub(crate) struct PrimaryTable<D, M, T> {
    table: T,
    _model: PhantomData<fn() -> (D, M)>,
}

impl<D, M, T> PrimaryTable<D, M, T>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    /// Opens the table with `open` (a transaction's `open_table`).
    pub(crate) fn open(open: impl FnOnce(&'static str) -> Result<T>) -> Result<Self> {
        Ok(PrimaryTable {
            table: open(M::TREE_NAMES.primary)?,
            _model: PhantomData,
        })
    }

    /// Opens the table in a read transaction.
    pub(crate) fn open_read<R: ReadTxn<Table = T>>(txn: &R) -> Result<Self> {
        Self::open(|name| txn.open_table(name))
    }
}

impl<D, M, T> PrimaryTable<D, M, T>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    T: RawTable,
{
    pub(crate) fn get(&self, key: &M::PrimaryKey) -> Result<Option<M>> {
        self.get_encoded(&encode_key(key))
    }

    /// One entry per key, in order; one key buffer for all of them.
    pub(crate) fn get_many(
        &self,
        keys: impl IntoIterator<Item = M::PrimaryKey>,
    ) -> Result<Vec<Option<M>>> {
        let keys = keys.into_iter();
        let mut models = Vec::with_capacity(keys.size_hint().0);
        let mut buf = Vec::with_capacity(16);
        for key in keys {
            buf.clear();
            key.encode_key(&mut buf);
            models.push(self.get_encoded(&buf)?);
        }
        Ok(models)
    }

    fn get_encoded(&self, key: &[u8]) -> Result<Option<M>> {
        match self.table.get(key)? {
            Some(bytes) => decode_model::<D, M>(&bytes).map(Some),
            None => Ok(None),
        }
    }

    pub(crate) fn len(&self) -> Result<usize> {
        tree_len::<D, M>(self.table.len()?)
    }
}

/// The two tables of model `M`, opened in one transaction.
pub(crate) struct ModelTables<D, M, T> {
    primary: PrimaryTable<D, M, T>,
    index: Option<T>,
}

impl<D, M, T> ModelTables<D, M, T>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    /// The tables to name to [`Backend::auto_commit`](crate::engine::Backend::auto_commit)
    /// for work on these tables: the ones [`ModelTables::open`] opens, or none when the work
    /// `iterates` a table.
    pub(crate) fn auto_commit_tables(iterates: bool) -> &'static [&'static str] {
        if iterates {
            &[]
        } else if M::SECONDARY_KEYS.is_empty() {
            std::slice::from_ref(&M::TREE_NAMES.primary)
        } else {
            &[M::TREE_NAMES.primary, M::TREE_NAMES.index]
        }
    }

    /// Opens the tables with `open` (a transaction's `open_table`). The index table is only
    /// opened when `M` has secondary keys.
    pub(crate) fn open(mut open: impl FnMut(&'static str) -> Result<T>) -> Result<Self> {
        Ok(ModelTables {
            primary: PrimaryTable::open(&mut open)?,
            index: if M::SECONDARY_KEYS.is_empty() {
                None
            } else {
                Some(open(M::TREE_NAMES.index)?)
            },
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
    /// Only the zero-copy trees read through their open `ModelTables`; the other paths open
    /// just the [`PrimaryTable`].
    #[cfg_attr(not(feature = "redb-zerocopy"), allow(dead_code))]
    pub(crate) fn get(&self, key: &M::PrimaryKey) -> Result<Option<M>> {
        self.primary.get(key)
    }

    /// The stored value bytes of the model with primary key `key`, as the engine hands them
    /// out (borrowed from the engine where it can).
    #[cfg_attr(not(feature = "redb-zerocopy"), allow(dead_code))]
    pub(crate) fn get_bytes(&self, key: &M::PrimaryKey) -> Result<Option<T::Bytes<'_>>> {
        self.primary.table.get(&encode_key(key))
    }

    /// The table of models.
    #[cfg_attr(not(feature = "redb-zerocopy"), allow(dead_code))]
    pub(crate) fn primary(&self) -> &T {
        &self.primary.table
    }

    pub(crate) fn get_by_secondary(&self, key: &M::SecondaryKeys) -> Result<Vec<M>> {
        self.models_under(&index_prefix(key), usize::MAX)
    }

    /// The model whose unique secondary key equals `key`.
    pub(crate) fn get_by_unique(&self, key: &M::SecondaryKeys) -> Result<Option<M>> {
        let prefix = unique_prefix::<D, M>(key)?;
        one_unique::<D, M>(key, self.models_under(&prefix, 2)?)
    }

    /// The first `limit` models whose index entries start with `prefix` (`tag ‖ value`), in
    /// primary-key order.
    fn models_under(&self, prefix: &[u8], limit: usize) -> Result<Vec<M>> {
        let Some(index) = &self.index else {
            // A model without secondary keys has an uninhabited `SecondaryKeys` enum.
            return Ok(Vec::new());
        };
        let mut models = Vec::new();
        for entry in index.range(borrow_bounds(&prefix_bounds(prefix)))? {
            if models.len() == limit {
                break;
            }
            let (entry, _) = entry?;
            match self.primary.get_encoded(&entry[prefix.len()..])? {
                Some(model) => models.push(model),
                None => return Err(dangling_entry::<D, M>(&entry)),
            }
        }
        Ok(models)
    }

    /// Checks that applying `ops` in order gives no two models the same value of a unique
    /// secondary key (see [`check_unique`]). Reads only, so a refusal changes nothing.
    pub(crate) fn check_unique(&self, ops: &[WriteOp]) -> Result<()> {
        let Some(index) = &self.index else {
            return Ok(());
        };
        check_unique::<D, M>(ops, |value| {
            index
                .range(borrow_bounds(&prefix_bounds(value)))?
                .map(|entry| entry.map(|(entry, _)| entry[value.len()..].to_vec()))
                .collect()
        })
    }

    #[cfg_attr(not(feature = "redb-zerocopy"), allow(dead_code))]
    pub(crate) fn len(&self) -> Result<usize> {
        self.primary.len()
    }
}

impl<D, M, T> ModelTables<D, M, T>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    T: RawTableMut,
{
    /// Applies `ops` in order, recording the changes in `log`. Callers check them first with
    /// [`ModelTables::check_unique`].
    pub(crate) fn apply(&mut self, ops: &[WriteOp], log: &mut EventLog) -> Result<()> {
        for op in ops {
            match op {
                WriteOp::Put(model) => self.put(model, log)?,
                WriteOp::Remove(key) => {
                    self.remove_encoded(key, log)?;
                }
            }
        }
        Ok(())
    }

    /// Encodes and writes `models` in order, one at a time through one set of buffers, so a
    /// bulk write holds no encoded copy of the whole list. Only for models without unique
    /// secondary keys (there is nothing to check across the list before writing). An encoding
    /// error stops the writes part way: the caller must then drop the transaction.
    pub(crate) fn put_streaming(&mut self, models: &[M], log: &mut EventLog) -> Result<()> {
        debug_assert!(!has_unique::<D, M>());
        let mut encoded = EncodedModel {
            value: Vec::new(),
            index: IndexKeyWriter::with_capacity(M::SECONDARY_KEYS.len()),
        };
        for model in models {
            encoded.refill::<D, M>(model)?;
            self.put(&encoded, log)?;
        }
        Ok(())
    }

    /// Checks `ops` against unique secondary keys, then applies them in order.
    pub(crate) fn check_and_apply(&mut self, ops: &[WriteOp], log: &mut EventLog) -> Result<()> {
        self.check_unique(ops)?;
        self.apply(ops, log)
    }

    /// Writes an encoded model and moves its index entries; records the change in `log`.
    fn put(&mut self, model: &EncodedModel, log: &mut EventLog) -> Result<()> {
        let previous = self.primary.table.insert(model.key(), &model.value)?;
        self.put_index(model, previous.as_deref())?;
        log.put(M::TREE_NAMES.primary, model, previous);
        Ok(())
    }

    fn put_index(&mut self, model: &EncodedModel, previous: Option<&[u8]>) -> Result<()> {
        let Some(index) = &mut self.index else {
            return Ok(());
        };
        // Index entries carry no value, so the writes never need the previous one.
        let Some(previous) = previous else {
            for key in model.index.keys() {
                index.set(key, &[])?;
            }
            return Ok(());
        };
        let insert = match model.index_update::<D, M>(Some(previous)) {
            IndexUpdate::Move { remove, insert } => {
                for key in &remove {
                    index.delete(key)?;
                }
                insert
            }
            IndexUpdate::Rescan { insert } => {
                remove_index_entries_by_scan::<D, M, T>(index, model.key())?;
                insert
            }
        };
        for key in insert {
            index.set(key, &[])?;
        }
        Ok(())
    }

    /// Removes the model with encoded primary key `key` and its index entries; records the
    /// change in `log`.
    ///
    /// The removal reads the stored value (one lookup, as the engine removes it) and decodes
    /// it afterwards to find its index entries. An undecodable value therefore fails the call
    /// after the write, and every caller then discards the transaction (auto-commit calls and
    /// batches drop it, views and zero-copy trees are poisoned), so nothing changes.
    pub(crate) fn remove_encoded(&mut self, key: &[u8], log: &mut EventLog) -> Result<Option<M>> {
        let Some(bytes) = self.primary.table.remove(key)? else {
            return Ok(None);
        };
        let (old, entries) = decode_removed::<D, M>(key, &bytes)?;
        if let Some(index) = &mut self.index {
            for entry in entries.keys() {
                index.delete(entry)?;
            }
        }
        log.removed(M::TREE_NAMES.primary, key, bytes);
        Ok(Some(old))
    }

    pub(crate) fn remove(&mut self, key: &M::PrimaryKey, log: &mut EventLog) -> Result<Option<M>> {
        self.remove_encoded(&encode_key(key), log)
    }

    /// Puts inside an explicit transaction: unique keys are checked first (a refusal writes
    /// nothing and leaves the transaction usable); a failure after that poisons it.
    pub(crate) fn put_in(&mut self, ops: &[WriteOp], txn: &TxnState) -> Result<()> {
        self.check_unique(ops)?;
        txn.guard(|log| self.apply(ops, log))
    }

    /// Removes inside an explicit transaction; any failure poisons it. One entry per key.
    pub(crate) fn remove_in(
        &mut self,
        keys: impl IntoIterator<Item = M::PrimaryKey>,
        txn: &TxnState,
    ) -> Result<Vec<Option<M>>> {
        txn.guard(|log| keys.into_iter().map(|key| self.remove(&key, log)).collect())
    }

    /// Clears inside an explicit transaction; a failure poisons it.
    pub(crate) fn clear_in(&mut self, txn: &TxnState) -> Result<()> {
        txn.guard(|log| self.clear(log))
    }

    /// Removes every model and index entry; when `log` records, one removal per model.
    pub(crate) fn clear(&mut self, log: &mut EventLog) -> Result<()> {
        if log.is_active() {
            for entry in self
                .primary
                .table
                .range((Bound::Unbounded, Bound::Unbounded))?
            {
                let (key, value) = entry?;
                log.removed(M::TREE_NAMES.primary, &key, value.to_vec());
            }
        }
        self.primary.table.clear()?;
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
        if entry_belongs_to::<D, M>(&entry, primary)? {
            stale.push(entry.to_vec());
        }
    }
    for entry in stale {
        index.delete(&entry)?;
    }
    Ok(())
}

/// Whether index entry `entry` belongs to the model with encoded primary key `primary`.
pub(crate) fn entry_belongs_to<D, M>(entry: &[u8], primary: &[u8]) -> Result<bool>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    Ok(split_index_entry::<D, M>(entry)?.1 == primary)
}

/// The number of models of `M`, from an engine's count.
pub(crate) fn tree_len<D, M>(len: u64) -> Result<usize>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    usize::try_from(len).map_err(|_| NetabaseError::Corrupt {
        tree: M::TREE_NAMES.primary,
        reason: format!("{len} entries do not fit in usize"),
    })
}

/// Splits an index entry `tag ‖ secondary ‖ primary` into the secondary key and the
/// primary-key bytes.
pub(crate) fn split_index_entry<D, M>(entry: &[u8]) -> Result<(M::SecondaryKeys, &[u8])>
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
    let secondary = M::SecondaryKeys::decode_index_key(tag, &mut rest).map_err(corrupt)?;
    Ok((secondary, rest))
}

/// The error for an index entry whose model is missing.
pub(crate) fn dangling_entry<D, M>(entry: &[u8]) -> NetabaseError
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    NetabaseError::Corrupt {
        tree: M::TREE_NAMES.index,
        reason: format!("index entry {} points to a missing model", HexBytes(entry)),
    }
}

/// The byte bounds of a range of keys. The encoding preserves order, so these select exactly
/// the keys within `range`; an inverted range gives bounds that select nothing.
pub(crate) fn key_bounds<K: KeyCodec>(range: &impl RangeBounds<K>) -> OwnedKeyBounds {
    (
        range.start_bound().map(encode_key),
        range.end_bound().map(encode_key),
    )
}

/// The bounds of every byte string that starts with `prefix`.
pub(crate) fn prefix_bounds(prefix: &[u8]) -> OwnedKeyBounds {
    (
        Bound::Included(prefix.to_vec()),
        prefix_successor(prefix).map_or(Bound::Unbounded, Bound::Excluded),
    )
}

/// The bounds of the keys that start with the string or byte-string prefix `prefix`.
pub(crate) fn key_prefix_bounds<K: KeyPrefix>(prefix: &K::Prefix) -> OwnedKeyBounds {
    let mut bytes = Vec::new();
    K::encode_prefix(prefix, &mut bytes);
    prefix_bounds(&bytes)
}

/// Bounds that select nothing.
fn empty_bounds() -> OwnedKeyBounds {
    (Bound::Excluded(Vec::new()), Bound::Excluded(Vec::new()))
}

/// The bounds of the index entries whose secondary value lies within `range`.
///
/// Both bounds must be keys of one field, whose tag starts every entry in the result; an
/// unbounded side extends to the first or last value of that field. The entries of one value
/// `v` are exactly those starting with `tag ‖ encode_key(v)` (the encoding is prefix-free), so
/// an excluded start begins after all of them and an included end stops after all of them.
///
/// # Errors
/// [`NetabaseError::SecondaryRangeFields`] for bounds of two fields and
/// [`NetabaseError::UnboundedSecondaryRange`] for no bound at all.
pub(crate) fn secondary_bounds<D, M>(
    range: &impl RangeBounds<M::SecondaryKeys>,
) -> Result<OwnedKeyBounds>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    let bound_key = |bound: Bound<&M::SecondaryKeys>| match bound {
        Bound::Included(key) | Bound::Excluded(key) => Some(key.index_tag()),
        Bound::Unbounded => None,
    };
    let tag = match (bound_key(range.start_bound()), bound_key(range.end_bound())) {
        (None, None) => {
            return Err(NetabaseError::UnboundedSecondaryRange {
                tree: M::TREE_NAMES.primary,
            });
        }
        (Some(start), Some(end)) if start != end => {
            return Err(NetabaseError::SecondaryRangeFields {
                tree: M::TREE_NAMES.primary,
                start: field_name::<D, M>(start),
                end: field_name::<D, M>(end),
            });
        }
        (Some(tag), _) | (None, Some(tag)) => tag,
    };
    let start = match range.start_bound() {
        Bound::Included(key) => Bound::Included(index_prefix(key)),
        Bound::Excluded(key) => match prefix_successor(&index_prefix(key)) {
            Some(after) => Bound::Included(after),
            // Nothing sorts after every string starting with `0xFF…`.
            None => return Ok(empty_bounds()),
        },
        Bound::Unbounded => Bound::Included(vec![tag]),
    };
    let end = match range.end_bound() {
        Bound::Included(key) => {
            prefix_successor(&index_prefix(key)).map_or(Bound::Unbounded, Bound::Excluded)
        }
        Bound::Excluded(key) => Bound::Excluded(index_prefix(key)),
        Bound::Unbounded => prefix_successor(&[tag]).map_or(Bound::Unbounded, Bound::Excluded),
    };
    Ok((start, end))
}

/// The bounds of the index entries whose value of `K`'s field starts with `prefix`'s value.
pub(crate) fn secondary_prefix_bounds<D, M, K>(prefix: K) -> OwnedKeyBounds
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    K: KeyPrefix + Into<M::SecondaryKeys>,
{
    let mut encoded = Vec::new();
    K::encode_prefix(prefix.as_prefix(), &mut encoded);
    let mut bytes = vec![prefix.into().index_tag()];
    bytes.extend_from_slice(&encoded);
    prefix_bounds(&bytes)
}

/// Reads the value stored under a primary key for a [`SecondaryIter`]: a snapshot table, or in
/// a read-write transaction a handle that opens the table for each read.
pub(crate) trait PrimaryLookup {
    /// Calls `read` with the value stored under `key`, if any.
    fn lookup<R>(&self, key: &[u8], read: impl FnOnce(&[u8]) -> R) -> Result<Option<R>>;
}

impl<T: RawTable> PrimaryLookup for T {
    fn lookup<R>(&self, key: &[u8], read: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
        Ok(self.get(key)?.map(|bytes| read(&bytes)))
    }
}

/// Models in secondary-key order, each with the secondary key that selected it: the iterator
/// of secondary-key ranges and prefixes. It reads index entries lazily and looks up each
/// entry's model as it goes; entries of one value come in primary-key order.
pub struct SecondaryIter<D, M, S, L> {
    entries: S,
    models: L,
    _model: PhantomData<fn() -> (D, M)>,
}

impl<D, M, S, L> SecondaryIter<D, M, S, L> {
    pub(crate) fn new(entries: S, models: L) -> Self {
        SecondaryIter {
            entries,
            models,
            _model: PhantomData,
        }
    }
}

impl<D, M, S, L, K> Iterator for SecondaryIter<D, M, S, L>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    S: Iterator<Item = Result<(K, K)>>,
    K: Deref<Target = [u8]>,
    L: PrimaryLookup,
{
    type Item = Result<(M::SecondaryKeys, M)>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.entries.next()?;
        Some(item.and_then(|(entry, _)| {
            let (secondary, primary) = split_index_entry::<D, M>(&entry)?;
            match self.models.lookup(primary, decode_model::<D, M>)? {
                Some(model) => Ok((secondary, model?)),
                None => Err(dangling_entry::<D, M>(&entry)),
            }
        }))
    }
}

impl<D, M, S, L> std::fmt::Debug for SecondaryIter<D, M, S, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondaryIter").finish_non_exhaustive()
    }
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

//! Unique secondary keys (`#[secondary_key(unique)]`): the check every write path runs before
//! it writes, and the pieces of a lookup by unique key. Shared by the sync typed layer and the
//! IndexedDB backend.

use std::collections::HashMap;

use super::{WriteOp, decode_primary, field_name, has_unique, is_unique};
use crate::codec::HexBytes;
use crate::error::{NetabaseError, Result};
use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::{NetabaseModelTrait, SecondaryKeyEnum, index_prefix};

/// Checks that applying `ops` in order gives no two models of `M` the same value of a unique
/// secondary key. `stored_holders(value)` gives the encoded primary keys of the stored models
/// whose index has an entry starting with `value` (`tag ‖ encode_key(value)`): one prefix scan
/// of the index, as of before `ops`. The sync typed layer scans as it goes; the IndexedDB
/// backend fetches the scans of [`unique_values`] first and answers from them.
///
/// Each put's unique values are looked up in the index and in the values held by earlier
/// operations of `ops`; index entries of primary keys that earlier operations overwrote or
/// removed are stale and ignored.
///
/// # Errors
/// [`NetabaseError::UniqueViolation`] for the first conflict, or what `stored_holders` returns.
pub(crate) fn check_unique<D, M>(
    ops: &[WriteOp],
    mut stored_holders: impl FnMut(&[u8]) -> Result<Vec<Vec<u8>>>,
) -> Result<()>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    if !has_unique::<D, M>() {
        return Ok(());
    }
    // The unique values held, after the operations so far, by the primary keys they touched.
    let mut held: HashMap<&[u8], Vec<&[u8]>> = HashMap::new();
    // The inverse: which touched primary key holds a unique value.
    let mut holders: HashMap<&[u8], &[u8]> = HashMap::new();
    for op in ops {
        let (key, values): (&[u8], Vec<&[u8]>) = match op {
            WriteOp::Put(model) => (model.key(), model.unique_values::<D, M>().collect()),
            WriteOp::Remove(key) => (key, Vec::new()),
        };
        for value in held.remove(key).into_iter().flatten() {
            holders.remove(value);
        }
        for &value in &values {
            if let Some(holder) = holders.get(value) {
                return Err(unique_violation::<D, M>(value, holder));
            }
            for holder in stored_holders(value)? {
                if holder != key && !held.contains_key(holder.as_slice()) {
                    return Err(unique_violation::<D, M>(value, &holder));
                }
            }
        }
        for &value in &values {
            holders.insert(value, key);
        }
        held.insert(key, values);
    }
    Ok(())
}

/// The index prefixes (`tag ‖ encode_key(value)`) of the unique values of the puts in `ops`:
/// the values [`check_unique`] asks `stored_holders` about (each at most once per put).
#[cfg(all(feature = "wasm", target_arch = "wasm32"))]
pub(crate) fn unique_values<D, M>(ops: &[WriteOp]) -> Vec<&[u8]>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    if !has_unique::<D, M>() {
        return Vec::new();
    }
    let mut values: Vec<&[u8]> = ops
        .iter()
        .filter_map(|op| match op {
            WriteOp::Put(model) => Some(model.unique_values::<D, M>()),
            WriteOp::Remove(_) => None,
        })
        .flatten()
        .collect();
    values.sort_unstable();
    values.dedup();
    values
}

/// The index prefix to scan for unique secondary key `key`.
///
/// # Errors
/// [`NetabaseError::NotUnique`] when `key`'s field is not `#[secondary_key(unique)]`.
pub(crate) fn unique_prefix<D, M>(key: &M::SecondaryKeys) -> Result<Vec<u8>>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    let tag = key.index_tag();
    if !is_unique::<D, M>(tag) {
        return Err(NetabaseError::NotUnique {
            tree: M::TREE_NAMES.primary,
            field: field_name::<D, M>(tag),
        });
    }
    Ok(index_prefix(key))
}

/// The one model found under a unique key's prefix (read with a limit of two).
///
/// # Errors
/// [`NetabaseError::Corrupt`] when two models hold the value: only possible if the field was
/// made unique after such models were stored.
pub(crate) fn one_unique<D, M>(key: &M::SecondaryKeys, mut models: Vec<M>) -> Result<Option<M>>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    if models.len() > 1 {
        return Err(NetabaseError::Corrupt {
            tree: M::TREE_NAMES.index,
            reason: format!(
                "unique secondary key `{}` is held by more than one model",
                field_name::<D, M>(key.index_tag())
            ),
        });
    }
    Ok(models.pop())
}

/// The error for a write that would give unique value `value` (`tag ‖ encoded value`) to a
/// second model; `holder` is the encoded primary key of the model that has it.
fn unique_violation<D, M>(value: &[u8], holder: &[u8]) -> NetabaseError
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
{
    let conflicting_key = match decode_primary::<D, M>(holder) {
        Ok(key) => format!("{key:?}"),
        Err(_) => HexBytes(holder).to_string(),
    };
    NetabaseError::UniqueViolation {
        tree: M::TREE_NAMES.primary,
        field: value
            .first()
            .map_or("<unknown field>", |&tag| field_name::<D, M>(tag)),
        conflicting_key,
    }
}

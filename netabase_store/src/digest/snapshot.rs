//! [`TreeSnapshot`]: the local side of a comparison, over any backend.

use std::fmt;
use std::marker::PhantomData;

use super::{ContentHash, DigestSide, Entry, Fingerprint, FingerprintBuilder, KeyRange};
use crate::engine::{Backend, RawTable, ReadTxn};
use crate::error::Result;
use crate::traits::definition::NetabaseDefinitionTrait;
use crate::traits::model::NetabaseModelTrait;

type ReadTable<B> = <<B as Backend>::Read as ReadTxn>::Table;

/// The models of one tree, read from one read transaction, as a [`DigestSide`].
///
/// Made by [`StoreTree::snapshot`](crate::store_tree::StoreTree::snapshot). Every query reads
/// the same snapshot (on backends that have snapshots; sled reads committed data), computing
/// fingerprints from the stored bytes as it scans; nothing is cached between queries.
pub struct TreeSnapshot<D, M, B: Backend> {
    // Declared before the transaction, so it is dropped first.
    table: ReadTable<B>,
    _txn: B::Read,
    _model: PhantomData<fn() -> (D, M)>,
}

impl<D, M, B> fmt::Debug for TreeSnapshot<D, M, B>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TreeSnapshot")
            .field("tree", &M::TREE_NAMES.primary)
            .finish_non_exhaustive()
    }
}

impl<D, M, B> TreeSnapshot<D, M, B>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
{
    /// Begins a read transaction on `backend` and opens the tree of `M` in it.
    pub(crate) fn open(backend: &B) -> Result<Self> {
        let txn = backend.begin_read()?;
        let table = txn.open_table(M::TREE_NAMES.primary)?;
        Ok(TreeSnapshot {
            table,
            _txn: txn,
            _model: PhantomData,
        })
    }

    /// Calls `f` with every `(key, value)` in `range`, in key order.
    fn scan(&self, range: &KeyRange, mut f: impl FnMut(&[u8], &[u8])) -> Result<()> {
        for entry in self.table.range(range.bounds())? {
            let (key, value) = entry?;
            f(&key, &value);
        }
        Ok(())
    }
}

impl<D, M, B> DigestSide for TreeSnapshot<D, M, B>
where
    D: NetabaseDefinitionTrait,
    M: NetabaseModelTrait<D>,
    B: Backend,
{
    type Key = M::PrimaryKey;

    fn fingerprint(&mut self, range: &KeyRange) -> Result<Fingerprint> {
        let mut builder = FingerprintBuilder::new();
        self.scan(range, |key, value| {
            builder.push(key, &ContentHash::of_value(value));
        })?;
        Ok(builder.finish())
    }

    fn split_points(&mut self, range: &KeyRange, count: u64, parts: usize) -> Result<Vec<Vec<u8>>> {
        let parts = u64::try_from(parts.max(2)).unwrap_or(u64::MAX);
        // Ranks 1..count at which to cut: i * count / parts for i in 1..parts, without repeats.
        let mut ranks = (1..parts)
            .map(|i| u64::try_from(u128::from(i) * u128::from(count) / u128::from(parts)))
            .filter_map(|rank| rank.ok().filter(|rank| *rank > 0))
            .peekable();
        let mut points = Vec::new();
        for (rank, entry) in (0u64..).zip(self.table.range(range.bounds())?) {
            while ranks.next_if(|next| *next < rank).is_some() {}
            if ranks.peek().is_none() {
                break;
            }
            let (key, _) = entry?;
            if ranks.next_if_eq(&rank).is_some() {
                points.push(key.to_vec());
            }
        }
        Ok(points)
    }

    fn entries(&mut self, range: &KeyRange) -> Result<Vec<Entry>> {
        let mut entries = Vec::new();
        self.scan(range, |key, value| {
            entries.push(Entry {
                key: key.to_vec(),
                value_hash: ContentHash::of_value(value),
            });
        })?;
        Ok(entries)
    }
}

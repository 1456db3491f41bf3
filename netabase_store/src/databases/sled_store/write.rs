//! Write transactions of [`SledStore`](super::SledStore): the overlay for explicit
//! transactions, and direct writes into sled's transactional trees for auto-commit calls
//! (see the parent module).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use parking_lot::{RawMutex, lock_api::ArcMutexGuard};
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};
use sled::{IVec, Transactional, Tree};
use smallvec::SmallVec;

use super::{Shared, SledIter, sled_err, tree_range};
use crate::engine::{
    KeyBounds, RawTable, RawTableMut, WriteTxn, borrow_bounds, is_empty_range, owned_bounds,
};
use crate::error::{NetabaseError, Result};
use crate::subscription::EventLog;

/// [`Backend::auto_commit`](crate::engine::Backend::auto_commit) of a sled store for work on
/// `tables`: `work` runs inside one sled transaction over them, writing to sled's
/// transactional trees directly, as hand-written sled code would. If it asks for what those
/// trees cannot do (iterate, count, open another tree), that attempt is rolled back and `work`
/// runs again on an overlay transaction. Only the attempt that commits is published.
pub(super) fn direct_or_overlay<R>(
    shared: &Arc<Shared>,
    tables: &[&'static str],
    mut work: impl FnMut(&SledWrite, &mut EventLog) -> Result<R>,
) -> Result<R> {
    // Taken before the hub's publishing lock, as every writer does.
    let _writer = shared.writer.lock();
    let trees = tables
        .iter()
        .map(|name| shared.tree(name))
        .collect::<Result<SmallVec<[Tree; 4]>>>()?;
    EventLog::for_hub(&shared.changes).commit_with(&shared.changes, |log| {
        let refused = Cell::new(false);
        // sled's closure is `Fn` (it may run it again after a conflict).
        let work = RefCell::new(&mut work);
        let log = RefCell::new(log);
        let direct = trees.as_slice().transaction(|views| {
            let txn = SledWrite::direct(shared, tables, views);
            let mut log = log.borrow_mut();
            log.clear();
            let result = (work.borrow_mut())(&txn, &mut log);
            refused.set(txn.refused());
            if refused.get() {
                // Also when `work` went on after the refusal: its writes are incomplete.
                return Err(ConflictableTransactionError::Abort(NetabaseError::storage(
                    "writing directly",
                    "the write needs the overlay",
                )));
            }
            result.map_err(ConflictableTransactionError::Abort)
        });
        match direct {
            Ok(result) => {
                if shared.fsync {
                    shared.db.flush().map_err(sled_err("flushing a commit"))?;
                }
                Ok(result)
            }
            Err(TransactionError::Abort(err)) if !refused.get() => Err(err),
            Err(TransactionError::Abort(err)) => {
                tracing::trace!(error = %err, "the write needs the overlay; running it again");
                let txn = SledWrite::overlay(shared, None);
                let mut log = log.borrow_mut();
                log.clear();
                let result = (work.borrow_mut())(&txn, &mut log)?;
                txn.commit()?;
                Ok(result)
            }
            Err(TransactionError::Storage(err)) => Err(NetabaseError::storage("committing", err)),
        }
    })
}

/// The pending writes of one tree in a [`SledWrite`] transaction.
struct Overlay {
    tree: Tree,
    /// Whether the tree was cleared in this transaction: the committed entries are hidden.
    cleared: bool,
    /// `Some(value)` for a pending insert, `None` for a pending removal. Keys are `IVec`s,
    /// which hold short keys inline (no allocation).
    writes: BTreeMap<IVec, Option<IVec>>,
}

impl Overlay {
    fn get(&self, key: &[u8]) -> Result<Option<IVec>> {
        match self.writes.get(key) {
            Some(pending) => Ok(pending.clone()),
            None if self.cleared => Ok(None),
            None => self.tree.get(key).map_err(sled_err("reading")),
        }
    }
}

/// A write transaction of [`SledStore`](super::SledStore).
pub struct SledWrite {
    shared: Arc<Shared>,
    tables: Tables,
    /// `None` when the caller holds the writer lock ([`SledStore::auto_commit`]).
    _writer: Option<ArcMutexGuard<RawMutex, ()>>,
}

/// Where the writes of a [`SledWrite`] go.
enum Tables {
    /// Kept in overlays and replayed in one sled transaction at commit.
    Overlay(RefCell<HashMap<&'static str, Overlay>>),
    /// Straight into the transactional trees of the sled transaction this runs in.
    Direct {
        tables: SmallVec<[DirectTable; 4]>,
        /// Set when the work asked for what a transactional tree cannot do.
        refused: Cell<bool>,
    },
}

/// One tree of a direct write: sled's transactional view of it.
struct DirectTable {
    name: &'static str,
    view: TransactionalTree,
}

impl SledWrite {
    pub(super) fn overlay(
        shared: &Arc<Shared>,
        writer: Option<ArcMutexGuard<RawMutex, ()>>,
    ) -> Self {
        SledWrite {
            shared: Arc::clone(shared),
            tables: Tables::Overlay(RefCell::new(HashMap::new())),
            _writer: writer,
        }
    }

    fn direct(shared: &Arc<Shared>, names: &[&'static str], views: &[TransactionalTree]) -> Self {
        let tables = names
            .iter()
            .zip(views)
            .map(|(&name, view)| DirectTable {
                name,
                view: view.clone(),
            })
            .collect();
        SledWrite {
            shared: Arc::clone(shared),
            tables: Tables::Direct {
                tables,
                refused: Cell::new(false),
            },
            _writer: None,
        }
    }

    /// Whether this direct write refused something, so it must run again on an overlay.
    fn refused(&self) -> bool {
        matches!(&self.tables, Tables::Direct { refused, .. } if refused.get())
    }

    /// Whether this write goes straight into sled's transactional trees.
    #[cfg(test)]
    pub(super) fn is_direct(&self) -> bool {
        matches!(self.tables, Tables::Direct { .. })
    }
}

enum Op {
    Insert(IVec, IVec),
    Remove(IVec),
}

impl WriteTxn for SledWrite {
    type Table<'t> = SledWriteTable<'t>;

    fn open_table(&self, name: &'static str) -> Result<SledWriteTable<'_>> {
        match &self.tables {
            Tables::Overlay(overlays) => {
                let mut overlay = overlays.borrow_mut();
                if !overlay.contains_key(name) {
                    let tree = self.shared.tree(name)?;
                    overlay.insert(
                        name,
                        Overlay {
                            tree,
                            cleared: false,
                            writes: BTreeMap::new(),
                        },
                    );
                }
                Ok(SledWriteTable(TableRef::Overlay(OverlayRef {
                    overlay: overlays,
                    name,
                })))
            }
            Tables::Direct { tables, refused } => {
                match tables.iter().find(|table| table.name == name) {
                    Some(table) => Ok(SledWriteTable(TableRef::Direct(DirectRef {
                        table,
                        refused,
                    }))),
                    None => Err(refuse(refused, "opening a tree the write did not name")),
                }
            }
        }
    }

    fn commit(self) -> Result<()> {
        let overlay = match self.tables {
            Tables::Overlay(overlay) => overlay.into_inner(),
            // Never handed out by value: `SledStore::auto_commit` commits it.
            Tables::Direct { .. } => {
                return Err(NetabaseError::storage(
                    "committing",
                    "a direct write commits with its sled transaction",
                ));
            }
        };
        let mut trees = Vec::new();
        let mut ops = Vec::new();
        for pending in overlay.into_values() {
            if !pending.cleared && pending.writes.is_empty() {
                continue;
            }
            let mut tree_ops = Vec::new();
            if pending.cleared {
                // The writer lock keeps this list exact until the commit below.
                for key in pending.tree.iter().keys() {
                    let key = key.map_err(sled_err("listing a cleared tree"))?;
                    if !pending.writes.contains_key(key.as_ref()) {
                        tree_ops.push(Op::Remove(key));
                    }
                }
            }
            for (key, write) in pending.writes {
                tree_ops.push(match write {
                    Some(value) => Op::Insert(key, value),
                    None => Op::Remove(key),
                });
            }
            trees.push(pending.tree);
            ops.push(tree_ops);
        }
        if trees.is_empty() {
            return Ok(());
        }
        trees
            .as_slice()
            .transaction(|views| {
                for (view, tree_ops) in views.iter().zip(&ops) {
                    for op in tree_ops {
                        match op {
                            Op::Insert(key, value) => {
                                view.insert(key.clone(), value.clone())?;
                            }
                            Op::Remove(key) => {
                                view.remove(key.clone())?;
                            }
                        }
                    }
                }
                Ok::<(), ConflictableTransactionError<std::convert::Infallible>>(())
            })
            .map_err(|err| match err {
                TransactionError::Storage(err) => NetabaseError::storage("committing", err),
                TransactionError::Abort(never) => match never {},
            })?;
        if self.shared.fsync {
            self.shared
                .db
                .flush()
                .map_err(sled_err("flushing a commit"))?;
        }
        Ok(())
    }
}

/// Marks a direct write as refused; the overlay run's outcome replaces this error.
fn refuse(refused: &Cell<bool>, reason: &'static str) -> NetabaseError {
    refused.set(true);
    NetabaseError::storage("writing directly", reason)
}

fn txn_err(operation: &'static str) -> impl FnOnce(UnabortableTransactionError) -> NetabaseError {
    move |err| NetabaseError::storage(operation, err)
}

/// A tree of a [`SledWrite`] transaction.
pub struct SledWriteTable<'t>(TableRef<'t>);

enum TableRef<'t> {
    Overlay(OverlayRef<'t>),
    Direct(DirectRef<'t>),
}

struct OverlayRef<'t> {
    overlay: &'t RefCell<HashMap<&'static str, Overlay>>,
    name: &'static str,
}

impl OverlayRef<'_> {
    fn with<R>(&self, f: impl FnOnce(&mut Overlay) -> Result<R>) -> Result<R> {
        match self.overlay.borrow_mut().get_mut(self.name) {
            Some(pending) => f(pending),
            None => Err(NetabaseError::Corrupt {
                tree: self.name,
                reason: "tree is not open in this transaction".into(),
            }),
        }
    }

    fn range(&self, bounds: KeyBounds<'_>) -> Result<MergeIter> {
        self.with(|pending| {
            let owned = owned_bounds(bounds);
            let writes: Vec<_> = if is_empty_range(bounds) {
                Vec::new()
            } else {
                pending
                    .writes
                    .range::<[u8], _>(borrow_bounds(&owned))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            };
            let base = if pending.cleared {
                SledIter(None)
            } else {
                tree_range(&pending.tree, bounds)
            };
            Ok(MergeIter {
                base: base.peekable(),
                writes: writes.into_iter().peekable(),
            })
        })
    }

    fn len(&self) -> Result<u64> {
        self.with(|pending| {
            let inserted = pending.writes.values().filter(|w| w.is_some()).count() as u64;
            if pending.cleared {
                return Ok(inserted);
            }
            let mut len = pending.tree.len() as u64;
            for (key, write) in &pending.writes {
                let existed = pending
                    .tree
                    .contains_key(key)
                    .map_err(sled_err("reading"))?;
                match (existed, write.is_some()) {
                    (true, false) => len -= 1,
                    (false, true) => len += 1,
                    _ => {}
                }
            }
            Ok(len)
        })
    }

    fn insert(&self, key: &[u8], value: &[u8]) -> Result<Option<Vec<u8>>> {
        self.with(|pending| {
            let old = pending.get(key)?.map(|v| v.to_vec());
            pending
                .writes
                .insert(IVec::from(key), Some(IVec::from(value)));
            Ok(old)
        })
    }

    fn remove(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.with(|pending| {
            let old = pending.get(key)?.map(|v| v.to_vec());
            if old.is_some() {
                pending.writes.insert(IVec::from(key), None);
            }
            Ok(old)
        })
    }

    fn clear(&self) -> Result<()> {
        self.with(|pending| {
            pending.cleared = true;
            pending.writes.clear();
            Ok(())
        })
    }

    // Neither reads the tree: a pending write is the same whether or not the key existed (a
    // removal of a missing key removes nothing at commit, and `len` checks each key).
    fn write(&self, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        self.with(|pending| {
            pending
                .writes
                .insert(IVec::from(key), value.map(IVec::from));
            Ok(())
        })
    }
}

/// A tree of a direct write: reads and writes go to sled's transactional tree, which cannot
/// iterate or count. Iterating the committed tree instead would deadlock: sled's iterators
/// take the process-wide lock its transaction holds. So those calls are refused.
struct DirectRef<'t> {
    table: &'t DirectTable,
    refused: &'t Cell<bool>,
}

impl DirectRef<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<IVec>> {
        self.table.view.get(key).map_err(txn_err("reading"))
    }

    fn insert(&self, key: &[u8], value: &[u8]) -> Result<Option<IVec>> {
        self.table
            .view
            .insert(key, value)
            .map_err(txn_err("writing"))
    }

    fn remove(&self, key: &[u8]) -> Result<Option<IVec>> {
        self.table.view.remove(key).map_err(txn_err("removing"))
    }

    fn cannot_iterate<T>(&self) -> Result<T> {
        Err(refuse(self.refused, "a transactional tree cannot iterate"))
    }
}

impl RawTable for SledWriteTable<'_> {
    type Bytes<'a>
        = IVec
    where
        Self: 'a;
    type Range<'a>
        = MergeIter
    where
        Self: 'a;

    fn get(&self, key: &[u8]) -> Result<Option<IVec>> {
        match &self.0 {
            TableRef::Overlay(table) => table.with(|pending| pending.get(key)),
            TableRef::Direct(table) => table.get(key),
        }
    }

    fn range(&self, bounds: KeyBounds<'_>) -> Result<MergeIter> {
        match &self.0 {
            TableRef::Overlay(table) => table.range(bounds),
            TableRef::Direct(table) => table.cannot_iterate(),
        }
    }

    fn len(&self) -> Result<u64> {
        match &self.0 {
            TableRef::Overlay(table) => table.len(),
            TableRef::Direct(table) => table.cannot_iterate(),
        }
    }
}

impl RawTableMut for SledWriteTable<'_> {
    fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<Option<Vec<u8>>> {
        match &self.0 {
            TableRef::Overlay(table) => table.insert(key, value),
            TableRef::Direct(table) => Ok(table.insert(key, value)?.map(|old| old.to_vec())),
        }
    }

    fn remove(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match &self.0 {
            TableRef::Overlay(table) => table.remove(key),
            TableRef::Direct(table) => Ok(table.remove(key)?.map(|old| old.to_vec())),
        }
    }

    fn clear(&mut self) -> Result<()> {
        match &self.0 {
            TableRef::Overlay(table) => table.clear(),
            TableRef::Direct(table) => table.cannot_iterate(),
        }
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        match &self.0 {
            TableRef::Overlay(table) => table.write(key, Some(value)),
            TableRef::Direct(table) => table.insert(key, value).map(drop),
        }
    }

    fn delete(&mut self, key: &[u8]) -> Result<()> {
        match &self.0 {
            TableRef::Overlay(table) => table.write(key, None),
            TableRef::Direct(table) => table.remove(key).map(drop),
        }
    }
}

/// Merges the committed entries of a tree with the transaction's pending writes (which win).
pub struct MergeIter {
    base: std::iter::Peekable<SledIter>,
    writes: std::iter::Peekable<std::vec::IntoIter<(IVec, Option<IVec>)>>,
}

impl Iterator for MergeIter {
    type Item = Result<(IVec, IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let take_write = match (self.base.peek(), self.writes.peek()) {
                (None, None) => return None,
                (Some(Err(_)), _) => return self.base.next(),
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(Ok((base_key, _))), Some((write_key, _))) => {
                    if base_key == write_key {
                        // The pending write shadows the committed entry.
                        self.base.next();
                        true
                    } else {
                        write_key < base_key
                    }
                }
            };
            if !take_write {
                return self.base.next();
            }
            match self.writes.next() {
                Some((key, Some(value))) => return Some(Ok((key, value))),
                Some((_, None)) => continue,
                None => return None,
            }
        }
    }
}

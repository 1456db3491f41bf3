//! A backend wrapper that fails the N-th write, to prove that a failure part way through a
//! transaction leaves nothing behind on every engine.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use netabase_store::engine::{Backend, KeyBounds, RawTable, RawTableMut, WriteTxn};
use netabase_store::error::{NetabaseError, Result};
use netabase_store::subscription::ChangeHub;

/// Wraps `inner`; once `budget` writes (inserts and removes) have succeeded, every further
/// write fails with a storage error.
pub struct Faulty<B> {
    inner: B,
    budget: Arc<AtomicUsize>,
}

impl<B: Clone> Clone for Faulty<B> {
    /// A handle on the same store and the same failure budget.
    fn clone(&self) -> Self {
        Faulty {
            inner: self.inner.clone(),
            budget: Arc::clone(&self.budget),
        }
    }
}

impl<B> Faulty<B> {
    pub fn new(inner: B) -> Self {
        Faulty {
            inner,
            budget: Arc::new(AtomicUsize::new(usize::MAX)),
        }
    }

    /// Allows `writes` more successful writes, then fails.
    pub fn fail_after(&self, writes: usize) {
        self.budget.store(writes, Ordering::SeqCst);
    }

    /// Removes the limit.
    pub fn heal(&self) {
        self.budget.store(usize::MAX, Ordering::SeqCst);
    }
}

fn spend(budget: &AtomicUsize) -> Result<()> {
    budget
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
            left.checked_sub(1)
        })
        .map(drop)
        .map_err(|_| NetabaseError::storage("writing", "injected failure"))
}

impl<B: Backend> Backend for Faulty<B> {
    type Read = B::Read;
    type Write = FaultyWrite<B::Write>;

    fn begin_read(&self) -> Result<B::Read> {
        self.inner.begin_read()
    }

    fn begin_write(&self) -> Result<FaultyWrite<B::Write>> {
        Ok(FaultyWrite {
            inner: self.inner.begin_write()?,
            budget: Arc::clone(&self.budget),
        })
    }

    fn flush(&self) -> Result<()> {
        self.inner.flush()
    }

    fn changes(&self) -> &ChangeHub {
        self.inner.changes()
    }
}

pub struct FaultyWrite<W> {
    inner: W,
    budget: Arc<AtomicUsize>,
}

impl<W: WriteTxn> WriteTxn for FaultyWrite<W> {
    type Table<'t>
        = FaultyTable<'t, W::Table<'t>>
    where
        Self: 't;

    fn open_table(&self, name: &'static str) -> Result<Self::Table<'_>> {
        Ok(FaultyTable {
            inner: self.inner.open_table(name)?,
            budget: &self.budget,
        })
    }

    fn commit(self) -> Result<()> {
        self.inner.commit()
    }
}

pub struct FaultyTable<'t, T> {
    inner: T,
    budget: &'t AtomicUsize,
}

impl<T: RawTable> RawTable for FaultyTable<'_, T> {
    type Bytes<'a>
        = T::Bytes<'a>
    where
        Self: 'a;
    type Range<'a>
        = T::Range<'a>
    where
        Self: 'a;

    fn get(&self, key: &[u8]) -> Result<Option<T::Bytes<'_>>> {
        self.inner.get(key)
    }

    fn range(&self, bounds: KeyBounds<'_>) -> Result<T::Range<'_>> {
        self.inner.range(bounds)
    }

    fn len(&self) -> Result<u64> {
        self.inner.len()
    }
}

impl<T: RawTableMut> RawTableMut for FaultyTable<'_, T> {
    fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<Option<Vec<u8>>> {
        spend(self.budget)?;
        self.inner.insert(key, value)
    }

    fn remove(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        spend(self.budget)?;
        self.inner.remove(key)
    }

    fn clear(&mut self) -> Result<()> {
        spend(self.budget)?;
        self.inner.clear()
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        spend(self.budget)?;
        self.inner.set(key, value)
    }

    fn delete(&mut self, key: &[u8]) -> Result<()> {
        spend(self.budget)?;
        self.inner.delete(key)
    }
}

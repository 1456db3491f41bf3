//! The fair baselines: raw redb and raw sled doing the same work as the wrapper by hand.
//!
//! Same layout idea: a primary table `id (big-endian) → bincode(User)` and an index table
//! `email ‖ 0x00 ‖ id → ()`; an insert reads the previous value and moves its index entry, a
//! remove decodes the removed value to delete its index entry. Same codec (bincode 2, standard
//! configuration), same cache size, same durability as the wrapper it is compared with (without
//! fsync: redb commits with `Durability::None` and one durable commit per flush interval, as
//! the wrapper does; sled flushes in the background on both sides), one engine transaction per
//! item (`loop`) or for all items (`bulk`). A loop of inserts drops each
//! user after its put, as the wrapper's `put(user)` does: keeping every user alive until the end
//! instead changes the allocator's work between puts, by about 3 % of a redb put.

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::time::{Duration, Instant};

use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};

use crate::model::{Mode, Target, User};

const CACHE_BYTES: usize = 256 * 1024 * 1024;
const BINCODE: bincode::config::Configuration = bincode::config::standard();

fn encode(user: &User) -> Vec<u8> {
    bincode::encode_to_vec(user, BINCODE).expect("encodes")
}

fn decode(bytes: &[u8]) -> User {
    bincode::decode_from_slice(bytes, BINCODE)
        .expect("decodes")
        .0
}

fn index_key(email: &str, id: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(email.len() + 9);
    key.extend_from_slice(email.as_bytes());
    key.push(0);
    key.extend_from_slice(&id.to_be_bytes());
    key
}

/// The index entries of `email` lie in `[email ‖ 0x00, email ‖ 0x01)`.
fn index_range(email: &str) -> (Vec<u8>, Vec<u8>) {
    let mut start = email.as_bytes().to_vec();
    let mut end = start.clone();
    start.push(0);
    end.push(1);
    (start, end)
}

fn id_of_entry(entry: &[u8]) -> [u8; 8] {
    entry[entry.len() - 8..].try_into().expect("8 bytes")
}

type Bytes = &'static [u8];
const USERS: TableDefinition<'_, Bytes, Bytes> = TableDefinition::new("users");
const USERS_INDEX: TableDefinition<'_, Bytes, Bytes> = TableDefinition::new("users/index");

/// Raw redb with a hand-written index.
pub struct RawRedb {
    db: Database,
    /// `None`: every commit durable (fsync). `Some(interval)`: commits with
    /// `Durability::None`, except one durable commit per `interval`, as the wrapper without
    /// fsync does (data durable within the interval, redb's bookkeeping of non-durable commits
    /// bounded).
    durable_every: Option<Duration>,
    last_durable: Cell<Instant>,
}

impl RawRedb {
    pub fn new(path: &Path, durable_every: Option<Duration>) -> Self {
        let db = redb::Builder::new()
            .set_cache_size(CACHE_BYTES)
            .create(path)
            .expect("redb opens");
        let raw = RawRedb {
            db,
            durable_every,
            last_durable: Cell::new(Instant::now()),
        };
        // Create the tables, as the wrapper's first write does.
        raw.write(|_, _| ());
        raw
    }

    fn write<R>(
        &self,
        f: impl FnOnce(&mut redb::Table<'_, Bytes, Bytes>, &mut redb::Table<'_, Bytes, Bytes>) -> R,
    ) -> R {
        let mut txn = self.db.begin_write().expect("begins");
        if let Some(interval) = self.durable_every {
            if self.last_durable.get().elapsed() >= interval {
                self.last_durable.set(Instant::now());
            } else {
                txn.set_durability(Durability::None).expect("durability");
            }
        }
        let result = {
            let mut users = txn.open_table(USERS).expect("opens");
            let mut index = txn.open_table(USERS_INDEX).expect("opens");
            f(&mut users, &mut index)
        };
        txn.commit().expect("commits");
        result
    }

    /// One put inside a transaction: write the value, move the index entry.
    pub fn put_one(
        users: &mut redb::Table<'_, Bytes, Bytes>,
        index: &mut redb::Table<'_, Bytes, Bytes>,
        user: &User,
    ) {
        let key = user.id.to_be_bytes();
        let value = encode(user);
        let old = users
            .insert(&key[..], value.as_slice())
            .expect("inserts")
            .map(|old| decode(old.value()));
        if let Some(old) = old {
            if old.email == user.email {
                return;
            }
            index
                .remove(index_key(&old.email, old.id).as_slice())
                .expect("removes");
        }
        index
            .insert(index_key(&user.email, user.id).as_slice(), &[][..])
            .expect("indexes");
    }

    fn remove_one(
        users: &mut redb::Table<'_, Bytes, Bytes>,
        index: &mut redb::Table<'_, Bytes, Bytes>,
        id: u64,
    ) -> usize {
        let old = users
            .remove(&id.to_be_bytes()[..])
            .expect("removes")
            .map(|old| decode(old.value()));
        match old {
            Some(old) => {
                index
                    .remove(index_key(&old.email, id).as_slice())
                    .expect("removes");
                1
            }
            None => 0,
        }
    }

    fn get_one(users: &impl ReadableTable<Bytes, Bytes>, id: u64) -> Option<User> {
        users
            .get(&id.to_be_bytes()[..])
            .expect("reads")
            .map(|value| decode(value.value()))
    }

    /// The models whose email is `email`, as the wrapper returns them.
    fn query_one(
        users: &impl ReadableTable<Bytes, Bytes>,
        index: &impl ReadableTable<Bytes, Bytes>,
        email: &str,
    ) -> Vec<User> {
        let (start, end) = index_range(email);
        let mut found = Vec::new();
        for entry in index
            .range(start.as_slice()..end.as_slice())
            .expect("ranges")
        {
            let (entry, _) = entry.expect("reads");
            let id = id_of_entry(entry.value());
            let user = users.get(&id[..]).expect("reads").expect("not dangling");
            found.push(decode(user.value()));
        }
        found
    }
}

impl Target for RawRedb {
    fn name(&self) -> &'static str {
        "redb.raw"
    }

    fn modes(&self) -> &'static [Mode] {
        &[Mode::Loop, Mode::Bulk]
    }

    fn insert(&self, mode: Mode, users: Vec<User>) -> usize {
        let n = users.len();
        match mode {
            // Each user is dropped after its put, as the wrapper's `put(user)` drops it.
            Mode::Loop => {
                for user in users {
                    self.write(|t, i| Self::put_one(t, i, &user));
                }
            }
            _ => self.write(|t, i| users.iter().for_each(|user| Self::put_one(t, i, user))),
        }
        n
    }

    fn get(&self, mode: Mode, ids: &[u64]) -> usize {
        match mode {
            Mode::Loop => ids
                .iter()
                .map(|&id| {
                    let txn = self.db.begin_read().expect("begins");
                    Self::get_one(&txn.open_table(USERS).expect("opens"), id).is_some() as usize
                })
                .sum(),
            // The same output as `get_many`: every model, collected.
            _ => {
                let txn = self.db.begin_read().expect("begins");
                let users = txn.open_table(USERS).expect("opens");
                let found: Vec<Option<User>> =
                    ids.iter().map(|&id| Self::get_one(&users, id)).collect();
                found.iter().flatten().count()
            }
        }
    }

    fn query(&self, mode: Mode, emails: &[String]) -> usize {
        match mode {
            Mode::Loop => emails
                .iter()
                .map(|email| {
                    let txn = self.db.begin_read().expect("begins");
                    let users = txn.open_table(USERS).expect("opens");
                    let index = txn.open_table(USERS_INDEX).expect("opens");
                    Self::query_one(&users, &index, email).len()
                })
                .sum(),
            // The same output as `get_many_by_secondary_keys`: one list per key, collected.
            _ => {
                let txn = self.db.begin_read().expect("begins");
                let users = txn.open_table(USERS).expect("opens");
                let index = txn.open_table(USERS_INDEX).expect("opens");
                let found: Vec<Vec<User>> = emails
                    .iter()
                    .map(|email| Self::query_one(&users, &index, email))
                    .collect();
                found.iter().map(Vec::len).sum()
            }
        }
    }

    fn iterate(&self, _mode: Mode) -> usize {
        let txn = self.db.begin_read().expect("begins");
        let users = txn.open_table(USERS).expect("opens");
        users
            .range::<&[u8]>(..)
            .expect("ranges")
            .map(|entry| {
                let (key, value) = entry.expect("reads");
                let id = u64::from_be_bytes(key.value().try_into().expect("8 bytes"));
                (decode(value.value()).id == id) as usize
            })
            .sum()
    }

    fn remove(&self, mode: Mode, ids: &[u64]) -> usize {
        match mode {
            Mode::Loop => ids
                .iter()
                .map(|&id| self.write(|t, i| Self::remove_one(t, i, id)))
                .sum(),
            _ => self.write(|t, i| ids.iter().map(|&id| Self::remove_one(t, i, id)).sum()),
        }
    }

    fn reset(&self) {
        self.write(|t, i| {
            t.retain(|_, _| false).expect("clears");
            i.retain(|_, _| false).expect("clears");
        });
    }
}

/// Raw sled with a hand-written index: two trees, one sled transaction over both per write.
pub struct RawSled {
    sled: RefCell<SledTrees>,
    fsync: bool,
    /// With fresh resets: the directory of the current database.
    fresh: Option<RefCell<tempfile::TempDir>>,
}

/// An open sled database and its two trees.
struct SledTrees {
    db: sled::Db,
    users: sled::Tree,
    index: sled::Tree,
}

impl SledTrees {
    fn open(path: &Path) -> Self {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_BYTES as u64)
            .open()
            .expect("sled opens");
        let users = db.open_tree("users").expect("opens");
        let index = db.open_tree("users/index").expect("opens");
        SledTrees { db, users, index }
    }
}

/// A new temporary directory for a sled database, deleted when dropped.
pub fn sled_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

type TxResult<T> = sled::transaction::ConflictableTransactionResult<T, ()>;

impl RawSled {
    /// The database at `path`, emptied by clearing its trees.
    pub fn new(path: &Path, fsync: bool) -> Self {
        RawSled {
            sled: RefCell::new(SledTrees::open(path)),
            fsync,
            fresh: None,
        }
    }

    /// A database without fsync that every reset replaces with a new, empty one. sled 0.34
    /// deadlocks when it must grow its file while a truncation of it, queued behind its own
    /// busy IO threads, is pending: `SegmentAccountant::next` waits for the truncation while
    /// holding the lock those threads wait for (sled issue 1412). Clearing thousands of
    /// entries frees the segments at the end of the file, which queues exactly such a
    /// truncation, so clearing between measurements hung the 5,000-item runs.
    pub fn fresh() -> Self {
        let dir = sled_dir();
        RawSled {
            sled: RefCell::new(SledTrees::open(dir.path())),
            fsync: false,
            fresh: Some(RefCell::new(dir)),
        }
    }

    fn write<R>(
        &self,
        f: impl Fn(
            &sled::transaction::TransactionalTree,
            &sled::transaction::TransactionalTree,
        ) -> TxResult<R>,
    ) -> R {
        let sled = self.sled.borrow();
        let result = (&sled.users, &sled.index)
            .transaction(|(users, index)| f(users, index))
            .expect("commits");
        if self.fsync {
            sled.db.flush().expect("flushes");
        }
        result
    }

    pub fn put_one(
        users: &sled::transaction::TransactionalTree,
        index: &sled::transaction::TransactionalTree,
        user: &User,
    ) -> TxResult<()> {
        let key = user.id.to_be_bytes();
        let old = users
            .insert(&key[..], encode(user))?
            .map(|old| decode(&old));
        if let Some(old) = old {
            if old.email == user.email {
                return Ok(());
            }
            index.remove(index_key(&old.email, old.id))?;
        }
        index.insert(index_key(&user.email, user.id), &[][..])?;
        Ok(())
    }

    fn remove_one(
        users: &sled::transaction::TransactionalTree,
        index: &sled::transaction::TransactionalTree,
        id: u64,
    ) -> TxResult<usize> {
        match users.remove(&id.to_be_bytes()[..])?.map(|old| decode(&old)) {
            Some(old) => {
                index.remove(index_key(&old.email, id))?;
                Ok(1)
            }
            None => Ok(0),
        }
    }

    fn get_one(&self, id: u64) -> Option<User> {
        self.sled
            .borrow()
            .users
            .get(id.to_be_bytes())
            .expect("reads")
            .map(|value| decode(&value))
    }

    fn query_one(&self, email: &str) -> Vec<User> {
        let (start, end) = index_range(email);
        let sled = self.sled.borrow();
        let mut found = Vec::new();
        for entry in sled.index.range(start..end) {
            let (entry, _) = entry.expect("reads");
            let user = sled
                .users
                .get(id_of_entry(&entry))
                .expect("reads")
                .expect("not dangling");
            found.push(decode(&user));
        }
        found
    }
}

use sled::Transactional;

impl Target for RawSled {
    fn name(&self) -> &'static str {
        "sled.raw"
    }

    fn modes(&self) -> &'static [Mode] {
        &[Mode::Loop, Mode::Bulk]
    }

    fn insert(&self, mode: Mode, users: Vec<User>) -> usize {
        let n = users.len();
        match mode {
            // Each user is dropped after its put, as the wrapper's `put(user)` drops it.
            Mode::Loop => {
                for user in users {
                    self.write(|t, i| Self::put_one(t, i, &user));
                }
            }
            _ => self.write(|t, i| users.iter().try_for_each(|user| Self::put_one(t, i, user))),
        }
        n
    }

    // sled has no read transactions: `bulk` differs from `loop` only in collecting every
    // result, as the wrapper's bulk calls return them.
    fn get(&self, mode: Mode, ids: &[u64]) -> usize {
        match mode {
            Mode::Loop => ids
                .iter()
                .map(|&id| self.get_one(id).is_some() as usize)
                .sum(),
            _ => {
                let found: Vec<Option<User>> = ids.iter().map(|&id| self.get_one(id)).collect();
                found.iter().flatten().count()
            }
        }
    }

    fn query(&self, mode: Mode, emails: &[String]) -> usize {
        match mode {
            Mode::Loop => emails.iter().map(|email| self.query_one(email).len()).sum(),
            _ => {
                let found: Vec<Vec<User>> =
                    emails.iter().map(|email| self.query_one(email)).collect();
                found.iter().map(Vec::len).sum()
            }
        }
    }

    fn iterate(&self, _mode: Mode) -> usize {
        self.sled
            .borrow()
            .users
            .iter()
            .map(|entry| {
                let (key, value) = entry.expect("reads");
                let id = u64::from_be_bytes(key.as_ref().try_into().expect("8 bytes"));
                (decode(&value).id == id) as usize
            })
            .sum()
    }

    fn remove(&self, mode: Mode, ids: &[u64]) -> usize {
        match mode {
            Mode::Loop => ids
                .iter()
                .map(|&id| self.write(|t, i| Self::remove_one(t, i, id)))
                .sum(),
            _ => self.write(|t, i| {
                ids.iter()
                    .try_fold(0, |n, &id| Ok(n + Self::remove_one(t, i, id)?))
            }),
        }
    }

    fn reset(&self) {
        match &self.fresh {
            Some(dir) => {
                let new_dir = sled_dir();
                // The old database is dropped before its directory is deleted.
                *self.sled.borrow_mut() = SledTrees::open(new_dir.path());
                *dir.borrow_mut() = new_dir;
            }
            None => {
                let sled = self.sled.borrow();
                sled.users.clear().expect("clears");
                sled.index.clear().expect("clears");
            }
        }
    }
}

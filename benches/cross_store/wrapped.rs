//! The netabase wrappers: `NetabaseStore` on every backend, and `RedbStoreZeroCopy`'s own API.

use std::cell::RefCell;

use netabase_store::NetabaseStore;
use netabase_store::databases::redb_zerocopy::RedbStoreZeroCopy;
use netabase_store::engine::Backend;

use crate::model::{
    BenchDefinition, Mode, Target, User, UserEmailSecondaryKey, UserPrimaryKey, UserSecondaryKeys,
};

fn email_key(email: &str) -> UserSecondaryKeys {
    UserSecondaryKeys::Email(UserEmailSecondaryKey(email.to_owned()))
}

/// `NetabaseStore` on backend `B`: `loop` is one auto-commit tree call per item, `bulk` the
/// tree's bulk call, `txn` one `store.write()` / `store.read()` with a view call per item.
pub struct Wrapped<B> {
    name: &'static str,
    store: RefCell<NetabaseStore<BenchDefinition, B>>,
    /// Opens a fresh backend, and the directory that holds it, for every reset.
    fresh: Option<Box<dyn Fn() -> (B, tempfile::TempDir)>>,
    /// The directory of the backend `fresh` opened last.
    dir: RefCell<Option<tempfile::TempDir>>,
}

impl<B: Backend> Wrapped<B> {
    pub fn new(name: &'static str, backend: B) -> Self {
        Wrapped {
            name,
            store: RefCell::new(NetabaseStore::from_backend(backend)),
            fresh: None,
            dir: RefCell::new(None),
        }
    }

    /// A store whose reset (untimed) replaces it with a fresh one from `open`, instead of
    /// clearing it, as the raw sled baseline does (see `raw::RawSled::fresh`).
    pub fn fresh(name: &'static str, open: impl Fn() -> (B, tempfile::TempDir) + 'static) -> Self {
        let (backend, dir) = open();
        Wrapped {
            name,
            store: RefCell::new(NetabaseStore::from_backend(backend)),
            fresh: Some(Box::new(open)),
            dir: RefCell::new(Some(dir)),
        }
    }
}

impl<B: Backend> Target for Wrapped<B> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn modes(&self) -> &'static [Mode] {
        &[Mode::Loop, Mode::Bulk, Mode::Txn]
    }

    fn insert(&self, mode: Mode, users: Vec<User>) -> usize {
        let n = users.len();
        let store = self.store.borrow();
        let tree = store.open_tree::<User>();
        match mode {
            Mode::Loop => users
                .into_iter()
                .for_each(|user| tree.put(user).expect("puts")),
            Mode::Bulk => tree.put_many(users).expect("puts"),
            Mode::Txn => {
                let txn = store.write();
                let mut view = txn.open_tree::<User>();
                for user in users {
                    view.put(user).expect("puts");
                }
                txn.commit().expect("commits");
            }
        }
        n
    }

    fn get(&self, mode: Mode, ids: &[u64]) -> usize {
        let store = self.store.borrow();
        let tree = store.open_tree::<User>();
        let keys = ids.iter().map(|&id| UserPrimaryKey(id));
        match mode {
            Mode::Loop => keys
                .map(|key| tree.get(key).expect("gets").is_some() as usize)
                .sum(),
            Mode::Bulk => tree.get_many(keys).expect("gets").iter().flatten().count(),
            Mode::Txn => {
                let txn = store.read();
                let view = txn.open_tree::<User>();
                keys.map(|key| view.get(key).expect("gets").is_some() as usize)
                    .sum()
            }
        }
    }

    fn query(&self, mode: Mode, emails: &[String]) -> usize {
        let store = self.store.borrow();
        let tree = store.open_tree::<User>();
        let keys = emails.iter().map(|email| email_key(email));
        match mode {
            Mode::Loop => keys
                .map(|key| tree.get_by_secondary_key(key).expect("queries").len())
                .sum(),
            Mode::Bulk => tree
                .get_many_by_secondary_keys(keys)
                .expect("queries")
                .iter()
                .map(Vec::len)
                .sum(),
            Mode::Txn => {
                let txn = store.read();
                let view = txn.open_tree::<User>();
                keys.map(|key| view.get_by_secondary_key(key).expect("queries").len())
                    .sum()
            }
        }
    }

    fn iterate(&self, mode: Mode) -> usize {
        let count = |(key, user): (UserPrimaryKey, User)| (key.0 == user.id) as usize;
        let store = self.store.borrow();
        match mode {
            Mode::Txn => {
                let txn = store.read();
                let view = txn.open_tree::<User>();
                view.iter()
                    .expect("iterates")
                    .map(|item| count(item.expect("reads")))
                    .sum()
            }
            _ => store
                .open_tree::<User>()
                .iter()
                .map(|item| count(item.expect("reads")))
                .sum(),
        }
    }

    fn remove(&self, mode: Mode, ids: &[u64]) -> usize {
        let store = self.store.borrow();
        let tree = store.open_tree::<User>();
        let keys = ids.iter().map(|&id| UserPrimaryKey(id));
        match mode {
            Mode::Loop => keys
                .map(|key| tree.remove(key).expect("removes").is_some() as usize)
                .sum(),
            Mode::Bulk => {
                let mut batch = tree.create_batch().expect("batch");
                for key in keys {
                    batch.remove(key).expect("queues");
                }
                batch.commit().expect("commits");
                ids.len()
            }
            Mode::Txn => {
                let txn = store.write();
                let mut view = txn.open_tree::<User>();
                let removed = keys
                    .map(|key| view.remove(key).expect("removes").is_some() as usize)
                    .sum();
                txn.commit().expect("commits");
                removed
            }
        }
    }

    fn reset(&self) {
        match &self.fresh {
            Some(open) => {
                let (backend, dir) = open();
                // The old store is dropped before its directory is deleted.
                *self.store.borrow_mut() = NetabaseStore::from_backend(backend);
                *self.dir.borrow_mut() = Some(dir);
            }
            None => self
                .store
                .borrow()
                .open_tree::<User>()
                .clear()
                .expect("clears"),
        }
    }
}

/// `RedbStoreZeroCopy`'s own API: `loop` is `quick_*` (one transaction per item), `bulk` one
/// `begin_write` / `begin_read` with the tree's bulk call, `txn` one transaction with a call
/// per item.
pub struct ZeroCopy {
    store: RedbStoreZeroCopy<BenchDefinition>,
}

impl ZeroCopy {
    pub fn new(store: RedbStoreZeroCopy<BenchDefinition>) -> Self {
        ZeroCopy { store }
    }
}

impl Target for ZeroCopy {
    fn name(&self) -> &'static str {
        "redb-zerocopy.netabase"
    }

    fn modes(&self) -> &'static [Mode] {
        &[Mode::Loop, Mode::Bulk, Mode::Txn]
    }

    fn insert(&self, mode: Mode, users: Vec<User>) -> usize {
        let n = users.len();
        match mode {
            Mode::Loop => users
                .into_iter()
                .for_each(|user| self.store.quick_put(user).expect("puts")),
            Mode::Bulk | Mode::Txn => {
                let mut txn = self.store.begin_write().expect("begins");
                let mut tree = txn.open_tree::<User>().expect("opens");
                if mode == Mode::Bulk {
                    tree.put_many(users).expect("puts");
                } else {
                    for user in users {
                        tree.put(user).expect("puts");
                    }
                }
                drop(tree);
                txn.commit().expect("commits");
            }
        }
        n
    }

    fn get(&self, mode: Mode, ids: &[u64]) -> usize {
        let keys = ids.iter().map(|&id| UserPrimaryKey(id));
        match mode {
            Mode::Loop => keys
                .map(|key| self.store.quick_get::<User>(&key).expect("gets").is_some() as usize)
                .sum(),
            Mode::Bulk => {
                let txn = self.store.begin_read().expect("begins");
                let tree = txn.open_tree::<User>().expect("opens");
                let keys: Vec<_> = keys.collect();
                tree.get_many(&keys).expect("gets").iter().flatten().count()
            }
            Mode::Txn => {
                let txn = self.store.begin_read().expect("begins");
                let tree = txn.open_tree::<User>().expect("opens");
                keys.map(|key| tree.get(&key).expect("gets").is_some() as usize)
                    .sum()
            }
        }
    }

    fn query(&self, mode: Mode, emails: &[String]) -> usize {
        let keys = emails.iter().map(|email| email_key(email));
        match mode {
            Mode::Loop => keys
                .map(|key| {
                    let txn = self.store.begin_read().expect("begins");
                    let tree = txn.open_tree::<User>().expect("opens");
                    tree.get_by_secondary_key(key).expect("queries").len()
                })
                .sum(),
            // No bulk secondary call on this API: one read transaction, a call per key.
            Mode::Bulk | Mode::Txn => {
                let txn = self.store.begin_read().expect("begins");
                let tree = txn.open_tree::<User>().expect("opens");
                keys.map(|key| tree.get_by_secondary_key(key).expect("queries").len())
                    .sum()
            }
        }
    }

    fn iterate(&self, _mode: Mode) -> usize {
        let txn = self.store.begin_read().expect("begins");
        let tree = txn.open_tree::<User>().expect("opens");
        tree.iter()
            .expect("iterates")
            .map(|item| {
                let (key, user) = item.expect("reads");
                (key.0 == user.id) as usize
            })
            .sum()
    }

    fn remove(&self, mode: Mode, ids: &[u64]) -> usize {
        let keys = ids.iter().map(|&id| UserPrimaryKey(id));
        match mode {
            Mode::Loop => keys
                .map(|key| {
                    self.store
                        .quick_remove::<User>(&key)
                        .expect("removes")
                        .is_some() as usize
                })
                .sum(),
            Mode::Bulk | Mode::Txn => {
                let mut txn = self.store.begin_write().expect("begins");
                let mut tree = txn.open_tree::<User>().expect("opens");
                let removed = if mode == Mode::Bulk {
                    tree.remove_many(keys)
                        .expect("removes")
                        .iter()
                        .flatten()
                        .count()
                } else {
                    keys.map(|key| tree.remove(key).expect("removes").is_some() as usize)
                        .sum()
                };
                drop(tree);
                txn.commit().expect("commits");
                removed
            }
        }
    }

    fn reset(&self) {
        let mut txn = self.store.begin_write().expect("begins");
        txn.open_tree::<User>()
            .expect("opens")
            .clear()
            .expect("clears");
        txn.commit().expect("commits");
    }
}

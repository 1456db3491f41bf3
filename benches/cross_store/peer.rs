//! native_db 0.8 (with native_model 0.4), the closest peer: typed models with primary and
//! secondary keys over redb (its own redb 2.x). Its database has no durability setting (every
//! commit is redb's `Durability::Immediate`), so it is compared in memory (redb's in-memory
//! backend) with netabase's `RedbStore::temp()`, the same redb backend with the same
//! durability, where a sync is free on both sides.

use std::sync::OnceLock;

use native_db::{Builder, Database, Models, ToKey, native_db};
use native_model::{Model, native_model};
use serde::{Deserialize, Serialize};

use crate::model::{Mode, Target, User};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[native_model(id = 1, version = 1)]
#[native_db]
pub struct PeerUser {
    #[primary_key]
    pub id: u64,
    #[secondary_key]
    pub email: String,
    pub name: String,
    pub age: u32,
}

impl From<User> for PeerUser {
    fn from(user: User) -> Self {
        PeerUser {
            id: user.id,
            email: user.email,
            name: user.name,
            age: user.age,
        }
    }
}

fn models() -> &'static Models {
    static MODELS: OnceLock<Models> = OnceLock::new();
    MODELS.get_or_init(|| {
        let mut models = Models::new();
        models.define::<PeerUser>().expect("defines");
        models
    })
}

pub struct NativeDb {
    db: Database<'static>,
}

impl NativeDb {
    pub fn in_memory() -> Self {
        NativeDb {
            db: Builder::new()
                .create_in_memory(models())
                .expect("native_db opens"),
        }
    }
}

impl Target for NativeDb {
    fn name(&self) -> &'static str {
        "redb-mem.native_db"
    }

    fn modes(&self) -> &'static [Mode] {
        &[Mode::Loop, Mode::Bulk]
    }

    fn insert(&self, mode: Mode, users: Vec<User>) -> usize {
        let n = users.len();
        match mode {
            Mode::Loop => {
                for user in users {
                    let rw = self.db.rw_transaction().expect("begins");
                    rw.insert(PeerUser::from(user)).expect("inserts");
                    rw.commit().expect("commits");
                }
            }
            _ => {
                let rw = self.db.rw_transaction().expect("begins");
                for user in users {
                    rw.insert(PeerUser::from(user)).expect("inserts");
                }
                rw.commit().expect("commits");
            }
        }
        n
    }

    fn get(&self, mode: Mode, ids: &[u64]) -> usize {
        let get = |r: &native_db::transaction::RTransaction<'_>, id: u64| {
            r.get().primary::<PeerUser>(id).expect("gets").is_some() as usize
        };
        match mode {
            Mode::Loop => ids
                .iter()
                .map(|&id| get(&self.db.r_transaction().expect("begins"), id))
                .sum(),
            _ => {
                let r = self.db.r_transaction().expect("begins");
                ids.iter().map(|&id| get(&r, id)).sum()
            }
        }
    }

    fn query(&self, mode: Mode, emails: &[String]) -> usize {
        let query = |r: &native_db::transaction::RTransaction<'_>, email: &String| {
            r.scan()
                .secondary::<PeerUser>(PeerUserKey::email)
                .expect("scans")
                .range(email.clone()..=email.clone())
                .expect("ranges")
                .map(|user| user.expect("reads").email.len() == email.len())
                .filter(|&matched| matched)
                .count()
        };
        match mode {
            Mode::Loop => emails
                .iter()
                .map(|email| query(&self.db.r_transaction().expect("begins"), email))
                .sum(),
            _ => {
                let r = self.db.r_transaction().expect("begins");
                emails.iter().map(|email| query(&r, email)).sum()
            }
        }
    }

    fn iterate(&self, _mode: Mode) -> usize {
        let r = self.db.r_transaction().expect("begins");
        r.scan()
            .primary::<PeerUser>()
            .expect("scans")
            .all()
            .expect("iterates")
            .map(|user| user.expect("reads").age as usize / 1000 + 1)
            .sum()
    }

    fn remove(&self, mode: Mode, ids: &[u64]) -> usize {
        // native_db removes a model, not a key: read it, then remove it.
        let remove = |rw: &native_db::transaction::RwTransaction<'_>, id: u64| match rw
            .get()
            .primary::<PeerUser>(id)
            .expect("gets")
        {
            Some(user) => {
                rw.remove(user).expect("removes");
                1
            }
            None => 0,
        };
        match mode {
            Mode::Loop => ids
                .iter()
                .map(|&id| {
                    let rw = self.db.rw_transaction().expect("begins");
                    let removed = remove(&rw, id);
                    rw.commit().expect("commits");
                    removed
                })
                .sum(),
            _ => {
                let rw = self.db.rw_transaction().expect("begins");
                let removed = ids.iter().map(|&id| remove(&rw, id)).sum();
                rw.commit().expect("commits");
                removed
            }
        }
    }

    fn reset(&self) {
        let rw = self.db.rw_transaction().expect("begins");
        rw.drain().primary::<PeerUser>().expect("drains");
        rw.commit().expect("commits");
    }
}

//! Random sequences of writes against a `BTreeMap` model with its secondary index. After every
//! step, `get`, `get_by_secondary_key`, `len` and `iter` must agree with the model.
//!
//! Cases per backend: `PROPTEST_CASES` (default 64 for the file backends, 256 for memory).

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::conformance::{Backing, Memory, Redb, Sled, assert_user_index, fresh};
use crate::schema::*;

#[derive(Debug, Clone)]
enum Write {
    Put { id: u64, variant: u64 },
    Remove { id: u64 },
}

#[derive(Debug, Clone)]
enum Step {
    Write(Write),
    Clear,
    Batch(Vec<Write>),
    Transaction {
        writes: Vec<Write>,
        clear_first: bool,
        commit: bool,
    },
}

fn write() -> impl Strategy<Value = Write> {
    prop_oneof![
        3 => (0u64..8, 0u64..4).prop_map(|(id, variant)| Write::Put { id, variant }),
        1 => (0u64..8).prop_map(|id| Write::Remove { id }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => write().prop_map(Step::Write),
        1 => Just(Step::Clear),
        2 => prop::collection::vec(write(), 0..6).prop_map(Step::Batch),
        2 => (prop::collection::vec(write(), 0..6), any::<bool>(), prop::bool::weighted(0.7))
            .prop_map(|(writes, clear_first, commit)| Step::Transaction { writes, clear_first, commit }),
    ]
}

fn apply_to_model(model: &mut BTreeMap<u64, User>, write: &Write) {
    match *write {
        Write::Put { id, variant } => {
            model.insert(id, user(id, variant));
        }
        Write::Remove { id } => {
            model.remove(&id);
        }
    }
}

fn run<K: Backing>(steps: Vec<Step>) {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    let mut model = BTreeMap::new();
    for step in steps {
        match &step {
            Step::Write(Write::Put { id, variant }) => {
                tree.put(user(*id, *variant)).unwrap();
                apply_to_model(
                    &mut model,
                    &Write::Put {
                        id: *id,
                        variant: *variant,
                    },
                );
            }
            Step::Write(Write::Remove { id }) => {
                assert_eq!(tree.remove(UserPrimaryKey(*id)).unwrap(), model.remove(id));
            }
            Step::Clear => {
                tree.clear().unwrap();
                model.clear();
            }
            Step::Batch(writes) => {
                let mut batch = tree.create_batch().unwrap();
                for w in writes {
                    match *w {
                        Write::Put { id, variant } => batch.put(user(id, variant)).unwrap(),
                        Write::Remove { id } => batch.remove(UserPrimaryKey(id)).unwrap(),
                    }
                    apply_to_model(&mut model, w);
                }
                batch.commit().unwrap();
            }
            Step::Transaction {
                writes,
                clear_first,
                commit,
            } => {
                let mut pending = model.clone();
                let txn = store.write();
                let mut view = txn.open_tree::<User>();
                if *clear_first {
                    view.clear().unwrap();
                    pending.clear();
                }
                for w in writes {
                    match *w {
                        Write::Put { id, variant } => view.put(user(id, variant)).unwrap(),
                        Write::Remove { id } => {
                            assert_eq!(
                                view.remove(UserPrimaryKey(id)).unwrap(),
                                pending.get(&id).cloned()
                            );
                        }
                    }
                    apply_to_model(&mut pending, w);
                }
                assert_eq!(view.len().unwrap(), pending.len());
                let seen: Vec<User> = view.iter().unwrap().map(|item| item.unwrap().1).collect();
                assert_eq!(seen, pending.values().cloned().collect::<Vec<_>>());
                if *commit {
                    txn.commit().unwrap();
                    model = pending;
                }
            }
        }
        for id in 0..8 {
            assert_eq!(
                tree.get(UserPrimaryKey(id)).unwrap().as_ref(),
                model.get(&id),
                "get {id} after {step:?}"
            );
        }
        assert_user_index(&store, &model);
    }
}

/// Proptest configuration: `PROPTEST_CASES`, or `default_cases`.
pub fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(256))]
    #[test]
    fn memory_agrees_with_model(steps in prop::collection::vec(step(), 1..24)) {
        run::<Memory>(steps);
    }
}

proptest! {
    #![proptest_config(config(64))]
    #[test]
    fn sled_agrees_with_model(steps in prop::collection::vec(step(), 1..24)) {
        run::<Sled>(steps);
    }

    #[test]
    fn redb_agrees_with_model(steps in prop::collection::vec(step(), 1..24)) {
        run::<Redb>(steps);
    }
}

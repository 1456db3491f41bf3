//! Unique secondary keys (`#[secondary_key(unique)]`) on every backend: a write that would give
//! two models one unique value is refused and changes nothing, whether it is a put, a
//! `put_many`, a batch or a put in a transaction (which stays usable); order within a call is
//! respected; `get_by_unique_key` finds at most one model. A property test checks random
//! batches against a `BTreeMap` model that enforces uniqueness step by step.

use std::collections::BTreeMap;

use netabase_store::engine::{Backend, RawTable, ReadTxn};
use netabase_store::error::NetabaseError;
use proptest::prelude::*;

use crate::conformance::{Backing, Memory, Redb, Sled, Store, fresh};
use crate::schema::*;
use crate::state_machine::config;

fn account(id: u64, handle: &str, number: u32) -> Account {
    Account {
        id,
        handle: handle.into(),
        number,
        team: (id % 2) as u32,
    }
}

fn handle(value: &str) -> AccountSecondaryKeys {
    value.as_account_handle_key()
}

fn number(value: u32) -> AccountSecondaryKeys {
    value.as_account_number_key()
}

fn team(value: u32) -> AccountSecondaryKeys {
    value.as_account_team_key()
}

/// Asserts that the account tree holds exactly `expected` and an index that matches it: every
/// unique value resolves to its model, values nobody holds resolve to nothing, and the index
/// has exactly three entries per model.
fn assert_accounts<B: Backend>(store: &Store<B>, expected: &[Account]) {
    let tree = store.open_tree::<Account>();
    let stored: Vec<Account> = tree.iter().map(|item| item.unwrap().1).collect();
    let mut sorted = expected.to_vec();
    sorted.sort_by_key(|a| a.id);
    assert_eq!(stored, sorted);
    for a in expected {
        assert_eq!(
            tree.get_by_unique_key(handle(&a.handle)).unwrap().as_ref(),
            Some(a)
        );
        assert_eq!(
            tree.get_by_unique_key(number(a.number)).unwrap().as_ref(),
            Some(a)
        );
    }
    for probe in ["ann", "bob", "cat", "dan", "eve", "fay"] {
        if !expected.iter().any(|a| a.handle == probe) {
            assert_eq!(
                tree.get_by_unique_key(handle(probe)).unwrap(),
                None,
                "{probe}"
            );
        }
    }
    for probe in 0..10 {
        if !expected.iter().any(|a| a.number == probe) {
            assert_eq!(
                tree.get_by_unique_key(number(probe)).unwrap(),
                None,
                "{probe}"
            );
        }
    }
    for t in [0, 1] {
        let want: Vec<Account> = sorted.iter().filter(|a| a.team == t).cloned().collect();
        assert_eq!(tree.get_by_secondary_key(team(t)).unwrap(), want);
    }
    let txn = store.backend().begin_read().unwrap();
    let index = txn.open_table("TestDefinition/Account/index").unwrap();
    assert_eq!(index.len().unwrap(), 3 * expected.len() as u64);
}

fn assert_violation(result: netabase_store::error::Result<()>, field: &str, conflicting: u64) {
    match result {
        Err(NetabaseError::UniqueViolation {
            tree,
            field: f,
            conflicting_key,
        }) => {
            assert_eq!(tree, "TestDefinition/Account");
            assert_eq!(f, field);
            assert_eq!(
                conflicting_key,
                format!("{:?}", AccountPrimaryKey(conflicting))
            );
        }
        other => panic!("expected a unique violation on `{field}`, got {other:?}"),
    }
}

pub fn put_of_a_taken_value_is_refused_and_changes_nothing<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<Account>();
    let before = [account(1, "ann", 1), account(2, "bob", 2)];
    tree.put_many(before.clone()).unwrap();
    assert_violation(tree.put(account(3, "ann", 3)), "handle", 1);
    assert_violation(tree.put(account(3, "cat", 2)), "number", 2);
    // An overwrite that would take another model's value is refused too.
    assert_violation(tree.put(account(2, "ann", 2)), "handle", 1);
    assert_accounts(&store, &before);
    // The error names the field and the key.
    let message = tree.put(account(4, "bob", 4)).unwrap_err().to_string();
    assert!(
        message.contains("handle") && message.contains("TestDefinition/Account"),
        "{message}"
    );
}

pub fn overwriting_a_model_with_its_own_values_succeeds<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<Account>();
    tree.put(account(1, "ann", 1)).unwrap();
    tree.put(account(1, "ann", 1)).unwrap();
    // Changing one unique value keeps the other.
    tree.put(account(1, "ann", 5)).unwrap();
    assert_accounts(&store, &[account(1, "ann", 5)]);
    // The value it gave up is free.
    tree.put(account(2, "bob", 1)).unwrap();
    assert_violation(tree.put(account(3, "cat", 5)), "number", 1);
    assert_accounts(&store, &[account(1, "ann", 5), account(2, "bob", 1)]);
    // A removed model's values are free.
    tree.remove(AccountPrimaryKey(1)).unwrap();
    tree.put(account(3, "ann", 5)).unwrap();
    assert_accounts(&store, &[account(2, "bob", 1), account(3, "ann", 5)]);
}

pub fn put_many_refuses_conflicts_within_the_call_and_with_stored_models<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<Account>();
    let before = [account(1, "ann", 1)];
    tree.put_many(before.clone()).unwrap();
    // Two new models with one value.
    assert_violation(
        tree.put_many([account(2, "bob", 2), account(3, "bob", 3)]),
        "handle",
        2,
    );
    // A new model with a stored model's value, after models that are fine.
    assert_violation(
        tree.put_many([account(4, "cat", 4), account(5, "dan", 1)]),
        "number",
        1,
    );
    assert_accounts(&store, &before);
    // In order: model 1 gives up "ann" before model 6 takes it; the same model twice is fine.
    tree.put_many([
        account(1, "zed", 1),
        account(6, "ann", 6),
        account(7, "eve", 7),
        account(7, "eve", 7),
    ])
    .unwrap();
    assert_accounts(
        &store,
        &[
            account(1, "zed", 1),
            account(6, "ann", 6),
            account(7, "eve", 7),
        ],
    );
    // The reverse order is a conflict.
    assert_violation(
        tree.put_many([account(8, "zed", 8), account(1, "fay", 1)]),
        "handle",
        1,
    );
    assert_accounts(
        &store,
        &[
            account(1, "zed", 1),
            account(6, "ann", 6),
            account(7, "eve", 7),
        ],
    );
}

pub fn batch_respects_the_order_of_its_operations<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<Account>();
    tree.put(account(1, "ann", 1)).unwrap();

    // Remove, then put the same value: succeeds.
    let mut batch = tree.create_batch().unwrap();
    batch.remove(AccountPrimaryKey(1)).unwrap();
    batch.put(account(2, "ann", 1)).unwrap();
    batch.commit().unwrap();
    let after_first = [account(2, "ann", 1)];
    assert_accounts(&store, &after_first);

    // Put, put of one value: fails, and nothing of the batch is written.
    let mut batch = tree.create_batch().unwrap();
    batch.put(account(3, "cat", 3)).unwrap();
    batch.put(account(4, "cat", 4)).unwrap();
    assert_violation(batch.commit(), "handle", 3);
    assert_accounts(&store, &after_first);

    // Put, then the stored model removed: the put came first, so it conflicts.
    let mut batch = tree.create_batch().unwrap();
    batch.put(account(5, "ann", 5)).unwrap();
    batch.remove(AccountPrimaryKey(2)).unwrap();
    assert_violation(batch.commit(), "handle", 2);
    assert_accounts(&store, &after_first);

    // A value freed and taken twice within one batch.
    let mut batch = tree.create_batch().unwrap();
    batch.put(account(6, "dan", 6)).unwrap();
    batch.remove(AccountPrimaryKey(6)).unwrap();
    batch.put(account(7, "dan", 7)).unwrap();
    batch.put(account(7, "eve", 7)).unwrap();
    batch.put(account(8, "dan", 8)).unwrap();
    batch.commit().unwrap();
    let after_last = [
        account(2, "ann", 1),
        account(7, "eve", 7),
        account(8, "dan", 8),
    ];
    assert_accounts(&store, &after_last);

    // A conflict with a model the batch wrote back after removing it.
    let mut batch = tree.create_batch().unwrap();
    batch.remove(AccountPrimaryKey(7)).unwrap();
    batch.put(account(7, "eve", 7)).unwrap();
    batch.put(account(9, "eve", 9)).unwrap();
    assert_violation(batch.commit(), "handle", 7);
    assert_accounts(&store, &after_last);
}

pub fn refused_put_in_a_transaction_does_not_poison_it<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    store
        .open_tree::<Account>()
        .put_many([account(1, "ann", 1), account(2, "bob", 2)])
        .unwrap();
    let txn = store.write();
    let mut view = txn.open_tree::<Account>();
    assert_violation(view.put(account(3, "ann", 3)), "handle", 1);
    assert_eq!(
        view.get(AccountPrimaryKey(3)).unwrap(),
        None,
        "the refused put wrote nothing"
    );
    view.put(account(3, "cat", 3)).unwrap();
    // Conflicts with what the transaction wrote.
    assert_violation(view.put(account(4, "cat", 4)), "handle", 3);
    // A refused put_many writes none of its models.
    assert_violation(
        view.put_many([account(5, "dan", 5), account(6, "dan", 6)]),
        "handle",
        5,
    );
    assert_eq!(view.get(AccountPrimaryKey(5)).unwrap(), None);
    // Values freed in the transaction can be taken.
    view.remove(AccountPrimaryKey(1)).unwrap();
    view.put(account(4, "ann", 1)).unwrap();
    assert_eq!(
        view.get_by_unique_key(handle("ann")).unwrap(),
        Some(account(4, "ann", 1))
    );
    // A second view of the same tree sees and checks the same data.
    let mut other = txn.open_tree::<Account>();
    assert_violation(other.put(account(9, "cat", 9)), "handle", 3);
    txn.commit().unwrap();
    assert_accounts(
        &store,
        &[
            account(2, "bob", 2),
            account(3, "cat", 3),
            account(4, "ann", 1),
        ],
    );
}

pub fn get_by_unique_key_finds_at_most_one_model<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<Account>();
    tree.put_many([
        account(1, "ann", 1),
        account(2, "bob", 2),
        account(3, "cat", 3),
    ])
    .unwrap();
    assert_eq!(
        tree.get_by_unique_key(handle("bob")).unwrap(),
        Some(account(2, "bob", 2))
    );
    assert_eq!(
        tree.get_by_unique_key(number(3)).unwrap(),
        Some(account(3, "cat", 3))
    );
    assert_eq!(tree.get_by_unique_key(handle("bo")).unwrap(), None);
    match tree.get_by_unique_key(team(1)) {
        Err(NetabaseError::NotUnique { tree, field }) => {
            assert_eq!((tree, field), ("TestDefinition/Account", "team"));
        }
        other => panic!("expected NotUnique, got {other:?}"),
    }
    // A non-unique key of another model, through a read view.
    let read = store.read();
    assert!(matches!(
        read.open_tree::<User>()
            .get_by_unique_key(email("u0@example.com")),
        Err(NetabaseError::NotUnique { field: "email", .. })
    ));
    assert_eq!(
        read.open_tree::<Account>()
            .get_by_unique_key(handle("ann"))
            .unwrap(),
        Some(account(1, "ann", 1))
    );
    drop(read);
    let write = store.write();
    let mut view = write.open_tree::<Account>();
    view.put(account(1, "amy", 1)).unwrap();
    assert_eq!(view.get_by_unique_key(handle("ann")).unwrap(), None);
    assert_eq!(
        view.get_by_unique_key(handle("amy")).unwrap(),
        Some(account(1, "amy", 1))
    );
    assert!(matches!(
        view.get_by_unique_key(team(0)),
        Err(NetabaseError::NotUnique { .. })
    ));
    // The lookup error did not poison the transaction.
    write.commit().unwrap();
    assert_accounts(
        &store,
        &[
            account(1, "amy", 1),
            account(2, "bob", 2),
            account(3, "cat", 3),
        ],
    );
}

crate::conformance::backend_suite!(
    [
        put_of_a_taken_value_is_refused_and_changes_nothing,
        overwriting_a_model_with_its_own_values_succeeds,
        put_many_refuses_conflicts_within_the_call_and_with_stored_models,
        batch_respects_the_order_of_its_operations,
        refused_put_in_a_transaction_does_not_poison_it,
        get_by_unique_key_finds_at_most_one_model,
    ]
    memory: Memory, sled: Sled, redb: Redb);

// ---- property test ----

#[derive(Debug, Clone)]
enum Op {
    Put(Account),
    Remove(u64),
}

#[derive(Debug, Clone, Copy)]
enum Via {
    Batch,
    PutMany,
    Transaction,
}

fn op() -> impl Strategy<Value = Op> {
    let handles = prop::sample::select(vec!["ann", "bob", "cat", "dan"]);
    prop_oneof![
        3 => (0u64..6, handles, 0u32..4).prop_map(|(id, h, n)| Op::Put(account(id, h, n))),
        1 => (0u64..6).prop_map(Op::Remove),
    ]
}

fn via() -> impl Strategy<Value = Via> {
    prop_oneof![Just(Via::Batch), Just(Via::PutMany), Just(Via::Transaction)]
}

/// Applies `ops` in order to a copy of `model`, refusing the whole list at the first put that
/// gives a unique value to a second account.
fn apply_to_model(model: &BTreeMap<u64, Account>, ops: &[Op]) -> Option<BTreeMap<u64, Account>> {
    let mut next = model.clone();
    for op in ops {
        match op {
            Op::Put(a) => {
                let taken = next
                    .values()
                    .any(|b| b.id != a.id && (b.handle == a.handle || b.number == a.number));
                if taken {
                    return None;
                }
                next.insert(a.id, a.clone());
            }
            Op::Remove(id) => {
                next.remove(id);
            }
        }
    }
    Some(next)
}

fn run<K: Backing>(steps: Vec<(Via, Vec<Op>)>) {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<Account>();
    let mut model = BTreeMap::new();
    for (via, ops) in steps {
        // put_many has no removes; a transaction applies its removes one by one.
        let ops: Vec<Op> = match via {
            Via::PutMany => ops
                .into_iter()
                .filter(|op| matches!(op, Op::Put(_)))
                .collect(),
            Via::Batch | Via::Transaction => ops,
        };
        let expected = apply_to_model(&model, &ops);
        let result = match via {
            Via::Batch => {
                let mut batch = tree.create_batch().unwrap();
                for op in &ops {
                    match op {
                        Op::Put(a) => batch.put(a.clone()).unwrap(),
                        Op::Remove(id) => batch.remove(AccountPrimaryKey(*id)).unwrap(),
                    }
                }
                batch.commit()
            }
            Via::PutMany => tree.put_many(ops.iter().filter_map(|op| match op {
                Op::Put(a) => Some(a.clone()),
                Op::Remove(_) => None,
            })),
            Via::Transaction => {
                // Each put is checked alone: refused ones are skipped, the rest commits.
                let txn = store.write();
                let mut view = txn.open_tree::<Account>();
                let mut pending = model.clone();
                for op in &ops {
                    let one = apply_to_model(&pending, std::slice::from_ref(op));
                    let result = match op {
                        Op::Put(a) => view.put(a.clone()),
                        Op::Remove(id) => view.remove(AccountPrimaryKey(*id)).map(drop),
                    };
                    match one {
                        Some(next) => {
                            result.unwrap();
                            pending = next;
                        }
                        None => assert!(
                            matches!(result, Err(NetabaseError::UniqueViolation { .. })),
                            "{result:?}"
                        ),
                    }
                }
                txn.commit().unwrap();
                model = pending;
                let expected: Vec<Account> = model.values().cloned().collect();
                assert_accounts(&store, &expected);
                continue;
            }
        };
        match expected {
            Some(next) => {
                result.unwrap();
                model = next;
            }
            None => assert!(
                matches!(result, Err(NetabaseError::UniqueViolation { .. })),
                "{result:?}"
            ),
        }
        let expected: Vec<Account> = model.values().cloned().collect();
        assert_accounts(&store, &expected);
    }
}

fn steps() -> impl Strategy<Value = Vec<(Via, Vec<Op>)>> {
    prop::collection::vec((via(), prop::collection::vec(op(), 0..6)), 1..10)
}

proptest! {
    #![proptest_config(config(256))]
    #[test]
    fn memory_unique_keys_agree_with_model(steps in steps()) {
        run::<Memory>(steps);
    }
}

proptest! {
    #![proptest_config(config(64))]
    #[test]
    fn sled_unique_keys_agree_with_model(steps in steps()) {
        run::<Sled>(steps);
    }

    #[test]
    fn redb_unique_keys_agree_with_model(steps in steps()) {
        run::<Redb>(steps);
    }
}

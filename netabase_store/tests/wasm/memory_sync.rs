//! The memory backend's synchronous API under wasm32: trees, batches, transactions, unique
//! keys and subscriptions work in the browser as they do natively.

use std::collections::BTreeMap;

use netabase_store::NetabaseStore;
use netabase_store::subscription::ChangeKind;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::schema::*;

#[wasm_bindgen_test]
fn trees_batches_and_transactions_work_synchronously() {
    let store = NetabaseStore::<TestDefinition, _>::memory();
    let users = store.open_tree::<User>();
    users.put_many((0..6).map(|id| user(id, 0))).unwrap();
    users.put(user(2, 1)).unwrap();
    assert_eq!(users.get(UserPrimaryKey(2)).unwrap(), Some(user(2, 1)));
    assert_eq!(users.remove(UserPrimaryKey(5)).unwrap(), Some(user(5, 0)));
    let mut expected: BTreeMap<u64, User> = (0..5).map(|id| (id, user(id, 0))).collect();
    expected.insert(2, user(2, 1));
    let by_email = users
        .get_by_secondary_key(email(&user(2, 1).email))
        .unwrap();
    let want: Vec<User> = expected
        .values()
        .filter(|u| u.email == user(2, 1).email)
        .cloned()
        .collect();
    assert_eq!(by_email, want);
    let keys: Vec<u64> = users.iter().map(|item| item.unwrap().0.0).collect();
    assert_eq!(keys, [0, 1, 2, 3, 4]);
    let ranged = users
        .range(UserPrimaryKey(1)..UserPrimaryKey(3))
        .map(|item| item.unwrap().0.0)
        .collect::<Vec<_>>();
    assert_eq!(ranged, [1, 2]);

    let mut batch = users.create_batch().unwrap();
    batch.put(user(7, 0)).unwrap();
    batch.remove(UserPrimaryKey(0)).unwrap();
    batch.commit().unwrap();
    assert_eq!(users.len().unwrap(), 5);

    let txn = store.write();
    txn.open_tree::<User>().put(user(8, 0)).unwrap();
    txn.commit().unwrap();
    {
        let txn = store.write();
        txn.open_tree::<User>().put(user(9, 0)).unwrap();
        // Dropped without commit.
    }
    assert!(users.get(UserPrimaryKey(8)).unwrap().is_some());
    assert_eq!(users.get(UserPrimaryKey(9)).unwrap(), None);
    let read = store.read();
    assert_eq!(read.open_tree::<User>().len().unwrap(), 6);

    users.clear().unwrap();
    assert!(users.is_empty().unwrap());
}

#[wasm_bindgen_test]
fn unique_keys_are_enforced_synchronously() {
    let store = NetabaseStore::<TestDefinition, _>::memory();
    let accounts = store.open_tree::<Account>();
    let account = |id, handle: &str| Account {
        id,
        handle: handle.into(),
        number: id as u32,
        team: 0,
    };
    accounts.put(account(1, "ann")).unwrap();
    assert!(accounts.put(account(2, "ann")).is_err());
    assert_eq!(
        accounts
            .get_by_unique_key("ann".as_account_handle_key())
            .unwrap(),
        Some(account(1, "ann"))
    );
}

#[wasm_bindgen_test]
async fn subscriptions_deliver_committed_changes() {
    let store = NetabaseStore::<TestDefinition, _>::memory();
    let users = store.open_tree::<User>();
    let mut changes = users.subscribe();
    users.put(user(1, 0)).unwrap();
    users.remove(UserPrimaryKey(1)).unwrap();
    let put = changes.recv().await.unwrap();
    assert!(
        matches!(put.kind, ChangeKind::Put { ref model, previous: None } if *model == user(1, 0))
    );
    let removed = changes.try_recv().unwrap().unwrap();
    assert!(matches!(removed.kind, ChangeKind::Removed { ref model } if *model == user(1, 0)));
    assert!(changes.try_recv().unwrap().is_none());
}

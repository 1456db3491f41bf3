//! `RedbStoreZeroCopy`: the seed's explicit-transaction API, borrowed reads, and file
//! compatibility with `RedbStore`. (The conformance suite also runs on it, as `zerocopy`.)

use std::path::Path;

use netabase_store::NetabaseStore;
use netabase_store::databases::redb_store::RedbStore;
use netabase_store::databases::redb_zerocopy::{
    RedbStoreZeroCopy, with_read_transaction, with_write_transaction,
};
use netabase_store::engine::{Backend, RawTableMut, WriteTxn};
use netabase_store::error::NetabaseError;
use netabase_store::traits::model::NetabaseModelTrait;

use crate::seeds::blog_schema::*;

fn user(id: u64) -> User {
    User {
        id,
        username: format!("user{id}"),
        email: format!("u{}@example.com", id % 3),
    }
}

fn post(id: u64, author_id: u64) -> Post {
    Post {
        id,
        title: format!("post {id}"),
        content: "text".into(),
        author_id,
    }
}

fn ids(users: &[User]) -> Vec<u64> {
    users.iter().map(|u| u.id).collect()
}

fn by_email(value: &str) -> UserSecondaryKeys {
    UserSecondaryKeys::Email(UserEmailSecondaryKey(value.into()))
}

/// Reads every user id through a read transaction.
fn user_ids(store: &RedbStoreZeroCopy<BlogDefinition>) -> Vec<u64> {
    let read = store.begin_read().unwrap();
    let tree = read.open_tree::<User>().unwrap();
    tree.iter().unwrap().map(|item| item.unwrap().0.0).collect()
}

/// Seed 003, "RedbZeroCopy (Advanced, Explicit Transactions)", as written (the path is in a
/// temporary directory).
#[test]
fn seed_003_redb_zerocopy_snippet() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("my_db.redb");
    let user = user(1);

    let store = RedbStoreZeroCopy::<BlogDefinition>::new(&path)?;

    // Must use explicit transactions
    let mut txn = store.begin_write()?;
    let mut tree = txn.open_tree::<User>()?;
    tree.put(user)?;
    drop(tree);
    txn.commit()?; // Must explicitly commit

    assert_eq!(store.quick_get::<User>(&UserPrimaryKey(1))?.unwrap().id, 1);
    Ok(())
}

fn put_users(store: &RedbStoreZeroCopy<BlogDefinition>, ids: impl IntoIterator<Item = u64>) {
    let mut txn = store.begin_write().unwrap();
    let mut tree = txn.open_tree::<User>().unwrap();
    tree.put_many(ids.into_iter().map(user)).unwrap();
    drop(tree);
    txn.commit().unwrap();
}

#[test]
fn new_and_open_never_delete_existing_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    put_users(&RedbStoreZeroCopy::new(&path).unwrap(), [1, 2]);
    assert_eq!(
        user_ids(&RedbStoreZeroCopy::new(&path).unwrap()),
        vec![1, 2]
    );
    assert_eq!(
        user_ids(&RedbStoreZeroCopy::open(&path).unwrap()),
        vec![1, 2]
    );
    let store = NetabaseStore::<BlogDefinition, _>::redb_zerocopy(&path).unwrap();
    assert_eq!(store.open_tree::<User>().len().unwrap(), 2);
    drop(store);
    let store = NetabaseStore::<BlogDefinition, _>::open_redb_zerocopy(&path).unwrap();
    let got = store
        .quick_get::<User>(&UserPrimaryKey(2))
        .unwrap()
        .unwrap();
    assert_eq!((got.id, got.username), (2, "user2".to_string()));
}

#[test]
fn open_requires_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.redb");
    match RedbStoreZeroCopy::<BlogDefinition>::open(&path) {
        Err(NetabaseError::NotFound(p)) => assert_eq!(p, path),
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(NetabaseStore::<BlogDefinition, _>::open_redb_zerocopy(&path).is_err());
    assert!(!path.exists(), "a failed open creates nothing");
}

#[test]
fn abort_and_drop_write_nothing() {
    let store = RedbStoreZeroCopy::<BlogDefinition>::temp().unwrap();
    put_users(&store, [1]);
    {
        let mut txn = store.begin_write().unwrap();
        let mut tree = txn.open_tree::<User>().unwrap();
        tree.put(user(2)).unwrap();
        tree.remove(UserPrimaryKey(1)).unwrap();
        assert_eq!(tree.len().unwrap(), 1, "the transaction sees its writes");
        // Dropped without commit.
    }
    assert_eq!(user_ids(&store), vec![1]);
    let mut txn = store.begin_write().unwrap();
    let mut tree = txn.open_tree::<User>().unwrap();
    tree.clear().unwrap();
    drop(tree);
    txn.abort().unwrap();
    assert_eq!(user_ids(&store), vec![1]);
    // The index is untouched as well.
    let read = store.begin_read().unwrap();
    let tree = read.open_tree::<User>().unwrap();
    assert_eq!(
        ids(&tree
            .get_by_secondary_key(by_email("u1@example.com"))
            .unwrap()),
        vec![1]
    );
}

#[test]
fn one_transaction_writes_several_models_atomically() {
    let store = RedbStoreZeroCopy::<BlogDefinition>::temp().unwrap();
    let mut txn = store.begin_write().unwrap();
    let mut users = txn.open_tree::<User>().unwrap();
    users.put_many([user(1), user(2), user(4)]).unwrap();
    assert_eq!(
        users
            .remove_many([UserPrimaryKey(2), UserPrimaryKey(3)])
            .unwrap()
            .iter()
            .map(|u| u.as_ref().map(|u| u.id))
            .collect::<Vec<_>>(),
        vec![Some(2), None]
    );
    drop(users);
    let mut posts = txn.open_tree::<Post>().unwrap();
    posts.put(post(10, 1)).unwrap();
    drop(posts);
    // Nothing is visible before the commit.
    assert!(
        store
            .quick_get::<Post>(&PostPrimaryKey(10))
            .unwrap()
            .is_none()
    );
    txn.commit().unwrap();

    assert_eq!(user_ids(&store), vec![1, 4]);
    let read = store.begin_read().unwrap();
    let posts = read.open_tree::<Post>().unwrap();
    let by_author = posts
        .get_by_secondary_key(PostSecondaryKeys::AuthorId(PostAuthorIdSecondaryKey(1)))
        .unwrap();
    assert_eq!(by_author.len(), 1);
    assert_eq!(by_author[0].title, "post 10");
}

#[test]
fn overwrites_in_a_write_tree_move_the_index() {
    let store = RedbStoreZeroCopy::<BlogDefinition>::temp().unwrap();
    with_write_transaction(&store, |txn| {
        let mut tree = txn.open_tree::<User>()?;
        tree.put(user(1))?;
        let mut moved = user(1);
        moved.email = "new@example.com".into();
        tree.put(moved)?;
        assert!(
            tree.get_by_secondary_key(by_email("u1@example.com"))?
                .is_empty()
        );
        assert_eq!(
            ids(&tree.get_by_secondary_key(by_email("new@example.com"))?),
            vec![1]
        );
        Ok(())
    })
    .unwrap();
    with_read_transaction(&store, |txn| {
        let tree = txn.open_tree::<User>()?;
        assert!(
            tree.get_by_secondary_key(by_email("u1@example.com"))?
                .is_empty()
        );
        assert_eq!(
            tree.get(&UserPrimaryKey(1))?.unwrap().email,
            "new@example.com"
        );
        Ok(())
    })
    .unwrap();
}

#[test]
fn read_transactions_are_snapshots() {
    let store = RedbStoreZeroCopy::<BlogDefinition>::temp().unwrap();
    put_users(&store, [1, 2]);
    let read = store.begin_read().unwrap();
    let tree = read.open_tree::<User>().unwrap();
    let guard = tree.get_ref(&UserPrimaryKey(1)).unwrap().unwrap();
    let before = guard.bytes().to_vec();

    let mut changed = user(1);
    changed.username = "changed".into();
    store.quick_put(changed).unwrap();
    store.quick_remove::<User>(&UserPrimaryKey(2)).unwrap();
    store.quick_put(user(3)).unwrap();

    assert_eq!(tree.len().unwrap(), 2);
    assert_eq!(
        tree.get(&UserPrimaryKey(1)).unwrap().unwrap().username,
        "user1"
    );
    assert!(tree.get(&UserPrimaryKey(2)).unwrap().is_some());
    assert!(tree.get(&UserPrimaryKey(3)).unwrap().is_none());
    // A guard keeps the bytes of its snapshot, even after the transaction value is gone.
    drop(read);
    assert_eq!(guard.bytes(), before.as_slice());
    assert_eq!(guard.value().unwrap().username, "user1");
    // A new snapshot sees the commits.
    assert_eq!(user_ids(&store), vec![1, 3]);
}

#[test]
fn quick_operations_are_one_transaction_each() {
    let store = RedbStoreZeroCopy::<BlogDefinition>::temp().unwrap();
    store.quick_put(user(5)).unwrap();
    assert_eq!(
        store
            .quick_get::<User>(&UserPrimaryKey(5))
            .unwrap()
            .unwrap()
            .id,
        5
    );
    assert!(
        store
            .quick_get::<User>(&UserPrimaryKey(6))
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .quick_remove::<User>(&UserPrimaryKey(5))
            .unwrap()
            .map(|u| u.username),
        Some("user5".to_string())
    );
    assert!(
        store
            .quick_remove::<User>(&UserPrimaryKey(5))
            .unwrap()
            .is_none()
    );
    assert_eq!(user_ids(&store), Vec::<u64>::new());
    // The index entry went with the model.
    let read = store.begin_read().unwrap();
    assert!(
        read.open_tree::<User>()
            .unwrap()
            .get_by_secondary_key(by_email("u2@example.com"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn helpers_commit_on_ok_and_write_nothing_on_err() {
    let store = RedbStoreZeroCopy::<BlogDefinition>::temp().unwrap();
    let written = with_write_transaction(&store, |txn| {
        let mut tree = txn.open_tree::<User>()?;
        tree.put_many([user(1), user(2)])?;
        tree.len()
    })
    .unwrap();
    assert_eq!(written, 2);
    let err = with_write_transaction(&store, |txn| {
        let mut tree = txn.open_tree::<User>()?;
        tree.put(user(3))?;
        Err::<(), _>(NetabaseError::ReadOnly)
    })
    .expect_err("the closure's error is returned");
    assert!(matches!(err, NetabaseError::ReadOnly));
    let seen = with_read_transaction(&store, |txn| {
        let tree = txn.open_tree::<User>()?;
        tree.get_many([&UserPrimaryKey(1), &UserPrimaryKey(3)])
    })
    .unwrap();
    assert_eq!(
        seen.iter()
            .map(|u| u.as_ref().map(|u| u.id))
            .collect::<Vec<_>>(),
        vec![Some(1), None]
    );
}

/// Writes bytes that are not a `User` under user key 9, through the engine contract.
fn write_garbage<B: Backend>(backend: &B) {
    let txn = backend.begin_write().unwrap();
    let key = netabase_store::codec::encode_key(&UserPrimaryKey(9));
    txn.open_table(User::TREE_NAMES.primary)
        .unwrap()
        .insert(&key, &[0xFF, 0xFF])
        .unwrap();
    txn.commit().unwrap();
}

#[test]
fn a_failed_write_poisons_the_transaction() {
    let store = RedbStoreZeroCopy::<BlogDefinition>::temp().unwrap();
    put_users(&store, [1]);
    write_garbage(&store);
    let mut txn = store.begin_write().unwrap();
    let mut tree = txn.open_tree::<User>().unwrap();
    tree.put(user(2)).unwrap();
    assert!(matches!(
        tree.remove(UserPrimaryKey(9)),
        Err(NetabaseError::Decode { .. })
    ));
    drop(tree);
    assert!(txn.is_poisoned());
    assert!(matches!(
        txn.commit(),
        Err(NetabaseError::TransactionPoisoned)
    ));
    assert!(
        store
            .quick_get::<User>(&UserPrimaryKey(2))
            .unwrap()
            .is_none()
    );
}

/// Writes with one store type, reads with the other, in both directions.
fn check_shared_file(path: &Path) {
    {
        let store = RedbStoreZeroCopy::<BlogDefinition>::new(path).unwrap();
        put_users(&store, [1, 2]);
        store.quick_put(post(7, 1)).unwrap();
    }
    {
        let store = RedbStore::<BlogDefinition>::open(path).unwrap();
        let users = store.open_tree::<User>();
        assert_eq!(users.len().unwrap(), 2);
        assert_eq!(
            users.get(UserPrimaryKey(2)).unwrap().unwrap().username,
            "user2"
        );
        assert_eq!(
            ids(&users
                .get_by_secondary_key(by_email("u1@example.com"))
                .unwrap()),
            vec![1]
        );
        assert_eq!(store.open_tree::<Post>().len().unwrap(), 1);
        users.remove(UserPrimaryKey(1)).unwrap();
        users.put(user(4)).unwrap();
    }
    {
        let store = RedbStoreZeroCopy::<BlogDefinition>::open(path).unwrap();
        assert_eq!(user_ids(&store), vec![2, 4]);
        let read = store.begin_read().unwrap();
        let users = read.open_tree::<User>().unwrap();
        assert!(
            users
                .get_by_secondary_key(by_email("u1@example.com"))
                .unwrap()
                .iter()
                .all(|u| u.id == 4),
            "user 1's index entry was removed by RedbStore"
        );
        assert_eq!(
            ids(&users
                .get_by_secondary_key(by_email("u1@example.com"))
                .unwrap()),
            vec![4]
        );
    }
    // The same open database, converted between the two fronts.
    let redb: RedbStore<BlogDefinition> = RedbStoreZeroCopy::<BlogDefinition>::open(path)
        .unwrap()
        .into();
    assert_eq!(redb.open_tree::<User>().len().unwrap(), 2);
    let zero_copy = RedbStoreZeroCopy::from(redb.clone());
    zero_copy.quick_put(user(8)).unwrap();
    assert_eq!(redb.open_tree::<User>().len().unwrap(), 3);
}

#[test]
fn one_file_is_shared_with_redb_store() {
    let dir = tempfile::tempdir().unwrap();
    check_shared_file(&dir.path().join("shared.redb"));
}

/// A borrowed view of `User`: the strings point into the stored bytes.
#[derive(Debug, bincode::BorrowDecode)]
struct UserView<'a> {
    id: u64,
    username: &'a str,
    email: &'a str,
}

#[test]
fn guard_bytes_are_the_stored_encoding_of_the_model() {
    let store = RedbStoreZeroCopy::<BlogDefinition>::temp().unwrap();
    put_users(&store, [1, 2, 3]);
    let read = store.begin_read().unwrap();
    let tree = read.open_tree::<User>().unwrap();
    let got = tree.get(&UserPrimaryKey(2)).unwrap().unwrap();
    let guard = tree.get_ref(&UserPrimaryKey(2)).unwrap().unwrap();
    assert_eq!(
        guard.bytes(),
        netabase_store::codec::encode_value(&got)
            .unwrap()
            .as_slice()
    );
    let decoded: User = netabase_store::codec::decode_value(guard.bytes()).unwrap();
    assert_eq!(
        (decoded.id, &decoded.username, &decoded.email),
        (got.id, &got.username, &got.email)
    );
    let value = guard.value().unwrap();
    assert_eq!((value.id, value.username), (2, "user2".to_string()));
    assert!(tree.get_ref(&UserPrimaryKey(9)).unwrap().is_none());

    // The borrowed view decodes without copying its strings.
    let view: UserView<'_> = guard.decode_borrowed().unwrap();
    assert_eq!(
        (view.id, view.username, view.email),
        (2, "user2", "u2@example.com")
    );
    let page = guard.bytes().as_ptr_range();
    assert!(page.contains(&view.username.as_ptr()) && page.contains(&view.email.as_ptr()));
    // A view that does not match the model is an error, not garbage.
    assert!(matches!(
        guard.decode_borrowed::<(u64, &str)>(),
        Err(NetabaseError::Decode {
            tree: "BlogDefinition/User",
            ..
        })
    ));

    // The same inside a write transaction, where the guard borrows the tree.
    let mut txn = store.begin_write().unwrap();
    let mut tree = txn.open_tree::<User>().unwrap();
    tree.put(user(4)).unwrap();
    let guard = tree.get_ref(&UserPrimaryKey(4)).unwrap().unwrap();
    assert_eq!(
        guard.decode_borrowed::<UserView<'_>>().unwrap().username,
        "user4"
    );
    let refs: Vec<(u64, String)> = tree
        .iter_ref()
        .unwrap()
        .map(|item| {
            let (key, guard) = item.unwrap();
            (
                key.0,
                guard
                    .decode_borrowed::<UserView<'_>>()
                    .unwrap()
                    .username
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        refs,
        (1..=4)
            .map(|id| (id, format!("user{id}")))
            .collect::<Vec<_>>()
    );
}

#[test]
fn read_tree_iterates_decoded_and_borrowed() {
    let store = RedbStoreZeroCopy::<BlogDefinition>::temp().unwrap();
    put_users(&store, [3, 1, 2]);
    let read = store.begin_read().unwrap();
    let tree = read.open_tree::<User>().unwrap();
    let decoded: Vec<u64> = tree.iter().unwrap().map(|i| i.unwrap().1.id).collect();
    let borrowed: Vec<u64> = tree
        .iter_ref()
        .unwrap()
        .map(|i| i.unwrap().1.value().unwrap().id)
        .collect();
    assert_eq!(decoded, vec![1, 2, 3]);
    assert_eq!(borrowed, decoded);
    // A model that was never written reads as empty.
    assert!(read.open_tree::<Article>().unwrap().is_empty().unwrap());
}

/// The explicit transaction shares the typed layer's semantics (on the shared test schema).
mod shared_semantics {
    use netabase_store::NetabaseStore;
    use netabase_store::databases::redb_zerocopy::RedbStoreZeroCopy;

    use crate::schema::*;

    /// The explicit transaction publishes its changes to subscribers after commit (and nothing when
    /// aborted), and refuses a unique-key conflict without poisoning itself.
    #[test]
    fn explicit_transactions_publish_events_and_check_unique_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStoreZeroCopy::<TestDefinition>::new(dir.path().join("z.redb")).unwrap();
        let mut sub = NetabaseStore::from_backend(store.clone())
            .open_tree::<User>()
            .subscribe();
        let mut txn = store.begin_write().unwrap();
        let mut tree = txn.open_tree::<User>().unwrap();
        tree.put(user(1, 0)).unwrap();
        drop(tree);
        assert!(sub.try_recv().unwrap().is_none(), "nothing before commit");
        txn.commit().unwrap();
        assert_eq!(sub.try_recv().unwrap().map(|e| e.model().id), Some(1));

        let mut txn = store.begin_write().unwrap();
        txn.open_tree::<User>().unwrap().put(user(2, 0)).unwrap();
        txn.abort().unwrap();
        assert!(
            sub.try_recv().unwrap().is_none(),
            "an aborted transaction emits nothing"
        );

        let account = |id, handle: &str| Account {
            id,
            handle: handle.into(),
            number: id as u32,
            team: 1,
        };
        let mut txn = store.begin_write().unwrap();
        let mut accounts = txn.open_tree::<Account>().unwrap();
        accounts.put(account(1, "ann")).unwrap();
        let clash = accounts.put(account(2, "ann"));
        assert!(matches!(
            clash,
            Err(netabase_store::error::NetabaseError::UniqueViolation { .. })
        ));
        drop(accounts);
        assert!(
            !txn.is_poisoned(),
            "a refused put writes nothing and does not poison"
        );
        txn.commit().unwrap();
        assert_eq!(
            store.quick_get::<Account>(&AccountPrimaryKey(1)).unwrap(),
            Some(account(1, "ann"))
        );
        assert_eq!(
            store.quick_get::<Account>(&AccountPrimaryKey(2)).unwrap(),
            None
        );
    }
}

//! The backend conformance suite: every behaviour is one generic function, instantiated for
//! every backend by `conformance_suite!` at the bottom.

use std::collections::BTreeMap;
use std::path::Path;

use netabase_store::NetabaseStore;
use netabase_store::config::FileConfig;
use netabase_store::databases::any_store::AnyStore;
use netabase_store::databases::memory_store::MemoryStore;
use netabase_store::databases::redb_store::RedbStore;
use netabase_store::databases::sled_store::SledStore;
use netabase_store::engine::{Backend, RawTableMut, WriteTxn};
use netabase_store::error::NetabaseError;
use netabase_store::traits::model::NetabaseModelTrait;
use netabase_store::traits::tree::NetabaseTreeSync;

use crate::faulty::Faulty;
use crate::schema::*;

pub type Store<B> = NetabaseStore<TestDefinition, B>;

/// How the suite opens a backend.
pub trait Backing {
    type B: Backend;
    /// Whether the data survives reopening `dir`.
    const PERSISTENT: bool;
    /// Whether a read transaction is a snapshot isolated from later commits.
    const SNAPSHOT_READS: bool;
    /// Opens (or reopens) the store kept in `dir`.
    fn open(dir: &Path) -> Store<Self::B>;
}

pub struct Memory;
impl Backing for Memory {
    type B = MemoryStore<TestDefinition>;
    const PERSISTENT: bool = false;
    const SNAPSHOT_READS: bool = true;
    fn open(_dir: &Path) -> Store<Self::B> {
        NetabaseStore::memory()
    }
}

pub struct Sled;
impl Backing for Sled {
    type B = SledStore<TestDefinition>;
    const PERSISTENT: bool = true;
    const SNAPSHOT_READS: bool = false;
    fn open(dir: &Path) -> Store<Self::B> {
        let config = FileConfig::builder()
            .path(dir.join("sled"))
            .use_fsync(false)
            .build();
        NetabaseStore::with_config(config).expect("open sled")
    }
}

pub struct Redb;
impl Backing for Redb {
    type B = RedbStore<TestDefinition>;
    const PERSISTENT: bool = true;
    const SNAPSHOT_READS: bool = true;
    fn open(dir: &Path) -> Store<Self::B> {
        let config = FileConfig::builder()
            .path(dir.join("db.redb"))
            .use_fsync(false)
            .build();
        NetabaseStore::with_config(config).expect("open redb")
    }
}

/// A backing wrapped in the run-time-chosen [`AnyStore`].
pub struct Any<K>(std::marker::PhantomData<K>);
impl<K: Backing> Backing for Any<K>
where
    K::B: Into<AnyStore<TestDefinition>>,
{
    type B = AnyStore<TestDefinition>;
    const PERSISTENT: bool = K::PERSISTENT;
    const SNAPSHOT_READS: bool = K::SNAPSHOT_READS;
    fn open(dir: &Path) -> Store<Self::B> {
        NetabaseStore::from_backend(K::open(dir).into_backend().into())
    }
}

pub type AnyMemory = Any<Memory>;
pub type AnySled = Any<Sled>;
pub type AnyRedb = Any<Redb>;

/// The redb engine behind the explicit-transaction front (`RedbStoreZeroCopy`), through
/// `NetabaseStore`: the same suite, unchanged.
#[cfg(feature = "redb-zerocopy")]
pub struct ZeroCopy;
#[cfg(feature = "redb-zerocopy")]
impl Backing for ZeroCopy {
    type B = netabase_store::databases::redb_zerocopy::RedbStoreZeroCopy<TestDefinition>;
    const PERSISTENT: bool = true;
    const SNAPSHOT_READS: bool = true;
    fn open(dir: &Path) -> Store<Self::B> {
        let config = FileConfig::builder()
            .path(dir.join("db.redb"))
            .use_fsync(false)
            .build();
        NetabaseStore::with_config(config).expect("open redb zero-copy")
    }
}

/// A fresh store of backing `K` in its own temporary directory.
pub fn fresh<K: Backing>() -> (tempfile::TempDir, Store<K::B>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = K::open(dir.path());
    (dir, store)
}

fn all_users<B: Backend>(store: &Store<B>) -> Vec<User> {
    store
        .open_tree::<User>()
        .iter()
        .map(|item| item.expect("iterate").1)
        .collect()
}

fn ids(users: &[User]) -> Vec<u64> {
    users.iter().map(|u| u.id).collect()
}

/// Asserts that every secondary lookup on the user tree agrees with `expected`.
pub fn assert_user_index<B: Backend>(store: &Store<B>, expected: &BTreeMap<u64, User>) {
    let tree = store.open_tree::<User>();
    for n in 0..5 {
        let value = format!("u{n}@example.com");
        let want: Vec<u64> = expected
            .values()
            .filter(|u| u.email == value)
            .map(|u| u.id)
            .collect();
        assert_eq!(
            ids(&tree.get_by_secondary_key(email(&value)).unwrap()),
            want,
            "email {value}"
        );
    }
    for n in 0..4 {
        let want: Vec<u64> = expected
            .values()
            .filter(|u| u.age == n)
            .map(|u| u.id)
            .collect();
        assert_eq!(
            ids(&tree.get_by_secondary_key(age(n)).unwrap()),
            want,
            "age {n}"
        );
    }
    for flag in [false, true] {
        let want: Vec<u64> = expected
            .values()
            .filter(|u| u.active == flag)
            .map(|u| u.id)
            .collect();
        assert_eq!(
            ids(&tree.get_by_secondary_key(active(flag)).unwrap()),
            want,
            "active {flag}"
        );
    }
    assert_eq!(tree.len().unwrap(), expected.len());
    assert_eq!(tree.is_empty().unwrap(), expected.is_empty());
    assert_eq!(
        all_users(store),
        expected.values().cloned().collect::<Vec<_>>()
    );
}

pub fn crud_roundtrip<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    assert_eq!(tree.get(UserPrimaryKey(1)).unwrap(), None);
    tree.put(user(1, 0)).unwrap();
    assert_eq!(tree.get(UserPrimaryKey(1)).unwrap(), Some(user(1, 0)));
    assert_eq!(
        tree.get(user(1, 0).primary_key()).unwrap(),
        Some(user(1, 0))
    );
    assert_eq!(tree.remove(UserPrimaryKey(1)).unwrap(), Some(user(1, 0)));
    assert_eq!(tree.get(UserPrimaryKey(1)).unwrap(), None);
    assert_eq!(tree.remove(UserPrimaryKey(1)).unwrap(), None);
    assert!(tree.is_empty().unwrap());
}

pub fn overwrite_moves_secondary_index<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    let mut first = user(1, 0);
    first.email = "u0@example.com".into();
    first.age = 1;
    first.active = true;
    tree.put(first.clone()).unwrap();
    let mut second = first.clone();
    second.email = "u3@example.com".into();
    second.age = 2;
    tree.put(second.clone()).unwrap();

    assert!(
        tree.get_by_secondary_key(email("u0@example.com"))
            .unwrap()
            .is_empty()
    );
    assert!(tree.get_by_secondary_key(age(1)).unwrap().is_empty());
    assert_eq!(
        tree.get_by_secondary_key(email("u3@example.com")).unwrap(),
        vec![second.clone()]
    );
    assert_eq!(
        tree.get_by_secondary_key(age(2)).unwrap(),
        vec![second.clone()]
    );
    // The unchanged key still has exactly one entry.
    assert_eq!(
        tree.get_by_secondary_key(active(true)).unwrap(),
        vec![second]
    );
}

pub fn remove_and_clear_clean_the_index<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    let mut expected = BTreeMap::new();
    for id in 0..20 {
        tree.put(user(id, 1)).unwrap();
        expected.insert(id, user(id, 1));
    }
    for id in (0..20).step_by(3) {
        assert_eq!(tree.remove(UserPrimaryKey(id)).unwrap(), Some(user(id, 1)));
        expected.remove(&id);
    }
    assert_user_index(&store, &expected);
    tree.clear().unwrap();
    assert_user_index(&store, &BTreeMap::new());
    tree.put(user(7, 2)).unwrap();
    assert_user_index(&store, &BTreeMap::from([(7, user(7, 2))]));
}

pub fn len_and_is_empty<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    assert_eq!(tree.len().unwrap(), 0);
    assert!(tree.is_empty().unwrap());
    for id in 0..10 {
        tree.put(user(id, 0)).unwrap();
    }
    tree.put(user(3, 9)).unwrap();
    assert_eq!(tree.len().unwrap(), 10);
    assert!(!tree.is_empty().unwrap());
}

pub fn iteration_follows_u64_key_order<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    let keys = [256, 0, u64::MAX, 255, 1, 65_536, 4_294_967_296, 2];
    for id in keys {
        tree.put(user(id, 0)).unwrap();
    }
    let mut sorted = keys.to_vec();
    sorted.sort();
    let iterated: Vec<u64> = tree.iter().map(|item| item.unwrap().0.0).collect();
    assert_eq!(iterated, sorted);
}

pub fn iteration_follows_i64_key_order<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<Event>();
    let keys = [5, -1, i64::MIN, 0, i64::MAX, -300, 300, -2];
    for at in keys {
        tree.put(Event {
            at,
            payload: vec![1],
        })
        .unwrap();
    }
    let mut sorted = keys.to_vec();
    sorted.sort();
    let iterated: Vec<i64> = tree.iter().map(|item| item.unwrap().0.0).collect();
    assert_eq!(iterated, sorted);
}

pub fn iteration_follows_string_key_order<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<Article>();
    let slugs = [
        "b",
        "",
        "a\0",
        "ab",
        "a",
        "Z",
        "é",
        "a\0\0",
        "aa",
        "\u{10FFFF}",
    ];
    for slug in slugs {
        tree.put(Article {
            slug: slug.into(),
            body: String::new(),
            category: "c".into(),
        })
        .unwrap();
    }
    let mut sorted: Vec<String> = slugs.iter().map(|s| s.to_string()).collect();
    sorted.sort();
    let iterated: Vec<String> = tree.iter().map(|item| item.unwrap().0.0).collect();
    assert_eq!(iterated, sorted);
}

pub fn models_are_kept_apart<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let users = store.open_tree::<User>();
    let events = store.open_tree::<Event>();
    let articles = store.open_tree::<Article>();
    users.put(user(1, 0)).unwrap();
    events
        .put(Event {
            at: 1,
            payload: vec![9],
        })
        .unwrap();
    articles
        .put(Article {
            slug: "1".into(),
            body: "b".into(),
            category: "c".into(),
        })
        .unwrap();
    assert_eq!(
        (
            users.len().unwrap(),
            events.len().unwrap(),
            articles.len().unwrap()
        ),
        (1, 1, 1)
    );
    events.clear().unwrap();
    assert_eq!(
        (
            users.len().unwrap(),
            events.len().unwrap(),
            articles.len().unwrap()
        ),
        (1, 0, 1)
    );
    assert_eq!(users.get(UserPrimaryKey(1)).unwrap(), Some(user(1, 0)));
    assert_eq!(store.tree_names().len(), 7);
}

pub fn string_primary_keys<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<Article>();
    let article = Article {
        slug: "héllo wörld ✓".into(),
        body: "body".into(),
        category: "news".into(),
    };
    tree.put(article.clone()).unwrap();
    assert_eq!(
        tree.get(ArticlePrimaryKey("héllo wörld ✓".into())).unwrap(),
        Some(article.clone())
    );
    assert_eq!(tree.get(ArticlePrimaryKey("héllo".into())).unwrap(), None);
    let by_category = tree
        .get_by_secondary_key(ArticleSecondaryKeys::Category(ArticleCategorySecondaryKey(
            "news".into(),
        )))
        .unwrap();
    assert_eq!(by_category, vec![article]);
}

pub fn bool_and_u64_secondary_keys<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    let mut expected = BTreeMap::new();
    for id in 0..12 {
        tree.put(user(id, 0)).unwrap();
        expected.insert(id, user(id, 0));
    }
    assert_user_index(&store, &expected);
}

pub fn unicode_and_large_values<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let events = store.open_tree::<Event>();
    let payload: Vec<u8> = (0..(1 << 20)).map(|i| (i % 251) as u8).collect();
    events
        .put(Event {
            at: -7,
            payload: payload.clone(),
        })
        .unwrap();
    assert_eq!(
        events.get(EventPrimaryKey(-7)).unwrap().unwrap().payload,
        payload
    );
    let users = store.open_tree::<User>();
    let mut u = user(1, 0);
    u.name = "名前 🦀 Ünïcödé".into();
    users.put(u.clone()).unwrap();
    assert_eq!(users.get(UserPrimaryKey(1)).unwrap(), Some(u));
}

pub fn bulk_operations<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    tree.put_many((0..50).map(|id| user(id, 0))).unwrap();
    assert_eq!(tree.len().unwrap(), 50);
    let got = tree
        .get_many([UserPrimaryKey(3), UserPrimaryKey(99), UserPrimaryKey(49)])
        .unwrap();
    assert_eq!(got, vec![Some(user(3, 0)), None, Some(user(49, 0))]);
    let by_age = tree.get_many_by_secondary_keys([age(0), age(3)]).unwrap();
    let expected: BTreeMap<u64, User> = (0..50).map(|id| (id, user(id, 0))).collect();
    for (result, a) in by_age.iter().zip([0, 3]) {
        let want: Vec<u64> = expected
            .values()
            .filter(|u| u.age == a)
            .map(|u| u.id)
            .collect();
        assert_eq!(ids(result), want);
    }
    assert_user_index(&store, &expected);
}

pub fn batches_apply_in_order<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    tree.put(user(1, 0)).unwrap();
    let mut batch = tree.create_batch().unwrap();
    batch.put(user(2, 0)).unwrap();
    batch.remove(UserPrimaryKey(2)).unwrap();
    batch.remove(UserPrimaryKey(1)).unwrap();
    batch.put(user(1, 5)).unwrap();
    batch.put(user(3, 0)).unwrap();
    assert_eq!(batch.len(), 5);
    assert_eq!(tree.len().unwrap(), 1, "nothing is written before commit");
    batch.commit().unwrap();
    assert_user_index(&store, &BTreeMap::from([(1, user(1, 5)), (3, user(3, 0))]));
}

/// Puts `users` into a fresh faulty store, then checks that a batch failing on its N-th write,
/// for every N, writes nothing.
pub fn batch_that_fails_part_way_writes_nothing<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let store = NetabaseStore::<TestDefinition, _>::from_backend(Faulty::new(store.into_backend()));
    let tree = store.open_tree::<User>();
    let before: BTreeMap<u64, User> = (0..6).map(|id| (id, user(id, 0))).collect();
    tree.put_many(before.values().cloned()).unwrap();
    // 4 new users and 2 overwrites: each put writes 1 model and up to 3 index entries.
    let batch_users: Vec<User> = (4..10).map(|id| user(id, 1)).collect();
    for allowed in [0, 1, 5, 12, 20] {
        store.backend().fail_after(allowed);
        let mut batch = tree.create_batch().unwrap();
        for u in &batch_users {
            batch.put(u.clone()).unwrap();
        }
        batch.remove(UserPrimaryKey(0)).unwrap();
        let err = batch
            .commit()
            .expect_err("the injected failure must surface");
        assert!(matches!(err, NetabaseError::Storage { .. }), "{err}");
        store.backend().heal();
        assert_user_index(&store, &before);
    }
    // put_many fails part way too.
    store.backend().fail_after(3);
    assert!(tree.put_many(batch_users.clone()).is_err());
    store.backend().heal();
    assert_user_index(&store, &before);
}

pub fn encoding_failure_writes_nothing<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<Fragile>();
    let ok = |id| Fragile {
        id,
        group: 1,
        blob: Blob("ok".into()),
    };
    let bad = Fragile {
        id: 100,
        group: 1,
        blob: Blob("FAIL".into()),
    };
    tree.put(ok(1)).unwrap();
    let err = tree
        .put_many([ok(2), ok(3), bad.clone(), ok(4)])
        .expect_err("encoding fails");
    match err {
        NetabaseError::Encode { tree, .. } => assert_eq!(tree, "TestDefinition/Fragile"),
        other => panic!("unexpected error {other}"),
    }
    assert_eq!(tree.len().unwrap(), 1);
    let mut batch = tree.create_batch().unwrap();
    batch.put(ok(5)).unwrap();
    assert!(batch.put(bad).is_err());
    assert_eq!(batch.len(), 1, "a refused put leaves the batch unchanged");
    batch.commit().unwrap();
    let group = tree
        .get_by_secondary_key(FragileSecondaryKeys::Group(FragileGroupSecondaryKey(1)))
        .unwrap();
    assert_eq!(group, vec![ok(1), ok(5)]);
}

pub fn dropped_write_transaction_writes_nothing<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let before: BTreeMap<u64, User> = (0..5).map(|id| (id, user(id, 0))).collect();
    store
        .open_tree::<User>()
        .put_many(before.values().cloned())
        .unwrap();
    store
        .open_tree::<Event>()
        .put(Event {
            at: 1,
            payload: vec![],
        })
        .unwrap();
    {
        let txn = store.write();
        let mut users = txn.open_tree::<User>();
        users.put(user(10, 0)).unwrap();
        users.put(user(1, 3)).unwrap();
        users.remove(UserPrimaryKey(2)).unwrap();
        let mut events = txn.open_tree::<Event>();
        events.clear().unwrap();
        // The transaction sees its own writes.
        assert_eq!(users.get(UserPrimaryKey(10)).unwrap(), Some(user(10, 0)));
        assert_eq!(users.len().unwrap(), 5);
        assert!(events.is_empty().unwrap());
    }
    assert_user_index(&store, &before);
    assert_eq!(store.open_tree::<Event>().len().unwrap(), 1);
    let txn = store.write();
    txn.open_tree::<User>().put(user(11, 0)).unwrap();
    txn.rollback();
    assert_user_index(&store, &before);
}

pub fn committed_transaction_is_atomic_and_visible<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    store
        .open_tree::<User>()
        .put_many((0..5).map(|id| user(id, 0)))
        .unwrap();
    let txn = store.write();
    let mut users = txn.open_tree::<User>();
    users.put_many((5..8).map(|id| user(id, 0))).unwrap();
    users.put(user(0, 4)).unwrap();
    assert_eq!(
        users
            .remove_many([UserPrimaryKey(1), UserPrimaryKey(42)])
            .unwrap(),
        vec![Some(user(1, 0)), None]
    );
    assert_eq!(
        users
            .get_many([UserPrimaryKey(0), UserPrimaryKey(1)])
            .unwrap(),
        vec![Some(user(0, 4)), None]
    );
    let in_txn: Vec<u64> = users
        .iter()
        .unwrap()
        .map(|item| item.unwrap().0.0)
        .collect();
    assert_eq!(in_txn, vec![0, 2, 3, 4, 5, 6, 7]);
    let by_email = users.get_by_secondary_key(email("u4@example.com")).unwrap();
    assert_eq!(ids(&by_email), vec![0, 4]);
    let mut articles = txn.open_tree::<Article>();
    articles
        .put(Article {
            slug: "s".into(),
            body: String::new(),
            category: "c".into(),
        })
        .unwrap();
    // The views are still in scope: they only borrow the transaction.
    txn.commit().unwrap();
    let mut expected: BTreeMap<u64, User> = (0..8).map(|id| (id, user(id, 0))).collect();
    expected.insert(0, user(0, 4));
    expected.remove(&1);
    assert_user_index(&store, &expected);
    assert_eq!(store.open_tree::<Article>().len().unwrap(), 1);
    let read = store.read();
    let view = read.open_tree::<User>();
    assert_eq!(view.len().unwrap(), 7);
    assert_eq!(view.get(UserPrimaryKey(0)).unwrap(), Some(user(0, 4)));
}

pub fn failed_write_poisons_the_transaction<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let store = NetabaseStore::<TestDefinition, _>::from_backend(Faulty::new(store.into_backend()));
    store.open_tree::<User>().put(user(1, 0)).unwrap();
    let txn = store.write();
    let mut users = txn.open_tree::<User>();
    users.put(user(2, 0)).unwrap();
    store.backend().fail_after(2);
    assert!(users.put(user(3, 0)).is_err());
    store.backend().heal();
    assert!(matches!(
        txn.commit(),
        Err(NetabaseError::TransactionPoisoned)
    ));
    assert_user_index(&store, &BTreeMap::from([(1, user(1, 0))]));
}

pub fn read_transaction_is_a_snapshot<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    tree.put(user(1, 0)).unwrap();
    let read = store.read();
    let view = read.open_tree::<User>();
    tree.put(user(2, 0)).unwrap();
    tree.remove(UserPrimaryKey(1)).unwrap();
    if K::SNAPSHOT_READS {
        assert_eq!(view.len().unwrap(), 1);
        assert_eq!(view.get(UserPrimaryKey(1)).unwrap(), Some(user(1, 0)));
        assert_eq!(view.get(UserPrimaryKey(2)).unwrap(), None);
    } else {
        // Documented: sled reads see committed data.
        assert_eq!(view.get(UserPrimaryKey(2)).unwrap(), Some(user(2, 0)));
    }
    // A tree iterator reads one snapshot too.
    let iter = tree.iter();
    tree.put(user(3, 0)).unwrap();
    let seen: Vec<u64> = iter.map(|item| item.unwrap().0.0).collect();
    if K::SNAPSHOT_READS {
        assert_eq!(seen, vec![2]);
    }
}

pub fn reopen_keeps_everything<K: Backing>() {
    if !K::PERSISTENT {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let expected: BTreeMap<u64, User> = (0..30).map(|id| (id, user(id, 2))).collect();
    {
        let store = K::open(dir.path());
        store
            .open_tree::<User>()
            .put_many(expected.values().cloned())
            .unwrap();
        store
            .open_tree::<User>()
            .remove(UserPrimaryKey(99))
            .unwrap();
        store
            .open_tree::<Article>()
            .put(Article {
                slug: "x".into(),
                body: "y".into(),
                category: "z".into(),
            })
            .unwrap();
        store.flush().unwrap();
    }
    let store = K::open(dir.path());
    assert_user_index(&store, &expected);
    assert_eq!(store.open_tree::<Article>().len().unwrap(), 1);
}

/// Writes raw bytes into a model's table, as a foreign writer or disk corruption would.
fn write_raw<B: Backend>(store: &Store<B>, table: &'static str, key: &[u8], value: &[u8]) {
    let txn = store.backend().begin_write().unwrap();
    txn.open_table(table).unwrap().insert(key, value).unwrap();
    txn.commit().unwrap();
}

pub fn corrupt_bytes_give_typed_errors<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    tree.put(user(1, 0)).unwrap();
    let key = netabase_store::codec::encode_key(&UserPrimaryKey(2));
    write_raw(&store, "TestDefinition/User", &key, &[0xFF, 0xFF, 0xFF]);
    match tree.get(UserPrimaryKey(2)) {
        Err(NetabaseError::Decode { tree, .. }) => assert_eq!(tree, "TestDefinition/User"),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(tree.iter().any(|item| item.is_err()));
    // Removing a corrupt value is refused and changes nothing.
    assert!(tree.remove(UserPrimaryKey(2)).is_err());
    assert_eq!(tree.len().unwrap(), 2);
    // Overwriting it repairs the tree and its index.
    tree.put(user(2, 0)).unwrap();
    assert_user_index(&store, &BTreeMap::from([(1, user(1, 0)), (2, user(2, 0))]));
    // A key that is not a valid u64 encoding.
    write_raw(
        &store,
        "TestDefinition/User",
        &[1, 2, 3],
        &netabase_store::codec::encode_value(&user(3, 0)).unwrap(),
    );
    let errors: Vec<_> = tree.iter().filter_map(Result::err).collect();
    assert!(
        matches!(
            errors.as_slice(),
            [NetabaseError::KeyDecode {
                tree: "TestDefinition/User",
                ..
            }]
        ),
        "{errors:?}"
    );
}

/// Removing an undecodable value inside a write transaction fails with a decode error that
/// names the tree and poisons the transaction (the engine may already have taken the bytes
/// out), so its commit writes nothing and the stored bytes stay as they were.
pub fn removing_a_corrupt_value_in_a_transaction_changes_nothing<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    tree.put(user(1, 0)).unwrap();
    let key = netabase_store::codec::encode_key(&UserPrimaryKey(2));
    write_raw(&store, "TestDefinition/User", &key, &[0xFF, 0xFF, 0xFF]);
    let txn = store.write();
    let mut users = txn.open_tree::<User>();
    users.put(user(3, 0)).unwrap();
    match users.remove(UserPrimaryKey(2)) {
        Err(NetabaseError::Decode { tree, .. }) => assert_eq!(tree, "TestDefinition/User"),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(matches!(
        txn.commit(),
        Err(NetabaseError::TransactionPoisoned)
    ));
    assert_eq!(tree.len().unwrap(), 2, "user 1 and the corrupt value");
    assert_eq!(tree.get(UserPrimaryKey(3)).unwrap(), None);
    assert!(matches!(
        tree.get(UserPrimaryKey(2)),
        Err(NetabaseError::Decode { .. })
    ));
}

/// The tree is usable through the `NetabaseTreeSync` trait, as generic code would use it.
pub fn usable_through_the_tree_trait<K: Backing>() {
    fn exercise<
        T: NetabaseTreeSync<
                TestDefinition,
                User,
                PrimaryKey = UserPrimaryKey,
                SecondaryKeys = UserSecondaryKeys,
            >,
    >(
        tree: &T,
    ) {
        tree.put(user(1, 0)).unwrap();
        tree.put_many([user(2, 0), user(3, 0)]).unwrap();
        assert_eq!(tree.get(UserPrimaryKey(1)).unwrap(), Some(user(1, 0)));
        assert_eq!(tree.len().unwrap(), 3);
        assert_eq!(tree.iter().count(), 3);
        // Users 1 and 3 share `active`; user 2 differs.
        assert_eq!(
            tree.get_by_secondary_key(active(user(1, 0).active))
                .unwrap()
                .len(),
            2
        );
        assert_eq!(tree.get_many([UserPrimaryKey(9)]).unwrap(), vec![None]);
        assert_eq!(
            tree.get_many_by_secondary_keys([age(99)]).unwrap(),
            vec![vec![]]
        );
        assert_eq!(tree.remove(UserPrimaryKey(1)).unwrap(), Some(user(1, 0)));
        tree.clear().unwrap();
        assert!(tree.is_empty().unwrap());
    }
    let (_dir, store) = fresh::<K>();
    exercise(&store.open_tree::<User>());
}

/// Instantiates the generic tests `fn name<K: Backing>()` of the calling module once per
/// backing: `backend_suite!([a, b] memory: Memory, sled: Sled);` makes `mod memory { #[test] fn
/// a() { super::a::<super::Memory>() } .. }` and the same for `sled`.
macro_rules! backend_suite {
    ($tests:tt $($module:ident: $backing:ident),+ $(,)?) => {$(
        mod $module {
            $crate::conformance::backend_suite!(@tests $backing $tests);
        }
    )+};
    (@tests $backing:ident [$($test:ident),+ $(,)?]) => {$(
        #[test]
        fn $test() {
            super::$test::<super::$backing>();
        }
    )+};
}

pub(crate) use backend_suite;

/// Runs every conformance test on the given backings.
macro_rules! conformance_suite {
    ($($backings:tt)*) => {
        backend_suite!(
            [
                crud_roundtrip,
                overwrite_moves_secondary_index,
                remove_and_clear_clean_the_index,
                len_and_is_empty,
                iteration_follows_u64_key_order,
                iteration_follows_i64_key_order,
                iteration_follows_string_key_order,
                models_are_kept_apart,
                string_primary_keys,
                bool_and_u64_secondary_keys,
                unicode_and_large_values,
                bulk_operations,
                batches_apply_in_order,
                batch_that_fails_part_way_writes_nothing,
                encoding_failure_writes_nothing,
                dropped_write_transaction_writes_nothing,
                committed_transaction_is_atomic_and_visible,
                failed_write_poisons_the_transaction,
                read_transaction_is_a_snapshot,
                reopen_keeps_everything,
                corrupt_bytes_give_typed_errors,
                removing_a_corrupt_value_in_a_transaction_changes_nothing,
                usable_through_the_tree_trait,
            ]
            $($backings)*
        );
    };
}

conformance_suite!(
    memory: Memory,
    sled: Sled,
    redb: Redb,
    any_memory: AnyMemory,
    any_sled: AnySled,
    any_redb: AnyRedb,
);
#[cfg(feature = "redb-zerocopy")]
conformance_suite!(zerocopy: ZeroCopy);

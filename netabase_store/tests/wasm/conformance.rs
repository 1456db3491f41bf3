//! The store conformance suite in async form: every behaviour is one generic function over
//! `NetabaseTreeAsync`, run against IndexedDB and against the memory backend (the reference,
//! through `StoreTree`'s `NetabaseTreeAsync` impl) by `async_suite!` at the bottom.

use std::collections::BTreeMap;
use std::future::Future;

use netabase_store::NetabaseStore;
use netabase_store::databases::indexeddb_store::IndexedDBStore;
use netabase_store::databases::memory_store::MemoryStore;
use netabase_store::error::NetabaseError;
use netabase_store::traits::model::NetabaseModelTrait;
use netabase_store::traits::tree::NetabaseTreeAsync;

use crate::schema::*;
use crate::unique_name;

/// How the suite opens a store and its trees.
pub trait Backing {
    type Store;
    /// Opens a fresh store for test `test`.
    fn open(test: &str) -> impl Future<Output = Self::Store>;
    /// The tree of model `M`.
    fn tree<M: NetabaseModelTrait<TestDefinition>>(
        store: &Self::Store,
    ) -> impl NetabaseTreeAsync<
        TestDefinition,
        M,
        PrimaryKey = M::PrimaryKey,
        SecondaryKeys = M::SecondaryKeys,
    > + '_;
}

pub struct IndexedDb;
impl Backing for IndexedDb {
    type Store = IndexedDBStore<TestDefinition>;
    async fn open(test: &str) -> Self::Store {
        IndexedDBStore::new(unique_name(test))
            .await
            .expect("open IndexedDB")
    }
    fn tree<M: NetabaseModelTrait<TestDefinition>>(
        store: &Self::Store,
    ) -> impl NetabaseTreeAsync<
        TestDefinition,
        M,
        PrimaryKey = M::PrimaryKey,
        SecondaryKeys = M::SecondaryKeys,
    > + '_ {
        store.open_tree::<M>()
    }
}

pub struct Memory;
impl Backing for Memory {
    type Store = NetabaseStore<TestDefinition, MemoryStore<TestDefinition>>;
    async fn open(_test: &str) -> Self::Store {
        NetabaseStore::memory()
    }
    fn tree<M: NetabaseModelTrait<TestDefinition>>(
        store: &Self::Store,
    ) -> impl NetabaseTreeAsync<
        TestDefinition,
        M,
        PrimaryKey = M::PrimaryKey,
        SecondaryKeys = M::SecondaryKeys,
    > + '_ {
        store.open_tree::<M>()
    }
}

fn ids(users: &[User]) -> Vec<u64> {
    users.iter().map(|u| u.id).collect()
}

/// Asserts that the user tree holds exactly `expected`, in key order, and that every secondary
/// lookup agrees with it.
pub async fn assert_user_index<K: Backing>(store: &K::Store, expected: &BTreeMap<u64, User>) {
    let tree = K::tree::<User>(store);
    for n in 0..5 {
        let value = format!("u{n}@example.com");
        let want: Vec<u64> = expected
            .values()
            .filter(|u| u.email == value)
            .map(|u| u.id)
            .collect();
        let got = tree.get_by_secondary_key(email(&value)).await.unwrap();
        assert_eq!(ids(&got), want, "email {value}");
    }
    for n in 0..4 {
        let want: Vec<u64> = expected
            .values()
            .filter(|u| u.age == n)
            .map(|u| u.id)
            .collect();
        let got = tree.get_by_secondary_key(age(n)).await.unwrap();
        assert_eq!(ids(&got), want, "age {n}");
    }
    for flag in [false, true] {
        let want: Vec<u64> = expected
            .values()
            .filter(|u| u.active == flag)
            .map(|u| u.id)
            .collect();
        let got = tree.get_by_secondary_key(active(flag)).await.unwrap();
        assert_eq!(ids(&got), want, "active {flag}");
    }
    assert_eq!(tree.len().await.unwrap(), expected.len());
    assert_eq!(tree.is_empty().await.unwrap(), expected.is_empty());
    let all = tree.iter().await.unwrap();
    assert_eq!(
        all.iter().map(|(key, _)| key.0).collect::<Vec<_>>(),
        expected.keys().copied().collect::<Vec<_>>()
    );
    assert_eq!(
        all.into_iter().map(|(_, user)| user).collect::<Vec<_>>(),
        expected.values().cloned().collect::<Vec<_>>()
    );
}

pub async fn crud_roundtrip<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let tree = K::tree::<User>(&store);
    assert_eq!(tree.get(UserPrimaryKey(1)).await.unwrap(), None);
    tree.put(user(1, 0)).await.unwrap();
    assert_eq!(tree.get(UserPrimaryKey(1)).await.unwrap(), Some(user(1, 0)));
    assert_eq!(
        tree.get(user(1, 0).primary_key()).await.unwrap(),
        Some(user(1, 0))
    );
    assert_eq!(
        tree.remove(UserPrimaryKey(1)).await.unwrap(),
        Some(user(1, 0))
    );
    assert_eq!(tree.get(UserPrimaryKey(1)).await.unwrap(), None);
    assert_eq!(tree.remove(UserPrimaryKey(1)).await.unwrap(), None);
    assert!(tree.is_empty().await.unwrap());
}

pub async fn overwrite_moves_secondary_index<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let tree = K::tree::<User>(&store);
    let mut first = user(1, 0);
    first.email = "u0@example.com".into();
    first.age = 1;
    first.active = true;
    tree.put(first.clone()).await.unwrap();
    let mut second = first.clone();
    second.email = "u3@example.com".into();
    second.age = 2;
    tree.put(second.clone()).await.unwrap();

    let by = |key| tree.get_by_secondary_key(key);
    assert!(by(email("u0@example.com")).await.unwrap().is_empty());
    assert!(by(age(1)).await.unwrap().is_empty());
    assert_eq!(
        by(email("u3@example.com")).await.unwrap(),
        vec![second.clone()]
    );
    assert_eq!(by(age(2)).await.unwrap(), vec![second.clone()]);
    // The unchanged key still has exactly one entry.
    assert_eq!(by(active(true)).await.unwrap(), vec![second]);
}

pub async fn remove_and_clear_clean_the_index<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let tree = K::tree::<User>(&store);
    let mut expected = BTreeMap::new();
    for id in 0..20 {
        tree.put(user(id, 1)).await.unwrap();
        expected.insert(id, user(id, 1));
    }
    for id in (0..20).step_by(3) {
        assert_eq!(
            tree.remove(UserPrimaryKey(id)).await.unwrap(),
            Some(user(id, 1))
        );
        expected.remove(&id);
    }
    assert_user_index::<K>(&store, &expected).await;
    tree.clear().await.unwrap();
    assert_user_index::<K>(&store, &BTreeMap::new()).await;
    tree.put(user(7, 2)).await.unwrap();
    assert_user_index::<K>(&store, &BTreeMap::from([(7, user(7, 2))])).await;
}

pub async fn len_and_is_empty<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let tree = K::tree::<User>(&store);
    assert_eq!(tree.len().await.unwrap(), 0);
    assert!(tree.is_empty().await.unwrap());
    for id in 0..10 {
        tree.put(user(id, 0)).await.unwrap();
    }
    tree.put(user(3, 9)).await.unwrap();
    assert_eq!(tree.len().await.unwrap(), 10);
    assert!(!tree.is_empty().await.unwrap());
}

pub async fn iteration_follows_u64_key_order<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let tree = K::tree::<User>(&store);
    let keys = [256, 0, u64::MAX, 255, 1, 65_536, 4_294_967_296, 2];
    for id in keys {
        tree.put(user(id, 0)).await.unwrap();
    }
    let mut sorted = keys.to_vec();
    sorted.sort();
    let iterated: Vec<u64> = tree
        .iter()
        .await
        .unwrap()
        .into_iter()
        .map(|(key, _)| key.0)
        .collect();
    assert_eq!(iterated, sorted);
}

pub async fn iteration_follows_i64_key_order<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let tree = K::tree::<Event>(&store);
    let keys = [5, -1, i64::MIN, 0, i64::MAX, -300, 300, -2];
    for at in keys {
        tree.put(Event {
            at,
            payload: vec![1],
        })
        .await
        .unwrap();
    }
    let mut sorted = keys.to_vec();
    sorted.sort();
    let iterated: Vec<i64> = tree
        .iter()
        .await
        .unwrap()
        .into_iter()
        .map(|(key, _)| key.0)
        .collect();
    assert_eq!(iterated, sorted);
}

pub async fn iteration_follows_string_key_order<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let tree = K::tree::<Article>(&store);
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
        .await
        .unwrap();
    }
    let mut sorted: Vec<String> = slugs.iter().map(|s| s.to_string()).collect();
    sorted.sort();
    let iterated: Vec<String> = tree
        .iter()
        .await
        .unwrap()
        .into_iter()
        .map(|(key, _)| key.0)
        .collect();
    assert_eq!(iterated, sorted);
}

pub async fn models_are_kept_apart<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let users = K::tree::<User>(&store);
    let events = K::tree::<Event>(&store);
    let articles = K::tree::<Article>(&store);
    users.put(user(1, 0)).await.unwrap();
    events
        .put(Event {
            at: 1,
            payload: vec![9],
        })
        .await
        .unwrap();
    articles
        .put(Article {
            slug: "1".into(),
            body: "b".into(),
            category: "c".into(),
        })
        .await
        .unwrap();
    let lens = async || {
        (
            users.len().await.unwrap(),
            events.len().await.unwrap(),
            articles.len().await.unwrap(),
        )
    };
    assert_eq!(lens().await, (1, 1, 1));
    events.clear().await.unwrap();
    assert_eq!(lens().await, (1, 0, 1));
    assert_eq!(
        users.get(UserPrimaryKey(1)).await.unwrap(),
        Some(user(1, 0))
    );
}

pub async fn string_primary_keys<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let tree = K::tree::<Article>(&store);
    let article = Article {
        slug: "héllo wörld ✓".into(),
        body: "body".into(),
        category: "news".into(),
    };
    tree.put(article.clone()).await.unwrap();
    assert_eq!(
        tree.get(ArticlePrimaryKey("héllo wörld ✓".into()))
            .await
            .unwrap(),
        Some(article.clone())
    );
    assert_eq!(
        tree.get(ArticlePrimaryKey("héllo".into())).await.unwrap(),
        None
    );
    let by_category = tree
        .get_by_secondary_key(ArticleSecondaryKeys::Category(ArticleCategorySecondaryKey(
            "news".into(),
        )))
        .await
        .unwrap();
    assert_eq!(by_category, vec![article]);
}

pub async fn bool_and_u64_secondary_keys<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let tree = K::tree::<User>(&store);
    let mut expected = BTreeMap::new();
    for id in 0..12 {
        tree.put(user(id, 0)).await.unwrap();
        expected.insert(id, user(id, 0));
    }
    assert_user_index::<K>(&store, &expected).await;
}

pub async fn unicode_and_large_values<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let events = K::tree::<Event>(&store);
    let payload: Vec<u8> = (0..(1 << 20)).map(|i| (i % 251) as u8).collect();
    events
        .put(Event {
            at: -7,
            payload: payload.clone(),
        })
        .await
        .unwrap();
    let stored = events.get(EventPrimaryKey(-7)).await.unwrap().unwrap();
    assert_eq!(stored.payload, payload);
    let users = K::tree::<User>(&store);
    let mut u = user(1, 0);
    u.name = "名前 🦀 Ünïcödé".into();
    users.put(u.clone()).await.unwrap();
    assert_eq!(users.get(UserPrimaryKey(1)).await.unwrap(), Some(u));
}

pub async fn bulk_operations<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let tree = K::tree::<User>(&store);
    tree.put_many((0..50).map(|id| user(id, 0))).await.unwrap();
    assert_eq!(tree.len().await.unwrap(), 50);
    let got = tree
        .get_many([UserPrimaryKey(3), UserPrimaryKey(99), UserPrimaryKey(49)])
        .await
        .unwrap();
    assert_eq!(got, vec![Some(user(3, 0)), None, Some(user(49, 0))]);
    let by_age = tree
        .get_many_by_secondary_keys([age(0), age(3), age(99)])
        .await
        .unwrap();
    let expected: BTreeMap<u64, User> = (0..50).map(|id| (id, user(id, 0))).collect();
    assert_eq!(by_age.len(), 3);
    for (result, a) in by_age.iter().zip([0, 3, 99]) {
        let want: Vec<u64> = expected
            .values()
            .filter(|u| u.age == a)
            .map(|u| u.id)
            .collect();
        assert_eq!(ids(result), want, "age {a}");
    }
    assert_user_index::<K>(&store, &expected).await;
    // put_many applies in order: the last write of a key wins, and its index entries are the
    // ones left.
    tree.put_many([user(60, 0), user(60, 1), user(61, 0)])
        .await
        .unwrap();
    let mut expected = expected;
    expected.insert(60, user(60, 1));
    expected.insert(61, user(61, 0));
    assert_user_index::<K>(&store, &expected).await;
}

pub async fn encoding_failure_writes_nothing<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let tree = K::tree::<Fragile>(&store);
    let ok = |id| Fragile {
        id,
        group: 1,
        blob: Blob("ok".into()),
    };
    tree.put(ok(1)).await.unwrap();
    let bad = Fragile {
        id: 100,
        group: 1,
        blob: Blob("FAIL".into()),
    };
    match tree.put_many([ok(2), ok(3), bad, ok(4)]).await {
        Err(NetabaseError::Encode { tree, .. }) => assert_eq!(tree, "TestDefinition/Fragile"),
        other => panic!("expected an encoding error, got {other:?}"),
    }
    assert_eq!(tree.len().await.unwrap(), 1);
    let group = tree
        .get_by_secondary_key(FragileSecondaryKeys::Group(FragileGroupSecondaryKey(1)))
        .await
        .unwrap();
    assert_eq!(group, vec![ok(1)]);
}

fn account(id: u64, handle: &str, number: u32) -> Account {
    Account {
        id,
        handle: handle.into(),
        number,
        team: (id % 2) as u32,
    }
}

fn assert_unique_violation(result: netabase_store::error::Result<()>, field: &str) {
    match result {
        Err(NetabaseError::UniqueViolation {
            tree, field: got, ..
        }) => {
            assert_eq!(tree, "TestDefinition/Account");
            assert_eq!(got, field);
        }
        other => panic!("expected a unique violation of `{field}`, got {other:?}"),
    }
}

pub async fn unique_keys_are_enforced<K: Backing>(test: &str) {
    let store = K::open(test).await;
    let tree = K::tree::<Account>(&store);
    let handle = |value: &str| value.as_account_handle_key();
    tree.put(account(1, "ann", 10)).await.unwrap();

    // Another model cannot take a held value; the refusal writes nothing.
    assert_unique_violation(tree.put(account(2, "ann", 20)).await, "handle");
    assert_unique_violation(tree.put(account(2, "bob", 10)).await, "number");
    assert_eq!(tree.get(AccountPrimaryKey(2)).await.unwrap(), None);
    assert!(
        tree.get_by_secondary_key(handle("bob"))
            .await
            .unwrap()
            .is_empty()
    );

    // The holder keeps its value when it is overwritten; what it gives up becomes free.
    tree.put(account(1, "ann", 11)).await.unwrap();
    tree.put(account(2, "bob", 10)).await.unwrap();

    // Within one call order counts: 1 gives up "ann" before 3 takes it.
    tree.put_many([account(1, "cat", 11), account(3, "ann", 30)])
        .await
        .unwrap();
    // Two models of one call taking one value: refused, and nothing of the call is written.
    assert_unique_violation(
        tree.put_many([account(4, "dan", 40), account(5, "dan", 50)])
            .await,
        "handle",
    );
    assert_unique_violation(
        tree.put_many([account(4, "dan", 40), account(5, "eve", 30)])
            .await,
        "number",
    );
    assert_eq!(tree.get(AccountPrimaryKey(4)).await.unwrap(), None);

    // Removing frees the values.
    assert_eq!(
        tree.remove(AccountPrimaryKey(3)).await.unwrap(),
        Some(account(3, "ann", 30))
    );
    tree.put(account(6, "ann", 30)).await.unwrap();

    let stored: Vec<Account> = tree
        .iter()
        .await
        .unwrap()
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        stored,
        vec![
            account(1, "cat", 11),
            account(2, "bob", 10),
            account(6, "ann", 30)
        ]
    );
    for a in &stored {
        assert_eq!(
            tree.get_by_secondary_key(handle(&a.handle)).await.unwrap(),
            vec![a.clone()]
        );
        assert_eq!(
            tree.get_by_secondary_key(a.number.as_account_number_key())
                .await
                .unwrap(),
            vec![a.clone()]
        );
    }
    let team = tree
        .get_by_secondary_key(0u32.as_account_team_key())
        .await
        .unwrap();
    assert_eq!(team, vec![account(2, "bob", 10), account(6, "ann", 30)]);
}

macro_rules! async_suite {
    ($($module:ident: $backing:ident),+ $(,)?) => {$(
        mod $module {
            async_suite!(@tests $backing:
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
                encoding_failure_writes_nothing,
                unique_keys_are_enforced,
            );
        }
    )+};
    (@tests $backing:ident: $($test:ident),+ $(,)?) => {$(
        #[wasm_bindgen_test::wasm_bindgen_test]
        async fn $test() {
            super::$test::<super::$backing>(stringify!($test)).await;
        }
    )+};
}

async_suite!(indexeddb: IndexedDb, memory: Memory);

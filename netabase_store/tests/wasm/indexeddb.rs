//! What only the IndexedDB backend has: its object stores, its configuration, reopening,
//! upgrading when a definition gains a model, bad bytes written by someone else, writes that
//! fail part way or are cancelled, and unique-key lookups.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use idb::{Factory, TransactionMode, TransactionResult};
use js_sys::Uint8Array;
use netabase_store::codec::{encode_key, encode_value};
use netabase_store::config::IndexedDBConfig;
use netabase_store::databases::indexeddb_store::IndexedDBStore;
use netabase_store::error::NetabaseError;
use netabase_store::traits::model::NetabaseModelTrait;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::conformance::{IndexedDb, assert_user_index};
use crate::schema::*;
use crate::unique_name;

/// Writes `value` under `key` into object store `store` of database `name` through a
/// connection of its own, as another program (or a bug) would.
async fn write_raw(name: &str, store: &str, key: &[u8], value: JsValue) {
    let db = Factory::new()
        .unwrap()
        .open(name, None)
        .unwrap()
        .await
        .unwrap();
    let txn = db
        .transaction(&[store], TransactionMode::ReadWrite)
        .unwrap();
    txn.object_store(store)
        .unwrap()
        .put(&value, Some(&Uint8Array::from(key).into()))
        .unwrap()
        .await
        .unwrap();
    assert_eq!(txn.await.unwrap(), TransactionResult::Committed);
    db.close();
}

fn bytes(value: &[u8]) -> JsValue {
    Uint8Array::from(value).into()
}

#[wasm_bindgen_test]
async fn object_stores_are_the_tables_of_the_other_backends() {
    let store = IndexedDBStore::<TestDefinition>::new(unique_name("stores"))
        .await
        .unwrap();
    let mut expected = Vec::new();
    for names in [
        User::TREE_NAMES,
        Event::TREE_NAMES,
        Article::TREE_NAMES,
        Cell::TREE_NAMES,
        Chunk::TREE_NAMES,
        Account::TREE_NAMES,
        Fragile::TREE_NAMES,
    ] {
        expected.push(names.primary.to_string());
        // Only models with secondary keys have an index.
        if ![Event::TREE_NAMES, Chunk::TREE_NAMES].contains(&names) {
            expected.push(names.index.to_string());
        }
    }
    expected.sort();
    assert_eq!(store.store_names(), expected);
    assert!(expected.contains(&"TestDefinition/User/index".to_string()));
    assert_eq!(store.tree_names().len(), 7);
    assert_eq!(store.version(), 1);
}

#[wasm_bindgen_test]
async fn reopening_finds_the_models_and_their_secondary_index() {
    let name = unique_name("reopen");
    let expected: BTreeMap<u64, User> = (0..30).map(|id| (id, user(id, 2))).collect();
    {
        let store = IndexedDBStore::<TestDefinition>::new(name.clone())
            .await
            .unwrap();
        let users = store.open_tree::<User>();
        users.put_many(expected.values().cloned()).await.unwrap();
        users.remove(UserPrimaryKey(99)).await.unwrap();
        store
            .open_tree::<Article>()
            .put(Article {
                slug: "x".into(),
                body: "y".into(),
                category: "z".into(),
            })
            .await
            .unwrap();
    }
    let store = IndexedDBStore::<TestDefinition>::new(name).await.unwrap();
    assert_eq!(store.version(), 1, "reopening needs no upgrade");
    assert_user_index::<IndexedDb>(&store, &expected).await;
    let articles = store.open_tree::<Article>();
    assert_eq!(articles.len().await.unwrap(), 1);
    let by_category = articles
        .get_by_secondary_key(ArticleSecondaryKeys::Category(ArticleCategorySecondaryKey(
            "z".into(),
        )))
        .await
        .unwrap();
    assert_eq!(by_category.len(), 1);
}

/// The first version of an application's schema.
mod v1 {
    #[netabase_store::netabase_definition_module(AppDefinition, AppKeys)]
    pub mod app {
        use netabase_store::{NetabaseModel, netabase};

        #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
        #[netabase(AppDefinition)]
        pub struct Note {
            #[primary_key]
            pub id: u64,
            #[secondary_key]
            pub tag: String,
            pub text: String,
        }
    }
}

/// The next version: the same definition name and `Note`, and one more model.
mod v2 {
    #[netabase_store::netabase_definition_module(AppDefinition, AppKeys)]
    pub mod app {
        use netabase_store::{NetabaseModel, netabase};

        #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
        #[netabase(AppDefinition)]
        pub struct Note {
            #[primary_key]
            pub id: u64,
            #[secondary_key]
            pub tag: String,
            pub text: String,
        }

        #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
        #[netabase(AppDefinition)]
        pub struct Label {
            #[primary_key]
            pub name: String,
            #[secondary_key]
            pub color: u32,
        }
    }
}

#[wasm_bindgen_test]
async fn a_definition_that_gained_a_model_upgrades_the_database_and_keeps_its_data() {
    use v1::app::{AppDefinition as V1, Note as V1Note, NotePrimaryKey as V1Key};
    use v2::app::{
        AppDefinition as V2, AsLabelColor, AsNoteTag, Label, LabelPrimaryKey, Note, NotePrimaryKey,
    };

    let name = unique_name("upgrade");
    let old = IndexedDBStore::<V1>::new(name.clone()).await.unwrap();
    assert_eq!(old.version(), 1);
    assert_eq!(
        old.store_names(),
        ["AppDefinition/Note", "AppDefinition/Note/index"]
    );
    let note = |id: u64, tag: &str| V1Note {
        id,
        tag: tag.into(),
        text: format!("note {id}"),
    };
    old.open_tree::<V1Note>()
        .put_many([note(1, "work"), note(2, "home"), note(3, "work")])
        .await
        .unwrap();

    // The second definition opens the same database while the first is still open.
    let new = IndexedDBStore::<V2>::new(name.clone()).await.unwrap();
    assert_eq!(new.version(), 2);
    assert_eq!(
        new.store_names(),
        [
            "AppDefinition/Label",
            "AppDefinition/Label/index",
            "AppDefinition/Note",
            "AppDefinition/Note/index"
        ]
    );
    let notes = new.open_tree::<Note>();
    assert_eq!(notes.len().await.unwrap(), 3);
    assert_eq!(
        notes.get(NotePrimaryKey(2)).await.unwrap().map(|n| n.tag),
        Some("home".to_string())
    );
    let work: Vec<u64> = notes
        .get_by_secondary_key("work".as_note_tag_key())
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(work, [1, 3]);
    let labels = new.open_tree::<Label>();
    labels
        .put(Label {
            name: "urgent".into(),
            color: 0xff0000,
        })
        .await
        .unwrap();
    assert_eq!(
        labels
            .get_by_secondary_key(0xff0000u32.as_label_color_key())
            .await
            .unwrap()
            .len(),
        1
    );

    // The first store's connection was closed for the upgrade: it reports an error instead of
    // blocking the upgrade or hanging.
    match old.open_tree::<V1Note>().get(V1Key(1)).await {
        Err(NetabaseError::Storage { .. }) => {}
        other => panic!("expected a storage error from the closed store, got {other:?}"),
    }
    drop(old);
    drop(new);

    // Reopening with either definition needs no further upgrade, and finds everything.
    let old = IndexedDBStore::<V1>::new(name.clone()).await.unwrap();
    assert_eq!(old.version(), 2);
    assert_eq!(old.open_tree::<V1Note>().len().await.unwrap(), 3);
    drop(old);
    let new = IndexedDBStore::<V2>::new(name).await.unwrap();
    assert_eq!(new.version(), 2);
    assert_eq!(
        new.open_tree::<Label>()
            .get(LabelPrimaryKey("urgent".into()))
            .await
            .unwrap()
            .map(|l| l.color),
        Some(0xff0000)
    );
}

#[wasm_bindgen_test]
async fn the_configured_name_and_version_are_honoured() {
    let name = unique_name("config");
    let config = IndexedDBConfig::new(name.clone()).with_version(5);
    assert_eq!(
        (config.database_name.as_str(), config.version),
        (name.as_str(), 5)
    );
    {
        let store = IndexedDBStore::<TestDefinition>::with_config(config)
            .await
            .unwrap();
        assert_eq!(store.database_name(), name);
        assert_eq!(store.version(), 5);
        store.open_tree::<User>().put(user(1, 0)).await.unwrap();
    }
    {
        // A lower wanted version opens the database at its own version.
        let store = IndexedDBStore::<TestDefinition>::new(name.clone())
            .await
            .unwrap();
        assert_eq!(store.version(), 5);
        assert_eq!(store.open_tree::<User>().len().await.unwrap(), 1);
    }
    let store =
        IndexedDBStore::<TestDefinition>::with_config(IndexedDBConfig::new(name).with_version(7))
            .await
            .unwrap();
    assert_eq!(store.version(), 7);
    assert_eq!(
        store
            .open_tree::<User>()
            .get(UserPrimaryKey(1))
            .await
            .unwrap(),
        Some(user(1, 0))
    );

    let zero = IndexedDBConfig::new(unique_name("config-zero")).with_version(0);
    match IndexedDBStore::<TestDefinition>::with_config(zero).await {
        Err(NetabaseError::InvalidConfig { field, .. }) => assert_eq!(field, "version"),
        other => panic!("expected version 0 to be refused, got {other:?}"),
    }
    let default = IndexedDBConfig::default();
    assert_eq!(
        (default.database_name.as_str(), default.version),
        ("netabase", 1)
    );
}

#[wasm_bindgen_test]
async fn bad_bytes_give_typed_errors_that_name_the_tree() {
    let name = unique_name("corrupt");
    let store = IndexedDBStore::<TestDefinition>::new(name.clone())
        .await
        .unwrap();
    let tree = store.open_tree::<User>();
    tree.put(user(1, 0)).await.unwrap();
    let key = |id: u64| encode_key(&UserPrimaryKey(id));
    write_raw(
        &name,
        "TestDefinition/User",
        &key(2),
        bytes(&[0xFF, 0xFF, 0xFF]),
    )
    .await;
    write_raw(
        &name,
        "TestDefinition/User",
        &key(3),
        JsValue::from_str("not bytes"),
    )
    .await;

    match tree.get(UserPrimaryKey(2)).await {
        Err(NetabaseError::Decode { tree, .. }) => assert_eq!(tree, "TestDefinition/User"),
        other => panic!("expected a decode error, got {other:?}"),
    }
    match tree.get(UserPrimaryKey(3)).await {
        Err(NetabaseError::Corrupt { tree, .. }) => assert_eq!(tree, "TestDefinition/User"),
        other => panic!("expected a corrupt-data error, got {other:?}"),
    }
    assert!(tree.iter().await.is_err());
    // Removing an undecodable value is refused and changes nothing.
    assert!(tree.remove(UserPrimaryKey(2)).await.is_err());
    assert!(tree.remove(UserPrimaryKey(3)).await.is_err());
    assert_eq!(tree.len().await.unwrap(), 3);
    // Overwriting repairs the tree and its index.
    tree.put(user(2, 0)).await.unwrap();
    tree.put(user(3, 0)).await.unwrap();
    let expected = BTreeMap::from([(1, user(1, 0)), (2, user(2, 0)), (3, user(3, 0))]);
    assert_user_index::<IndexedDb>(&store, &expected).await;

    // A key that is not the encoding of a u64.
    let value = encode_value(&user(4, 0)).unwrap();
    write_raw(&name, "TestDefinition/User", &[1, 2, 3], bytes(&value)).await;
    match tree.iter().await {
        Err(NetabaseError::KeyDecode { tree, .. }) => assert_eq!(tree, "TestDefinition/User"),
        other => panic!("expected a key decode error, got {other:?}"),
    }
    // An index entry whose model is missing.
    let entry = [
        &[0u8][..],
        &encode_key(&"zz@example.com".to_string()),
        &key(99),
    ]
    .concat();
    write_raw(&name, "TestDefinition/User/index", &entry, bytes(&[])).await;
    match tree.get_by_secondary_key(email("zz@example.com")).await {
        Err(NetabaseError::Corrupt { tree, .. }) => assert_eq!(tree, "TestDefinition/User/index"),
        other => panic!("expected a dangling-entry error, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_write_that_fails_part_way_writes_nothing() {
    let name = unique_name("part-way");
    let store = IndexedDBStore::<TestDefinition>::new(name.clone())
        .await
        .unwrap();
    let tree = store.open_tree::<User>();
    tree.put_many((0..3).map(|id| user(id, 0))).await.unwrap();
    // User 11's value does not decode, so overwriting it scans the index for its entries, and
    // the scan meets an entry with an unknown tag: the second put fails after the first one
    // queued its writes.
    let key = encode_key(&UserPrimaryKey(11));
    write_raw(&name, "TestDefinition/User", &key, bytes(&[0xFF])).await;
    write_raw(&name, "TestDefinition/User/index", &[0xEE], bytes(&[])).await;
    match tree.put_many([user(10, 0), user(11, 0)]).await {
        Err(NetabaseError::KeyDecode { tree, .. }) => assert_eq!(tree, "TestDefinition/User/index"),
        other => panic!("expected the index scan to fail, got {other:?}"),
    }
    assert_eq!(tree.get(UserPrimaryKey(10)).await.unwrap(), None);
    let ten = user(10, 0);
    for key in [email(&ten.email), age(ten.age), active(ten.active)] {
        let found = tree.get_by_secondary_key(key).await.unwrap();
        assert!(found.iter().all(|u| u.id != 10), "{found:?}");
    }
    assert_eq!(tree.len().await.unwrap(), 4);
}

#[wasm_bindgen_test]
async fn a_cancelled_write_writes_nothing() {
    let store = IndexedDBStore::<TestDefinition>::new(unique_name("cancelled"))
        .await
        .unwrap();
    let tree = store.open_tree::<User>();
    {
        let mut put = pin!(tree.put_many([user(1, 0), user(2, 0)]));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(put.as_mut().poll(&mut cx).is_pending());
        // Dropped while waiting for IndexedDB: its transaction is aborted.
    }
    assert!(tree.is_empty().await.unwrap());
    tree.put(user(3, 0)).await.unwrap();
    assert_user_index::<IndexedDb>(&store, &BTreeMap::from([(3, user(3, 0))])).await;
}

#[wasm_bindgen_test]
async fn unique_keys_are_looked_up_and_a_non_unique_key_is_refused() {
    let store = IndexedDBStore::<TestDefinition>::new(unique_name("unique-lookup"))
        .await
        .unwrap();
    let tree = store.open_tree::<Account>();
    let ann = Account {
        id: 1,
        handle: "ann".into(),
        number: 10,
        team: 1,
    };
    let bob = Account {
        id: 2,
        handle: "bob".into(),
        number: 20,
        team: 1,
    };
    tree.put_many([ann.clone(), bob.clone()]).await.unwrap();
    let by = |key| tree.get_by_unique_key(key);
    assert_eq!(by("ann".as_account_handle_key()).await.unwrap(), Some(ann));
    assert_eq!(by(20u32.as_account_number_key()).await.unwrap(), Some(bob));
    assert_eq!(by("zed".as_account_handle_key()).await.unwrap(), None);
    match by(1u32.as_account_team_key()).await {
        Err(NetabaseError::NotUnique { tree, field }) => {
            assert_eq!((tree, field), ("TestDefinition/Account", "team"));
        }
        other => panic!("expected NotUnique, got {other:?}"),
    }
}

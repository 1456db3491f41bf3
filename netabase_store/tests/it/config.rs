//! Every `FileConfig` field is honoured by each file backend, or rejected with a clear error.

use netabase_store::NetabaseStore;
use netabase_store::config::FileConfig;
use netabase_store::databases::redb_store::RedbStore;
use netabase_store::databases::sled_store::SledStore;
use netabase_store::error::NetabaseError;
use netabase_store::traits::backend_store::BackendStore;

use crate::schema::*;

type SledS = SledStore<TestDefinition>;
type RedbS = RedbStore<TestDefinition>;

// The inherent `SledStore::new(path)` shadows `BackendStore::new(config)`; these name the trait.
fn sled_new(config: FileConfig) -> Result<SledS, NetabaseError> {
    <SledS as BackendStore<TestDefinition>>::new(config)
}
fn sled_open(config: FileConfig) -> Result<SledS, NetabaseError> {
    <SledS as BackendStore<TestDefinition>>::open(config)
}
fn redb_new(config: FileConfig) -> Result<RedbS, NetabaseError> {
    <RedbS as BackendStore<TestDefinition>>::new(config)
}
fn redb_open(config: FileConfig) -> Result<RedbS, NetabaseError> {
    <RedbS as BackendStore<TestDefinition>>::open(config)
}

fn put_one<B: netabase_store::engine::Backend>(store: NetabaseStore<TestDefinition, B>) {
    store.open_tree::<User>().put(user(1, 0)).unwrap();
}

#[test]
fn sled_rejects_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let config = FileConfig::builder()
        .path(dir.path().join("s"))
        .read_only(true)
        .build();
    match sled_new(config) {
        Err(NetabaseError::InvalidConfig {
            backend: "sled",
            field: "read_only",
            ..
        }) => {}
        other => panic!("expected a read_only rejection, got {other:?}"),
    }
}

#[test]
fn redb_read_only_reads_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    put_one(NetabaseStore::from_backend(
        redb_new(FileConfig::new(&path)).unwrap(),
    ));
    let config = FileConfig::builder().path(path).read_only(true).build();
    let store = NetabaseStore::<TestDefinition, _>::from_backend(redb_new(config).unwrap());
    let tree = store.open_tree::<User>();
    assert_eq!(tree.get(UserPrimaryKey(1)).unwrap(), Some(user(1, 0)));
    assert!(matches!(tree.put(user(2, 0)), Err(NetabaseError::ReadOnly)));
    assert!(matches!(
        store.write().commit(),
        Err(NetabaseError::TransactionUnavailable(_))
    ));
    assert_eq!(tree.len().unwrap(), 1);
}

#[test]
fn missing_database_without_create_if_missing_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let sled = FileConfig::builder()
        .path(dir.path().join("s"))
        .create_if_missing(false)
        .build();
    assert!(matches!(sled_new(sled), Err(NetabaseError::NotFound(_))));
    let redb = FileConfig::builder()
        .path(dir.path().join("r.redb"))
        .create_if_missing(false)
        .build();
    assert!(matches!(redb_new(redb), Err(NetabaseError::NotFound(_))));
    assert!(!dir.path().join("s").exists() && !dir.path().join("r.redb").exists());
}

#[test]
fn open_requires_an_existing_database() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        sled_open(FileConfig::new(dir.path().join("s"))),
        Err(NetabaseError::NotFound(_))
    ));
    assert!(matches!(
        redb_open(FileConfig::new(dir.path().join("r"))),
        Err(NetabaseError::NotFound(_))
    ));
    put_one(NetabaseStore::from_backend(
        sled_new(FileConfig::new(dir.path().join("s"))).unwrap(),
    ));
    put_one(NetabaseStore::from_backend(
        redb_new(FileConfig::new(dir.path().join("r"))).unwrap(),
    ));
    let sled = NetabaseStore::<TestDefinition, _>::from_backend(
        sled_open(FileConfig::new(dir.path().join("s"))).unwrap(),
    );
    assert_eq!(sled.open_tree::<User>().len().unwrap(), 1);
    let redb = NetabaseStore::<TestDefinition, _>::from_backend(
        redb_open(FileConfig::new(dir.path().join("r"))).unwrap(),
    );
    assert_eq!(redb.open_tree::<User>().len().unwrap(), 1);
}

#[test]
fn truncate_deletes_existing_data() {
    let dir = tempfile::tempdir().unwrap();
    let (s, r) = (dir.path().join("s"), dir.path().join("r.redb"));
    put_one(NetabaseStore::from_backend(
        sled_new(FileConfig::new(&s)).unwrap(),
    ));
    put_one(NetabaseStore::from_backend(
        redb_new(FileConfig::new(&r)).unwrap(),
    ));
    let sled = NetabaseStore::<TestDefinition, _>::from_backend(
        sled_new(FileConfig::builder().path(s).truncate(true).build()).unwrap(),
    );
    assert!(sled.open_tree::<User>().is_empty().unwrap());
    let redb = NetabaseStore::<TestDefinition, _>::from_backend(
        redb_new(FileConfig::builder().path(r).truncate(true).build()).unwrap(),
    );
    assert!(redb.open_tree::<User>().is_empty().unwrap());
}

#[test]
fn contradictory_or_empty_configs_are_rejected() {
    let no_path = FileConfig::builder().cache_size_mb(8).build();
    assert!(matches!(
        sled_new(no_path.clone()),
        Err(NetabaseError::InvalidConfig { field: "path", .. })
    ));
    assert!(matches!(
        redb_new(no_path),
        Err(NetabaseError::InvalidConfig { field: "path", .. })
    ));
    let both = FileConfig::builder()
        .path("x".into())
        .read_only(true)
        .truncate(true)
        .build();
    assert!(matches!(
        redb_new(both),
        Err(NetabaseError::InvalidConfig {
            field: "truncate",
            ..
        })
    ));
    let dir = tempfile::tempdir().unwrap();
    let no_interval = FileConfig::builder()
        .path(dir.path().join("x"))
        .use_fsync(false)
        .flush_interval(std::time::Duration::from_micros(500))
        .build();
    assert!(matches!(
        sled_new(no_interval.clone()),
        Err(NetabaseError::InvalidConfig {
            field: "flush_interval",
            ..
        })
    ));
    assert!(matches!(
        redb_new(no_interval),
        Err(NetabaseError::InvalidConfig {
            field: "flush_interval",
            ..
        })
    ));
    assert!(
        !dir.path().join("x").exists(),
        "a rejected config creates nothing"
    );
}

/// `use_fsync = false` still commits (visible at once, durable after `flush` or a clean close);
/// a small cache works.
#[test]
fn no_fsync_and_small_cache_keep_data_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    for (name, sled) in [("s", true), ("r.redb", false)] {
        let config = FileConfig::builder()
            .path(dir.path().join(name))
            .use_fsync(false)
            .cache_size_mb(1)
            .build();
        if sled {
            let store =
                NetabaseStore::<TestDefinition, _>::from_backend(sled_new(config.clone()).unwrap());
            store
                .open_tree::<User>()
                .put_many((0..100).map(|id| user(id, 0)))
                .unwrap();
            store.flush().unwrap();
            drop(store);
            let store =
                NetabaseStore::<TestDefinition, _>::from_backend(sled_open(config).unwrap());
            assert_eq!(store.open_tree::<User>().len().unwrap(), 100);
        } else {
            let store =
                NetabaseStore::<TestDefinition, _>::from_backend(redb_new(config.clone()).unwrap());
            store
                .open_tree::<User>()
                .put_many((0..100).map(|id| user(id, 0)))
                .unwrap();
            store.flush().unwrap();
            drop(store);
            let store =
                NetabaseStore::<TestDefinition, _>::from_backend(redb_open(config).unwrap());
            assert_eq!(store.open_tree::<User>().len().unwrap(), 100);
        }
    }
}

#[test]
fn temp_config_is_removed_with_its_last_user() {
    let config = FileConfig::temp().unwrap();
    let dir = config.path.parent().unwrap().to_path_buf();
    let store = NetabaseStore::<TestDefinition, _>::from_backend(redb_new(config.clone()).unwrap());
    put_one(store);
    assert!(dir.exists());
    drop(config);
    assert!(
        !dir.exists(),
        "the temporary directory outlived every user of its config"
    );
    let other = FileConfig::temp().unwrap();
    assert_ne!(
        other.path,
        FileConfig::temp().unwrap().path,
        "two temp configs never collide"
    );
}

/// Two definitions share one database file without seeing each other's trees.
#[test]
fn two_definitions_share_one_file() {
    use crate::seeds::blog_schema::{self, BlogDefinition};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.redb");
    let backend = RedbStore::<TestDefinition>::new(&path).unwrap();
    let test = NetabaseStore::<TestDefinition, _>::from_backend(backend);
    test.open_tree::<User>().put(user(1, 0)).unwrap();
    drop(test);
    let blog = NetabaseStore::<BlogDefinition, _>::redb(&path).unwrap();
    let users = blog.open_tree::<blog_schema::User>();
    assert!(
        users.is_empty().unwrap(),
        "BlogDefinition/User is not TestDefinition/User"
    );
    users
        .put(blog_schema::User {
            id: 1,
            username: "b".into(),
            email: "b@x".into(),
        })
        .unwrap();
    drop(blog);
    let test = NetabaseStore::<TestDefinition, _>::open_redb(&path).unwrap();
    assert_eq!(
        test.open_tree::<User>().get(UserPrimaryKey(1)).unwrap(),
        Some(user(1, 0))
    );
}

/// sled frees its directory lock a moment after the last handle is dropped; reopening at once
/// must still work (the open waits for the lock).
#[test]
fn sled_reopens_immediately_after_drop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    for round in 0..50u64 {
        let store = NetabaseStore::<TestDefinition, _>::from_backend(
            sled_new(
                FileConfig::builder()
                    .path(path.clone())
                    .use_fsync(false)
                    .build(),
            )
            .unwrap(),
        );
        let users = store.open_tree::<User>();
        assert_eq!(users.len().unwrap() as u64, round);
        users.put(user(round, 0)).unwrap();
    }
}

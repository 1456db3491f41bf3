//! Change subscriptions: real events from every write path, after commit, in commit order,
//! nothing from rolled-back work, bounded buffers with a lag signal.

use std::collections::BTreeSet;

use netabase_store::NetabaseStore;
use netabase_store::config::FileConfig;
use netabase_store::databases::memory_store::MemoryStore;
use netabase_store::databases::redb_store::RedbStore;
use netabase_store::databases::sled_store::SledStore;
use netabase_store::engine::Backend;
use netabase_store::subscription::{ChangeEvent, ChangeKind, Subscription, SubscriptionError};
use netabase_store::traits::definition::IntoDiscriminant;

use crate::conformance::{Backing, Memory, Redb, Sled, Store, fresh};
use crate::faulty::Faulty;
use crate::schema::*;

fn drain<T: 'static>(sub: &mut Subscription<T>) -> Vec<ChangeEvent<T>> {
    let mut events = Vec::new();
    while let Some(event) = sub.try_recv().expect("receive") {
        events.push(event);
    }
    events
}

fn put(model: User, previous: Option<User>) -> ChangeKind<User> {
    ChangeKind::Put { model, previous }
}

fn removed(model: User) -> ChangeKind<User> {
    ChangeKind::Removed { model }
}

fn kinds<T>(events: Vec<ChangeEvent<T>>) -> Vec<ChangeKind<T>> {
    events.into_iter().map(|e| e.kind).collect()
}

pub fn put_overwrite_and_remove_events<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    tree.put(user(9, 0)).unwrap(); // before subscribing: not reported
    let mut sub = tree.subscribe();
    tree.put(user(1, 0)).unwrap();
    tree.put(user(1, 1)).unwrap();
    tree.remove(UserPrimaryKey(1)).unwrap();
    tree.remove(UserPrimaryKey(1)).unwrap(); // removes nothing: no event
    let events = drain(&mut sub);
    let commits: Vec<u64> = events.iter().map(|e| e.commit).collect();
    assert!(
        commits.windows(2).all(|w| w[0] < w[1]),
        "one commit each, in order: {commits:?}"
    );
    assert_eq!(
        kinds(events),
        vec![
            put(user(1, 0), None),
            put(user(1, 1), Some(user(1, 0))),
            removed(user(1, 1))
        ]
    );
}

pub fn every_write_path_emits_after_commit<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let tree = store.open_tree::<User>();
    let mut sub = tree.subscribe();

    tree.put_many([user(1, 0), user(2, 0)]).unwrap();
    let bulk = drain(&mut sub);
    assert_eq!(bulk.len(), 2);
    assert_eq!(bulk[0].commit, bulk[1].commit, "one put_many is one commit");

    let mut batch = tree.create_batch().unwrap();
    batch.put(user(3, 0)).unwrap();
    batch.remove(UserPrimaryKey(1)).unwrap();
    assert!(
        drain(&mut sub).is_empty(),
        "nothing before the batch commits"
    );
    batch.commit().unwrap();
    assert_eq!(
        kinds(drain(&mut sub)),
        vec![put(user(3, 0), None), removed(user(1, 0))]
    );

    let txn = store.write();
    let mut view = txn.open_tree::<User>();
    view.put(user(2, 5)).unwrap();
    view.remove(UserPrimaryKey(3)).unwrap();
    assert!(
        drain(&mut sub).is_empty(),
        "nothing before the transaction commits"
    );
    txn.commit().unwrap();
    let events = drain(&mut sub);
    assert_eq!(events[0].commit, events[1].commit);
    assert_eq!(
        kinds(events),
        vec![put(user(2, 5), Some(user(2, 0))), removed(user(3, 0))]
    );

    tree.clear().unwrap();
    assert_eq!(kinds(drain(&mut sub)), vec![removed(user(2, 5))]);
}

pub fn rolled_back_work_emits_nothing<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let mut sub = store.open_tree::<User>().subscribe();
    {
        let txn = store.write();
        txn.open_tree::<User>().put(user(1, 0)).unwrap();
    }
    let txn = store.write();
    txn.open_tree::<User>().put(user(2, 0)).unwrap();
    txn.rollback();
    let tree = store.open_tree::<User>();
    let batch = {
        let mut batch = tree.create_batch().unwrap();
        batch.put(user(3, 0)).unwrap();
        batch
    };
    drop(batch);
    assert!(drain(&mut sub).is_empty());

    // A batch and a transaction that fail inside the engine emit nothing either.
    let (_dir, store) = fresh::<K>();
    let store = NetabaseStore::<TestDefinition, _>::from_backend(Faulty::new(store.into_backend()));
    let tree = store.open_tree::<User>();
    let mut sub = tree.subscribe();
    store.backend().fail_after(2);
    assert!(tree.put_many([user(1, 0), user(2, 0)]).is_err());
    store.backend().fail_after(2);
    let txn = store.write();
    let mut view = txn.open_tree::<User>();
    assert!(view.put(user(4, 0)).is_err());
    assert!(txn.commit().is_err());
    store.backend().heal();
    assert!(drain(&mut sub).is_empty());
}

pub fn store_subscriptions_filter_models_and_key_ranges<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let mut all = store.subscribe();
    let mut articles_only = store.subscribe_models(&[TestDefinitionDiscriminant::Article]);
    let users = store.open_tree::<User>();
    let mut low_users = users.subscribe_range(UserPrimaryKey(10)..UserPrimaryKey(20));
    users
        .put_many([user(5, 0), user(10, 0), user(19, 0), user(20, 0)])
        .unwrap();
    let article = Article {
        slug: "a".into(),
        body: "b".into(),
        category: "c".into(),
    };
    store.open_tree::<Article>().put(article.clone()).unwrap();

    let every: Vec<_> = drain(&mut all)
        .into_iter()
        .map(|e| e.model().discriminant())
        .collect();
    assert_eq!(every.len(), 5);
    assert_eq!(every.last(), Some(&TestDefinitionDiscriminant::Article));
    let only = drain(&mut articles_only);
    assert_eq!(only.len(), 1);
    assert!(
        matches!(&only[0].kind, ChangeKind::Put { model: TestDefinition::Article(a), previous: None } if *a == article)
    );
    let ids: Vec<u64> = drain(&mut low_users).iter().map(|e| e.model().id).collect();
    assert_eq!(ids, vec![10, 19]);
}

/// Writers on several threads: every subscriber sees every event once, grouped by commit, with
/// commit identifiers increasing.
pub fn events_arrive_in_commit_order<K: Backing>() {
    let (_dir, store) = fresh::<K>();
    let mut sub = store.open_tree::<User>().subscribe();
    let mut second = store.subscribe();
    std::thread::scope(|scope| {
        for thread in 0..4u64 {
            let store = &store;
            scope.spawn(move || {
                for i in 0..25 {
                    let id = thread * 100 + i;
                    store
                        .open_tree::<User>()
                        .put_many([user(id, 0), user(id + 50, 0)])
                        .unwrap();
                }
            });
        }
    });
    let events = drain(&mut sub);
    assert_eq!(events.len(), 200);
    assert!(
        events.windows(2).all(|w| w[0].commit <= w[1].commit),
        "commit order"
    );
    let commits: BTreeSet<u64> = events.iter().map(|e| e.commit).collect();
    assert_eq!(commits.len(), 100, "two events per commit");
    assert_eq!(
        drain(&mut second).len(),
        200,
        "a second subscriber gets them too"
    );
}

pub fn stream_adapter_yields_events<K: Backing>() {
    use tokio_stream::StreamExt;
    let (_dir, store) = fresh::<K>();
    let sub = store.open_tree::<User>().subscribe();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut stream = Box::pin(sub.into_stream());
        store.open_tree::<User>().put(user(1, 0)).unwrap();
        store.open_tree::<User>().remove(UserPrimaryKey(1)).unwrap();
        let first = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next()).await;
        assert_eq!(first.unwrap().unwrap().unwrap().kind, put(user(1, 0), None));
        let second = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next()).await;
        assert_eq!(second.unwrap().unwrap().unwrap().kind, removed(user(1, 0)));
    });
}

crate::conformance::backend_suite!(
    [
        put_overwrite_and_remove_events,
        every_write_path_emits_after_commit,
        rolled_back_work_emits_nothing,
        store_subscriptions_filter_models_and_key_ranges,
        events_arrive_in_commit_order,
        stream_adapter_yields_events,
    ]
    memory: Memory, sled: Sled, redb: Redb);

/// A subscriber that never reads is told how many events it missed, and exactly the newest
/// `CAPACITY` events are still there: the buffer held no more than that.
fn slow_subscriber<B: Backend>(store: Store<B>) {
    const CAPACITY: usize = 16;
    let tree = store.open_tree::<User>();
    let mut sub = tree.subscribe();
    for id in 0..1000 {
        tree.put(user(id, 0)).unwrap();
    }
    assert_eq!(sub.pending(), CAPACITY);
    match sub.try_recv() {
        Err(SubscriptionError::Lagged { missed }) => assert_eq!(missed, (1000 - CAPACITY) as u64),
        other => panic!("expected a lag signal, got {other:?}"),
    }
    let ids: Vec<u64> = drain(&mut sub).iter().map(|e| e.model().id).collect();
    assert_eq!(
        ids,
        (1000 - CAPACITY as u64..1000).collect::<Vec<_>>(),
        "the newest events remain"
    );
}

#[test]
fn slow_subscriber_lags_with_bounded_memory() {
    slow_subscriber(NetabaseStore::<TestDefinition, _>::from_backend(
        MemoryStore::<TestDefinition>::with_subscription_capacity(16),
    ));
    let dir = tempfile::tempdir().unwrap();
    let config = |name: &str| {
        FileConfig::builder()
            .path(dir.path().join(name))
            .use_fsync(false)
            .subscription_capacity(16)
            .build()
    };
    slow_subscriber(
        NetabaseStore::<TestDefinition, SledStore<_>>::with_config(config("s")).unwrap(),
    );
    slow_subscriber(
        NetabaseStore::<TestDefinition, RedbStore<_>>::with_config(config("r")).unwrap(),
    );
}

#[test]
fn blocking_receive_works_on_threads_and_refuses_inside_a_runtime() {
    let store = NetabaseStore::<TestDefinition, _>::memory();
    let mut sub = store.open_tree::<User>().subscribe();
    let receiver = std::thread::spawn(move || sub.recv_blocking().map(|e| e.kind));
    store.open_tree::<User>().put(user(1, 0)).unwrap();
    assert_eq!(receiver.join().unwrap().unwrap(), put(user(1, 0), None));

    let mut sub = store.open_tree::<User>().subscribe();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let inside = runtime.block_on(async { sub.recv_blocking() });
    assert!(matches!(
        inside,
        Err(SubscriptionError::BlockingInAsyncContext)
    ));
}

#[test]
fn dropping_the_store_closes_subscriptions() {
    let store = NetabaseStore::<TestDefinition, _>::memory();
    let mut sub = store.subscribe();
    drop(store);
    assert!(matches!(sub.try_recv(), Err(SubscriptionError::Closed)));
}

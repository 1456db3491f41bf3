//! The Kademlia record store on every backend: our versions of the behaviours libp2p-kad tests
//! on its `MemoryStore`, the limits, expiry across restarts, rejections, and the link between
//! DHT records and typed trees.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libp2p::kad::store::{Error, RecordStore};
use libp2p::kad::{ProviderRecord, Record, RecordKey};
use libp2p::{Multiaddr, PeerId};
use netabase_store::NetabaseStore;
use netabase_store::engine::{Backend, RawTableMut, WriteTxn};
use netabase_store::record_store::{
    ENVELOPE_VERSION, NetabaseRecordStore, RecordError, RecordRejection, RecordStoreConfig,
    RecordStoreEvent, decode_record, keys_record_key, model_record, model_record_key, record_key,
};

use crate::conformance::{Backing, Memory, Redb, Sled};
use crate::faulty::Faulty;
use crate::schema::*;

type Handle<K> = NetabaseRecordStore<TestDefinition, <K as Backing>::B>;

fn open<K: Backing>(dir: &Path, local: PeerId, config: RecordStoreConfig) -> Handle<K>
where
    K::B: Clone,
{
    NetabaseRecordStore::with_config(K::open(dir).into_backend(), local, config)
}

fn fresh<K: Backing>(config: RecordStoreConfig) -> (tempfile::TempDir, PeerId, Handle<K>)
where
    K::B: Clone,
{
    let dir = tempfile::tempdir().unwrap();
    let local = PeerId::random();
    let store = open::<K>(dir.path(), local, config);
    (dir, local, store)
}

fn record_of(id: u64) -> Record {
    model_record::<TestDefinition, User>(&user(id, 0)).unwrap()
}

fn record_keys<B: Backend>(store: &NetabaseRecordStore<TestDefinition, B>) -> BTreeSet<Vec<u8>> {
    store.records().map(|r| r.key.to_vec()).collect()
}

/// The next rejection among the store's events (stored events are skipped).
fn next_rejection(
    events: &mut tokio::sync::broadcast::Receiver<RecordStoreEvent>,
) -> RecordRejection {
    loop {
        match events.try_recv().expect("an event") {
            RecordStoreEvent::Rejected(rejection) => return rejection,
            RecordStoreEvent::Stored { .. } => {}
            other => panic!("unexpected event {other:?}"),
        }
    }
}

fn addr(port: u16) -> Multiaddr {
    format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap()
}

/// Instants compared after a round trip through wall-clock milliseconds.
fn close(a: Option<Instant>, b: Option<Instant>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.max(b) - a.min(b) < Duration::from_millis(50),
        _ => false,
    }
}

pub fn put_get_remove_record<K: Backing>()
where
    K::B: Clone,
{
    let (_dir, _, mut store) = fresh::<K>(RecordStoreConfig::default());
    let mut events = store.events();
    let mut record = record_of(1);
    record.publisher = Some(PeerId::random());
    record.expires = Some(Instant::now() + Duration::from_secs(3600));
    store.put(record.clone()).unwrap();
    match events.try_recv().unwrap() {
        RecordStoreEvent::Stored { key, publisher } => {
            assert_eq!((key, publisher), (record.key.clone(), record.publisher))
        }
        other => panic!("expected a stored event, got {other:?}"),
    }
    let got = store.get(&record.key).unwrap().into_owned();
    assert_eq!(
        (&got.key, &got.value, got.publisher),
        (&record.key, &record.value, record.publisher)
    );
    assert!(close(got.expires, record.expires));
    // The record is a typed model in its tree.
    assert_eq!(
        store
            .store()
            .open_tree::<User>()
            .get(UserPrimaryKey(1))
            .unwrap(),
        Some(user(1, 0))
    );
    store.remove(&record.key);
    assert!(store.get(&record.key).is_none());
    assert!(record_keys(&store).is_empty());
    // Removing the DHT record keeps the application's model.
    assert_eq!(
        store
            .store()
            .open_tree::<User>()
            .get(UserPrimaryKey(1))
            .unwrap(),
        Some(user(1, 0))
    );
}

pub fn add_get_remove_provider<K: Backing>()
where
    K::B: Clone,
{
    let (_dir, _, mut store) = fresh::<K>(RecordStoreConfig::default());
    let key = record_key::<TestDefinition, User>(&UserPrimaryKey(5));
    let provider = ProviderRecord {
        key: key.clone(),
        provider: PeerId::random(),
        expires: Some(Instant::now() + Duration::from_secs(60)),
        addresses: vec![addr(4001), addr(4002)],
    };
    store.add_provider(provider.clone()).unwrap();
    let found = store.providers(&key);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (&found[0].provider, &found[0].addresses),
        (&provider.provider, &provider.addresses)
    );
    store.remove_provider(&key, &provider.provider);
    assert!(store.providers(&key).is_empty());
}

pub fn provided_is_only_this_nodes_providers<K: Backing>()
where
    K::B: Clone,
{
    let (_dir, local, mut store) = fresh::<K>(RecordStoreConfig::default());
    let key = RecordKey::new(&b"any key at all");
    store
        .add_provider(ProviderRecord::new(key.clone(), PeerId::random(), vec![]))
        .unwrap();
    assert_eq!(store.provided().count(), 0);
    store
        .add_provider(ProviderRecord::new(key.clone(), local, vec![addr(1)]))
        .unwrap();
    let provided: Vec<ProviderRecord> = store.provided().map(|p| p.into_owned()).collect();
    assert_eq!(provided.len(), 1);
    assert_eq!((&provided[0].key, provided[0].provider), (&key, local));
    assert_eq!(store.providers(&key).len(), 2);
    store.remove_provider(&key, &local);
    assert_eq!(store.provided().count(), 0);
    assert_eq!(store.providers(&key).len(), 1);
}

pub fn update_provider_and_provided<K: Backing>()
where
    K::B: Clone,
{
    let (_dir, local, mut store) = fresh::<K>(RecordStoreConfig::default());
    let key = RecordKey::new(&b"k");
    for provider in [PeerId::random(), local] {
        let mut record = ProviderRecord::new(key.clone(), provider, vec![addr(1)]);
        store.add_provider(record.clone()).unwrap();
        record.expires = Some(Instant::now() + Duration::from_secs(30));
        record.addresses = vec![addr(2)];
        store.add_provider(record.clone()).unwrap();
        let found: Vec<_> = store
            .providers(&key)
            .into_iter()
            .filter(|p| p.provider == provider)
            .collect();
        assert_eq!(found.len(), 1, "an update replaces the provider record");
        assert!(close(found[0].expires, record.expires) && found[0].addresses == record.addresses);
    }
    let provided: Vec<_> = store.provided().map(|p| p.into_owned()).collect();
    assert_eq!(provided.len(), 1);
    assert_eq!(provided[0].addresses, vec![addr(2)]);
}

pub fn max_providers_per_key<K: Backing>()
where
    K::B: Clone,
{
    let config = RecordStoreConfig::default();
    let (_dir, _, mut store) = fresh::<K>(config.clone());
    let key = RecordKey::new(&b"popular");
    let peers: Vec<PeerId> = (0..config.max_providers_per_key)
        .map(|_| PeerId::random())
        .collect();
    for peer in &peers {
        store
            .add_provider(ProviderRecord::new(key.clone(), *peer, vec![]))
            .unwrap();
    }
    // One more provider is ignored, as kad's MemoryStore does...
    let extra = PeerId::random();
    store
        .add_provider(ProviderRecord::new(key.clone(), extra, vec![]))
        .unwrap();
    let found: Vec<PeerId> = store
        .providers(&key)
        .into_iter()
        .map(|p| p.provider)
        .collect();
    assert_eq!(found.len(), config.max_providers_per_key);
    assert!(!found.contains(&extra));
    // ...but an existing provider is still refreshed at capacity.
    let mut refresh = ProviderRecord::new(key.clone(), peers[3], vec![addr(9)]);
    refresh.expires = Some(Instant::now() + Duration::from_secs(90));
    store.add_provider(refresh).unwrap();
    let refreshed = store
        .providers(&key)
        .into_iter()
        .find(|p| p.provider == peers[3])
        .unwrap();
    assert_eq!(refreshed.addresses, vec![addr(9)]);
}

pub fn max_provided_keys<K: Backing>()
where
    K::B: Clone,
{
    let config = RecordStoreConfig {
        max_provided_keys: 5,
        ..RecordStoreConfig::default()
    };
    let (_dir, local, mut store) = fresh::<K>(config);
    for n in 0..5u8 {
        store
            .add_provider(ProviderRecord::new(RecordKey::new(&[n]), local, vec![]))
            .unwrap();
    }
    let sixth = ProviderRecord::new(RecordKey::new(&[6u8]), local, vec![]);
    assert!(matches!(
        store.add_provider(sixth.clone()),
        Err(Error::MaxProvidedKeys)
    ));
    // Another provider of an existing key is fine.
    store
        .add_provider(ProviderRecord::new(
            RecordKey::new(&[0u8]),
            PeerId::random(),
            vec![],
        ))
        .unwrap();
    // Removing every provider of a key frees its slot.
    store.remove_provider(&RecordKey::new(&[1u8]), &local);
    store.add_provider(sixth).unwrap();
    assert_eq!(store.provided().count(), 5);
}

pub fn max_records<K: Backing>()
where
    K::B: Clone,
{
    let config = RecordStoreConfig {
        max_records: 3,
        ..RecordStoreConfig::default()
    };
    let (_dir, _, mut store) = fresh::<K>(config);
    for id in 0..3 {
        store.put(record_of(id)).unwrap();
    }
    assert!(matches!(store.put(record_of(3)), Err(Error::MaxRecords)));
    assert!(
        store
            .store()
            .open_tree::<User>()
            .get(UserPrimaryKey(3))
            .unwrap()
            .is_none(),
        "a refused record writes no model"
    );
    store.put(record_of(1)).unwrap(); // overwriting an existing record is not a new one
    store.remove(&record_of(0).key);
    store.put(record_of(3)).unwrap();
    assert_eq!(record_keys(&store).len(), 3);
}

/// The record limit counts what is stored across a reopen (persistent backends), and keys that
/// are not records of the definition neither count nor change the count.
pub fn record_limit_holds_across_reopen_and_foreign_keys<K: Backing>()
where
    K::B: Clone,
{
    let dir = tempfile::tempdir().unwrap();
    let local = PeerId::random();
    let config = RecordStoreConfig {
        max_records: 2,
        ..RecordStoreConfig::default()
    };
    let foreign = [
        RecordKey::new(&b"/netabase/TestDefinition".as_slice()),
        RecordKey::new(&b"/netabase/OtherDefinition/User/1".as_slice()),
        RecordKey::new(&b"not a netabase key".as_slice()),
    ];
    {
        let mut store = open::<K>(dir.path(), local, config.clone());
        store.put(record_of(1)).unwrap();
        store.put(record_of(2)).unwrap();
        for key in &foreign {
            store.remove(key);
            let mut rogue = record_of(3);
            rogue.key = key.clone();
            assert!(store.put(rogue).is_err());
        }
        assert_eq!(record_keys(&store).len(), 2);
        assert!(matches!(store.put(record_of(3)), Err(Error::MaxRecords)));
        if !K::PERSISTENT {
            return;
        }
    }
    let mut store = open::<K>(dir.path(), local, config);
    assert!(matches!(store.put(record_of(3)), Err(Error::MaxRecords)));
    store.remove(&record_of(1).key);
    store.put(record_of(3)).unwrap();
    assert!(matches!(store.put(record_of(4)), Err(Error::MaxRecords)));
}

pub fn max_value_bytes<K: Backing>()
where
    K::B: Clone,
{
    let config = RecordStoreConfig {
        max_value_bytes: 64,
        ..RecordStoreConfig::default()
    };
    let (_dir, _, mut store) = fresh::<K>(config);
    let mut events = store.events();
    let mut big = user(1, 0);
    big.name = "x".repeat(100);
    let record = model_record::<TestDefinition, User>(&big).unwrap();
    assert!(matches!(store.put(record), Err(Error::ValueTooLarge)));
    assert!(matches!(
        next_rejection(&mut events).reason,
        RecordError::TooLarge { limit: 64, .. }
    ));
    store.put(record_of(1)).unwrap();
}

pub fn records_are_dht_records_only<K: Backing>()
where
    K::B: Clone,
{
    let (_dir, _, mut store) = fresh::<K>(RecordStoreConfig::default());
    let typed = store.store();
    typed
        .open_tree::<User>()
        .put_many((100..110).map(|id| user(id, 0)))
        .unwrap();
    typed
        .open_tree::<Article>()
        .put(Article {
            slug: "local".into(),
            body: String::new(),
            category: "c".into(),
        })
        .unwrap();
    let published: BTreeSet<Vec<u8>> = (0..20).map(|id| record_of(id).key.to_vec()).collect();
    for id in 0..20 {
        store.put(record_of(id)).unwrap();
    }
    assert_eq!(
        record_keys(&store),
        published,
        "local-only models are not DHT records"
    );
    for record in store.records() {
        let decoded = decode_record::<TestDefinition>(&record).unwrap();
        assert!(matches!(decoded, TestDefinition::User(u) if u.id < 20));
    }
    // DHT records are typed models with their secondary index.
    let tree = typed.open_tree::<User>();
    assert_eq!(tree.len().unwrap(), 30);
    let by_email = tree.get_by_secondary_key(email(&user(3, 0).email)).unwrap();
    assert!(by_email.iter().any(|u| u.id == 3));
}

pub fn expired_records_are_not_returned<K: Backing>()
where
    K::B: Clone,
{
    let (_dir, _, mut store) = fresh::<K>(RecordStoreConfig::default());
    let mut record = record_of(1);
    record.expires = Some(Instant::now() - Duration::from_secs(1));
    store.put(record.clone()).unwrap();
    assert!(store.get(&record.key).is_none());
    let mut later = record_of(2);
    later.expires = Some(Instant::now() + Duration::from_secs(600));
    store.put(later.clone()).unwrap();
    assert!(store.get(&later.key).is_some());
}

fn assert_rejected<B: Backend + Clone>(
    store: &mut NetabaseRecordStore<TestDefinition, B>,
    record: Record,
    expected: fn(&RecordError) -> bool,
) {
    let mut events = store.events();
    assert!(
        matches!(store.put(record.clone()), Err(Error::ValueTooLarge)),
        "an invalid record is refused"
    );
    let rejection = next_rejection(&mut events);
    assert!(
        expected(&rejection.reason),
        "unexpected reason {:?}",
        rejection.reason
    );
    assert_eq!(rejection.key, record.key);
    assert!(store.get(&record.key).is_none());
    assert!(record_keys(store).is_empty(), "the store is unchanged");
    let typed = store.store();
    assert!(
        typed.open_tree::<User>().is_empty().unwrap()
            && typed.open_tree::<Article>().is_empty().unwrap()
    );
}

pub fn invalid_records_are_rejected<K: Backing>()
where
    K::B: Clone,
{
    use crate::seeds::blog_schema::{self, BlogDefinition};
    let (_dir, _, mut store) = fresh::<K>(RecordStoreConfig::default());
    let key = record_of(1).key;
    // Garbage value.
    assert_rejected(
        &mut store,
        Record::new(key.clone(), vec![1, 4, b'U', b's', b'e', b'r', 0xFF, 0xFF]),
        |r| matches!(r, RecordError::Undecodable { .. }),
    );
    assert_rejected(&mut store, Record::new(key.clone(), vec![]), |r| {
        matches!(r, RecordError::MalformedEnvelope)
    });
    // A value of another definition (and its key).
    let foreign = model_record::<BlogDefinition, blog_schema::User>(&blog_schema::User {
        id: 1,
        username: "b".into(),
        email: "e".into(),
    })
    .unwrap();
    assert_rejected(
        &mut store,
        foreign.clone(),
        |r| matches!(r, RecordError::WrongDefinition { definition } if definition == "BlogDefinition"),
    );
    assert_rejected(&mut store, Record::new(key.clone(), foreign.value), |r| {
        matches!(r, RecordError::Undecodable { .. })
    });
    // A key that is not the key of the model in the value.
    assert_rejected(
        &mut store,
        Record::new(record_of(2).key, record_of(1).value),
        |r| matches!(r, RecordError::KeyMismatch { .. }),
    );
    let article = model_record::<TestDefinition, Article>(&Article {
        slug: "a".into(),
        body: "b".into(),
        category: "c".into(),
    })
    .unwrap();
    assert_rejected(&mut store, Record::new(key.clone(), article.value), |r| {
        matches!(r, RecordError::KeyMismatch { .. })
    });
    // Keys outside the namespace, with unknown models or malformed primary keys.
    assert_rejected(
        &mut store,
        Record::new(RecordKey::new(&b"/ipfs/abc"), record_of(1).value),
        |r| matches!(r, RecordError::NotNetabaseKey),
    );
    assert_rejected(
        &mut store,
        Record::new(
            RecordKey::new(&b"/netabase/TestDefinition/Nope/\x00"),
            record_of(1).value,
        ),
        |r| matches!(r, RecordError::UnknownModel { .. }),
    );
    assert_rejected(
        &mut store,
        Record::new(
            RecordKey::new(&b"/netabase/TestDefinition/User/\x01"),
            record_of(1).value,
        ),
        |r| matches!(r, RecordError::MalformedPrimaryKey(_)),
    );
    // A future envelope version.
    let mut future = record_of(1).value;
    future[0] = ENVELOPE_VERSION + 1;
    assert_rejected(
        &mut store,
        Record::new(key, future),
        |r| matches!(r, RecordError::UnsupportedVersion(v) if *v == ENVELOPE_VERSION + 1),
    );
    // The store still works.
    store.put(record_of(7)).unwrap();
    assert!(store.get(&record_of(7).key).is_some());
}

/// A DHT record whose model would take another model's unique value is rejected, and the
/// store keeps the first model.
pub fn unique_conflicts_are_rejected<K: Backing>()
where
    K::B: Clone,
{
    let (_dir, _, mut store) = fresh::<K>(RecordStoreConfig::default());
    let account = |id, handle: &str| Account {
        id,
        handle: handle.into(),
        number: id as u32,
        team: 1,
    };
    store
        .put(model_record::<TestDefinition, Account>(&account(1, "ann")).unwrap())
        .unwrap();
    let mut events = store.events();
    let clash = model_record::<TestDefinition, Account>(&account(2, "ann")).unwrap();
    assert!(store.put(clash.clone()).is_err());
    assert!(matches!(
        next_rejection(&mut events).reason,
        RecordError::UniqueConflict {
            field: "handle",
            ..
        }
    ));
    assert!(store.get(&clash.key).is_none());
    assert_eq!(store.store().open_tree::<Account>().len().unwrap(), 1);
}

/// Bytes written by another version or program never make `get` panic: it returns `None`.
pub fn foreign_bytes_in_the_database_give_none<K: Backing>()
where
    K::B: Clone,
{
    let (_dir, _, mut store) = fresh::<K>(RecordStoreConfig::default());
    store.put(record_of(1)).unwrap();
    store.put(record_of(2)).unwrap();
    let backend = store.store().into_backend();
    let txn = backend.begin_write().unwrap();
    {
        let key = netabase_store::codec::encode_key(&UserPrimaryKey(1));
        txn.open_table("TestDefinition/User")
            .unwrap()
            .insert(&key, &[0xFF; 5])
            .unwrap();
        txn.open_table("__netabase/kad/records")
            .unwrap()
            .insert(record_of(2).key.as_ref(), &[0xFF; 3])
            .unwrap();
    }
    txn.commit().unwrap();
    assert!(store.get(&record_of(1).key).is_none());
    assert!(store.get(&record_of(2).key).is_none());
    assert_eq!(store.records().count(), 0);
}

pub fn dht_puts_reach_subscribers<K: Backing>()
where
    K::B: Clone,
{
    let (_dir, _, mut store) = fresh::<K>(RecordStoreConfig::default());
    let mut sub = store.store().open_tree::<User>().subscribe();
    store.put(record_of(4)).unwrap();
    let event = sub.try_recv().unwrap().expect("an event for the DHT put");
    assert_eq!(event.model(), &user(4, 0));
}

pub fn key_function_is_the_only_key<K: Backing>()
where
    K::B: Clone,
{
    let key = record_key::<TestDefinition, User>(&UserPrimaryKey(258));
    assert_eq!(
        key.as_ref(),
        b"/netabase/TestDefinition/User/\x00\x00\x00\x00\x00\x00\x01\x02"
    );
    assert_eq!(model_record_key::<TestDefinition, User>(&user(258, 0)), key);
    assert_eq!(record_of(258).key, key);
    let keys: TestKeys = UserKey::Primary(UserPrimaryKey(258)).into();
    assert_eq!(keys_record_key::<TestDefinition>(&keys), Some(key));
    let secondary: TestKeys = UserKey::Secondary(age(1)).into();
    assert_eq!(keys_record_key::<TestDefinition>(&secondary), None);
}

crate::conformance::backend_suite!(
    [
        put_get_remove_record,
        add_get_remove_provider,
        provided_is_only_this_nodes_providers,
        update_provider_and_provided,
        max_providers_per_key,
        max_provided_keys,
        max_records,
        record_limit_holds_across_reopen_and_foreign_keys,
        max_value_bytes,
        records_are_dht_records_only,
        expired_records_are_not_returned,
        invalid_records_are_rejected,
        foreign_bytes_in_the_database_give_none,
        dht_puts_reach_subscribers,
        key_function_is_the_only_key,
        unique_conflicts_are_rejected,
    ]
    memory: Memory, sled: Sled, redb: Redb);

/// Records (with publisher and expiry) and providers (with expiry and addresses) survive a close
/// and reopen.
fn survives_reopen<K: Backing>()
where
    K::B: Clone,
{
    let dir = tempfile::tempdir().unwrap();
    let local = PeerId::random();
    let expires = Instant::now() + Duration::from_secs(7200);
    let mut record = record_of(1);
    record.publisher = Some(PeerId::random());
    record.expires = Some(expires);
    let key = RecordKey::new(&b"provided-key");
    let remote = ProviderRecord {
        key: key.clone(),
        provider: PeerId::random(),
        expires: Some(expires),
        addresses: vec![addr(7)],
    };
    let mine = ProviderRecord {
        key: key.clone(),
        provider: local,
        expires: Some(expires),
        addresses: vec![addr(8)],
    };
    {
        let mut store = open::<K>(dir.path(), local, RecordStoreConfig::default());
        store.put(record.clone()).unwrap();
        let mut expired = record_of(2);
        expired.expires = Some(Instant::now() + Duration::from_millis(200));
        store.put(expired).unwrap();
        store.add_provider(remote.clone()).unwrap();
        store.add_provider(mine.clone()).unwrap();
        store.store().flush().unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    let store = open::<K>(dir.path(), local, RecordStoreConfig::default());
    let got = store
        .get(&record.key)
        .expect("the record survived")
        .into_owned();
    assert_eq!(
        (got.value, got.publisher),
        (record.value.clone(), record.publisher)
    );
    assert!(
        close(got.expires, record.expires),
        "expiry survived as wall-clock time"
    );
    assert!(
        store.get(&record_of(2).key).is_none(),
        "a record that expired while closed stays expired"
    );
    let mut providers = store.providers(&key);
    providers.sort_by_key(|p| p.provider == local);
    assert_eq!(providers.len(), 2);
    assert_eq!(
        (providers[0].provider, &providers[0].addresses),
        (remote.provider, &remote.addresses)
    );
    assert!(close(providers[1].expires, Some(expires)));
    let provided: Vec<_> = store.provided().map(|p| p.into_owned()).collect();
    assert_eq!(provided.len(), 1);
    assert_eq!(
        (provided[0].provider, &provided[0].addresses),
        (local, &mine.addresses)
    );
}

#[test]
fn sled_records_and_providers_survive_reopen() {
    survives_reopen::<Sled>();
}

#[test]
fn redb_records_and_providers_survive_reopen() {
    survives_reopen::<Redb>();
}

/// `NetabaseStore::record_store` builds a handle on the same database as the store.
#[test]
fn record_store_handle_shares_the_database() {
    let store = NetabaseStore::<TestDefinition, _>::memory();
    let mut handle = store.record_store(PeerId::random());
    handle.put(record_of(9)).unwrap();
    assert_eq!(
        store.open_tree::<User>().get(UserPrimaryKey(9)).unwrap(),
        Some(user(9, 0))
    );
}

/// Log lines written by a test's tracing subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// kad's store errors have no I/O variant, so an engine failure during `put` reaches kad as
/// `MaxRecords`; the log must then say what really happened (the operation, the engine's own
/// error, and that the store is not full), and the failed put must have stored nothing.
#[test]
fn engine_failure_is_logged_with_its_cause_not_as_a_full_store() {
    let faulty = Faulty::new(NetabaseStore::<TestDefinition, _>::memory().into_backend());
    let mut store =
        NetabaseRecordStore::with_config(faulty.clone(), PeerId::random(), Default::default());
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();

    faulty.fail_after(1);
    let result = tracing::subscriber::with_default(subscriber, || store.put(record_of(1)));
    faulty.heal();

    assert!(matches!(result, Err(Error::MaxRecords)), "{result:?}");
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("ERROR"), "{logs}");
    assert!(
        logs.contains("injected failure"),
        "the engine's error: {logs}"
    );
    assert!(logs.contains("operation=\"put\""), "the operation: {logs}");
    assert!(logs.contains("this is not a full store"), "{logs}");
    assert!(store.get(&record_of(1).key).is_none(), "nothing was stored");
    assert!(record_keys(&store).is_empty());
    store.put(record_of(1)).unwrap();
    assert!(
        store.get(&record_of(1).key).is_some(),
        "the store works again once the engine does"
    );
}

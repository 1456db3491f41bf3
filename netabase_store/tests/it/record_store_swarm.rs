//! Two libp2p swarms on 127.0.0.1, each a `kad::Behaviour` over a netabase record store: a
//! record put on A is stored on B as a typed model; B restarts on its database and still serves
//! the record to A.

use std::path::Path;
use std::time::Duration;

use libp2p::identity::Keypair;
use libp2p::kad::{self, GetRecordOk, PutRecordOk, QueryResult, Quorum, Record};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, StreamProtocol, Swarm, SwarmBuilder, noise, tcp, yamux};
use netabase_store::NetabaseStore;
use netabase_store::config::FileConfig;
use netabase_store::databases::redb_store::RedbStore;
use netabase_store::databases::sled_store::SledStore;
use netabase_store::engine::Backend;
use netabase_store::record_store::{NetabaseRecordStore, decode_record, model_record};
use netabase_store::traits::backend_store::BackendStore;
use tokio_stream::StreamExt;

use crate::schema::*;

const WAIT: Duration = Duration::from_secs(30);

type Node<B> = Swarm<kad::Behaviour<NetabaseRecordStore<TestDefinition, B>>>;

fn node<B: Backend + Clone>(keypair: Keypair, backend: B) -> Node<B> {
    let local = keypair.public().to_peer_id();
    let store = NetabaseStore::<TestDefinition, _>::from_backend(backend).record_store(local);
    let mut swarm = SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .expect("tcp transport")
        .with_behaviour(|key| {
            let config = kad::Config::new(StreamProtocol::new("/netabase-test/kad/1.0.0"));
            kad::Behaviour::with_config(key.public().to_peer_id(), store, config)
        })
        .expect("behaviour")
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();
    swarm.behaviour_mut().set_mode(Some(kad::Mode::Server));
    swarm
}

/// Starts listening on 127.0.0.1 and returns the address.
async fn listen<B: Backend + Clone>(swarm: &mut Node<B>) -> Multiaddr {
    swarm
        .listen_on("/ip4/127.0.0.1/tcp/0".parse().unwrap())
        .unwrap();
    tokio::time::timeout(WAIT, async {
        loop {
            if let Some(SwarmEvent::NewListenAddr { address, .. }) = swarm.next().await {
                return address;
            }
        }
    })
    .await
    .expect("listening in time")
}

/// Polls both swarms until `done` returns a value from one of A's events.
async fn drive<A, B, T>(
    a: &mut Node<A>,
    b: &mut Node<B>,
    mut done: impl FnMut(SwarmEvent<kad::Event>) -> Option<T>,
) -> T
where
    A: Backend + Clone,
    B: Backend + Clone,
{
    tokio::time::timeout(WAIT, async {
        loop {
            tokio::select! {
                Some(event) = a.next() => if let Some(value) = done(event) { return value },
                Some(_) = b.next() => {}
            }
        }
    })
    .await
    .expect("the query finished in time")
}

async fn put_on_a_get_on_b_after_restart<B, F>(open_b: F)
where
    B: Backend + Clone,
    F: Fn() -> B,
{
    let (key_a, key_b) = (Keypair::generate_ed25519(), Keypair::generate_ed25519());
    let (id_a, id_b): (PeerId, PeerId) = (key_a.public().to_peer_id(), key_b.public().to_peer_id());
    let mut a = node(
        key_a,
        netabase_store::databases::memory_store::MemoryStore::<TestDefinition>::new(),
    );
    let mut b = node(key_b.clone(), open_b());
    let addr_a = listen(&mut a).await;
    let addr_b = listen(&mut b).await;
    a.behaviour_mut().add_address(&id_b, addr_b.clone());
    b.behaviour_mut().add_address(&id_a, addr_a);

    // Put on A: kad stores it locally (our store validates it) and replicates it to B.
    let alice = user(42, 1);
    let record: Record = model_record::<TestDefinition, User>(&alice).unwrap();
    let put = a
        .behaviour_mut()
        .put_record(record.clone(), Quorum::One)
        .expect("local put");
    let outcome = drive(&mut a, &mut b, |event| match event {
        SwarmEvent::Behaviour(kad::Event::OutboundQueryProgressed {
            id,
            result: QueryResult::PutRecord(result),
            ..
        }) if id == put => Some(result),
        _ => None,
    })
    .await;
    assert!(
        matches!(outcome, Ok(PutRecordOk { .. })),
        "replicated to B: {outcome:?}"
    );

    // On B the record is a typed model, queryable by secondary key.
    let typed_b = b.behaviour_mut().store_mut().store();
    assert_eq!(
        typed_b.open_tree::<User>().get(UserPrimaryKey(42)).unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        typed_b
            .open_tree::<User>()
            .get_by_secondary_key(email(&alice.email))
            .unwrap(),
        vec![alice.clone()]
    );
    drop(typed_b);

    // B restarts on its database with the same identity; A sees the old connection go and
    // connects to the new B.
    drop(b);
    tokio::time::timeout(WAIT, async {
        while !matches!(a.next().await, Some(SwarmEvent::ConnectionClosed { peer_id, .. }) if peer_id == id_b) {}
    })
    .await
    .expect("A noticed B going away");
    let mut b = node(key_b, open_b());
    let new_addr_b = listen(&mut b).await;
    a.behaviour_mut().remove_address(&id_b, &addr_b);
    a.behaviour_mut().add_address(&id_b, new_addr_b);
    a.dial(id_b).expect("dial the restarted B");
    drive(&mut a, &mut b, |event| match event {
        SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id == id_b => Some(()),
        _ => None,
    })
    .await;

    // A forgets its own copy, so only B can answer.
    a.behaviour_mut().remove_record(&record.key);
    let get = a.behaviour_mut().get_record(record.key.clone());
    let found = drive(&mut a, &mut b, |event| match event {
        SwarmEvent::Behaviour(kad::Event::OutboundQueryProgressed {
            id,
            result: QueryResult::GetRecord(Ok(GetRecordOk::FoundRecord(peer_record))),
            ..
        }) if id == get => Some(peer_record),
        SwarmEvent::Behaviour(kad::Event::OutboundQueryProgressed {
            id,
            result: QueryResult::GetRecord(Err(err)),
            ..
        }) if id == get => {
            panic!("B did not serve the record after restarting: {err:?}")
        }
        _ => None,
    })
    .await;
    assert_eq!(found.peer, Some(id_b));
    let decoded = User::try_from(decode_record::<TestDefinition>(&found.record).unwrap()).unwrap();
    assert_eq!(decoded, alice);
}

fn file_config(path: &Path) -> FileConfig {
    FileConfig::builder()
        .path(path.to_path_buf())
        .use_fsync(false)
        .build()
}

#[tokio::test]
async fn sled_node_serves_a_record_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b");
    put_on_a_get_on_b_after_restart(|| {
        <SledStore<TestDefinition> as BackendStore<_>>::new(file_config(&path)).unwrap()
    })
    .await;
}

#[tokio::test]
async fn redb_node_serves_a_record_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.redb");
    put_on_a_get_on_b_after_restart(|| {
        <RedbStore<TestDefinition> as BackendStore<_>>::new(file_config(&path)).unwrap()
    })
    .await;
}

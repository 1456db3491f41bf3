//! Starting, stopping and restarting nodes; subscribers; the address book, mode and protocol
//! commands; bootstrap.

use libp2p::kad::{Mode, RoutingUpdate};
use libp2p::{Multiaddr, PeerId};
use netabase::{Error, NetabaseConfig, NetabaseSwarmEvent, StorageBackend};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_taken_before_start_hear_events() {
    let mut node = Node::new_with_config(loopback()).unwrap();
    let mut first = node.subscribe_to_broadcasts();
    let mut second = node.subscribe_to_broadcasts();
    bounded("start", node.start_swarm()).await.unwrap();
    let listening = |event: &NetabaseSwarmEvent<ChatDefinition>| match event {
        NetabaseSwarmEvent::Listening { address } => Some(address.clone()),
        _ => None,
    };
    let a = next_event(&mut first, "first subscriber hears Listening", listening).await;
    let b = next_event(&mut second, "second subscriber hears Listening", listening).await;
    assert_eq!(a, b);
    // Both hear a connection from another node too.
    let other = started(loopback()).await;
    other
        .add_address(node.peer_id(), address(&node).await)
        .await
        .unwrap();
    bounded("bootstrap", other.bootstrap()).await.unwrap();
    let connected = |event: &NetabaseSwarmEvent<ChatDefinition>| match event {
        NetabaseSwarmEvent::ConnectionEstablished {
            peer,
            inbound: true,
            ..
        } => Some(*peer),
        _ => None,
    };
    assert_eq!(
        next_event(&mut first, "first hears the connection", connected).await,
        other.peer_id()
    );
    assert_eq!(
        next_event(&mut second, "second hears the connection", connected).await,
        other.peer_id()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_before_start_and_after_stop_fail_clearly() {
    let mut node = Node::new_with_config(loopback()).unwrap();
    assert!(matches!(node.get_mode().await, Err(Error::NotRunning)));
    assert!(matches!(
        node.put_record(message("x", "me", "x")).await,
        Err(Error::NotRunning)
    ));
    assert!(matches!(node.bootstrap().await, Err(Error::NotRunning)));
    bounded("start", node.start_swarm()).await.unwrap();
    assert!(matches!(
        node.start_swarm().await,
        Err(Error::AlreadyRunning)
    ));
    assert_eq!(node.get_mode().await.unwrap(), Mode::Server);
    bounded("stop", node.stop_swarm()).await.unwrap();
    assert!(!node.is_running());
    assert!(matches!(
        node.get_record(key("x")).await,
        Err(Error::NotRunning)
    ));
    assert!(matches!(
        node.listen_addresses().await,
        Err(Error::NotRunning)
    ));
    bounded("stop again", node.stop_swarm()).await.unwrap();
    // The local store stays usable while stopped.
    assert_eq!(
        node.store()
            .open_tree::<Message>()
            .get(MessagePrimaryKey("x".into()))
            .unwrap(),
        None
    );
}

/// A node restarted (the same value, and a new value on the same directory) keeps its PeerId
/// and still serves its records to another node.
async fn restart_keeps_identity_and_records(backend: StorageBackend) {
    let dir = tempfile::tempdir().unwrap();
    let config = || NetabaseConfig {
        storage_backend: backend,
        ..loopback()
    };
    let mut node = Node::new_with_path_and_config(dir.path(), config()).unwrap();
    let peer = node.peer_id();
    bounded("start", node.start_swarm()).await.unwrap();
    let kept = message("kept", "me", "survives restarts");
    bounded("put", node.put_record(kept.clone())).await.unwrap();

    bounded("stop", node.stop_swarm()).await.unwrap();
    bounded("restart", node.start_swarm()).await.unwrap();
    assert_eq!(node.peer_id(), peer);
    let reader = started(loopback()).await;
    reader
        .add_address(peer, address(&node).await)
        .await
        .unwrap();
    assert_eq!(
        bounded("get after restart", reader.get_record(key("kept")))
            .await
            .unwrap(),
        Some(kept.clone())
    );

    bounded("stop", node.stop_swarm()).await.unwrap();
    drop(node);
    let mut reopened = Node::new_with_path_and_config(dir.path(), config()).unwrap();
    assert_eq!(
        reopened.peer_id(),
        peer,
        "the identity key lives in the data directory"
    );
    bounded("start reopened", reopened.start_swarm())
        .await
        .unwrap();
    let reader = started(loopback()).await;
    reader
        .add_address(peer, address(&reopened).await)
        .await
        .unwrap();
    assert_eq!(
        bounded("get from the reopened node", reader.get_record(key("kept")))
            .await
            .unwrap(),
        Some(kept)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sled_node_restarts_with_its_identity_and_records() {
    restart_keeps_identity_and_records(StorageBackend::Sled).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redb_node_restarts_with_its_identity_and_records() {
    restart_keeps_identity_and_records(StorageBackend::Redb).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_with_and_without_known_peers() {
    let lonely = started(loopback()).await;
    assert!(matches!(lonely.bootstrap().await, Err(Error::NoKnownPeers)));
    let hub = started(loopback()).await;
    lonely
        .add_address(hub.peer_id(), address(&hub).await)
        .await
        .unwrap();
    let outcome = bounded("bootstrap", lonely.bootstrap()).await.unwrap();
    assert!(outcome.routing_table_peers >= 1);
    assert!(
        lonely
            .routing_table_peers()
            .await
            .unwrap()
            .contains(&hub.peer_id())
    );
    // Bootstrap peers given in the configuration are known at start.
    let mut config = loopback();
    config.dht_discovery.bootstrap_peers = vec![(hub.peer_id(), address(&hub).await)];
    let configured = started(config).await;
    assert!(
        bounded("bootstrap from config", configured.bootstrap())
            .await
            .unwrap()
            .routing_table_peers
            >= 1
    );
}

/// The address book. Each peer gets one address: kad drops an unreachable address after a
/// failed dial (its automatic bootstrap dials new peers) unless it is the peer's last one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn address_book_commands() {
    let node = started(loopback()).await;
    let (a, b, c) = (PeerId::random(), PeerId::random(), PeerId::random());
    let address =
        |port: u16| -> Multiaddr { format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap() };
    for (peer, port) in [(a, 40001), (b, 40002), (c, 40003)] {
        assert!(matches!(
            node.add_address(peer, address(port)).await.unwrap(),
            RoutingUpdate::Success
        ));
    }
    let table = node.routing_table_peers().await.unwrap();
    assert!([a, b, c].iter().all(|p| table.contains(p)), "{table:?}");

    // An address the peer does not have: nothing removed, the peer stays.
    assert!(!node.remove_address(c, address(40009)).await.unwrap());
    assert!(node.routing_table_peers().await.unwrap().contains(&c));
    // Its only address: removed, and the peer with it.
    assert!(node.remove_address(a, address(40001)).await.unwrap());
    assert!(
        !node.remove_address(a, address(40001)).await.unwrap(),
        "already removed"
    );
    assert!(!node.routing_table_peers().await.unwrap().contains(&a));
    // A whole peer.
    assert!(node.remove_peer(b).await.unwrap());
    assert!(!node.remove_peer(b).await.unwrap());
    let table = node.routing_table_peers().await.unwrap();
    assert!(!table.contains(&b) && table.contains(&c), "{table:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mode_and_protocol_names() {
    let node = started(loopback().with_kademlia_protocol("/my-app/kad/2")).await;
    assert_eq!(node.get_mode().await.unwrap(), Mode::Server);
    assert_eq!(
        node.set_mode(Some(Mode::Client)).await.unwrap(),
        Mode::Client
    );
    assert_eq!(node.get_mode().await.unwrap(), Mode::Client);
    assert_eq!(
        node.set_mode(Some(Mode::Server)).await.unwrap(),
        Mode::Server
    );
    let names = node.get_protocol_names().await.unwrap();
    assert_eq!(
        names
            .iter()
            .map(|p| p.as_ref().to_string())
            .collect::<Vec<_>>(),
        vec!["/my-app/kad/2".to_string()]
    );
    let mut client_config = loopback();
    client_config.server_mode = false;
    assert_eq!(
        started(client_config).await.get_mode().await.unwrap(),
        Mode::Client
    );
    // A protocol name that is not one is refused at start.
    let mut bad = Node::new_with_config(loopback().with_kademlia_protocol("no-slash")).unwrap();
    assert!(matches!(
        bad.start_swarm().await,
        Err(Error::InvalidConfig {
            field: "kademlia_protocol",
            ..
        })
    ));
}

/// Nodes with different Kademlia protocol names do not share records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn different_dht_protocols_do_not_mix() {
    let ours = started(loopback()).await;
    let theirs = started(loopback().with_kademlia_protocol("/other-app/kad/1.0.0")).await;
    bounded("put", ours.put_record(message("private", "me", "x")))
        .await
        .unwrap();
    theirs
        .add_address(ours.peer_id(), address(&ours).await)
        .await
        .unwrap();
    assert_eq!(
        bounded("get across protocols", theirs.get_record(key("private")))
            .await
            .unwrap(),
        None
    );
}

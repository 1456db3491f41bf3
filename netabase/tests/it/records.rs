//! Records and providers across in-process nodes on 127.0.0.1.

use std::collections::HashSet;

use libp2p::kad::store::RecordStore;
use netabase::NetabaseSwarmEvent;
use netabase_store::record_store::record_key;

use crate::common::*;

/// A record put on the first node is returned typed by `get_record` on every other node.
async fn put_on_one_get_on_all(n: usize, replication: usize) {
    let nodes = network(n, replication).await;
    let hello = message(&format!("hello-{n}"), "alice", "hi everyone");
    let outcome = bounded("put_record", nodes[0].put_record(hello.clone()))
        .await
        .unwrap();
    // Quorum one: the put ends at the first confirmation.
    assert!(outcome.quorum_reached, "{outcome:?}");
    assert_eq!(outcome.peers_stored, 1, "{outcome:?}");
    for (i, node) in nodes.iter().enumerate().skip(1) {
        let found = bounded("get_record", node.get_record(key(&hello.id)))
            .await
            .unwrap();
        assert_eq!(found.as_ref(), Some(&hello), "node {i} of {n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_put_on_one_get_on_the_other() {
    put_on_one_get_on_all(2, 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_nodes_put_on_one_get_on_all() {
    put_on_one_get_on_all(5, 20).await;
}

/// With a replication factor of 3 most of the 15 nodes do not hold the record and must find it
/// through the DHT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifteen_nodes_put_on_one_get_on_all_through_the_dht() {
    put_on_one_get_on_all(15, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_from_peers_are_typed_models_in_the_local_store() {
    let nodes = network(2, 20).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut events = b.subscribe_to_broadcasts();
    let hello = message("m1", "alice", "stored on b too");
    bounded("put", a.put_record(hello.clone())).await.unwrap();
    // B receives it from A and says so, typed.
    let (model, from) = next_event(&mut events, "RecordStored on b", |event| match event {
        NetabaseSwarmEvent::RecordStored {
            model: ChatDefinition::Message(m),
            from,
            ..
        } => Some((m.clone(), *from)),
        _ => None,
    })
    .await;
    assert_eq!((model, from), (hello.clone(), Some(a.peer_id())));
    // The application reads it with the tree API and its secondary index.
    let messages = b.store().open_tree::<Message>();
    assert_eq!(
        messages.get(MessagePrimaryKey("m1".into())).unwrap(),
        Some(hello.clone())
    );
    let by_sender = messages
        .get_by_secondary_key(MessageSecondaryKeys::Sender(MessageSenderSecondaryKey(
            "alice".into(),
        )))
        .unwrap();
    assert_eq!(by_sender, vec![hello]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_local_records_and_remove_record() {
    let node = started(loopback()).await;
    // A local-only model is not a DHT record.
    node.store()
        .open_tree::<Message>()
        .put(message("local", "me", "never published"))
        .unwrap();
    for i in 0..5 {
        bounded("put", node.put_record(message(&format!("m{i}"), "me", "x")))
            .await
            .unwrap();
    }
    bounded(
        "put room",
        node.put_record(Room {
            name: "lobby".into(),
            topic: "t".into(),
        }),
    )
    .await
    .unwrap();
    let all = node.query_local_records(None).await.unwrap();
    assert_eq!(all.len(), 6);
    assert!(
        all.iter()
            .all(|d| !matches!(d, ChatDefinition::Message(m) if m.id == "local"))
    );
    assert_eq!(node.query_local_records(Some(2)).await.unwrap().len(), 2);
    assert_eq!(node.query_local_records(Some(0)).await.unwrap().len(), 0);

    let removed = node.remove_record(key("m3")).await.unwrap();
    assert_eq!(removed.map(|m| m.id), Some("m3".into()));
    assert_eq!(node.query_local_records(None).await.unwrap().len(), 5);
    assert_eq!(
        node.store()
            .open_tree::<Message>()
            .get(MessagePrimaryKey("m3".into()))
            .unwrap(),
        None
    );
    assert_eq!(
        bounded("get removed", node.get_record(key("m3")))
            .await
            .unwrap(),
        None
    );
    // A secondary key names no record.
    let secondary = MessageKey::Secondary(MessageSecondaryKeys::Sender(MessageSenderSecondaryKey(
        "me".into(),
    )));
    assert!(matches!(
        node.get_record(secondary).await,
        Err(netabase::Error::NotAPrimaryKey)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_without_peers_reports_what_happened() {
    let node = started(loopback()).await;
    let outcome = bounded("put alone", node.put_record(message("solo", "me", "x")))
        .await
        .unwrap();
    assert_eq!((outcome.peers_stored, outcome.quorum_reached), (0, false));
    // Stored locally all the same.
    assert!(
        bounded("get", node.get_record(key("solo")))
            .await
            .unwrap()
            .is_some()
    );
}

/// Three nodes provide a key; a fourth finds all three; a provider that stops is no longer
/// among its own providers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_providers_found_by_a_fourth_node() {
    let nodes = network(4, 20).await;
    let shared = key("shared-file");
    for node in &nodes[..3] {
        let outcome = bounded("start_providing", node.start_providing(shared.clone()))
            .await
            .unwrap();
        assert!(outcome.completed, "{outcome:?}");
    }
    let expected: HashSet<_> = nodes[..3].iter().map(|n| n.peer_id()).collect();
    let found = eventually("the fourth node finds all providers", || async {
        let found = nodes[3].get_providers(shared.clone()).await.unwrap();
        (found == expected).then_some(found)
    })
    .await;
    assert_eq!(found, expected);

    // The node's own provider record is in its database until it stops providing (copies on
    // other peers expire with their TTL).
    let record_key =
        record_key::<ChatDefinition, Message>(&MessagePrimaryKey("shared-file".into()));
    let own_records = nodes[0].store().record_store(nodes[0].peer_id());
    assert!(own_records.provided().any(|p| p.key == record_key));
    bounded("stop_providing", nodes[0].stop_providing(shared.clone()))
        .await
        .unwrap();
    assert!(!own_records.provided().any(|p| p.key == record_key));
    assert!(
        own_records
            .providers(&record_key)
            .iter()
            .all(|p| p.provider != nodes[0].peer_id())
    );
}

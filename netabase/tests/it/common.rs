//! The schema and helpers the network tests share.

use std::future::Future;
use std::num::NonZeroUsize;
use std::time::Duration;

use libp2p::Multiaddr;
use libp2p::futures::future::join_all;
use netabase::{Netabase, NetabaseConfig, NetabaseSwarmEvent};
use netabase_store::netabase_definition_module;
use tokio::sync::broadcast;

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(30);

#[netabase_definition_module(ChatDefinition, ChatKeys)]
pub mod chat {
    use netabase_store::{NetabaseModel, netabase};

    /// A chat message, as in the `simple_mdns_chat` example.
    #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
    #[netabase(ChatDefinition)]
    pub struct Message {
        #[primary_key]
        pub id: String,
        #[secondary_key]
        pub sender: String,
        pub content: String,
        pub timestamp: i64,
    }

    /// A second model, to check that records of different models are kept apart.
    #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
    #[netabase(ChatDefinition)]
    pub struct Room {
        #[primary_key]
        pub name: String,
        pub topic: String,
    }
}

pub use chat::*;

pub type Node = Netabase<ChatDefinition>;

pub fn message(id: &str, sender: &str, content: &str) -> Message {
    Message {
        id: id.to_string(),
        sender: sender.to_string(),
        content: content.to_string(),
        timestamp: 1_700_000_000,
    }
}

pub fn key(id: &str) -> MessageKey {
    MessageKey::Primary(MessagePrimaryKey(id.to_string()))
}

/// Runs `future`, failing the test if it takes longer than [`WAIT`].
pub async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {WAIT:?}: {what}"),
    }
}

/// Polls `check` every 100 ms until it returns `Some`, for at most [`WAIT`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    bounded(what, async {
        loop {
            if let Some(value) = check().await {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
}

/// Waits for the first event matching `pick`.
pub async fn next_event<T>(
    events: &mut broadcast::Receiver<NetabaseSwarmEvent<ChatDefinition>>,
    what: &str,
    mut pick: impl FnMut(&NetabaseSwarmEvent<ChatDefinition>) -> Option<T>,
) -> T {
    bounded(what, async {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if let Some(value) = pick(&event) {
                        return value;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("event channel closed: {what}"),
            }
        }
    })
    .await
}

/// A loopback node configuration (TCP on 127.0.0.1, no mDNS, memory storage) with a short
/// query timeout.
pub fn loopback() -> NetabaseConfig {
    let mut config = NetabaseConfig::loopback();
    config.query_timeout = Duration::from_secs(10);
    config
}

/// A started node with `config`.
pub async fn started(config: NetabaseConfig) -> Node {
    let mut node = Node::new_with_config(config).expect("open a node");
    bounded("start_swarm", node.start_swarm())
        .await
        .expect("start the node");
    node
}

/// The node's first loopback TCP address.
pub async fn address(node: &Node) -> Multiaddr {
    let addresses = node.listen_addresses().await.expect("listen addresses");
    addresses.into_iter().next().expect("the node listens")
}

/// `n` started nodes, each introduced to the first one and bootstrapped, with the given
/// replication factor.
pub async fn network(n: usize, replication: usize) -> Vec<Node> {
    let config = || {
        loopback()
            .with_replication_factor(NonZeroUsize::new(replication).expect("replication factor"))
    };
    let first = started(config()).await;
    let first_address = address(&first).await;
    let mut nodes = vec![first];
    for _ in 1..n {
        let node = started(config()).await;
        node.add_address(nodes[0].peer_id(), first_address.clone())
            .await
            .expect("add address");
        nodes.push(node);
    }
    // Every node joins through the first; then each bootstraps once more so that every routing
    // table covers the network. Bootstraps run concurrently: each refreshes every bucket.
    for round in ["bootstrap", "bootstrap again"] {
        let joins = nodes[1..].iter().map(|node| node.bootstrap());
        for result in bounded(round, join_all(joins)).await {
            result.expect(round);
        }
    }
    for node in &nodes {
        eventually("routing tables fill", || async {
            let peers = node.routing_table_peers().await.expect("routing table");
            (peers.len() + 1 >= n.min(replication + 1)).then_some(())
        })
        .await;
    }
    nodes
}

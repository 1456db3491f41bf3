//! mDNS discovery between two processes in two network namespaces joined by a veth pair.
//!
//! Each namespace holds one child process (this binary's `mdns::child`), a node with the
//! default configuration (mDNS on) listening on `/ip4/0.0.0.0/tcp/0`. Nobody is told an
//! address: the nodes find each other by mDNS on the veth link, then one publishes a message
//! with `put_record` and the other fetches it with `get_record`. The test needs root; without
//! it the test fails and says so.

use std::net::Ipv4Addr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use netabase::NetabaseSwarmEvent;
use netabase::config::tcp_address;
use tokio::sync::broadcast;

use crate::common::*;
use crate::netns::{NamespacePair, namespace_exists, root_interface_exists};
use crate::process::*;

const ROLE: &str = "NETABASE_MDNS_ROLE";
const DIR: &str = "NETABASE_MDNS_DIR";
const MESSAGE: &str = "NETABASE_MDNS_MESSAGE";
const CHILD_TEST: &str = "mdns::child";

/// How long a child retries `put_record` / `get_record`.
const PATIENCE: Duration = Duration::from_secs(60);

/// How long a child waits for its first mDNS discovery. A node finds a peer when the peer
/// answers one of its queries; libp2p sends them at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 and 63.5 s
/// (doubling intervals) until one is answered, so a peer that starts slowly (a loaded
/// machine) can be found only at the 31.5 or 63.5 s query. Unloaded, discovery takes about a
/// second.
const DISCOVERY_WAIT: Duration = Duration::from_secs(70);

/// Prints every later mDNS discovery as `DISCOVERED <peer> <address>`.
fn report_discoveries(mut events: broadcast::Receiver<NetabaseSwarmEvent<ChatDefinition>>) {
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(NetabaseSwarmEvent::PeerDiscovered { peer, address }) => {
                    println!("DISCOVERED {peer} {address}");
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// Retries `attempt` every 250 ms until it returns `Some`, for at most [`PATIENCE`].
async fn retry<T, F, Fut>(what: &str, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let work = async {
        loop {
            if let Some(value) = attempt().await {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    };
    tokio::time::timeout(PATIENCE, work)
        .await
        .unwrap_or_else(|_| panic!("gave up after {PATIENCE:?}: {what}"))
}

/// A node in a namespace. Role `put` publishes the message once its discovered peer is in its
/// routing table, retrying until a put reaches it; role `get` fetches it, retrying until found.
/// Both print `PEER`, `LISTEN`, `DISCOVERED`, then `PUT <peers stored> <message>` or
/// `GOT <message>`, stay up until their stdin closes, and print `STOPPED`.
#[test]
#[ignore = "child process of the mDNS test"]
fn child() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let message = decode_message(&env(MESSAGE));
    runtime().block_on(async move {
        let config = netabase::NetabaseConfig::default()
            .with_listen_addresses([tcp_address(Ipv4Addr::UNSPECIFIED)]);
        let mut node = Node::new_with_path_and_config(env(DIR), config).expect("open the node");
        let mut events = node.subscribe_to_broadcasts();
        bounded("start_swarm", node.start_swarm())
            .await
            .expect("start the node");
        println!("PEER {}", node.peer_id());
        // Listening on 0.0.0.0 reports one address per interface; wait for the veth one.
        let addresses = retry("a listen address on the veth link", || async {
            let addresses = node.listen_addresses().await.expect("listen addresses");
            let on_link = addresses.iter().any(|address| {
                matches!(address.iter().next(), Some(Protocol::Ip4(ip)) if !ip.is_loopback())
            });
            on_link.then_some(addresses)
        })
        .await;
        for address in addresses {
            println!("LISTEN {address}");
        }
        let discovery = async {
            loop {
                match events.recv().await {
                    Ok(NetabaseSwarmEvent::PeerDiscovered { peer, address }) => {
                        return (peer, address);
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => panic!("the node's events ended"),
                }
            }
        };
        let (peer, address) = tokio::time::timeout(DISCOVERY_WAIT, discovery)
            .await
            .unwrap_or_else(|_| panic!("no mDNS discovery within {DISCOVERY_WAIT:?}"));
        println!("DISCOVERED {peer} {address}");
        report_discoveries(events);

        match role.as_str() {
            "put" => {
                retry("the discovered peer enters the routing table", || async {
                    let peers = node.routing_table_peers().await.expect("routing table");
                    peers.contains(&peer).then_some(())
                })
                .await;
                let outcome = retry("a put_record that reaches the peer", || async {
                    let outcome = node.put_record(message.clone()).await.expect("put_record");
                    outcome.quorum_reached.then_some(outcome)
                })
                .await;
                println!("PUT {} {}", outcome.peers_stored, encode_message(&message));
            }
            "get" => {
                let found = retry("get_record finds the message", || async {
                    node.get_record(key(&message.id)).await.expect("get_record")
                })
                .await;
                println!("GOT {}", encode_message(&found));
            }
            other => panic!("unknown role {other}"),
        }
        stay_up_then_stop(&mut node).await;
    });
}

/// `(peer, address)` of a `DISCOVERED` line.
fn discovery(line: &str) -> (PeerId, Multiaddr) {
    let (peer, address) = line.split_once(' ').expect("DISCOVERED <peer> <address>");
    (
        peer.parse().expect("a peer id"),
        address.parse().expect("a multiaddr"),
    )
}

/// The address without a trailing `/p2p/<peer>`.
fn without_peer(mut address: Multiaddr) -> Multiaddr {
    if let Some(Protocol::P2p(_)) = address.iter().last() {
        address.pop();
    }
    address
}

/// Checks that `finder` discovered `found` and nobody else, at `found`'s listen addresses on the
/// veth link (`veth_ip`) only.
fn assert_discovered(finder: &Finished, found: &Finished, veth_ip: Ipv4Addr) {
    let found_peer: PeerId = found.payloads("PEER")[0].parse().expect("a peer id");
    let found_listens: Vec<Multiaddr> = found
        .payloads("LISTEN")
        .iter()
        .map(|a| a.parse().expect("a multiaddr"))
        .collect();
    let on_veth: Vec<&Multiaddr> = found_listens
        .iter()
        .filter(|a| a.iter().next() == Some(Protocol::Ip4(veth_ip)))
        .collect();
    assert_eq!(
        on_veth.len(),
        1,
        "{} listens once on its veth address {veth_ip}: {found_listens:?}",
        found.name
    );
    let discoveries = finder.payloads("DISCOVERED");
    assert!(!discoveries.is_empty(), "{} discovered nobody", finder.name);
    for line in &discoveries {
        let (peer, address) = discovery(line);
        assert_eq!(
            peer, found_peer,
            "{} discovered a stranger: {line}",
            finder.name
        );
        assert_eq!(
            &without_peer(address),
            on_veth[0],
            "{} discovered {} at an address other than its veth one",
            finder.name,
            found.name
        );
    }
}

#[test]
fn two_nodes_in_separate_namespaces_discover_each_other_by_mdns_and_share_a_record() {
    let pair = NamespacePair::create();
    let data = tempfile::tempdir().expect("a temporary directory");
    let pid = std::process::id();
    let sent = Message {
        id: format!("mdns-{pid}"),
        sender: "alice".into(),
        content: format!("hello across namespaces, ünïcödé ✓ ({pid})"),
        timestamp: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_secs() as i64,
    };
    let env = |role: &str| {
        vec![
            (ROLE, role.to_string()),
            (DIR, data.path().join(role).display().to_string()),
            (MESSAGE, encode_message(&sent)),
        ]
    };
    let mut putter = ChildProcess::spawn("putter", CHILD_TEST, &env("put"), Some(&pair.a));
    let mut getter = ChildProcess::spawn("getter", CHILD_TEST, &env("get"), Some(&pair.b));

    // Once both did their part, both may stop.
    putter.expect("PUT");
    getter.expect("GOT");
    putter.close_stdin();
    getter.close_stdin();
    let putter = putter.finish();
    let getter = getter.finish();
    putter.assert_success();
    getter.assert_success();

    assert_discovered(&putter, &getter, pair.address_b);
    assert_discovered(&getter, &putter, pair.address_a);
    // Exactly one peer exists to store the record: the getter.
    assert_eq!(
        putter.payloads("PUT"),
        vec![format!("1 {}", encode_message(&sent))]
    );
    let got: Vec<Message> = getter
        .payloads("GOT")
        .iter()
        .map(|line| decode_message(line))
        .collect();
    assert_eq!(got, vec![sent]);
    // Both stopped their node gracefully before exiting.
    for child in [&putter, &getter] {
        assert_eq!(child.payloads("STOPPED"), [""], "{}", child.name);
    }
    drop(pair);
}

/// The namespaces and the veth pair are deleted when a test panics while holding them.
#[test]
fn namespaces_are_deleted_even_when_the_test_panics() {
    let names = std::panic::catch_unwind(|| {
        let pair = NamespacePair::create();
        let names = [
            pair.a.clone(),
            pair.b.clone(),
            pair.veth_a.clone(),
            pair.veth_b.clone(),
        ];
        assert!(namespace_exists(&pair.a) && namespace_exists(&pair.b));
        std::panic::panic_any(names);
    })
    .expect_err("the closure panics");
    let [a, b, veth_a, veth_b] = *names
        .downcast::<[String; 4]>()
        .expect("the names as the panic payload");
    assert!(!namespace_exists(&a), "{a} survived");
    assert!(!namespace_exists(&b), "{b} survived");
    assert!(!root_interface_exists(&veth_a), "{veth_a} survived");
    assert!(!root_interface_exists(&veth_b), "{veth_b} survived");
}

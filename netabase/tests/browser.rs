//! A netabase node in the browser (headless Chromium through wasm-bindgen-test) and a native
//! node: the browser node dials the native one on its 127.0.0.1 websocket address, gets the
//! record the native node stored, and puts a record that the native node then stores and
//! serves. `scripts/test-browser` starts the native node (`examples/browser_peer.rs`), passes its
//! address at compile time in `NETABASE_BROWSER_PEER`, and checks that it received the record.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use libp2p::Multiaddr;
use libp2p::multiaddr::Protocol;
use netabase::{Netabase, NetabaseConfig};
use netabase_store::netabase_definition_module;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

// The same schema as examples/browser_peer.rs: records only cross between equal definitions.
#[netabase_definition_module(BrowserChat, BrowserChatKeys)]
mod chat {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, PartialEq, Eq, bincode::Encode, bincode::Decode)]
    #[netabase(BrowserChat)]
    pub struct Message {
        #[primary_key]
        pub id: String,
        #[secondary_key]
        pub sender: String,
        pub content: String,
    }
}
use chat::*;

fn key(id: &str) -> MessageKey {
    MessageKey::Primary(MessagePrimaryKey(id.to_string()))
}

#[wasm_bindgen_test]
async fn browser_node_shares_records_with_a_native_node() {
    let Some(peer) = option_env!("NETABASE_BROWSER_PEER") else {
        panic!("NETABASE_BROWSER_PEER is not set: run this test through scripts/test-browser");
    };
    let mut address: Multiaddr = peer.parse().expect("the native node's address");
    let Some(Protocol::P2p(peer_id)) = address.pop() else {
        panic!("the native node's address ends with /p2p/<peer id>: {peer}");
    };

    // Browser defaults: memory storage, client-mode Kademlia, no listener, no mDNS.
    let mut node = Netabase::<BrowserChat>::new_with_config(NetabaseConfig::default()).unwrap();
    node.start_swarm().await.unwrap();
    assert_eq!(node.get_mode().await.unwrap(), libp2p::kad::Mode::Client);
    node.add_address(peer_id, address).await.unwrap();

    // Get the record the native node stored (retrying while the connection comes up).
    let mut found = None;
    for _ in 0..100 {
        found = node.get_record(key("from-native")).await.unwrap();
        if found.is_some() {
            break;
        }
        futures_timer::Delay::new(Duration::from_millis(100)).await;
    }
    let found = found.expect("the native node served its record");
    assert_eq!(found.content, "stored by the native node");
    assert_eq!(found.sender, "native");

    // Put ours: the native node (the only, and closest, server) stores it.
    let ours = Message {
        id: "from-browser".into(),
        sender: "browser".into(),
        content: "stored by the browser ✓".into(),
    };
    // A put that reaches no peer is reported, not an error; like the get above, retry a few
    // times, so that a connection being replaced at that moment does not fail the test.
    let mut outcome = node.put_record(ours.clone()).await.unwrap();
    let mut attempts = 1;
    while !outcome.quorum_reached && attempts < 10 {
        futures_timer::Delay::new(Duration::from_millis(200)).await;
        outcome = node.put_record(ours.clone()).await.unwrap();
        attempts += 1;
    }
    assert!(
        outcome.quorum_reached && outcome.peers_stored >= 1,
        "after {attempts} attempts: {outcome:?}"
    );
    // The browser's own store holds it too, as a typed model.
    assert_eq!(
        node.store()
            .open_tree::<Message>()
            .get(MessagePrimaryKey("from-browser".into()))
            .unwrap(),
        Some(ours)
    );
    node.stop_swarm().await.unwrap();
}

//! A terminal chat between nodes on one local network. Peers find each other with mDNS; a
//! message is a typed model, stored locally and published to the DHT with `put_record`, and
//! every peer that receives it stores it too.
//!
//! Run it in two terminals (or on two machines of one network), each with a name:
//!
//! ```text
//! cargo run --example simple_mdns_chat -- alice
//! cargo run --example simple_mdns_chat -- bob
//! ```
//!
//! Data lives in `./chat_data/<name>` (history and identity survive restarts). Type a line to
//! send it; `/history`, `/peers`, `/help`; `quit` (or end of input, or Ctrl-C) stops the node.
//! It reads standard input until it closes, so it also runs unattended:
//! `printf 'hello\n/history\n' | cargo run --example simple_mdns_chat -- carol`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use netabase::libp2p::{Multiaddr, PeerId};
use netabase::{Netabase, NetabaseSwarmEvent};
use netabase_store::netabase_definition_module;
use tokio::io::{AsyncBufReadExt, BufReader};

#[netabase_definition_module(ChatDefinition, ChatKeys)]
mod chat {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(ChatDefinition)]
    pub struct Message {
        #[primary_key]
        pub id: String,
        #[secondary_key]
        pub sender: String,
        pub content: String,
        /// Seconds since the Unix epoch.
        pub timestamp: i64,
    }
}
use chat::*;

/// Peers found by mDNS, with the address they were found at.
type Discovered = Arc<Mutex<BTreeMap<PeerId, Multiaddr>>>;

fn now() -> std::time::Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

fn short(peer: &PeerId) -> String {
    let text = peer.to_string();
    format!("…{}", &text[text.len() - 6..])
}

fn ago(timestamp: i64) -> String {
    let seconds = (now().as_secs() as i64 - timestamp).max(0);
    match seconds {
        s if s < 60 => format!("{s}s ago"),
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 86_400 => format!("{}h ago", s / 3600),
        s => format!("{}d ago", s / 86_400),
    }
}

fn help() {
    println!("  <text>     send a message");
    println!("  /history   every message this node holds, oldest first");
    println!("  /peers     peers found by mDNS and peers connected");
    println!("  /help      this list");
    println!("  quit       stop (so do end of input and Ctrl-C)");
}

/// Prints discoveries and messages from peers as they happen.
fn print_events(node: &Netabase<ChatDefinition>, discovered: Discovered) {
    let mut events = node.subscribe_to_broadcasts();
    tokio::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                Ok(NetabaseSwarmEvent::PeerDiscovered { peer, address }) => {
                    let new = discovered
                        .lock()
                        .map(|mut peers| peers.insert(peer, address.clone()).is_none())
                        .unwrap_or(false);
                    if new {
                        println!("• found {} at {address}", short(&peer));
                    }
                }
                Ok(NetabaseSwarmEvent::PeerExpired { peer, .. }) => {
                    if let Ok(mut peers) = discovered.lock()
                        && peers.remove(&peer).is_some()
                    {
                        println!("• {} is gone", short(&peer));
                    }
                }
                Ok(NetabaseSwarmEvent::RecordStored {
                    model: ChatDefinition::Message(message),
                    from: Some(_),
                    ..
                }) => println!("[{}] {}", message.sender, message.content),
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => println!("• ({missed} events missed)"),
                Err(RecvError::Closed) => return,
            }
        }
    });
}

async fn history(node: &Netabase<ChatDefinition>) -> anyhow::Result<Vec<Message>> {
    let mut messages: Vec<Message> = node
        .query_local_records(None)
        .await?
        .into_iter()
        // Messages are this definition's only model.
        .map(|ChatDefinition::Message(message)| message)
        .collect();
    messages.sort_by(|a, b| (a.timestamp, &a.id).cmp(&(b.timestamp, &b.id)));
    Ok(messages)
}

async fn send(node: &Netabase<ChatDefinition>, name: &str, text: &str) -> anyhow::Result<()> {
    let time = now();
    let message = Message {
        id: format!("{}_{}_{name}", time.as_secs(), time.subsec_nanos()),
        sender: name.to_string(),
        content: text.to_string(),
        timestamp: time.as_secs() as i64,
    };
    let outcome = node.put_record(message).await?;
    if outcome.peers_stored > 0 {
        println!("✓ sent; {} peer(s) stored it", outcome.peers_stored);
    } else {
        println!("✓ stored locally; no peer stored it yet (nobody found so far?)");
    }
    Ok(())
}

/// Handles one input line; `false` to stop.
async fn handle(
    node: &Netabase<ChatDefinition>,
    name: &str,
    line: &str,
    discovered: &Discovered,
) -> anyhow::Result<bool> {
    match line.trim() {
        "" => {}
        "quit" | "exit" => return Ok(false),
        "/help" => help(),
        "/history" => {
            let messages = history(node).await?;
            println!("{} message(s):", messages.len());
            for message in messages {
                println!(
                    "  [{}] {}: {}",
                    ago(message.timestamp),
                    message.sender,
                    message.content
                );
            }
        }
        "/peers" => {
            let found: Vec<(PeerId, Multiaddr)> = discovered
                .lock()
                .map(|peers| peers.iter().map(|(p, a)| (*p, a.clone())).collect())
                .unwrap_or_default();
            println!("found by mDNS: {}", found.len());
            for (peer, address) in found {
                println!("  {peer} at {address}");
            }
            let connected = node.connected_peers().await?;
            println!("connected: {}", connected.len());
            for peer in connected {
                println!("  {peer}");
            }
        }
        command if command.starts_with('/') => println!("unknown command {command}; try /help"),
        text => send(node, name, text).await?,
    }
    Ok(true)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| format!("user_{}", std::process::id()));
    let path = PathBuf::from("chat_data").join(&name);

    // The default configuration: mDNS on, TCP and QUIC on every interface, sled storage.
    let mut node = Netabase::<ChatDefinition>::new_with_path(&path)?;
    let discovered = Discovered::default();
    print_events(&node, discovered.clone());
    node.start_swarm().await?;
    println!(
        "{name} is peer {} (data in {})",
        node.peer_id(),
        path.display()
    );
    for address in node.listen_addresses().await? {
        println!("  listening on {address}");
    }
    println!(
        "{} message(s) in history. Type a message, or /help.",
        history(&node).await?.len()
    );

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let result = loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => match handle(&node, &name, &line, &discovered).await {
                    Ok(true) => {}
                    Ok(false) => break Ok(()),
                    Err(err) => println!("error: {err:#}"),
                },
                // End of input: stop as `quit` does.
                Ok(None) => break Ok(()),
                Err(err) => break Err(anyhow::Error::from(err).context("reading standard input")),
            },
            _ = tokio::signal::ctrl_c() => break Ok(()),
        }
    };
    node.stop_swarm().await?;
    println!("{name} stopped");
    result
}

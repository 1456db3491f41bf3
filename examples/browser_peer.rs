//! A native node that browser nodes can dial: it listens on a 127.0.0.1 websocket address,
//! stores one record for them to get, and waits until a browser node puts a record on it.
//! `scripts/test-browser` runs it against the browser test (`netabase/tests/browser.rs`).
//!
//! ```sh
//! cargo run --example browser_peer -- --address-file /tmp/peer.addr --timeout-secs 300
//! ```
//! Exits 0 once it holds the browser's record (and prints it), 1 on timeout; with no
//! `--address-file` it prints its address and exits without waiting (a smoke run).

use std::time::Duration;

use netabase::libp2p::Multiaddr;
use netabase::libp2p::multiaddr::Protocol;
use netabase::{Netabase, NetabaseConfig, NetabaseSwarmEvent};
use netabase_store::netabase_definition_module;

// The same schema as netabase/tests/browser.rs: records only cross between equal definitions.
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

struct Args {
    address_file: Option<std::path::PathBuf>,
    timeout: Duration,
}

fn args() -> anyhow::Result<Args> {
    let mut args = Args {
        address_file: None,
        timeout: Duration::from_secs(300),
    };
    let mut raw = std::env::args().skip(1);
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "--address-file" => {
                args.address_file = Some(
                    raw.next()
                        .ok_or_else(|| anyhow::anyhow!("--address-file needs a path"))?
                        .into(),
                )
            }
            "--timeout-secs" => {
                args.timeout = Duration::from_secs(
                    raw.next()
                        .ok_or_else(|| anyhow::anyhow!("--timeout-secs needs a number"))?
                        .parse()?,
                )
            }
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = args()?;
    let websocket: Multiaddr = "/ip4/127.0.0.1/tcp/0/ws".parse()?;
    let config = NetabaseConfig::loopback().with_listen_addresses([websocket]);
    let mut node = Netabase::<BrowserChat>::new_with_config(config)?;
    let mut events = node.subscribe_to_broadcasts();
    node.start_swarm().await?;
    node.put_record(Message {
        id: "from-native".into(),
        sender: "native".into(),
        content: "stored by the native node".into(),
    })
    .await?;

    let listening = node.listen_addresses().await?;
    let address = listening
        .into_iter()
        .find(|a| a.iter().any(|p| matches!(p, Protocol::Ws(_))))
        .ok_or_else(|| anyhow::anyhow!("no websocket listener"))?
        .with(Protocol::P2p(node.peer_id()));
    println!("LISTENING {address}");
    let Some(file) = args.address_file else {
        node.stop_swarm().await?;
        return Ok(());
    };
    // Written atomically: the script reads the file as soon as it is non-empty.
    let partial = file.with_extension("partial");
    std::fs::write(&partial, address.to_string())?;
    std::fs::rename(&partial, &file)?;

    let received = tokio::time::timeout(args.timeout, async {
        loop {
            if let Ok(NetabaseSwarmEvent::RecordStored {
                model: BrowserChat::Message(m),
                from: Some(peer),
                ..
            }) = events.recv().await
                && m.id == "from-browser"
            {
                return (m, peer);
            }
        }
    })
    .await;
    let Ok((message, from)) = received else {
        eprintln!("no record from a browser within {:?}", args.timeout);
        node.stop_swarm().await?;
        std::process::exit(1);
    };
    // The native node now serves it from its own store.
    let served = node
        .get_record(MessageKey::Primary(MessagePrimaryKey(
            "from-browser".into(),
        )))
        .await?;
    anyhow::ensure!(
        served.as_ref() == Some(&message),
        "the received record is not served: {served:?}"
    );
    println!("RECEIVED {} from {from}: {}", message.id, message.content);
    node.stop_swarm().await?;
    Ok(())
}

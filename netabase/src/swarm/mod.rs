//! Building and starting the node's swarm, and its task.

mod behaviour;
pub(crate) mod command;
mod event_loop;

use std::collections::HashSet;
use std::time::Duration;

use libp2p::futures::StreamExt;
use libp2p::identity::Keypair;
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, StreamProtocol, SwarmBuilder, kad, noise, tcp, yamux};
use netabase_store::NetabaseStore;
use netabase_store::databases::any_store::AnyStore;
use netabase_store::record_store::NetabaseRecordStore;
use netabase_store::traits::definition::NetabaseDefinitionTrait;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

use crate::config::NetabaseConfig;
use crate::errors::{Error, Result};
use crate::event::NetabaseSwarmEvent;
use behaviour::{Behaviour, BehaviourEvent};
use command::Command;
use event_loop::{EventLoop, LoopSettings};

/// How long `start_swarm` waits for its listeners to report an address.
const LISTEN_WAIT: Duration = Duration::from_secs(10);

/// A started node: the command channel into its task and the task.
pub(crate) struct Running<D> {
    pub(crate) commands: mpsc::Sender<Command<D>>,
    pub(crate) task: JoinHandle<()>,
}

/// Builds the swarm, starts listening, waits until every listener has an address, and spawns
/// the node's task.
pub(crate) async fn start<D: NetabaseDefinitionTrait>(
    keypair: &Keypair,
    store: &NetabaseStore<D, AnyStore<D>>,
    config: &NetabaseConfig,
    events: broadcast::Sender<NetabaseSwarmEvent<D>>,
) -> Result<Running<D>> {
    let record_store = NetabaseRecordStore::with_config(
        store.backend().clone(),
        keypair.public().to_peer_id(),
        config.record_store.clone(),
    );
    let store_events = record_store.events();
    let transport = |err: &dyn std::fmt::Display| Error::Transport(err.to_string());
    let mut behaviour_error = None;
    let mut swarm = SwarmBuilder::with_existing_identity(keypair.clone())
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|err| transport(&err))?
        .with_quic()
        .with_dns()
        .map_err(|err| transport(&err))?
        .with_behaviour(|key| match Behaviour::new(key, record_store, config) {
            Ok(behaviour) => Ok(behaviour),
            Err(err) => {
                let message = err.to_string();
                behaviour_error = Some(err);
                Err(message.into())
            }
        })
        .map_err(|err| behaviour_error.take().unwrap_or_else(|| transport(&err)))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(config.idle_connection_timeout))
        .build();

    for (peer, address) in &config.dht_discovery.bootstrap_peers {
        swarm.add_peer_address(*peer, address.clone());
        swarm.behaviour_mut().kad.add_address(peer, address.clone());
    }

    let mut listeners = Vec::new();
    for address in &config.listen_addresses {
        let id = swarm
            .listen_on(address.clone())
            .map_err(|err| Error::Transport(format!("cannot listen on {address}: {err}")))?;
        listeners.push(id);
    }
    let listening = wait_for_listeners(&mut swarm, &listeners, &events).await?;

    let kad_protocol =
        StreamProtocol::try_from_owned(config.kademlia_protocol.clone()).map_err(|err| {
            Error::InvalidConfig {
                field: "kademlia_protocol",
                reason: err.to_string(),
            }
        })?;
    let get_quorum = match config.quorum {
        kad::Quorum::One => 1,
        kad::Quorum::N(n) => n.get(),
        kad::Quorum::Majority => config.replication_factor.get() / 2 + 1,
        kad::Quorum::All => config.replication_factor.get(),
    };
    // What libp2p's `Quorum::eval` makes of the quorum for a put: a put query ends as soon as
    // this many peers confirmed.
    let put_quorum = match config.quorum {
        kad::Quorum::N(n) => n.get().min(config.replication_factor.get()),
        _ => get_quorum,
    };
    let (commands, command_receiver) = mpsc::channel(config.command_channel_size.max(1));
    let event_loop = EventLoop::new(
        swarm,
        command_receiver,
        events,
        store_events,
        listeners,
        listening,
        LoopSettings {
            kad_protocol,
            quorum: config.quorum,
            get_quorum,
            put_quorum,
            mdns_auto_connect: config.dht_discovery.mdns_discovery.auto_connect,
        },
    );
    let task = tokio::spawn(event_loop.run());
    Ok(Running { commands, task })
}

/// What happened while the node waited for its listeners.
pub(crate) struct Listening<D: NetabaseDefinitionTrait> {
    /// The addresses the listeners reported.
    pub(crate) addresses: Vec<Multiaddr>,
    /// Every other event, in order, for the node's task to handle first: an mDNS discovery or
    /// an inbound connection can arrive before the last listener is ready, and libp2p reports
    /// each only once.
    pub(crate) deferred: Vec<SwarmEvent<BehaviourEvent<D>>>,
}

/// Drives the swarm until every listener reported at least one address (publishing a
/// `Listening` event for each address), keeping the other events for the node's task.
async fn wait_for_listeners<D: NetabaseDefinitionTrait>(
    swarm: &mut libp2p::Swarm<Behaviour<D>>,
    listeners: &[libp2p::core::transport::ListenerId],
    events: &broadcast::Sender<NetabaseSwarmEvent<D>>,
) -> Result<Listening<D>> {
    let mut ready = HashSet::new();
    let mut addresses = Vec::new();
    let mut deferred = Vec::new();
    let waited = tokio::time::timeout(LISTEN_WAIT, async {
        while ready.len() < listeners.len() {
            match swarm.select_next_some().await {
                SwarmEvent::NewListenAddr {
                    listener_id,
                    address,
                } => {
                    ready.insert(listener_id);
                    addresses.push(address.clone());
                    let _ = events.send(NetabaseSwarmEvent::Listening { address });
                }
                SwarmEvent::ListenerError { error, .. } => {
                    return Err(Error::Transport(format!("listener failed: {error}")));
                }
                SwarmEvent::ListenerClosed {
                    reason, addresses, ..
                } => {
                    return Err(Error::Transport(format!(
                        "listener on {addresses:?} closed while starting: {reason:?}"
                    )));
                }
                other => deferred.push(other),
            }
        }
        Ok(())
    })
    .await;
    match waited {
        Ok(result) => result.map(|()| Listening {
            addresses,
            deferred,
        }),
        Err(_) => Err(Error::Transport(format!(
            "listeners did not report an address within {LISTEN_WAIT:?}"
        ))),
    }
}

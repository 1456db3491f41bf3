//! Building and starting the node's swarm, and its task.

mod behaviour;
pub(crate) mod command;
mod event_loop;

use std::collections::HashSet;
use std::time::Duration;

use libp2p::futures::StreamExt;
use libp2p::identity::Keypair;
use libp2p::swarm::SwarmEvent;
#[cfg(not(target_arch = "wasm32"))]
use libp2p::tcp;
use libp2p::{Multiaddr, StreamProtocol, SwarmBuilder, kad, noise, yamux};
use netabase_store::NetabaseStore;
use netabase_store::databases::any_store::AnyStore;
use netabase_store::record_store::NetabaseRecordStore;
use netabase_store::traits::definition::NetabaseDefinitionTrait;
use tokio::sync::{broadcast, mpsc};

use crate::config::NetabaseConfig;
use crate::errors::{Error, Result};
use crate::event::NetabaseSwarmEvent;
use behaviour::{Behaviour, BehaviourEvent, KadStore};
use command::Command;
use event_loop::{EventLoop, LoopSettings};

/// How long `start_swarm` waits for its listeners to report an address.
const LISTEN_WAIT: Duration = Duration::from_secs(10);

/// A started node: the command channel into its task and the task.
pub(crate) struct Running<D> {
    pub(crate) commands: mpsc::Sender<Command<D>>,
    pub(crate) task: TaskHandle,
}

/// The node's task, to wait for when it stops.
pub(crate) struct TaskHandle {
    #[cfg(not(target_arch = "wasm32"))]
    join: tokio::task::JoinHandle<()>,
    #[cfg(target_arch = "wasm32")]
    done: tokio::sync::oneshot::Receiver<()>,
}

impl TaskHandle {
    /// Spawns the node's task: on the tokio runtime natively, on the page's event loop in the
    /// browser (where the swarm is not `Send`).
    fn spawn(task: impl std::future::Future<Output = ()> + MaybeSend + 'static) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        {
            TaskHandle {
                join: tokio::spawn(task),
            }
        }
        #[cfg(target_arch = "wasm32")]
        {
            let (finished, done) = tokio::sync::oneshot::channel();
            wasm_bindgen_futures::spawn_local(async move {
                task.await;
                let _ = finished.send(());
            });
            TaskHandle { done }
        }
    }

    /// Waits until the task has ended.
    pub(crate) async fn join(self) -> Result<()> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            self.join
                .await
                .map_err(|err| Error::Transport(format!("the node's task failed: {err}")))
        }
        #[cfg(target_arch = "wasm32")]
        {
            // A dropped sender means the task was dropped with the page: it has ended too.
            let _ = self.done.await;
            Ok(())
        }
    }
}

/// `Send` natively, where the task runs on a multi-threaded runtime; nothing in the browser.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send> MaybeSend for T {}
/// `Send` natively, where the task runs on a multi-threaded runtime; nothing in the browser.
#[cfg(target_arch = "wasm32")]
pub(crate) trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T> MaybeSend for T {}

/// Runs `future` for at most `limit`; `None` if it did not finish.
pub(crate) async fn within<F: std::future::Future>(
    limit: Duration,
    future: F,
) -> Option<F::Output> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        tokio::time::timeout(limit, future).await.ok()
    }
    #[cfg(target_arch = "wasm32")]
    {
        use libp2p::futures::future::{Either, select};
        let future = std::pin::pin!(future);
        match select(future, futures_timer::Delay::new(limit)).await {
            Either::Left((output, _)) => Some(output),
            Either::Right(_) => None,
        }
    }
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
    let mut swarm = build_swarm(keypair, record_store, config).await?;

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
            #[cfg(not(target_arch = "wasm32"))]
            mdns_auto_connect: config.dht_discovery.mdns_discovery.auto_connect,
        },
    );
    let task = TaskHandle::spawn(event_loop.run());
    Ok(Running { commands, task })
}

/// Builds the behaviour, keeping its own error (the builder only carries a message).
fn behaviour<D: NetabaseDefinitionTrait>(
    key: &Keypair,
    record_store: KadStore<D>,
    config: &NetabaseConfig,
    error: &mut Option<Error>,
) -> std::result::Result<Behaviour<D>, Box<dyn std::error::Error + Send + Sync>> {
    Behaviour::new(key, record_store, config).map_err(|err| {
        let message = err.to_string();
        *error = Some(err);
        message.into()
    })
}

fn transport(err: &dyn std::fmt::Display) -> Error {
    Error::Transport(err.to_string())
}

/// The native swarm: TCP, QUIC and websocket, each with noise and yamux, and DNS.
#[cfg(not(target_arch = "wasm32"))]
async fn build_swarm<D: NetabaseDefinitionTrait>(
    keypair: &Keypair,
    record_store: KadStore<D>,
    config: &NetabaseConfig,
) -> Result<libp2p::Swarm<Behaviour<D>>> {
    let mut behaviour_error = None;
    Ok(SwarmBuilder::with_existing_identity(keypair.clone())
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
        .with_websocket(noise::Config::new, yamux::Config::default)
        .await
        .map_err(|err| transport(&err))?
        .with_behaviour(|key| behaviour(key, record_store, config, &mut behaviour_error))
        .map_err(|err| behaviour_error.take().unwrap_or_else(|| transport(&err)))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(config.idle_connection_timeout))
        .build())
}

/// The browser swarm: websockets (the browser's own) with noise and yamux.
#[cfg(target_arch = "wasm32")]
async fn build_swarm<D: NetabaseDefinitionTrait>(
    keypair: &Keypair,
    record_store: KadStore<D>,
    config: &NetabaseConfig,
) -> Result<libp2p::Swarm<Behaviour<D>>> {
    use libp2p::Transport;
    use libp2p::core::upgrade::Version;
    let mut behaviour_error = None;
    Ok(SwarmBuilder::with_existing_identity(keypair.clone())
        .with_wasm_bindgen()
        .with_other_transport(|key| {
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
                libp2p::websocket_websys::Transport::default()
                    .upgrade(Version::V1)
                    .authenticate(noise::Config::new(key)?)
                    .multiplex(yamux::Config::default()),
            )
        })
        .map_err(|err| transport(&err))?
        .with_behaviour(|key| behaviour(key, record_store, config, &mut behaviour_error))
        .map_err(|err| behaviour_error.take().unwrap_or_else(|| transport(&err)))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(config.idle_connection_timeout))
        .build())
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
    let waited = within(LISTEN_WAIT, async {
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
        Some(result) => result.map(|()| Listening {
            addresses,
            deferred,
        }),
        None => Err(Error::Transport(format!(
            "listeners did not report an address within {LISTEN_WAIT:?}"
        ))),
    }
}

//! The node's task: owns the swarm (and through Kademlia, the record store), answers commands,
//! and publishes events. Pending queries live here, per node, keyed by this swarm's query ids.

use std::collections::{HashMap, HashSet};

use libp2p::core::transport::ListenerId;
use libp2p::futures::StreamExt;
use libp2p::kad::{
    self, AddProviderOk, BootstrapOk, GetProvidersOk, GetRecordError, GetRecordOk, PeerRecord,
    PutRecordError, QueryId, QueryResult, QueryStats, RecordKey, store::RecordStore,
};
use libp2p::swarm::SwarmEvent;
#[cfg(not(target_arch = "wasm32"))]
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::{Multiaddr, PeerId, StreamProtocol, Swarm, identify};
use netabase_store::record_store::{RecordStoreEvent, decode_record};
use netabase_store::traits::definition::NetabaseDefinitionTrait;
use tokio::sync::{broadcast, mpsc};

use crate::errors::{Error, Result};
use crate::event::NetabaseSwarmEvent;
use crate::outcome::{BootstrapOutcome, FoundRecord, ProvideOutcome, PutRecordOutcome};
use crate::swarm::Listening;
use crate::swarm::behaviour::{Behaviour, BehaviourEvent};
use crate::swarm::command::{Command, Reply};

/// A query waiting for its result, with the reply channel of the handle that asked.
enum Pending<D> {
    PutRecord {
        key: RecordKey,
        reply: Reply<Result<PutRecordOutcome>>,
    },
    GetRecord {
        found: Vec<FoundRecord<D>>,
        reply: Reply<Result<Vec<FoundRecord<D>>>>,
    },
    GetProviders {
        providers: HashSet<PeerId>,
        reply: Reply<Result<HashSet<PeerId>>>,
    },
    StartProviding {
        reply: Reply<Result<ProvideOutcome>>,
    },
    Bootstrap {
        reply: Reply<Result<BootstrapOutcome>>,
    },
}

impl<D> Pending<D> {
    /// Answers the waiting handle that the node stopped.
    fn stopped(self) {
        fn answer<T>(reply: Reply<Result<T>>) {
            // A closed reply channel means the handle stopped waiting; nothing to do.
            let _ = reply.send(Err(Error::Stopped));
        }
        match self {
            Pending::PutRecord { reply, .. } => answer(reply),
            Pending::GetRecord { reply, .. } => answer(reply),
            Pending::GetProviders { reply, .. } => answer(reply),
            Pending::StartProviding { reply } => answer(reply),
            Pending::Bootstrap { reply } => answer(reply),
        }
    }
}

pub(crate) struct EventLoop<D: NetabaseDefinitionTrait> {
    pub(crate) swarm: Swarm<Behaviour<D>>,
    pub(crate) commands: mpsc::Receiver<Command<D>>,
    pub(crate) events: broadcast::Sender<NetabaseSwarmEvent<D>>,
    pub(crate) store_events: broadcast::Receiver<RecordStoreEvent>,
    listeners: Vec<ListenerId>,
    listen_addresses: Vec<Multiaddr>,
    /// Swarm events from before the task started, handled first.
    deferred: Vec<SwarmEvent<BehaviourEvent<D>>>,
    settings: LoopSettings,
    pending: HashMap<QueryId, Pending<D>>,
}

/// What the event loop needs from the configuration.
pub(crate) struct LoopSettings {
    pub(crate) kad_protocol: StreamProtocol,
    pub(crate) quorum: kad::Quorum,
    /// How many valid records end a `get_record` query.
    pub(crate) get_quorum: usize,
    /// How many confirmations end a `put_record` query.
    pub(crate) put_quorum: usize,
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) mdns_auto_connect: bool,
}

impl<D: NetabaseDefinitionTrait> EventLoop<D> {
    pub(crate) fn new(
        swarm: Swarm<Behaviour<D>>,
        commands: mpsc::Receiver<Command<D>>,
        events: broadcast::Sender<NetabaseSwarmEvent<D>>,
        store_events: broadcast::Receiver<RecordStoreEvent>,
        listeners: Vec<ListenerId>,
        listening: Listening<D>,
        settings: LoopSettings,
    ) -> Self {
        EventLoop {
            swarm,
            commands,
            events,
            store_events,
            listeners,
            listen_addresses: listening.addresses,
            deferred: listening.deferred,
            settings,
            pending: HashMap::new(),
        }
    }

    /// Runs until a `Stop` command, or until every handle is gone.
    ///
    /// The branches are polled in order: a record-store notification is handled on its own
    /// only when the swarm has no event ready, so the kad event that explains it (an inbound
    /// PUT from a peer) is handled first and attributes it to that peer.
    pub(crate) async fn run(mut self) {
        // First what happened while `start_swarm` waited for the listeners.
        for event in std::mem::take(&mut self.deferred) {
            self.handle_swarm_event(event);
        }
        loop {
            tokio::select! {
                biased;
                command = self.commands.recv() => match command {
                    Some(Command::Stop { reply }) => {
                        self.shutdown();
                        let _ = reply.send(());
                        return;
                    }
                    Some(command) => self.handle_command(command),
                    None => {
                        tracing::debug!("every handle was dropped; stopping the node");
                        self.shutdown();
                        return;
                    }
                },
                event = self.swarm.select_next_some() => self.handle_swarm_event(event),
                event = self.store_events.recv() => match event {
                    Ok(event) => self.handle_store_event(event, None),
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "record store events were dropped before the node read them");
                    }
                    // The store handle lives in the swarm, so this cannot close while we run.
                    Err(broadcast::error::RecvError::Closed) => {}
                },
            }
        }
    }

    /// Graceful stop: answers pending requests, closes listeners, flushes the store.
    fn shutdown(&mut self) {
        for (_, pending) in self.pending.drain() {
            pending.stopped();
        }
        for listener in self.listeners.drain(..) {
            self.swarm.remove_listener(listener);
        }
        self.listen_addresses.clear();
        if let Err(err) = self.swarm.behaviour_mut().kad.store_mut().store().flush() {
            tracing::error!(error = %err, "flushing the store on shutdown failed");
        }
        self.emit_store_events(None);
    }

    fn publish(&self, event: NetabaseSwarmEvent<D>) {
        // An error only means nobody is subscribed.
        let _ = self.events.send(event);
    }

    /// Turns what the record store did since the last call into events.
    fn emit_store_events(&mut self, from: Option<PeerId>) {
        loop {
            match self.store_events.try_recv() {
                Ok(event) => self.handle_store_event(event, from),
                Err(broadcast::error::TryRecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "record store events were dropped before the node read them"
                    );
                }
                Err(_) => return,
            }
        }
    }

    fn handle_store_event(&mut self, event: RecordStoreEvent, from: Option<PeerId>) {
        match event {
            // Reading the record back to type it is only worth it for someone to send it to.
            RecordStoreEvent::Stored { .. } if self.events.receiver_count() == 0 => {}
            RecordStoreEvent::Stored { key, publisher } => {
                let stored = self
                    .swarm
                    .behaviour_mut()
                    .kad
                    .store_mut()
                    .get(&key)
                    .map(|record| decode_record::<D>(&record));
                match stored {
                    Some(Ok(model)) => self.publish(NetabaseSwarmEvent::RecordStored {
                        key,
                        model,
                        publisher,
                        from,
                    }),
                    Some(Err(err)) => {
                        tracing::warn!(error = %err, "a stored record no longer decodes")
                    }
                    None => tracing::debug!("a stored record is already gone or expired"),
                }
            }
            RecordStoreEvent::Rejected(rejection) => {
                self.publish(NetabaseSwarmEvent::RecordRejected {
                    key: rejection.key,
                    publisher: rejection.publisher,
                    from,
                    reason: rejection.reason,
                })
            }
            other => tracing::debug!(?other, "unhandled record store event"),
        }
    }

    fn kad(&mut self) -> &mut kad::Behaviour<crate::swarm::behaviour::KadStore<D>> {
        &mut self.swarm.behaviour_mut().kad
    }

    fn handle_command(&mut self, command: Command<D>) {
        match command {
            Command::PutRecord { record, reply } => {
                let key = record.key.clone();
                let quorum = self.settings.quorum;
                match self.kad().put_record(record, quorum) {
                    Ok(id) => {
                        self.pending.insert(id, Pending::PutRecord { key, reply });
                    }
                    Err(err) => {
                        let _ = reply.send(Err(Error::RecordRefused(err)));
                    }
                }
                self.emit_store_events(None);
            }
            Command::GetRecord { key, reply } => {
                let local = self
                    .kad()
                    .store_mut()
                    .get(&key)
                    .map(|r| decode_record::<D>(&r));
                if let Some(Ok(model)) = local {
                    let _ = reply.send(Ok(vec![FoundRecord {
                        model,
                        source: None,
                    }]));
                    return;
                }
                let id = self.kad().get_record(key);
                self.pending.insert(
                    id,
                    Pending::GetRecord {
                        found: Vec::new(),
                        reply,
                    },
                );
            }
            Command::RemoveRecord { key, reply } => {
                self.kad().remove_record(&key);
                let _ = reply.send(());
            }
            Command::QueryLocalRecords { limit, reply } => {
                let limit = limit.unwrap_or(usize::MAX);
                let mut models = Vec::new();
                for record in self.kad().store_mut().records() {
                    if models.len() >= limit {
                        break;
                    }
                    match decode_record::<D>(&record) {
                        Ok(model) => models.push(model),
                        Err(err) => {
                            tracing::warn!(error = %err, "skipping an undecodable local record")
                        }
                    }
                }
                let _ = reply.send(Ok(models));
            }
            Command::StartProviding { key, reply } => match self.kad().start_providing(key) {
                Ok(id) => {
                    self.pending.insert(id, Pending::StartProviding { reply });
                }
                Err(err) => {
                    let _ = reply.send(Err(Error::RecordRefused(err)));
                }
            },
            Command::StopProviding { key, reply } => {
                self.kad().stop_providing(&key);
                let _ = reply.send(());
            }
            Command::GetProviders { key, reply } => {
                let id = self.kad().get_providers(key);
                self.pending.insert(
                    id,
                    Pending::GetProviders {
                        providers: HashSet::new(),
                        reply,
                    },
                );
            }
            Command::Bootstrap { reply } => match self.kad().bootstrap() {
                Ok(id) => {
                    self.pending.insert(id, Pending::Bootstrap { reply });
                }
                Err(kad::NoKnownPeers()) => {
                    let _ = reply.send(Err(Error::NoKnownPeers));
                }
            },
            Command::AddAddress {
                peer,
                address,
                reply,
            } => {
                self.swarm.add_peer_address(peer, address.clone());
                let update = self.kad().add_address(&peer, address);
                let _ = reply.send(update);
            }
            Command::RemoveAddress {
                peer,
                address,
                reply,
            } => {
                let removed = self.kad().remove_address(&peer, &address).is_some();
                let _ = reply.send(removed);
            }
            Command::RemovePeer { peer, reply } => {
                let removed = self.kad().remove_peer(&peer).is_some();
                let _ = reply.send(removed);
            }
            Command::Dial { address, reply } => {
                let result = self
                    .swarm
                    .dial(address)
                    .map_err(|err| Error::Transport(err.to_string()));
                let _ = reply.send(result);
            }
            Command::GetMode { reply } => {
                let _ = reply.send(self.kad().mode());
            }
            Command::SetMode { mode, reply } => {
                self.kad().set_mode(mode);
                let _ = reply.send(self.kad().mode());
            }
            Command::ProtocolNames { reply } => {
                let _ = reply.send(self.kad().protocol_names().to_vec());
            }
            Command::ListenAddresses { reply } => {
                let _ = reply.send(self.listen_addresses.clone());
            }
            Command::ConnectedPeers { reply } => {
                let _ = reply.send(self.swarm.connected_peers().copied().collect());
            }
            Command::RoutingTablePeers { reply } => {
                let peers = self
                    .kad()
                    .kbuckets()
                    .flat_map(|bucket| {
                        bucket
                            .iter()
                            .map(|entry| *entry.node.key.preimage())
                            .collect::<Vec<_>>()
                    })
                    .collect();
                let _ = reply.send(peers);
            }
            Command::Stop { reply } => {
                // Handled by `run`, which ends the loop; kept exhaustive for safety.
                let _ = reply.send(());
            }
        }
    }

    fn handle_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent<D>>) {
        let mut from = None;
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                if !self.listen_addresses.contains(&address) {
                    self.listen_addresses.push(address.clone());
                }
                self.publish(NetabaseSwarmEvent::Listening { address });
            }
            SwarmEvent::ExpiredListenAddr { address, .. } => {
                self.listen_addresses.retain(|a| a != &address);
                self.publish(NetabaseSwarmEvent::ListenAddressExpired { address });
            }
            SwarmEvent::ConnectionEstablished {
                peer_id, endpoint, ..
            } => {
                self.publish(NetabaseSwarmEvent::ConnectionEstablished {
                    peer: peer_id,
                    address: endpoint.get_remote_address().clone(),
                    inbound: endpoint.is_listener(),
                });
            }
            SwarmEvent::ConnectionClosed { peer_id, cause, .. } => {
                self.publish(NetabaseSwarmEvent::ConnectionClosed {
                    peer: peer_id,
                    cause: cause.map(|c| c.to_string()),
                });
            }
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                self.publish(NetabaseSwarmEvent::DialFailed {
                    peer: peer_id,
                    error: error.to_string(),
                });
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(event)) => {
                from = self.handle_kad_event(event)
            }
            #[cfg(not(target_arch = "wasm32"))]
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(event)) => self.handle_mdns_event(event),
            #[cfg(target_arch = "wasm32")]
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(never)) => match never {},
            SwarmEvent::Behaviour(BehaviourEvent::Identify(event)) => {
                self.handle_identify_event(event)
            }
            SwarmEvent::Behaviour(BehaviourEvent::Ping(event)) => {
                tracing::trace!(peer = %event.peer, result = ?event.result, "ping");
            }
            other => tracing::trace!(event = ?other, "swarm event"),
        }
        self.emit_store_events(from);
    }

    /// Handles a Kademlia event; returns the peer that sent a record the store just took in.
    fn handle_kad_event(&mut self, event: kad::Event) -> Option<PeerId> {
        match event {
            kad::Event::OutboundQueryProgressed {
                id,
                result,
                stats,
                step,
            } => {
                self.handle_query_progress(id, result, &stats, step.last);
                None
            }
            kad::Event::InboundRequest {
                request: kad::InboundRequest::PutRecord { source, .. },
            } => Some(source),
            kad::Event::RoutingUpdated {
                peer,
                is_new_peer,
                addresses,
                ..
            } => {
                self.publish(NetabaseSwarmEvent::RoutingUpdated {
                    peer,
                    is_new_peer,
                    addresses: addresses.into_vec(),
                });
                None
            }
            kad::Event::ModeChanged { new_mode } => {
                self.publish(NetabaseSwarmEvent::ModeChanged { mode: new_mode });
                None
            }
            other => {
                tracing::trace!(event = ?other, "kademlia event");
                None
            }
        }
    }

    fn handle_query_progress(
        &mut self,
        id: QueryId,
        result: QueryResult,
        stats: &QueryStats,
        last: bool,
    ) {
        match result {
            QueryResult::PutRecord(result) => {
                if let Some(Pending::PutRecord { key, reply }) = self.pending.remove(&id) {
                    // A put query ends at the confirmation that reaches the quorum; its stats
                    // also count the answers of the lookup before the puts, so they are no
                    // measure of the peers that stored the record.
                    let (peers_stored, quorum_reached) = match result {
                        Ok(_) => (self.settings.put_quorum, true),
                        Err(
                            PutRecordError::QuorumFailed { success, .. }
                            | PutRecordError::Timeout { success, .. },
                        ) => (success.len(), false),
                    };
                    let _ = reply.send(Ok(PutRecordOutcome {
                        key,
                        peers_stored,
                        quorum_reached,
                    }));
                }
            }
            QueryResult::GetRecord(result) => self.handle_get_record(id, result, last),
            QueryResult::GetProviders(result) => {
                let Some(Pending::GetProviders { providers, .. }) = self.pending.get_mut(&id)
                else {
                    return;
                };
                let done = match result {
                    Ok(GetProvidersOk::FoundProviders {
                        providers: found, ..
                    }) => {
                        providers.extend(found);
                        last
                    }
                    Ok(GetProvidersOk::FinishedWithNoAdditionalRecord { .. }) | Err(_) => true,
                };
                if done
                    && let Some(Pending::GetProviders { providers, reply }) =
                        self.pending.remove(&id)
                {
                    let _ = reply.send(Ok(providers));
                }
            }
            QueryResult::StartProviding(result) => {
                if let Some(Pending::StartProviding { reply }) = self.pending.remove(&id) {
                    let (key, completed) = match result {
                        Ok(AddProviderOk { key }) => (key, true),
                        Err(kad::AddProviderError::Timeout { key }) => (key, false),
                    };
                    let _ = reply.send(Ok(ProvideOutcome {
                        key,
                        peers_stored: stats.num_successes() as usize,
                        completed,
                    }));
                }
            }
            QueryResult::Bootstrap(result) => {
                let finished = match &result {
                    Ok(BootstrapOk { num_remaining, .. }) => *num_remaining == 0 || last,
                    Err(_) => true,
                };
                if finished && let Some(Pending::Bootstrap { reply }) = self.pending.remove(&id) {
                    let routing_table_peers = self
                        .kad()
                        .kbuckets()
                        .map(|bucket| bucket.num_entries())
                        .sum();
                    let _ = reply.send(Ok(BootstrapOutcome {
                        routing_table_peers,
                    }));
                }
            }
            other => tracing::trace!(result = ?other, "background query progressed"),
        }
    }

    fn handle_get_record(
        &mut self,
        id: QueryId,
        result: Result<GetRecordOk, GetRecordError>,
        last: bool,
    ) {
        let Some(Pending::GetRecord { found, .. }) = self.pending.get_mut(&id) else {
            return;
        };
        let mut rejected = None;
        let finished = match result {
            Ok(GetRecordOk::FoundRecord(PeerRecord { peer, record })) => {
                match decode_record::<D>(&record) {
                    Ok(model) => found.push(FoundRecord {
                        model,
                        source: peer,
                    }),
                    Err(reason) => rejected = Some((record, peer, reason)),
                }
                last || found.len() >= self.settings.get_quorum
            }
            Ok(GetRecordOk::FinishedWithNoAdditionalRecord { .. }) => true,
            Err(GetRecordError::NotFound { .. } | GetRecordError::Timeout { .. }) => true,
        };
        if let Some((record, peer, reason)) = rejected {
            tracing::warn!(key = ?record.key, ?peer, %reason, "a peer served an invalid record");
            self.publish(NetabaseSwarmEvent::RecordRejected {
                key: record.key,
                publisher: record.publisher,
                from: peer,
                reason,
            });
        }
        if finished && let Some(Pending::GetRecord { found, reply }) = self.pending.remove(&id) {
            if let Some(mut query) = self.kad().query_mut(&id) {
                query.finish();
            }
            let _ = reply.send(Ok(found));
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn handle_mdns_event(&mut self, event: libp2p::mdns::Event) {
        match event {
            libp2p::mdns::Event::Discovered(peers) => {
                let mut to_dial = HashSet::new();
                for (peer, address) in peers {
                    if self.settings.mdns_auto_connect {
                        self.swarm.add_peer_address(peer, address.clone());
                        self.kad().add_address(&peer, address.clone());
                        if !self.swarm.is_connected(&peer) {
                            to_dial.insert(peer);
                        }
                    }
                    self.publish(NetabaseSwarmEvent::PeerDiscovered { peer, address });
                }
                for peer in to_dial {
                    if let Err(err) = self.swarm.dial(DialOpts::peer_id(peer).build()) {
                        tracing::debug!(%peer, error = %err, "dialling an mDNS peer failed");
                    }
                }
            }
            libp2p::mdns::Event::Expired(peers) => {
                for (peer, address) in peers {
                    if self.settings.mdns_auto_connect {
                        self.kad().remove_address(&peer, &address);
                    }
                    self.publish(NetabaseSwarmEvent::PeerExpired { peer, address });
                }
            }
        }
    }

    fn handle_identify_event(&mut self, event: identify::Event) {
        if let identify::Event::Received { peer_id, info, .. } = event {
            let speaks_our_dht = info.protocols.contains(&self.settings.kad_protocol);
            if speaks_our_dht {
                for address in &info.listen_addrs {
                    self.kad().add_address(&peer_id, address.clone());
                }
            }
            self.publish(NetabaseSwarmEvent::PeerIdentified {
                peer: peer_id,
                agent_version: info.agent_version,
                listen_addresses: info.listen_addrs,
                speaks_our_dht,
            });
        }
    }
}

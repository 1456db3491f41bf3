//! The node's libp2p behaviour: Kademlia over the netabase record store, identify, ping,
//! mDNS (optional) and connection limits.

use libp2p::identity::Keypair;
use libp2p::swarm::NetworkBehaviour;
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::{StreamProtocol, connection_limits, identify, kad, ping};
use netabase_store::databases::any_store::AnyStore;
use netabase_store::record_store::NetabaseRecordStore;
use netabase_store::traits::definition::NetabaseDefinitionTrait;

use crate::config::NetabaseConfig;
use crate::errors::{Error, Result};

/// The Kademlia store of a node: the node's database.
pub(crate) type KadStore<D> = NetabaseRecordStore<D, AnyStore<D>>;

/// mDNS, natively; in the browser (which cannot multicast) a behaviour that is never enabled.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type Mdns = libp2p::mdns::tokio::Behaviour;
/// mDNS, natively; in the browser (which cannot multicast) a behaviour that is never enabled.
#[cfg(target_arch = "wasm32")]
pub(crate) type Mdns = libp2p::swarm::dummy::Behaviour;

/// Extra room in a Kademlia message for the key, publisher and framing of a record.
const MESSAGE_OVERHEAD: usize = 4 * 1024;

#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour<D: NetabaseDefinitionTrait> {
    pub(crate) kad: kad::Behaviour<KadStore<D>>,
    pub(crate) identify: identify::Behaviour,
    pub(crate) ping: ping::Behaviour,
    pub(crate) mdns: Toggle<Mdns>,
    pub(crate) limits: connection_limits::Behaviour,
}

impl<D: NetabaseDefinitionTrait> Behaviour<D> {
    pub(crate) fn new(
        keypair: &Keypair,
        store: KadStore<D>,
        config: &NetabaseConfig,
    ) -> Result<Self> {
        let local = keypair.public().to_peer_id();
        let protocol =
            StreamProtocol::try_from_owned(config.kademlia_protocol.clone()).map_err(|err| {
                Error::InvalidConfig {
                    field: "kademlia_protocol",
                    reason: err.to_string(),
                }
            })?;
        let mut kad_config = kad::Config::new(protocol);
        kad_config
            .set_replication_factor(config.replication_factor)
            .set_record_ttl(config.record_ttl)
            .set_publication_interval(config.record_publication_interval)
            .set_provider_record_ttl(config.provider_ttl)
            .set_provider_publication_interval(config.provider_publication_interval)
            .set_query_timeout(config.query_timeout)
            .set_max_packet_size(config.record_store.max_value_bytes + MESSAGE_OVERHEAD)
            .set_record_filtering(kad::StoreInserts::Unfiltered);
        let mut kad = kad::Behaviour::with_config(local, store, kad_config);
        kad.set_mode(Some(if config.server_mode {
            kad::Mode::Server
        } else {
            kad::Mode::Client
        }));

        let identify = identify::Behaviour::new(
            identify::Config::new(config.identify_protocol.clone(), keypair.public())
                .with_agent_version(format!("netabase/{}", env!("CARGO_PKG_VERSION"))),
        );

        let mdns = mdns(config, local)?;

        let limits = &config.connection_limits;
        let limits = connection_limits::Behaviour::new(
            connection_limits::ConnectionLimits::default()
                .with_max_established_incoming(limits.max_established_incoming)
                .with_max_established_outgoing(limits.max_established_outgoing)
                .with_max_established_per_peer(limits.max_established_per_peer)
                .with_max_pending_incoming(limits.max_pending_incoming)
                .with_max_pending_outgoing(limits.max_pending_outgoing),
        );

        Ok(Behaviour {
            kad,
            identify,
            ping: ping::Behaviour::default(),
            mdns: Toggle::from(mdns),
            limits,
        })
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn mdns(config: &NetabaseConfig, local: libp2p::PeerId) -> Result<Option<Mdns>> {
    let mdns_config = &config.dht_discovery.mdns_discovery;
    if !mdns_config.enabled {
        return Ok(None);
    }
    let mdns = Mdns::new(
        libp2p::mdns::Config {
            ttl: mdns_config.ttl,
            query_interval: mdns_config.query_interval,
            enable_ipv6: false,
        },
        local,
    )
    .map_err(|err| Error::Transport(format!("mDNS: {err}")))?;
    Ok(Some(mdns))
}

#[cfg(target_arch = "wasm32")]
fn mdns(config: &NetabaseConfig, _local: libp2p::PeerId) -> Result<Option<Mdns>> {
    if config.dht_discovery.mdns_discovery.enabled {
        return Err(Error::InvalidConfig {
            field: "dht_discovery.mdns_discovery.enabled",
            reason: "mDNS is not available in the browser".into(),
        });
    }
    Ok(None)
}

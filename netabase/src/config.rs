//! Configuration of a [`Netabase`](crate::Netabase) node. Every field is honoured.

use std::num::NonZeroUsize;
use std::time::Duration;

use std::net::Ipv4Addr;

use libp2p::Multiaddr;
use libp2p::kad::Quorum;
use libp2p::multiaddr::Protocol;
use netabase_store::record_store::RecordStoreConfig;

/// `/ip4/<ip>/tcp/0`: TCP on a port the system chooses.
pub fn tcp_address(ip: Ipv4Addr) -> Multiaddr {
    Multiaddr::empty()
        .with(Protocol::Ip4(ip))
        .with(Protocol::Tcp(0))
}

/// `/ip4/<ip>/udp/0/quic-v1`: QUIC on a port the system chooses.
pub fn quic_address(ip: Ipv4Addr) -> Multiaddr {
    Multiaddr::empty()
        .with(Protocol::Ip4(ip))
        .with(Protocol::Udp(0))
        .with(Protocol::QuicV1)
}

/// Where a node keeps its models and DHT records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageBackend {
    /// A sled database (directory `store.sled` in the data directory).
    Sled,
    /// A redb database (file `store.redb` in the data directory).
    Redb,
    /// In memory only: nothing survives the `Netabase` value.
    Memory,
}

impl Default for StorageBackend {
    /// Sled natively; memory in the browser.
    fn default() -> Self {
        if cfg!(target_arch = "wasm32") {
            StorageBackend::Memory
        } else {
            StorageBackend::Sled
        }
    }
}

/// Local peer discovery with mDNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MDNSDiscoveryConfig {
    /// Whether mDNS runs at all (default `true`). mDNS skips loopback interfaces, so nodes that
    /// only share `127.0.0.1` must be introduced with `add_address` instead.
    pub enabled: bool,
    /// Whether discovered peers are dialled and added to the DHT routing table (default `true`);
    /// when `false` they are only reported as events.
    pub auto_connect: bool,
    /// How often the network is queried for peers (default 5 minutes, as libp2p).
    pub query_interval: Duration,
    /// How long a discovered peer stays valid without being seen again (default 6 minutes).
    pub ttl: Duration,
}

impl Default for MDNSDiscoveryConfig {
    fn default() -> Self {
        MDNSDiscoveryConfig {
            // Browsers cannot multicast.
            enabled: !cfg!(target_arch = "wasm32"),
            auto_connect: true,
            query_interval: Duration::from_secs(5 * 60),
            ttl: Duration::from_secs(6 * 60),
        }
    }
}

/// Peer discovery for the DHT.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DHTDiscoveryConfig {
    /// Local discovery with mDNS.
    pub mdns_discovery: MDNSDiscoveryConfig,
    /// Peers added to the routing table at start (dialled by `bootstrap`).
    pub bootstrap_peers: Vec<(libp2p::PeerId, Multiaddr)>,
}

/// Limits on connections (libp2p's `connection_limits`); `None` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimitsConfig {
    /// Established inbound connections (default 256).
    pub max_established_incoming: Option<u32>,
    /// Established outbound connections (default 256).
    pub max_established_outgoing: Option<u32>,
    /// Established connections per peer (default 4).
    pub max_established_per_peer: Option<u32>,
    /// Inbound connections being negotiated (default 64).
    pub max_pending_incoming: Option<u32>,
    /// Outbound connections being negotiated (default 64).
    pub max_pending_outgoing: Option<u32>,
}

impl Default for ConnectionLimitsConfig {
    fn default() -> Self {
        ConnectionLimitsConfig {
            max_established_incoming: Some(256),
            max_established_outgoing: Some(256),
            max_established_per_peer: Some(4),
            max_pending_incoming: Some(64),
            max_pending_outgoing: Some(64),
        }
    }
}

/// Configuration of a node.
#[derive(Debug, Clone)]
pub struct NetabaseConfig {
    /// Peer discovery.
    pub dht_discovery: DHTDiscoveryConfig,
    /// The storage backend (in the browser, `Memory`).
    pub storage_backend: StorageBackend,
    /// Whether every write to the file backends is durable before it returns (default `true`;
    /// `false` trades the last moments of writes on a crash for throughput).
    pub durable_writes: bool,
    /// Addresses to listen on (default TCP and QUIC on every IPv4 interface, ports chosen by the
    /// system; in the browser, none: browsers cannot listen). Add `/ip4/…/tcp/…/ws` to accept
    /// browser nodes.
    pub listen_addresses: Vec<Multiaddr>,
    /// The Kademlia protocol name (default `/netabase/kad/1.0.0`: an app-specific DHT, not the
    /// IPFS one). Nodes only talk DHT with nodes using the same name.
    pub kademlia_protocol: String,
    /// The identify protocol version advertised (default `/netabase/id/1.0.0`).
    pub identify_protocol: String,
    /// Whether the node answers DHT queries (server mode, the default natively) or only asks
    /// them (client mode, the default in the browser, which peers cannot dial).
    pub server_mode: bool,
    /// Kademlia replication factor: how many closest peers store a record (default 20).
    pub replication_factor: NonZeroUsize,
    /// How many peers must confirm a `put_record` or answer a `get_record` (default one).
    pub quorum: Quorum,
    /// How long stored records live without being republished (default 48 hours; `None`: forever).
    pub record_ttl: Option<Duration>,
    /// How often this node republishes its own records (default 22 hours).
    pub record_publication_interval: Option<Duration>,
    /// How long provider records live (default 48 hours).
    pub provider_ttl: Option<Duration>,
    /// How often this node republishes its provider records (default 12 hours).
    pub provider_publication_interval: Option<Duration>,
    /// How long a DHT query may run (default 30 seconds).
    pub query_timeout: Duration,
    /// How long an idle connection is kept (default 60 seconds).
    pub idle_connection_timeout: Duration,
    /// Connection limits.
    pub connection_limits: ConnectionLimitsConfig,
    /// Limits of the record store (records, value size, providers).
    pub record_store: RecordStoreConfig,
    /// Capacity of the command channel from handles to the node's task (default 128).
    pub command_channel_size: usize,
    /// Events buffered for each slow subscriber before it lags (default 1024).
    pub event_channel_size: usize,
}

impl Default for NetabaseConfig {
    fn default() -> Self {
        NetabaseConfig {
            dht_discovery: DHTDiscoveryConfig::default(),
            storage_backend: StorageBackend::default(),
            durable_writes: true,
            listen_addresses: if cfg!(target_arch = "wasm32") {
                Vec::new()
            } else {
                vec![
                    tcp_address(Ipv4Addr::UNSPECIFIED),
                    quic_address(Ipv4Addr::UNSPECIFIED),
                ]
            },
            kademlia_protocol: "/netabase/kad/1.0.0".into(),
            identify_protocol: "/netabase/id/1.0.0".into(),
            server_mode: !cfg!(target_arch = "wasm32"),
            replication_factor: NonZeroUsize::MIN.saturating_add(19),
            quorum: Quorum::One,
            record_ttl: Some(Duration::from_secs(48 * 60 * 60)),
            record_publication_interval: Some(Duration::from_secs(22 * 60 * 60)),
            provider_ttl: Some(Duration::from_secs(48 * 60 * 60)),
            provider_publication_interval: Some(Duration::from_secs(12 * 60 * 60)),
            query_timeout: Duration::from_secs(30),
            idle_connection_timeout: Duration::from_secs(60),
            connection_limits: ConnectionLimitsConfig::default(),
            record_store: RecordStoreConfig::default(),
            command_channel_size: 128,
            event_channel_size: 1024,
        }
    }
}

impl NetabaseConfig {
    /// The default configuration with another storage backend.
    pub fn with_backend(backend: StorageBackend) -> Self {
        NetabaseConfig {
            storage_backend: backend,
            ..NetabaseConfig::default()
        }
    }

    /// Listens only on these addresses.
    #[must_use]
    pub fn with_listen_addresses(mut self, addresses: impl IntoIterator<Item = Multiaddr>) -> Self {
        self.listen_addresses = addresses.into_iter().collect();
        self
    }

    /// A configuration for nodes that only meet on 127.0.0.1 (tests, demos): TCP on a
    /// loopback port chosen by the system, no mDNS (it skips loopback), in-memory storage.
    pub fn loopback() -> Self {
        let mut config = NetabaseConfig::with_backend(StorageBackend::Memory);
        config.listen_addresses = vec![tcp_address(Ipv4Addr::LOCALHOST)];
        config.dht_discovery.mdns_discovery.enabled = false;
        config
    }

    /// Uses this Kademlia protocol name.
    #[must_use]
    pub fn with_kademlia_protocol(mut self, protocol: impl Into<String>) -> Self {
        self.kademlia_protocol = protocol.into();
        self
    }

    /// Enables or disables mDNS.
    #[must_use]
    pub fn with_mdns(mut self, enabled: bool) -> Self {
        self.dht_discovery.mdns_discovery.enabled = enabled;
        self
    }

    /// Sets the replication factor.
    #[must_use]
    pub fn with_replication_factor(mut self, factor: NonZeroUsize) -> Self {
        self.replication_factor = factor;
        self
    }
}

//! Events a node publishes to its subscribers.

use libp2p::kad::{Mode, RecordKey};
use libp2p::{Multiaddr, PeerId};
use netabase_store::record_store::RecordError;

/// Something that happened on a node. Cloned for every subscriber; never lossy.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum NetabaseSwarmEvent<D> {
    /// The node listens on a new address.
    Listening {
        /// The address.
        address: Multiaddr,
    },
    /// The node stopped listening on an address.
    ListenAddressExpired {
        /// The address.
        address: Multiaddr,
    },
    /// A connection to a peer was established.
    ConnectionEstablished {
        /// The peer.
        peer: PeerId,
        /// The peer's address on this connection.
        address: Multiaddr,
        /// Whether the peer dialled us.
        inbound: bool,
    },
    /// A connection to a peer was closed.
    ConnectionClosed {
        /// The peer.
        peer: PeerId,
        /// Why, when there was an error.
        cause: Option<String>,
    },
    /// Dialling a peer failed.
    DialFailed {
        /// The peer, when known.
        peer: Option<PeerId>,
        /// The error.
        error: String,
    },
    /// mDNS found a peer on the local network.
    PeerDiscovered {
        /// The peer.
        peer: PeerId,
        /// Its address.
        address: Multiaddr,
    },
    /// An mDNS discovery expired.
    PeerExpired {
        /// The peer.
        peer: PeerId,
        /// Its address.
        address: Multiaddr,
    },
    /// A peer told us about itself (identify).
    PeerIdentified {
        /// The peer.
        peer: PeerId,
        /// Its agent version.
        agent_version: String,
        /// Its listen addresses.
        listen_addresses: Vec<Multiaddr>,
        /// Whether it speaks this node's Kademlia protocol (and was added to the routing table).
        speaks_our_dht: bool,
    },
    /// A peer entered (or was updated in) the DHT routing table.
    RoutingUpdated {
        /// The peer.
        peer: PeerId,
        /// Whether it is new in the table.
        is_new_peer: bool,
        /// Its known addresses.
        addresses: Vec<Multiaddr>,
    },
    /// The DHT mode changed (client or server).
    ModeChanged {
        /// The new mode.
        mode: Mode,
    },
    /// A DHT record was validated and stored in the local store.
    RecordStored {
        /// The record key.
        key: RecordKey,
        /// The model it holds.
        model: D,
        /// The record's publisher, when known.
        publisher: Option<PeerId>,
        /// The peer that sent it; `None` when stored by this node's own `put_record`, or when
        /// the sender is not known.
        from: Option<PeerId>,
    },
    /// A DHT record was refused: sent to this node, or found on the network by a query.
    RecordRejected {
        /// The record key.
        key: RecordKey,
        /// The record's publisher, when known.
        publisher: Option<PeerId>,
        /// The peer it came from, when known.
        from: Option<PeerId>,
        /// Why it was refused.
        reason: RecordError,
    },
}

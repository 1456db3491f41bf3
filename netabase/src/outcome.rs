//! What the node's operations report.

use libp2p::PeerId;
use libp2p::kad::RecordKey;

/// What `put_record` achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutRecordOutcome {
    /// The record's key.
    pub key: RecordKey,
    /// How many peers confirmed they stored the record before the query ended: the quorum
    /// when it was reached (the query ends at that confirmation; other peers it was sent to may
    /// store the record too), otherwise those that confirmed in time.
    pub peers_stored: usize,
    /// Whether the configured quorum confirmed. The record is stored locally either way.
    pub quorum_reached: bool,
}

/// What `start_providing` achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvideOutcome {
    /// The provided key.
    pub key: RecordKey,
    /// Requests of the announcement query that succeeded: the lookup of the closest peers
    /// and the announcements sent to them, counted together as libp2p reports them.
    /// Announcements get no answer, so this is no count of peers that stored the record.
    pub peers_stored: usize,
    /// Whether the announcement query finished in time.
    pub completed: bool,
}

/// What `bootstrap` achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapOutcome {
    /// Peers in the routing table afterwards.
    pub routing_table_peers: usize,
}

/// A record found by `get_record`, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundRecord<M> {
    /// The typed model.
    pub model: M,
    /// The peer that served it; `None` for this node's own store.
    pub source: Option<PeerId>,
}

//! The network crate's error type.

use libp2p::kad;
use netabase_store::error::NetabaseError;
use netabase_store::record_store::RecordError;

/// Everything that can go wrong in `netabase`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The node is not running: call `start_swarm` first (or again after `stop_swarm`).
    #[error("the node is not running; call start_swarm first")]
    NotRunning,

    /// `start_swarm` on a node that is already running.
    #[error("the node is already running")]
    AlreadyRunning,

    /// The node's task ended while a request was in flight (it was stopped, or it failed).
    #[error("the node stopped before answering")]
    Stopped,

    /// The local store failed.
    #[error(transparent)]
    Store(#[from] NetabaseError),

    /// An operating-system I/O error (data directory, identity file).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),

    /// The identity key in the data directory could not be read.
    #[error("the identity key at `{path}` is unreadable: {reason}")]
    Identity {
        /// The key file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A configuration value that cannot be used.
    #[error("invalid configuration: `{field}` {reason}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// Why.
        reason: String,
    },

    /// The transport could not be built or could not listen.
    #[error("transport error: {0}")]
    Transport(String),

    /// The local record store refused the record (too large, invalid, full).
    #[error("the local store refused the record: {0}")]
    RecordRefused(kad::store::Error),

    /// A record found on the network is not a valid record of this definition.
    #[error("an invalid record: {0}")]
    InvalidRecord(#[from] RecordError),

    /// A secondary key names no single record; DHT operations need a primary key.
    #[error("DHT operations need a primary key; a secondary key names no single record")]
    NotAPrimaryKey,

    /// `bootstrap` with no known peer to start from.
    #[error("no known peers to bootstrap from; add one with add_address or enable mDNS")]
    NoKnownPeers,

    /// A DHT query failed.
    #[error("the DHT query failed: {0}")]
    Query(String),
}

/// The result type of the network crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

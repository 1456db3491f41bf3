//! Requests from [`Netabase`](crate::Netabase) handles to the node's task; each carries the
//! channel its answer goes back on.

use std::collections::HashSet;

use libp2p::kad::{Mode, Record, RecordKey, RoutingUpdate};
use libp2p::{Multiaddr, PeerId, StreamProtocol};
use tokio::sync::oneshot;

use crate::errors::Result;
use crate::outcome::{BootstrapOutcome, FoundRecord, ProvideOutcome, PutRecordOutcome};

pub(crate) type Reply<T> = oneshot::Sender<T>;

pub(crate) enum Command<D> {
    PutRecord {
        record: Record,
        reply: Reply<Result<PutRecordOutcome>>,
    },
    GetRecord {
        key: RecordKey,
        reply: Reply<Result<Vec<FoundRecord<D>>>>,
    },
    RemoveRecord {
        key: RecordKey,
        reply: Reply<()>,
    },
    QueryLocalRecords {
        limit: Option<usize>,
        reply: Reply<Result<Vec<D>>>,
    },
    StartProviding {
        key: RecordKey,
        reply: Reply<Result<ProvideOutcome>>,
    },
    StopProviding {
        key: RecordKey,
        reply: Reply<()>,
    },
    GetProviders {
        key: RecordKey,
        reply: Reply<Result<HashSet<PeerId>>>,
    },
    Bootstrap {
        reply: Reply<Result<BootstrapOutcome>>,
    },
    AddAddress {
        peer: PeerId,
        address: Multiaddr,
        reply: Reply<RoutingUpdate>,
    },
    RemoveAddress {
        peer: PeerId,
        address: Multiaddr,
        reply: Reply<bool>,
    },
    RemovePeer {
        peer: PeerId,
        reply: Reply<bool>,
    },
    Dial {
        address: Multiaddr,
        reply: Reply<Result<()>>,
    },
    GetMode {
        reply: Reply<Mode>,
    },
    SetMode {
        mode: Option<Mode>,
        reply: Reply<Mode>,
    },
    ProtocolNames {
        reply: Reply<Vec<StreamProtocol>>,
    },
    ListenAddresses {
        reply: Reply<Vec<Multiaddr>>,
    },
    ConnectedPeers {
        reply: Reply<Vec<PeerId>>,
    },
    RoutingTablePeers {
        reply: Reply<Vec<PeerId>>,
    },
    Stop {
        reply: Reply<()>,
    },
}
